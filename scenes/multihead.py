"""Topic ``multihead``: Q, K and V split into heads, one attention pattern per head, concat, W_o.

The story: Q with one row per token; its columns cut into one slice per head
(each head in its own colour, named "head 1", "head 2" ... from the trace),
and K and V cut the same way, so every head has its own Q, K and V; for the
first head and first token, the query against the head's keys giving one row
of attention weights, then every row of every head, drawn as grids whose cells
glow with their weight; each head's weights mixing its own values into a
context; the contexts concatenated side by side; the output projection W_o,
one entry worked in full as the whole concat row (every head's part, named by
its tag) times a column of W_o, product by product with its running sum, then
every entry; and the output next to the input X, the same shape. A
single-head lesson shows the same steps with its one head; a lesson without
W_o says the output is the concatenation. Where a matrix's digits would be
drawn below the teaching standard's floor, its rows and columns are elided
(``shown_indices``) rather than shrunk: in the per-head steps, the columns of
every head's Q, K, V and output, the same ones in every step (the first kept),
while the weight grids, whose every row and brightest cell the steps point
at, stay whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Create,
    DoubleArrow,
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from attention_math.facts import Fact, focus, head_habit
from scenes.kit import palette
from scenes.kit.attention import WeightGrid
from scenes.kit.equations import APPROX, EQUALS, Kind
from scenes.kit.narration import Num, Sentence, Tok, say_focus, say_habit
from scenes.kit.stage import Region, TopicScene
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    NUMBER_SIZE,
    MatrixView,
    TracedText,
    digit_height,
    entries,
    fit_in_frame,
    formula,
    label,
    match_columns,
    shown_indices,
)

__all__ = ["MultiheadScene"]

ROW_GAP = 0.45  # between the matrices of one head's row
HEAD_GAP = 0.4  # between the rows of different heads
TITLE_HEIGHT = 0.7
# The formula of each stage; the scores are divided by sqrt(d_k) only when the lesson scales.
HEAD_FORMULA = '"head"_h = "Attention"({{ Q_h : q }}, {{ K_h : k }}, {{ V_h : v }})'
CONTEXT_FORMULA = '{{ "head"_h : c }} = {{ A_h : a }} {{ V_h : v }}'
CONCAT_FORMULA = '{{ "concat" : c }} = ["head"_h "for every head" h]'
ONE_CONCAT_FORMULA = '{{ "concat" : c }} = "head"_h'
PROJECT_FORMULA = '{{ "output" : o }} = {{ "concat" : c }} dot {{ W_o : w }}'
COPY_FORMULA = '{{ "output" : o }} = {{ "concat" : c }}'


@dataclass
class _HeadRow:
    """What one head's row shows: its Q, K and V, and its tag ("head 2")."""

    q: MatrixView
    k: MatrixView
    v: MatrixView
    tag: TracedText


class _EntryTable(VGroup):
    """Output entry (0, 0) worked in full, one line per term of concat's first row::

                 concat the    W_o        product   running sum
        head 1   −0.15     ×   −0.9    =  0.14      0.14
                 −0.31     ×   −0.6    =  0.19      0.32
        head 2   ...
                                                    output = 0.48

    Each head's tag names its lines: the entry takes every head's part. A
    product its rounded factors do not give is drawn with "≈", a running sum
    that the one above it plus its product (as drawn) do not give gets a "≈"
    left of it, and the output "≈" when the drawn products do not add up to
    it (the scene's equation log decides, see ``scenes.kit.equations``).
    """

    def __init__(self, scene: MultiheadScene) -> None:
        super().__init__()
        numbers = scene.numbers
        decimals = numbers.decimals
        self.d_v = d_v = scene.trace.concat.shape[1]
        self.left = [numbers.number(f"concat[0][{m}]", colour=palette.CONTEXT) for m in range(d_v)]
        self.right = [numbers.number(f"w_o[{m}][0]", colour=palette.WEIGHT_MATRIX) for m in range(d_v)]
        self.products = [numbers.number(f"output_terms[0][0][{m}]") for m in range(d_v)]
        self.partials = [
            numbers.number(f"output_partial[0][0][{m}]", colour=palette.OUTPUT) for m in range(d_v)
        ]
        self.result = numbers.number("output[0][0]", colour=palette.OUTPUT)
        self.times = VGroup(*(label("×", colour=palette.MUTED) for _ in range(d_v)))
        #: The sign each product is drawn with, and the total's ("=" or "≈"): the narration says "about".
        self.product_signs = [
            scene.equations.record(
                Kind.PRODUCT, [self.left[m], self.right[m]], self.products[m], decimals=decimals
            )
            for m in range(d_v)
        ]
        self.signs = [label(sign, colour=palette.MUTED) for sign in self.product_signs]
        # A running sum is the one above it plus its product: where the rounded numbers
        # drawn do not give it, a "≈" stands left of it.
        self.running_marks: dict[int, VMobject] = {}
        for m in range(1, d_v):
            sign = scene.equations.record(
                Kind.SUM, [self.partials[m - 1], self.products[m]], self.partials[m], decimals=decimals
            )
            if sign == APPROX:
                self.running_marks[m] = label(APPROX, colour=palette.MUTED, font_size=22)
        self.total = scene.equations.record(Kind.SUM, self.products, self.result, decimals=decimals)
        self.total_sign = label(self.total, colour=palette.MUTED)
        self.total_name = formula('{{ "output" : o }}', {"o": palette.OUTPUT})
        heads = [
            VGroup(formula('{{ "concat" : c }}', {"c": palette.CONTEXT}), numbers.token(0)).arrange(
                RIGHT, buff=0.2
            ),
            formula("{{ W_o : w }}", {"w": palette.WEIGHT_MATRIX}),
            label("product", colour=palette.MUTED, font_size=22),
            label("running sum", colour=palette.MUTED, font_size=22),
        ]
        self.headings = VGroup(*heads)

        columns: list[list[VMobject]] = [
            list(self.left),
            list(self.times),
            list(self.right),
            list(self.signs),
            list(self.products),
            list(self.partials),
        ]
        widths = [max(m.width for m in column) for column in columns]
        for k, heading in zip((0, 2, 4, 5), heads, strict=True):
            widths[k] = max(widths[k], heading.width)
        gaps = [0.25, 0.25, 0.3, 0.3, 0.6]
        xs = [widths[0] / 2]
        for k in range(1, len(columns)):
            xs.append(xs[-1] + widths[k - 1] / 2 + gaps[k - 1] + widths[k] / 2)
        row_h = max(m.height for m in (*self.left, *self.right, *self.products)) + 0.26
        for m in range(d_v):
            for k, column in enumerate(columns):
                column[m].move_to((xs[k], -(m + 1) * row_h, 0))
        # The numbers of a column line up on their right edges, as in a sum worked by hand.
        for k in (0, 2, 4, 5):
            right = xs[k] + widths[k] / 2
            for mob in columns[k]:
                mob.shift((right - mob.get_right()[0]) * RIGHT)
        for k, heading in zip((0, 2, 4, 5), heads, strict=True):
            heading.move_to((xs[k], 0, 0))
        for m, mark in self.running_marks.items():
            mark.next_to(self.partials[m], LEFT, buff=0.12)
        self.result.move_to((xs[5], -(d_v + 1.3) * row_h, 0))
        self.result.shift((xs[5] + widths[5] / 2 - self.result.get_right()[0]) * RIGHT)
        self.total_sign.next_to(self.result, LEFT, buff=0.25)
        self.total_name.next_to(self.total_sign, LEFT, buff=0.25)
        self.rule = Line(
            (xs[5] - widths[5] / 2, -(d_v + 0.6) * row_h, 0),
            (xs[5] + widths[5] / 2, -(d_v + 0.6) * row_h, 0),
            color=palette.MUTED,
            stroke_width=2,
        )

        # Each head's tag left of its lines, a bar in its colour joining them.
        self.tags = VGroup()
        d_h = scene.d_h
        for h in range(scene.h):
            lines = VGroup(*self.left[h * d_h : (h + 1) * d_h])
            bar = Line(
                lines.get_corner(UP + LEFT) + 0.25 * LEFT,
                lines.get_corner(DOWN + LEFT) + 0.25 * LEFT,
                color=palette.head_colour(h),
                stroke_width=4,
            )
            tag = scene.head_tag(h, font_size=NUMBER_SIZE)
            tag.next_to(bar, LEFT, buff=0.2)
            self.tags.add(VGroup(bar, tag))
        self.add(
            self.headings,
            *self.left,
            self.times,
            *self.right,
            *self.signs,
            *self.products,
            *self.partials,
            *self.running_marks.values(),
            self.tags,
            self.rule,
            self.total_name,
            self.total_sign,
            self.result,
        )


