"""Topic ``multihead``: Q, K and V split into heads, one attention pattern per head, concat, W_o.

The story: Q with one row per token; its columns cut into one slice per head
(each head in its own colour, named "head 1", "head 2" ... from the trace),
and K and V cut the same way, so every head has its own Q, K and V; for the
first head and first token, the query against the head's keys giving one row
of attention weights, then every row of every head, drawn as grids whose cells
glow with their weight; each head's weights mixing its own values into a
context; the contexts concatenated side by side; the output projection W_o,
one entry as a row times a column, then all; and the output next to the input
X, the same shape. A single-head lesson shows the same steps with its one
head; a lesson without W_o says the output is the concatenation.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from .kit import palette
from .kit.attention import WeightGrid
from .kit.stage import Region, TopicScene
from .kit.widgets import MatrixView, TracedText, entries, fit_in_frame, formula, label, match_columns

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


class MultiheadScene(TopicScene):
    """Q, K, V split by head; each head's weights and context; concat; W_o; output shaped like X."""

    topic = "multihead"

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
            self.step("This lesson has a single head: the same steps, with one head")
        else:
            self.step("Multi-head attention runs several attention heads side by side")
        self.play(FadeIn(self.shown_title), run_time=1.0)
        self.wait(0.5)

        self.step("Start from the queries Q: one row per token")
        self.play(FadeIn(q_view), run_time=1.0)
        self.wait(0.6)

        if self.h == 1:
            self.step("With a single head, the head gets every column of Q")
        else:
            self.step("Cut the columns of Q into slices: one slice per head")
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
        views = [
            (
                self._head_view(h, "q", "Q_h", palette.QUERY, tokens=True),
                self._head_view(h, "k", "K_h", palette.KEY),
                self._head_view(h, "v", "V_h", palette.VALUE),
            )
            for h in range(self.h)
        ]
        tags = self._arrange_rows([list(row) for row in views])
        rows = [_HeadRow(q, k, v, tag) for (q, k, v), tag in zip(views, tags, strict=True)]

        if self.h == 1:
            self.step("K and V stay whole too: the head has its own Q, K and V")
        else:
            self.step("K and V are cut the same way: each head has its own Q, K and V")
        self.play(
            *(ReplacementTransform(slices[h], rows[h].q) for h in range(self.h)),
            *(ReplacementTransform(self._split_tags[h], rows[h].tag) for h in range(self.h)),
            *(FadeIn(VGroup(row.k, row.v), shift=0.2 * LEFT) for row in rows),
            run_time=1.4,
        )
        self.wait(1.0)
        return rows

    # -- attention patterns ------------------------------------------------------------

    def _patterns(self, rows: list[_HeadRow]) -> list[WeightGrid]:
        """Each head's attention weights: one row in full for the first head, then all."""
        grids = [WeightGrid(self.numbers, h) for h in range(self.h)]
        new_q = [self._head_view(h, "q", "Q_h", palette.QUERY, tokens=True) for h in range(self.h)]
        new_k = [self._head_view(h, "k", "K_h", palette.KEY) for h in range(self.h)]
        tags = self._arrange_rows([[new_q[h], new_k[h], grids[h]] for h in range(self.h)])
        # The lesson says whether scores are divided by sqrt(d_k); the formula follows it.
        scale = "\\/ sqrt(d_k)" if self.trace.lesson.scale else ""
        title = self.title(
            f'{{{{ A_h : a }}}} = "softmax"({{{{ Q_h : q }}}} {{{{ K_h^T : k }}}} {scale})',
            max_height=TITLE_HEIGHT,
        )

        if self.h == 1:
            self.step("First token: its query is compared with every key")
        else:
            self.step("First head, first token: its query is compared with every key of that head")
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

        self.step("Softmax turns those scores into one row of weights: brighter means more attention")
        grid_box = grid.row_box(0, palette.HIGHLIGHT)
        self.play(
            TransformFromCopy(row.q.row(0), grid.cells[0]),
            FadeIn(grid.tiles[0]),
            Create(grid_box),
            run_time=1.2,
        )
        self.wait(1.2)
        self._first_boxes = VGroup(q_box, k_box, grid_box)

    def _every_weight(self, grids: list[WeightGrid]) -> None:
        """Every other row of every head's weights, head by head."""
        self.step("The same for every token of every head" if self.h > 1 else "The same for every token")
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
            self.step("The brightest cell of each row: the token it attends to most")
        else:
            self.step("Each head attends in its own way: the brightest cells differ")
        self.play(LaggedStart(*(Create(b) for b in boxes), lag_ratio=0.1), run_time=1.2)
        self.wait(1.5)
        self.play(FadeOut(boxes), run_time=0.4)

    # -- each head's context -----------------------------------------------------------

    def _contexts(self, rows: list[_HeadRow], grids: list[WeightGrid]) -> list[MatrixView]:
        """Each head's weights times its values: the first row in full, then all."""
        numbers = self.numbers
        new_grids = [WeightGrid(numbers, h) for h in range(self.h)]
        new_v = [self._head_view(h, "v", "V_h", palette.VALUE) for h in range(self.h)]
        contexts = [
            MatrixView(
                numbers,
                entries(f"heads[{h}].context"),
                (self.n, self.d_h),
                colour=palette.CONTEXT,
                name=formula('{{ "head"_h : c }}', {"c": palette.CONTEXT}),
                filled=False,
            )
            for h in range(self.h)
        ]
        tags = self._arrange_rows([[new_grids[h], new_v[h], contexts[h]] for h in range(self.h)])
        title = self.title(CONTEXT_FORMULA, max_height=TITLE_HEIGHT)

        if self.h == 1:
            self.step("The head mixes the values: its weights times V")
        else:
            self.step("Each head mixes its own values: its weights times its V")
        self.play(
            ReplacementTransform(self.shown_title, title),
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
        first = [context.make_cell(0, c) for c in range(self.d_h)]
        out_box = context.row_box(0, palette.HIGHLIGHT)
        self.play(Create(w_box), Create(v_box), run_time=0.7)
        self.play(
            LaggedStart(
                *(
                    TransformFromCopy(VGroup(grid.cells[0], values.column(c)), first[c])
                    for c in range(self.d_h)
                ),
                lag_ratio=0.3,
            ),
            Create(out_box),
            run_time=1.2,
        )
        for c, cell in enumerate(first):
            context.set_cell(0, c, cell)
        self.wait(0.8)
        self._first_boxes = VGroup(w_box, v_box, out_box)

    def _every_context(self, contexts: list[MatrixView]) -> None:
        """Every other context row of every head, head by head."""
        self.step("The same for every row of every head" if self.h > 1 else "The same for every row")
        self.play(FadeOut(self._first_boxes), run_time=0.4)
        for h, view in enumerate(contexts):
            cells = [
                (i, c, view.make_cell(i, c))
                for i in range(self.n)
                for c in range(self.d_h)
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
            self.step("With one head, the concatenation is that head's output")
        else:
            self.step("Concatenate the heads' outputs side by side")
        moves: list[Animation] = [
            ReplacementTransform(self.shown_title, title),
            FadeOut(VGroup(*self._context_rest)),
        ]
        for h, view in enumerate(contexts):
            moves += [
                ReplacementTransform(view.cell(i, c), concat.cell(i, h * self.d_h + c))
                for i in range(n)
                for c in range(self.d_h)
            ]
            moves.append(FadeOut(VGroup(view.brackets, view.heading)))
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

    def _concat_view(self) -> MatrixView:
        """concat, one row per token; each head's columns are named by its tag beneath them."""
        concat = MatrixView(
            self.numbers,
            entries("concat"),
            self.trace.concat.shape,
            colour=palette.CONTEXT,
            name=formula('{{ "concat" : c }}', {"c": palette.CONTEXT}),
            row_labels=[self.numbers.token(i) for i in range(self.n)],
        )
        return concat

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
        new_concat = self._concat_view()
        output = MatrixView(
            self.numbers,
            entries("output"),
            self.trace.output.shape,
            colour=palette.OUTPUT,
            filled=False,
        )
        if self.trace.w_o is None:
            self._copy_out(concat, new_concat, output)
        else:
            w_view = self._project_layout(new_concat, output)
            self.step("The output projection W_o mixes the heads back together")
            arriving = [FadeIn(w_view), FadeIn(VGroup(output.brackets, output.heading))]
            self._enter_projection(concat, new_concat, PROJECT_FORMULA, arriving, run_time=1.2)
            self.wait(0.4)
            self._first_output_entry(new_concat, w_view, output)
            self._every_output_entry(new_concat, output)
            self._project_rest = VGroup(new_concat, w_view)
        return output

    def _copy_out(self, concat: MatrixView, new_concat: MatrixView, output: MatrixView) -> None:
        """Without W_o the output is the concatenation: its numbers copied across."""
        n, d_out = output.shape
        equals = label("=", colour=palette.MUTED)
        self._name_output(output, below=False)
        group = VGroup(new_concat, equals, output).arrange(RIGHT, buff=0.5)
        self.fit_into(group, self._room(gap=0.35, side=0.5, caption_gap=0.25), max_growth=1.4)
        self.step("This lesson has no output projection W_o: the output is the concatenation")
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

    def _project_layout(self, new_concat: MatrixView, output: MatrixView) -> MatrixView:
        """The textbook layout of a product: W_o above the output, concat to its left.

        A row of concat and a column of W_o meet at the entry they make; W_o's
        columns stand exactly over the output's columns. Returns W_o.
        """
        w_o = self.trace.w_o
        assert w_o is not None
        w_view = MatrixView(self.numbers, entries("w_o"), w_o.shape, colour=palette.WEIGHT_MATRIX)
        w_name = formula("{{ W_o : w }}", {"w": palette.WEIGHT_MATRIX})
        match_columns(w_view, output)
        output.next_to(new_concat.brackets, RIGHT, buff=0.6)
        output.set_y(new_concat.brackets.get_center()[1])
        w_view.next_to(output.brackets, UP, buff=0.35)
        w_view.set_x(output.brackets.get_center()[0])
        w_name.next_to(w_view.brackets, RIGHT, buff=0.25)
        w_view.add(w_name)
        # Under the output, so the names do not widen the whole picture.
        self._name_output(output, below=True)
        group = VGroup(new_concat, w_view, output)
        self.fit_into(group, self._room(gap=0.35, side=0.5, caption_gap=0.25), max_growth=1.3)
        return w_view

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
        """Output entry (0, 0): the first row of concat times the first column of W_o."""
        self.step("One entry: a row of concat times a column of W_o")
        row_box = concat.row_box(0, palette.HIGHLIGHT)
        col_box = w_view.column_box(0, palette.WEIGHT_MATRIX)
        cell = output.make_cell(0, 0)
        cell_box = output.cell_box(0, 0, palette.OUTPUT)
        self.play(Create(row_box), Create(col_box), run_time=0.7)
        self.play(
            TransformFromCopy(VGroup(concat.row(0), w_view.column(0)), cell),
            Create(cell_box),
            run_time=1.0,
        )
        output.set_cell(0, 0, cell)
        self.wait(0.8)
        self._row_box = row_box
        self._first_boxes = VGroup(col_box, cell_box)

    def _every_output_entry(self, concat: MatrixView, output: MatrixView) -> None:
        """Every other output entry, a row of concat at a time."""
        self.step("The same for every entry of the output")
        self.play(FadeOut(self._first_boxes), run_time=0.3)
        n, d_out = output.shape
        box = self._row_box
        for i in range(n):
            cells = [(j, output.make_cell(i, j)) for j in range(d_out) if (i, j) != (0, 0)]
            new_box = concat.row_box(i, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(box, new_box),
                LaggedStart(*(FadeIn(m, shift=0.1 * DOWN) for _, m in cells), lag_ratio=0.15),
                run_time=0.6,
            )
            for j, m in cells:
                output.set_cell(i, j, m)
            box = new_box
        self.play(FadeOut(box), run_time=0.3)
        self.wait(0.5)

    # -- the result --------------------------------------------------------------------

    def _same_shape(self, output: MatrixView) -> None:
        """X and the output next to each other: one row per token each, the same width."""
        x_view = MatrixView(
            self.numbers,
            entries("x"),
            self.trace.x.shape,
            colour=palette.EMBEDDING,
            name=formula("{{ X : x }}", {"x": palette.EMBEDDING}),
            row_labels=[self.numbers.token(i) for i in range(self.n)],
        )
        same = self.trace.output.shape == self.trace.x.shape
        room = self._room(gap=0.35, side=0.5, caption_gap=0.25)
        new_out = self._output_view(with_tokens=False)
        # Side by side reads best; one above the other when that leaves the numbers larger.
        across = self.reads_across(x_view, new_out, room, across_gap=3.2, down_gap=1.6, max_growth=1.4)
        if not across:
            new_out = self._output_view(with_tokens=True)
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

        if same:
            self.step("The output has the same shape as the input X: one row per token, same width")
        else:
            self.step("The output has one row per token, like the input X")
        self.play(
            FadeOut(self._project_rest),
            ReplacementTransform(output, new_out),
            FadeIn(x_view),
            FadeIn(between),
            run_time=1.4,
        )
        self.wait(2.0)

    # -- pieces ------------------------------------------------------------------------

    def _output_view(self, *, with_tokens: bool) -> MatrixView:
        return MatrixView(
            self.numbers,
            entries("output"),
            self.trace.output.shape,
            colour=palette.OUTPUT,
            name=formula('{{ "output" : o }}', {"o": palette.OUTPUT}),
            row_labels=[self.numbers.token(i) for i in range(self.n)] if with_tokens else None,
        )

    def _head_view(
        self, h: int, role: str, name: str, role_colour: str, *, tokens: bool = False
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
        )

    def _room(self, *, gap: float, side: float, caption_gap: float) -> Region:
        """The content region under the current title."""
        return self.content(below=self.shown_title, gap=gap, side=side, caption_gap=caption_gap)

    def _arrange_rows(self, rows: list[list[VMobject]]) -> list[TracedText]:
        """One row per head (its tag, then its matrices), fitted between title and caption.

        Returns the rows' new head tags, made here so they scale with their row.
        """
        tags = [self.head_tag(h) for h in range(len(rows))]
        lines = VGroup(
            *(VGroup(tag, *row).arrange(RIGHT, buff=ROW_GAP) for tag, row in zip(tags, rows, strict=True))
        )
        lines.arrange(DOWN, buff=HEAD_GAP, aligned_edge=LEFT)
        self.fit_into(lines, self._room(gap=0.3, side=0.3, caption_gap=0.2), max_growth=1.3)
        return tags