class MultiheadScene(TopicScene):
    """Q, K, V split by head; each head's weights and context; concat; W_o; output shaped like X."""

    topic = "multihead"
    #: Whether each head's row of matrices may wrap onto lines in a frame not upright (see
    #: :meth:`_choose_head_columns`): only when eliding columns cannot keep its digits at the floor.
    _wrap_rows: bool = False

    def construct(self) -> None:
        trace = self.trace
        self.n, self.d = trace.x.shape
        self.h = len(trace.heads)
        # Every head has the same widths.
        self.d_k = trace.heads[0].q.shape[1]
        self.d_h = trace.heads[0].v.shape[1]
        # The first head (and first token) is shown in full, the others follow.
        self.first = self.first_head.index
        self.shown_title = self.title(HEAD_FORMULA, max_height=TITLE_HEIGHT)
        self._choose_head_columns()

        slices = self._split_q()
        rows = self._per_head(slices)
        grids = self._patterns(rows)
        contexts = self._contexts(rows, grids)
        concat = self._concatenate(contexts)
        output = self._project(concat)
        self._same_shape(output)

    # -- Q, K and V per head -----------------------------------------------------------

    def _split_q(self) -> list[MatrixView]:
        """Q whole, then cut into one column slice per head; returns the slices."""
        q_view, slices, tags = self._split_layout()
        if self.h == 1:
            self.step(
                "This lesson has a single head: the same steps, with one head",
                say=(
                    self.say("Multi-head attention runs several attention heads side by side."),
                    self.say(
                        "This lesson has a single head, so we follow the same steps with just that one."
                    ),
                ),
            )
        else:
            self.step(
                "Multi-head attention runs several attention heads side by side",
                say=(
                    self.say(
                        "Multi-head attention runs several attention heads side by side, "
                        "each with its own slice of Q, K and V."
                    ),
                    self.say(
                        "One head can capture only one kind of relationship between tokens; "
                        "several heads can each look for a different one."
                    ),
                ),
            )
        self.play(FadeIn(self.shown_title), run_time=1.0)
        self.wait(0.5)

        self.step(
            "Start from the queries Q: one row per token",
            say=self.say(
                "We start from the queries Q, one row per token: "
                "what each token is looking for in the others."
            ),
        )
        self.play(FadeIn(q_view), run_time=1.0)
        self.wait(0.6)

        if self.h == 1:
            self.step(
                "With a single head, the head gets every column of Q",
                say=self.say("With a single head, head", Num(self._number(0)), "gets every column of Q."),
            )
        else:
            self.step(
                "Cut the columns of Q into slices: one slice per head",
                say=(
                    self.say(
                        "The columns of Q are cut into equal slices, one per head: head",
                        Num(self._number(0)),
                        "takes the first, head",
                        Num(self._number(self.h - 1)),
                        "the last.",
                    ),
                    self.say(
                        "Each head works on its own slice, so each can learn to look for something else."
                    ),
                ),
            )
        # Each head's slice framed in the heads' neutral colour: Q keeps the query colour.
        frames = [
            SurroundingRectangle(
                VGroup(*(q_view.column(h * self.d_k + c) for c in range(self.d_k))),
                color=palette.head_colour(h),
                buff=0.06,
                stroke_width=2,
            )
            for h in range(self.h)
        ]
        self.play(*(Create(frame) for frame in frames), run_time=0.8)
        moves: list[Animation] = [
            ReplacementTransform(q_view.cell(i, h * self.d_k + c), view.cell(i, c))
            for h, view in enumerate(slices)
            for i in range(self.n)
            for c in range(self.d_k)
        ]
        moves += [
            ReplacementTransform(q_view.row_labels, slices[0].row_labels),
            ReplacementTransform(q_view.heading, slices[0].heading),
            FadeOut(q_view.brackets),
            FadeIn(VGroup(*(v.brackets for v in slices))),
            FadeIn(VGroup(*(v.heading for v in slices[1:]))),
            FadeIn(VGroup(*tags), shift=0.1 * UP),
            *(FadeOut(frame) for frame in frames),
        ]
        self.play(*moves, run_time=1.2)
        for view in slices:
            self.add(view)
        self.wait(0.8)
        self._split_tags = tags
        return slices

    def _split_layout(self) -> tuple[MatrixView, list[MatrixView], list[TracedText]]:
        """Q whole, placed where its slices (each tagged with its head) will stand."""
        numbers = self.numbers
        q_view = MatrixView(
            numbers,
            entries("q"),
            self.trace.q.shape,
            colour=palette.QUERY,
            name=formula("{{ Q : q }}", {"q": palette.QUERY}),
            row_labels=[numbers.token(i) for i in range(self.n)],
        )
        slices = [self._head_view(h, "q", "Q_h", palette.QUERY, tokens=h == 0) for h in range(self.h)]
        tags = [self.head_tag(h) for h in range(self.h)]
        for view, tag in zip(slices, tags, strict=True):
            tag.next_to(view.brackets, DOWN, buff=0.2)
        split = VGroup(*(VGroup(view, tag) for view, tag in zip(slices, tags, strict=True)))
        split.arrange(RIGHT, buff=0.7, aligned_edge=UP)
        self.fit_into(split, self._room(gap=0.4, side=0.5, caption_gap=0.3), max_growth=1.4)
        q_view.scale(slices[0].scale_factor)
        # Q whole sits where its slices will be, so the cut reads as columns moving apart.
        slice_brackets = VGroup(*(view.brackets for view in slices))
        q_view.shift(slice_brackets.get_center() - q_view.brackets.get_center())
        return q_view, slices, tags

    def _per_head(self, slices: list[MatrixView]) -> list[_HeadRow]:
        """Each head's own Q, K and V in a row of its own; returns the rows."""
        views = self._qkv_rows()
        tags = self._arrange_rows([list(row) for row in views], below=self.shown_title)
        rows = [_HeadRow(q, k, v, tag) for (q, k, v), tag in zip(views, tags, strict=True)]

        if self.h == 1:
            self.step(
                "K and V stay whole too: the head has its own Q, K and V",
                say=self.say("K and V stay whole too: the one head has all of the queries, keys and values."),
            )
        else:
            self.step(
                "K and V are cut the same way: each head has its own Q, K and V",
                say=(
                    self.say("The keys K and the values V are cut the same way."),
                    self.say(
                        "So each head has its own queries, keys and values: "
                        "it compares its own queries with its own keys, and mixes its own values."
                    ),
                ),
            )
        self.play(
            *(move for h in range(self.h) for move in self._narrow(slices[h], rows[h].q)),
            *(ReplacementTransform(self._split_tags[h], rows[h].tag) for h in range(self.h)),
            *(FadeIn(VGroup(row.k, row.v), shift=0.2 * LEFT) for row in rows),
            run_time=1.4,
        )
        # What is left of the whole slices (nothing drawn) goes; each head's Q stays whole as a view.
        self.remove(*slices)
        self.add(*(row.q for row in rows))
        self.wait(1.0)
        return rows

    def _narrow(self, whole: MatrixView, view: MatrixView) -> list[Animation]:
        """``whole`` becoming ``view`` of the same matrix: its numbers move, those ``view`` elides fade."""
        if whole.shown_entries() == view.shown_entries():
            return [ReplacementTransform(whole, view)]
        moves: list[Animation] = [
            ReplacementTransform(whole.cell(i, j), view.cell(i, j)) for i, j in view.shown_entries()
        ]
        moves += [FadeOut(whole.cell(i, j)) for i, j in whole.shown_entries() if not view.shows(i, j)]
        moves += [
            ReplacementTransform(whole.brackets, view.brackets),
            ReplacementTransform(whole.heading, view.heading),
            FadeIn(view.ellipses),
        ]
        if len(whole.ellipses):
            moves.append(FadeOut(whole.ellipses))
        if len(view.row_labels):
            moves.append(ReplacementTransform(whole.row_labels, view.row_labels))
        return moves

    # -- attention patterns ------------------------------------------------------------

    def _patterns(self, rows: list[_HeadRow]) -> list[WeightGrid]:
        """Each head's attention weights: one row in full for the first head, then all."""
        pattern_rows = self._pattern_rows()
        new_q = [q for q, _, _ in pattern_rows]
        new_k = [k for _, k, _ in pattern_rows]
        grids = [grid for _, _, grid in pattern_rows]
        tags = self._arrange_rows([list(row) for row in pattern_rows], below=self.shown_title)
        title = self._pattern_title()

        # The scores are divided by the square root of d_k only when the lesson scales them.
        compared = (
            "by a dot product, divided by the square root of d k."
            if self.trace.lesson.scale
            else "by a dot product."
        )
        if self.h == 1:
            self.step(
                "First token: its query is compared with every key",
                say=(
                    self.say("The head does attention as usual."),
                    self.say(
                        "Take the first token,", Tok(0), ": its query is compared with every key,", compared
                    ),
                ),
            )
        else:
            self.step(
                "First head, first token: its query is compared with every key of that head",
                say=(
                    self.say("Inside each head, attention works as with a single head."),
                    self.say(
                        "Take head",
                        Num(self._number(self.first)),
                        "and its first token,",
                        Tok(0),
                        ": its query is compared with every key of that head,",
                        compared,
                    ),
                ),
            )
        self.play(
            ReplacementTransform(self.shown_title, title),
            *(FadeOut(row.v) for row in rows),
            *(ReplacementTransform(rows[h].q, new_q[h]) for h in range(self.h)),
            *(ReplacementTransform(rows[h].k, new_k[h]) for h in range(self.h)),
            *(ReplacementTransform(rows[h].tag, tags[h]) for h in range(self.h)),
            *(FadeIn(grid.skeleton()) for grid in grids),
            run_time=1.2,
        )
        self.shown_title = title
        for row, q, k, tag in zip(rows, new_q, new_k, tags, strict=True):
            row.q, row.k, row.tag = q, k, tag
        self._first_weights(rows[self.first], grids[self.first])
        self._every_weight(grids)
        self._brightest(grids)
        return grids

    def _first_weights(self, row: _HeadRow, grid: WeightGrid) -> None:
        """The first token's query against the first head's keys: its row of weights."""
        q_box = row.q.row_box(0, palette.HIGHLIGHT)
        k_box = SurroundingRectangle(row.k.brackets, color=palette.KEY, buff=0.05, stroke_width=3)
        self.play(Create(q_box), Create(k_box), run_time=0.8)
        self.wait(0.6)

        self.step(
            "Softmax turns those scores into one row of weights: brighter means more attention",
            say=(
                self.say(
                    "The softmax turns those scores into weights that add up to one: "
                    "the brighter the cell, the more attention."
                ),
                say_focus(
                    self.narrator, focus(self.trace, self.first, 0), weights_path=self._weights(self.first)
                ),
            ),
        )
        grid_box = grid.row_box(0, palette.HIGHLIGHT)
        self.play(
            TransformFromCopy(row.q.row(0), grid.row_cells(0)),
            FadeIn(grid.row_tiles(0)),
            Create(grid_box),
            run_time=1.2,
        )
        self.wait(1.2)
        self._first_boxes = VGroup(q_box, k_box, grid_box)

    def _every_weight(self, grids: list[WeightGrid]) -> None:
        """Every other row of every head's weights, head by head."""
        if self.h > 1:
            self.step(
                "The same for every token of every head",
                say=self.say(
                    "Every token of every head gets its row of weights the same way, "
                    "from that head's own queries and keys."
                ),
            )
        else:
            self.step(
                "The same for every token",
                say=self.say("Every other token gets its row of weights the same way."),
            )
        self.play(FadeOut(self._first_boxes), run_time=0.4)
        for h, grid in enumerate(grids):
            rest = [grid.row(i) for i in range(self.n) if (h, i) != (self.first, 0)]
            self.play(LaggedStart(*(FadeIn(r) for r in rest), lag_ratio=0.3), run_time=0.5 + 0.2 * len(rest))
        self.wait(0.6)

    def _brightest(self, grids: list[WeightGrid]) -> None:
        """Where each token looks most, per head: geometry from the trace, no number made."""
        boxes = VGroup(
            *(
                grid.cell_box(i, int(np.argmax(self.trace.heads[h].weights[i])), palette.HIGHLIGHT)
                for h, grid in enumerate(grids)
                for i in range(self.n)
            )
        )
        if self.h == 1:
            caption = "The brightest cell of each row: the token it attends to most"
        elif any(
            int(np.argmax(self.trace.heads[h].weights[i])) != int(np.argmax(self.trace.heads[0].weights[i]))
            for h in range(1, self.h)
            for i in range(self.n)
        ):
            caption = "Each head attends in its own way: the brightest cells differ"
        else:
            caption = "Each head's brightest cells: here the heads agree"
        self.step(caption, say=self._brightest_said())
        self.play(LaggedStart(*(Create(b) for b in boxes), lag_ratio=0.1), run_time=1.2)
        self.wait(1.5)
        # The boxes stay while the narration speaks of them; they leave as the next step begins.
        self._brightest_boxes = boxes

    # -- each head's context -----------------------------------------------------------

    def _contexts(self, rows: list[_HeadRow], grids: list[WeightGrid]) -> list[MatrixView]:
        """Each head's weights times its values: the first row in full, then all."""
        context_rows = self._context_rows()
        new_grids = [grid for grid, _, _ in context_rows]
        new_v = [v for _, v, _ in context_rows]
        contexts = [context for _, _, context in context_rows]
        # Laid out under the title they are shown with, which replaces the weights' formula.
        title = self.title(CONTEXT_FORMULA, max_height=TITLE_HEIGHT)
        tags = self._arrange_rows([list(row) for row in context_rows], below=title)

        # Said while the first token's context row is drawn (its first entry on screen).
        first_entry = self.say(
            "For",
            Tok(0),
            ", that gives a new row starting with",
            Num(f"heads[{self.first}].context[0][0]"),
            ": a weighted sum of the values, taking most from where it attends most.",
        )
        if self.h == 1:
            self.step(
                "The head mixes the values: its weights times V",
                say=(self.say("Next, the head mixes the values V, using its weights."), first_entry),
            )
        else:
            self.step(
                "Each head mixes its own values: its weights times its V",
                say=(self.say("Next, each head mixes its own values V, using its own weights."), first_entry),
            )
        self.play(
            ReplacementTransform(self.shown_title, title),
            FadeOut(self._brightest_boxes),
            *(FadeOut(VGroup(row.q, row.k)) for row in rows),
            *(ReplacementTransform(grids[h], new_grids[h]) for h in range(self.h)),
            *(ReplacementTransform(rows[h].tag, tags[h]) for h in range(self.h)),
            *(FadeIn(new_v[h], shift=0.2 * LEFT) for h in range(self.h)),
            *(FadeIn(VGroup(c.brackets, c.heading)) for c in contexts),
            run_time=1.2,
        )
        self.shown_title = title
        for row, tag in zip(rows, tags, strict=True):
            row.tag = tag
        first = self.first
        self._first_context(new_grids[first], new_v[first], contexts[first])
        self._every_context(contexts)
        self._context_rest = [VGroup(new_grids[h], new_v[h], tags[h]) for h in range(self.h)]
        return contexts

    def _first_context(self, grid: WeightGrid, values: MatrixView, context: MatrixView) -> None:
        """The first token's row of weights times V: its context row, entry by entry."""
        w_box = grid.row_box(0, palette.HIGHLIGHT)
        v_box = SurroundingRectangle(values.brackets, color=palette.VALUE, buff=0.05, stroke_width=3)
        first = [context.make_cell(0, c) for c in context.shown_columns]
        out_box = context.row_box(0, palette.HIGHLIGHT)
        self.play(Create(w_box), Create(v_box), run_time=0.7)
        self.play(
            LaggedStart(
                *(
                    TransformFromCopy(VGroup(grid.row_cells(0), values.column(c)), cell)
                    for c, cell in zip(context.shown_columns, first, strict=True)
                ),
                lag_ratio=0.3,
            ),
            Create(out_box),
            run_time=1.2,
        )
        for c, cell in zip(context.shown_columns, first, strict=True):
            context.set_cell(0, c, cell)
        self.wait(0.8)
        self._first_boxes = VGroup(w_box, v_box, out_box)

    def _every_context(self, contexts: list[MatrixView]) -> None:
        """Every other context row of every head, head by head."""
        if self.h > 1:
            self.step(
                "The same for every row of every head",
                say=self.say(
                    "Every row of every head is mixed the same way, "
                    "so each head gives one new row per token: the token as that head sees it."
                ),
            )
        else:
            self.step(
                "The same for every row",
                say=self.say("Every row is mixed the same way: the head gives one new row per token."),
            )
        self.play(FadeOut(self._first_boxes), run_time=0.4)
        for h, view in enumerate(contexts):
            cells = [
                (i, c, view.make_cell(i, c))
                for i in range(self.n)
                for c in view.shown_columns
                if (h, i) != (self.first, 0)
            ]
            self.play(
                LaggedStart(*(FadeIn(m, shift=0.1 * DOWN) for _, _, m in cells), lag_ratio=0.1), run_time=1.0
            )
            for i, c, m in cells:
                view.set_cell(i, c, m)
        self.wait(0.8)

    # -- concatenation and W_o ---------------------------------------------------------

    def _concatenate(self, contexts: list[MatrixView]) -> MatrixView:
        """The heads' contexts side by side: one matrix, each head's columns in its colour."""
        n = self.n
        concat = self._concat_view()
        tags = self._column_tags(concat)
        # Centred between the title and the caption, kept clear of the caption by the tags' room.
        room = self._room(gap=0.4, side=0.5, caption_gap=0.0)
        group = VGroup(concat, tags)
        fit_in_frame(group, max_width=room.width, max_height=room.height - 0.3, max_growth=1.4)
        group.move_to(room.centre)
        title = self.title(CONCAT_FORMULA if self.h > 1 else ONE_CONCAT_FORMULA, max_height=TITLE_HEIGHT)

        if self.h == 1:
            self.step(
                "With one head, the concatenation is that head's output",
                say=self.say(
                    "With several heads, their outputs would now be set side by side; "
                    "with one head, the concatenation is just that head's output."
                ),
            )
        else:
            self.step(
                "Concatenate the heads' outputs side by side",
                say=(
                    self.say("The heads' outputs are concatenated: set side by side, one row per token."),
                    self.say(
                        "The columns of head",
                        Num(self._number(0)),
                        "come first, those of head",
                        Num(self._number(self.h - 1)),
                        "last, so each row holds what every head found.",
                    ),
                ),
            )
        moves: list[Animation] = [
            ReplacementTransform(self.shown_title, title),
            FadeOut(VGroup(*self._context_rest)),
        ]
        for h, view in enumerate(contexts):
            # A column the head's output elides (not drawn there) fades in.
            moves += [
                ReplacementTransform(view.cell(i, c), concat.cell(i, h * self.d_h + c))
                if view.shows(i, c)
                else FadeIn(concat.cell(i, h * self.d_h + c))
                for i in range(n)
                for c in range(self.d_h)
            ]
            moves.append(FadeOut(VGroup(view.brackets, view.heading, view.ellipses)))
        moves += [
            FadeIn(VGroup(concat.brackets, concat.heading, concat.row_labels)),
            FadeIn(tags, shift=0.1 * UP),
        ]
        self.play(*moves, run_time=1.4)
        self.add(concat)
        self.shown_title = title
        self.wait(1.2)
        self._concat_tags = tags
        return concat

    def _concat_view(
        self, rows: Sequence[int] | None = None, columns: Sequence[int] | None = None
    ) -> MatrixView:
        """concat, one row per token (only ``rows`` and ``columns`` of it, when given)."""
        shown = range(self.n) if rows is None else rows
        return MatrixView(
            self.numbers,
            entries("concat"),
            self.trace.concat.shape,
            colour=palette.CONTEXT,
            name=formula('{{ "concat" : c }}', {"c": palette.CONTEXT}),
            row_labels=[self.numbers.token(i) for i in shown],
            rows=rows,
            columns=columns,
        )

    def _column_tags(self, concat: MatrixView) -> VGroup:
        """Each head's tag under its columns of ``concat`` (widened if a tag needs the room)."""
        tags = [self.head_tag(h) for h in range(self.h)]
        widest = max(tag.width for tag in tags)
        if widest + 0.3 > self.d_h * concat.column_width:
            concat.set_column_width((widest + 0.3) / self.d_h)
        for h, tag in enumerate(tags):
            cols = VGroup(*(concat.column(h * self.d_h + c) for c in range(self.d_h)))
            tag.next_to(concat.brackets, DOWN, buff=0.2).set_x(cols.get_center()[0])
        return VGroup(*tags)

    def _project(self, concat: MatrixView) -> MatrixView:
        """The output projection W_o, one entry as a row times a column, then all (or output = concat)."""
        if self.trace.w_o is None:
            new_concat = self._concat_view()
            output = self._empty_output()
            self._copy_out(concat, new_concat, output)
        else:
            new_concat, w_view, output = self._project_layout()
            self.step("The output projection W_o mixes the heads back together", say=self._projection_said())
            arriving = [FadeIn(w_view), FadeIn(VGroup(output.brackets, output.ellipses, output.heading))]
            self._enter_projection(concat, new_concat, PROJECT_FORMULA, arriving, run_time=1.2)
            self.wait(0.4)
            self._first_output_entry(new_concat, w_view, output)
            self._every_output_entry(new_concat, output)
            self._project_rest = VGroup(new_concat, w_view)
        return output

    def _empty_output(
        self, rows: Sequence[int] | None = None, columns: Sequence[int] | None = None
    ) -> MatrixView:
        """The output, its numbers still to come (only ``rows`` and ``columns`` of it, when given)."""
        return MatrixView(
            self.numbers,
            entries("output"),
            self.trace.output.shape,
            colour=palette.OUTPUT,
            filled=False,
            rows=rows,
            columns=columns,
        )

    def _copy_out(self, concat: MatrixView, new_concat: MatrixView, output: MatrixView) -> None:
        """Without W_o the output is the concatenation: its numbers copied across."""
        n, d_out = output.shape
        equals = label("=", colour=palette.MUTED)
        self._name_output(output, below=False)
        group = VGroup(new_concat, equals, output).arrange(RIGHT, buff=0.5)
        self.fit_into(group, self._room(gap=0.35, side=0.5, caption_gap=0.25), max_growth=1.4)
        self.step(
            "This lesson has no output projection W_o: the output is the concatenation",
            say=self.say(
                "This lesson has no output projection W o, so the concatenation itself is the output, "
                "copied across unchanged."
            ),
        )
        self._enter_projection(concat, new_concat, COPY_FORMULA, [], run_time=1.0)
        cells = {(i, j): output.make_cell(i, j) for i in range(n) for j in range(d_out)}
        self.play(
            FadeIn(equals),
            FadeIn(VGroup(output.brackets, output.heading)),
            *(TransformFromCopy(new_concat.cell(i, j), cell) for (i, j), cell in cells.items()),
            run_time=1.4,
        )
        for (i, j), cell in cells.items():
            output.set_cell(i, j, cell)
        self.wait(1.5)
        self._project_rest = VGroup(new_concat, equals)

    def _project_layout(self) -> tuple[MatrixView, MatrixView, MatrixView]:
        """The textbook layout of a product: W_o above the output, concat to its left.

        A row of concat and a column of W_o meet at the entry they make; W_o's
        columns stand exactly over the output's columns. Where the digits would
        read too small, rows and columns are elided (the first token's row and the
        first column always shown). Returns concat, W_o and the empty output.
        """
        w_o = self.trace.w_o
        assert w_o is not None
        d_v, d_out = w_o.shape
        room = self._room(gap=0.35, side=0.5, caption_gap=0.25)
        # Rooms of the token rows, of concat's columns (W_o's rows) and of the output's columns.
        rooms = [self.n, d_v, d_out]
        while True:
            rows, inner, outer = (
                shown_indices(count, r, focus=[0])
                for count, r in zip((self.n, d_v, d_out), rooms, strict=True)
            )
            new_concat = self._concat_view(rows=rows, columns=inner)
            output = self._empty_output(rows=rows, columns=outer)
            w_view = MatrixView(
                self.numbers,
                entries("w_o"),
                w_o.shape,
                colour=palette.WEIGHT_MATRIX,
                rows=inner,
                columns=outer,
            )
            w_name = formula("{{ W_o : w }}", {"w": palette.WEIGHT_MATRIX})
            match_columns(w_view, output)
            if self.upright:
                # A narrow frame: concat on top, W_o under it, the output under W_o, columns lined up.
                w_view.next_to(new_concat, DOWN, buff=0.45)
                w_view.set_x(new_concat.brackets.get_center()[0])
                output.next_to(w_view.brackets, DOWN, buff=0.35)
                output.set_x(w_view.brackets.get_center()[0])
            else:
                output.next_to(new_concat.brackets, RIGHT, buff=0.6)
                output.set_y(new_concat.brackets.get_center()[1])
                w_view.next_to(output.brackets, UP, buff=0.35)
                w_view.set_x(output.brackets.get_center()[0])
            w_name.next_to(w_view.brackets, RIGHT, buff=0.25)
            w_view.add(w_name)
            # Under the output, so the names do not widen the whole picture.
            self._name_output(output, below=True)
            group = VGroup(new_concat, w_view, output)
            self.fit_into(group, room, max_growth=1.3)
            if (digit_height(group) or DIGIT_FLOOR) >= DIGIT_FLOOR or max(rooms) <= 3:
                return new_concat, w_view, output
            # The widest first: columns before token rows.
            rooms[max((1, 2, 0), key=lambda k: rooms[k])] -= 1

    @staticmethod
    def _name_output(output: MatrixView, *, below: bool) -> None:
        """Give the (unnamed) output its name, over it or under it."""
        name = formula('{{ "output" : o }}', {"o": palette.OUTPUT})
        name.next_to(output.brackets, DOWN if below else UP, buff=0.2 if below else 0.15)
        output.heading, output.has_heading = name, True
        output.add(name)

    def _enter_projection(
        self,
        concat: MatrixView,
        new_concat: MatrixView,
        title: str,
        arriving: Sequence[Animation],
        *,
        run_time: float,
    ) -> None:
        """The concatenation moves to its place beside what comes in, under a new title."""
        new_title = self.title(title, max_height=TITLE_HEIGHT)
        self.play(
            ReplacementTransform(self.shown_title, new_title),
            ReplacementTransform(concat, new_concat),
            FadeOut(self._concat_tags),
            *arriving,
            run_time=run_time,
        )
        self.shown_title = new_title

    def _first_output_entry(self, concat: MatrixView, w_view: MatrixView, output: MatrixView) -> None:
        """Output entry (0, 0) in full: the whole first row of concat (every head's part) times
        W_o's first column, product by product with the running sum."""
        table = _EntryTable(self)
        self.fit_into(table, self._room(gap=0.35, side=0.5, caption_gap=0.25), max_growth=1.2)
        if self.h == 1:
            self.step("One entry: the whole concat row times a column of W_o", say=self._entry_said(table))
        else:
            self.step(
                "One entry: the whole concat row, every head, times a column of W_o",
                say=self._entry_said(table),
            )
        row_box = concat.row_box(0, palette.HIGHLIGHT)
        col_box = w_view.column_box(0, palette.WEIGHT_MATRIX)
        self.play(Create(row_box), Create(col_box), run_time=0.7)
        self.wait(0.6)

        layout = VGroup(concat, w_view, output)
        # Each factor flies from its matrix; one the matrix elides (not drawn there) fades in.
        factors: list[Animation] = []
        for m in range(table.d_v):
            for view, source, target in (
                (concat, (0, m), table.left[m]),
                (w_view, (m, 0), table.right[m]),
            ):
                if view.shows(*source):
                    factors.append(TransformFromCopy(view.cell(*source), target))
                else:
                    factors.append(FadeIn(target))
        self.play(
            FadeOut(VGroup(layout, row_box, col_box)),
            FadeIn(VGroup(table.headings, table.times, table.tags)),
            *factors,
            run_time=1.2,
        )
        for m in range(table.d_v):
            self.play(
                TransformFromCopy(VGroup(table.left[m], table.right[m]), table.products[m]),
                FadeIn(table.signs[m]),
                FadeIn(
                    VGroup(
                        table.partials[m], *([table.running_marks[m]] if m in table.running_marks else [])
                    ),
                    shift=0.1 * DOWN,
                ),
                run_time=0.45 if table.d_v > 4 else 0.6,
            )
        self.play(
            FadeIn(VGroup(table.rule, table.total_name, table.total_sign)), FadeIn(table.result), run_time=0.6
        )
        self.wait(0.8)
        result = table.result
        table.remove(result)  # on its own, so it can move into the output while the rest goes
        self._output_entry = (layout, table, result)

    def _every_output_entry(self, concat: MatrixView, output: MatrixView) -> None:
        """The entry goes to its place in the output; every other entry, a row of concat at a time."""
        self.step(
            "The same for every entry of the output",
            say=(
                self.say("Every other entry is made the same way: a row of concat times a column of W o."),
                *(
                    (self.say("So every number of the output draws on all the heads at once."),)
                    if self.h > 1
                    else ()
                ),
            ),
        )
        layout, panel, result = self._output_entry
        first = output.make_cell(0, 0)
        # Back piece by piece: the output's numbers join it one by one, not as a whole.
        concat_back, w_back = layout[0], layout[1]
        self.play(
            FadeOut(panel),
            FadeIn(concat_back),
            FadeIn(w_back),
            FadeIn(VGroup(output.brackets, output.ellipses, output.heading)),
            ReplacementTransform(result, first),
            run_time=1.0,
        )
        output.set_cell(0, 0, first)
        box: VMobject | None = None
        for i in output.shown_rows:
            cells = [(j, output.make_cell(i, j)) for j in output.shown_columns if (i, j) != (0, 0)]
            new_box = concat.row_box(i, palette.HIGHLIGHT)
            self.play(
                Create(new_box) if box is None else ReplacementTransform(box, new_box),
                LaggedStart(*(FadeIn(m, shift=0.1 * DOWN) for _, m in cells), lag_ratio=0.15),
                run_time=0.6,
            )
            for j, m in cells:
                output.set_cell(i, j, m)
            box = new_box
        assert box is not None  # the lesson has at least one token
        self.play(FadeOut(box), run_time=0.3)
        self.wait(0.5)

    # -- the result --------------------------------------------------------------------

    def _same_shape(self, output: MatrixView) -> None:
        """X and the output next to each other: one row per token each, the same width."""
        same = self.trace.output.shape == self.trace.x.shape
        d_out = self.trace.output.shape[1]
        # Rooms of the token rows and of the columns; elided (never shrunk below the floor) when large.
        rooms = [self.n, max(self.d, d_out)]
        while True:
            rows = shown_indices(self.n, rooms[0], focus=[0])
            x_view, new_out, between, group = self._same_shape_layout(
                rows, shown_indices(self.d, rooms[1]), shown_indices(d_out, rooms[1]), same=same
            )
            if (digit_height(group) or DIGIT_FLOOR) >= DIGIT_FLOOR or max(rooms) <= 3:
                break
            rooms[1 if rooms[1] >= rooms[0] else 0] -= 1

        if same:
            self.step(
                "The output has the same shape as the input X: one row per token, same width",
                say=(
                    self.say("The output has one row per token, exactly as wide as the input X."),
                    self.say("So it can be added back to X, and the next layer can take it as its input."),
                ),
            )
        else:
            self.step(
                "The output has one row per token, like the input X",
                say=self.say("The output has one row per token, like the input X, but another width."),
            )
        self.play(
            FadeOut(self._project_rest),
            ReplacementTransform(output, new_out),
            FadeIn(x_view),
            FadeIn(between),
            run_time=1.4,
        )
        self.wait(2.0)

    def _same_shape_layout(
        self, rows: Sequence[int], x_columns: Sequence[int], out_columns: Sequence[int], *, same: bool
    ) -> tuple[MatrixView, MatrixView, VGroup, VGroup]:
        """X and the output side by side (or one above the other), fitted; returns X, output, between, all."""
        x_view = MatrixView(
            self.numbers,
            entries("x"),
            self.trace.x.shape,
            colour=palette.EMBEDDING,
            name=formula("{{ X : x }}", {"x": palette.EMBEDDING}),
            row_labels=[self.numbers.token(i) for i in rows],
            rows=rows,
            columns=x_columns,
        )
        room = self._room(gap=0.35, side=0.5, caption_gap=0.25)
        new_out = self._output_view(with_tokens=False, rows=rows, columns=out_columns)
        # Side by side reads best; one above the other when that leaves the numbers larger.
        across = self.reads_across(x_view, new_out, room, across_gap=3.2, down_gap=1.6, max_growth=1.4)
        if not across:
            new_out = self._output_view(with_tokens=True, rows=rows, columns=out_columns)
        if same:
            # Equal column widths, so equal shapes look equal.
            match_columns(x_view, new_out)
        middle = label("same shape" if same else "same rows", colour=palette.MUTED, font_size=22)
        if across:
            arrow = DoubleArrow(
                LEFT * 0.7, RIGHT * 0.7, color=palette.MUTED, stroke_width=3, buff=0, tip_length=0.18
            )
            between = VGroup(middle, arrow).arrange(DOWN, buff=0.15)
            group = VGroup(x_view, between, new_out).arrange(RIGHT, buff=0.6)
        else:
            arrow = DoubleArrow(
                UP * 0.45, DOWN * 0.45, color=palette.MUTED, stroke_width=3, buff=0, tip_length=0.18
            )
            between = VGroup(arrow, middle).arrange(RIGHT, buff=0.2)
            group = VGroup(x_view, between, new_out).arrange(DOWN, buff=0.3)
            # The arrow stands between the two matrices' brackets, the words beside it.
            between.shift(RIGHT * (x_view.brackets.get_center()[0] - arrow.get_center()[0]))
        self.fit_into(group, room, max_growth=1.4)
        return x_view, new_out, between, group

    # -- narration ---------------------------------------------------------------------

    @staticmethod
    def _number(h: int) -> str:
        """The path of head ``h``'s number, drawn in its tag ("head 2")."""
        return f"heads[{h}].number"

    @staticmethod
    def _weights(h: int) -> str:
        return f"heads[{h}].weights"

    def _brightest_said(self) -> tuple[Sentence, ...]:
        """What the boxes show, and what the heads' weights say (facts, true for any lesson)."""
        boxes = self.say("Each box marks where a token attends most.")
        habits = [head_habit(self.trace, h) for h in range(self.h)]
        if self.h == 1:
            return boxes, self._habit_said(habits[0])
        kept = [fact for fact in habits if fact.found["habit"] != "varied" or not fact.found["of"]]
        if kept:
            # What a head mostly looks at, for at most two heads that have a habit.
            return (boxes, *(self._habit_said(fact) for fact in kept[:2]))
        general = self.say(
            "A head can learn its own habit: one may watch the token just before, another the token itself."
        )
        return (boxes, general, self._heads_compared(habits))

    def _habit_said(self, fact: Fact) -> Sentence:
        """What head ``fact.found["head"]`` mostly looks at; no habit is said as no simple pattern."""
        number = self._number(fact.found["head"])
        if fact.found["habit"] == "varied" and fact.found["of"]:
            return self.say(
                "Head",
                Num(number),
                "follows no simple habit here, such as the token itself or the one just before.",
                facts=[fact],
            )
        return say_habit(self.narrator, fact, number)

    def _heads_compared(self, habits: Sequence[Fact]) -> Sentence:
        """The first two heads side by side: a token that looks elsewhere in each, if there is one."""
        a, b = 0, 1
        for row in range(self.n):
            here, there = focus(self.trace, a, row), focus(self.trace, b, row)
            if here.kind == there.kind == "most" and here.found["targets"] != there.found["targets"]:
                return self.say(
                    "In head",
                    Num(self._number(a)),
                    ",",
                    Tok(row),
                    "attends most to",
                    Tok(here.found["targets"][0]),
                    "; in head",
                    Num(self._number(b)),
                    ", to",
                    Tok(there.found["targets"][0]),
                    ".",
                    facts=[here, there],
                )
        return self.say(
            "Here no head follows a simple habit, such as the token itself or the one just before.",
            facts=list(habits),
        )

    def _projection_said(self) -> tuple[Sentence, ...]:
        """Why W_o: it mixes the heads, and (when it does) brings the row back to the model's width."""
        mixes = (
            self.say("The output projection W o mixes the heads back together.")
            if self.h > 1
            else self.say("The output projection W o mixes the head's columns into the output.")
        )
        if self.trace.output.shape[1] == self.d:
            width = self.say(
                "Each output number draws on every column of concat, "
                "and the row comes back to the width of X."
            )
        else:
            width = self.say("Each output number draws on every column of concat.")
        return mixes, width

    def _entry_said(self, table: _EntryTable) -> tuple[Sentence, ...]:
        """Output entry (0, 0) worked in full: the row and column, the first product, the total."""
        row = self.say(
            "One entry in full: the whole concat row of",
            Tok(0),
            *((", every head's part,",) if self.h > 1 else ()),
            "times the first column of W o.",
        )
        product = self.say(
            "Pair by pair, first",
            Num("concat[0][0]"),
            "times",
            Num("w_o[0][0]"),
            "is" if table.product_signs[0] == EQUALS else "is about",
            Num("output_terms[0][0][0]"),
            ".",
        )
        if table.d_v == 1:
            return row, product, self.say("With a single pair, that product is the entry itself.")
        total = self.say(
            "The running sum adds up the products, to"
            if table.total == EQUALS
            else "The running sum adds up the products, to about",
            Num("output[0][0]"),
            ".",
        )
        return row, product, total

    # -- pieces ------------------------------------------------------------------------

    def _output_view(
        self, *, with_tokens: bool, rows: Sequence[int] | None = None, columns: Sequence[int] | None = None
    ) -> MatrixView:
        shown = range(self.n) if rows is None else rows
        return MatrixView(
            self.numbers,
            entries("output"),
            self.trace.output.shape,
            colour=palette.OUTPUT,
            name=formula('{{ "output" : o }}', {"o": palette.OUTPUT}),
            row_labels=[self.numbers.token(i) for i in shown] if with_tokens else None,
            rows=rows,
            columns=columns,
        )

    def _head_view(
        self,
        h: int,
        role: str,
        name: str,
        role_colour: str,
        *,
        tokens: bool = False,
        columns: Sequence[int] | None = None,
    ) -> MatrixView:
        """Head ``h``'s slice of Q, K or V, in the role's colour (the head is named by its tag)."""
        shape = getattr(self.trace.heads[h], role).shape
        return MatrixView(
            self.numbers,
            entries(f"heads[{h}].{role}"),
            shape,
            colour=role_colour,
            name=formula(f"{{{{ {name} : r }}}}", {"r": role_colour}),
            row_labels=[self.numbers.token(i) for i in range(shape[0])] if tokens else None,
            columns=columns,
        )

    # -- the per-head rows: what each step draws, and which columns fit -----------------

    def _qkv_rows(self) -> list[tuple[MatrixView, MatrixView, MatrixView]]:
        """Each head's Q, K and V (its drawn columns, see :meth:`_choose_head_columns`)."""
        return [
            (
                self._head_view(h, "q", "Q_h", palette.QUERY, tokens=True, columns=self.key_columns),
                self._head_view(h, "k", "K_h", palette.KEY, columns=self.key_columns),
                self._head_view(h, "v", "V_h", palette.VALUE, columns=self.value_columns),
            )
            for h in range(self.h)
        ]

    def _pattern_rows(self) -> list[tuple[MatrixView, MatrixView, WeightGrid]]:
        """Each head's Q and K, and its weights as a grid (whole: every row and key is pointed at)."""
        return [
            (
                self._head_view(h, "q", "Q_h", palette.QUERY, tokens=True, columns=self.key_columns),
                self._head_view(h, "k", "K_h", palette.KEY, columns=self.key_columns),
                WeightGrid(self.numbers, h),
            )
            for h in range(self.h)
        ]

    def _context_rows(self) -> list[tuple[WeightGrid, MatrixView, MatrixView]]:
        """Each head's weights, its V and its (empty) output."""
        return [
            (
                WeightGrid(self.numbers, h),
                self._head_view(h, "v", "V_h", palette.VALUE, columns=self.value_columns),
                MatrixView(
                    self.numbers,
                    entries(f"heads[{h}].context"),
                    (self.n, self.d_h),
                    colour=palette.CONTEXT,
                    name=formula('{{ "head"_h : c }}', {"c": palette.CONTEXT}),
                    filled=False,
                    columns=self.value_columns,
                ),
            )
            for h in range(self.h)
        ]

    def _pattern_title(self) -> VMobject:
        """The weights' formula; the scores are divided by sqrt(d_k) only when the lesson scales them."""
        scale = "\\/ sqrt(d_k)" if self.trace.lesson.scale else ""
        return self.title(
            f'{{{{ A_h : a }}}} = "softmax"({{{{ Q_h : q }}}} {{{{ K_h^T : k }}}} {scale})',
            max_height=TITLE_HEIGHT,
        )

    def _choose_head_columns(self) -> None:
        """Which columns of every head's Q and K (``key_columns``) and V and output (``value_columns``)
        the per-head steps draw: the same in every step, so a matrix keeps its shape from step to step.

        All of them, unless a step's rows would then draw a digit below the floor: then
        fewer (the first kept: its first entry is worked in full), rather than shrink them.
        When even the fewest do not keep the floor on one line, each head's row may wrap
        (``_wrap_rows``; see :meth:`_arrange_rows`) and the columns are chosen again.
        """
        # Rows on one line first; a frame too narrow for them even so (4:3) wraps them, and chooses again.
        for wrap in (False, True):
            self._wrap_rows = wrap
            room = max(self.d_k, self.d_h)
            while True:
                self.key_columns = shown_indices(self.d_k, room, focus=[0])
                self.value_columns = shown_indices(self.d_h, room, focus=[0])
                if self._rows_legible():
                    return
                if room <= 2:
                    break
                room -= 1

    def _rows_legible(self) -> bool:
        """Whether every per-head step, laid out as it will be, keeps its digits at the floor.

        The layouts are built to be measured and dropped: their numbers are
        forgotten (:meth:`NumberFactory.rollback`), so the manifest lists only what is drawn.
        """
        mark = self.numbers.checkpoint()
        try:
            steps: list[tuple[VMobject, Callable[[], Sequence[Sequence[VMobject]]]]] = [
                (self.shown_title, self._qkv_rows),
                (self.shown_title, self._pattern_rows),
                (self.title(CONTEXT_FORMULA, max_height=TITLE_HEIGHT), self._context_rows),
            ]
            for title, build in steps:
                rows = [list(row) for row in build()]
                tags = self._arrange_rows(rows, below=title)
                smallest = digit_height(VGroup(*tags, *(m for row in rows for m in row)))
                if smallest is not None and smallest < DIGIT_FLOOR - 1e-9:
                    return False
            return True
        finally:
            self.numbers.rollback(mark)

    def _room(self, *, gap: float, side: float, caption_gap: float, below: VMobject | None = None) -> Region:
        """The content region under the current title (or under ``below``)."""
        title = self.shown_title if below is None else below
        return self.content(below=title, gap=gap, side=side, caption_gap=caption_gap)

    def _arrange_rows(self, rows: list[list[VMobject]], *, below: VMobject) -> list[TracedText]:
        """One row per head (its tag, then its matrices), fitted between title and caption.

        The tag stands left of its row, or over its row's left end when that
        leaves the numbers larger (a wide row: the tag would cost its width).
        Returns the rows' new head tags, made here so they scale with their row.
        The rows go under ``below``, the title shown when they are laid out.
        """
        room = self._room(gap=0.3, side=0.3, caption_gap=0.2, below=below)
        # As large as the numbers: the rows are shrunk to fit, the tags with them.
        tags = [self.head_tag(h, font_size=NUMBER_SIZE) for h in range(len(rows))]
        gaps = HEAD_GAP * (len(rows) - 1)

        def wrapped(per_line: int) -> list[VGroup]:
            # Each head's row on lines of ``per_line`` matrices (0: all of them on one line).
            if not per_line:
                return [VGroup(*row).arrange(RIGHT, buff=ROW_GAP) for row in rows]
            return [
                VGroup(*row).arrange_in_grid(cols=min(per_line, len(row)), buff=(ROW_GAP, 0.3))
                for row in rows
            ]

        def tagged(matrices: list[VGroup]) -> tuple[float, float]:
            # How large the rows can be with the tags beside them, and with the tags over them.
            widths = [tag.width + ROW_GAP + row.width for tag, row in zip(tags, matrices, strict=True)]
            heights = [max(tag.height, row.height) for tag, row in zip(tags, matrices, strict=True)]
            beside = min(room.width / max(widths), room.height / (sum(heights) + gaps))
            over = min(
                room.width / max(row.width for row in matrices),
                room.height
                / (
                    sum(row.height + tag.height + 0.15 for tag, row in zip(tags, matrices, strict=True))
                    + gaps
                ),
            )
            return beside, over

        if self.upright:
            # A narrow frame: each head's row wraps, two of its matrices a line (one, if that is larger).
            def size(lines: list[VGroup]) -> float:
                return min(
                    room.width / max(line.width for line in lines),
                    room.height / (sum(line.height for line in lines) + HEAD_GAP * len(lines)),
                )

            # Each wrapping moves the same matrices: measure one, then the other, then lay out the winner.
            two = size(wrapped(2))
            matrices = wrapped(1) if size(wrapped(1)) > two else wrapped(2)
        else:
            matrices = wrapped(0)
            digit = digit_height(VGroup(*(m for row in rows for m in row)))
            too_small = digit is not None and digit * min(1.3, max(tagged(matrices))) < DIGIT_FLOOR - 1e-9
            if self._wrap_rows and too_small:
                # A frame too narrow for the one line at the digit floor (4:3): wrapped, if that is larger.
                per_line = max((0, 2, 1), key=lambda k: max(tagged(wrapped(k))))
                matrices = wrapped(per_line)
        beside, over = tagged(matrices)
        lines = VGroup()
        for tag, row in zip(tags, matrices, strict=True):
            if beside >= over:
                tag.next_to(row, LEFT, buff=ROW_GAP)
            else:
                tag.next_to(row, UP, buff=0.15).align_to(row, LEFT)
            lines.add(VGroup(tag, row))
        lines.arrange(DOWN, buff=HEAD_GAP, aligned_edge=LEFT)
        self.fit_into(lines, room, max_growth=1.3)
        return tags
