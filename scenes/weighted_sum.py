"""Topic ``weighted_sum``: each token's context is its row of weights times V.

The story: the weights A next to the values V and an empty context matrix C;
the first token in full - each value row scaled by the token's weight for it,
the scaled rows added column by column into its context vector; then every
other token's row of C quickly. When the lesson adds a residual, the context
(through W_o first when the lesson has one or several heads) is added back to
the input: the first token as a hand-written addition, then every token, into
the residual matrix. A multi-head lesson shows its first head, tagged.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from attention_math.facts import focus
from scenes.kit import palette
from scenes.kit.equations import APPROX
from scenes.kit.narration import Num, Part, Sentence, Tok, say_focus
from scenes.kit.stage import TopicScene
from scenes.kit.sums import ColumnSum, WeightedValues, product_sign, residual_rows, say_mix
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    MatrixView,
    TracedText,
    digit_height,
    entries,
    fit_with_elision,
    formula,
    label,
    shown_indices,
    wrap_below,
)

__all__ = ["WeightedSumScene"]

# Font size of the small word labels (the head tag, the W_o link's note).
WORD_SIZE = 22
# How much the overview may grow to fill its room.
MAX_GROWTH = 1.4


class _Overview(VGroup):
    """A (weights) × V = C, with C empty."""

    def __init__(self, scene: WeightedSumScene) -> None:
        super().__init__()
        numbers, head = scene.numbers, scene.first_head
        n, d_h = head.trace.v.shape
        self._room = scene.room
        self.weights = MatrixView(
            numbers,
            entries(head.path("weights")),
            (n, n),
            colour=palette.WEIGHTS,
            name=formula('{{ "weights" A : a }}', {"a": palette.WEIGHTS}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        self.values = MatrixView(
            numbers,
            entries(head.path("v")),
            (n, d_h),
            colour=palette.VALUE,
            name=formula('{{ "values" V : v }}', {"v": palette.VALUE}),
        )
        self.context = MatrixView(
            numbers,
            entries(head.path("context")),
            (n, d_h),
            colour=palette.CONTEXT,
            name=formula('{{ "context" C : c }}', {"c": palette.CONTEXT}),
            filled=False,
        )
        self.times = label("×", colour=palette.MUTED)
        # The sign between A × V and C: "≈" when a drawn row times a drawn column does not
        # round to the drawn entry of C.
        self.sign = product_sign(
            numbers,
            lambda i, j: head.path(f"weights[{i}][{j}]"),
            lambda j, c: head.path(f"v[{j}][{c}]"),
            lambda i, c: head.path(f"context[{i}][{c}]"),
            (n, n, d_h),
            scene.equations,
        )
        self.equals = label(self.sign, colour=palette.MUTED)
        self.add(self.weights, self.times, self.values, self.equals, self.context)
        room = scene.room
        if scene.upright:
            # A narrow frame: A, then "× V" under it, then "= C" under that.
            self._arranged(two_lines=True, column=True)
            scene.fit_into(self, room, max_growth=MAX_GROWTH)
            return
        one_line = self._arranged(two_lines=False)
        two_lines = self._arranged(two_lines=True)
        smallest = digit_height(self) or DIGIT_FLOOR
        # One line reads best; a second line ("= C" under V) when one line would shrink
        # the digits under the legible floor and two lines come out larger.
        if one_line * smallest < DIGIT_FLOOR and two_lines > one_line:
            self._arranged(two_lines=True)
        else:
            self._arranged(two_lines=False)
        scene.fit_into(self, room, max_growth=MAX_GROWTH)

    def _arranged(self, *, two_lines: bool, column: bool = False) -> float:
        """Lay out A × V = C on one line (or "= C" on a second, under V; or all three one
        under the other, ``column``); returns its fitted scale."""
        first = VGroup(self.weights, self.times, self.values).arrange(RIGHT, buff=0.4, aligned_edge=DOWN)
        second = VGroup(self.equals, self.context).arrange(RIGHT, buff=0.4)
        if column:
            VGroup(self.times, self.values).arrange(RIGHT, buff=0.4)
            VGroup(self.weights, VGroup(self.times, self.values), second).arrange(DOWN, buff=0.35)
            for view in (self.values, self.context):
                view.shift(RIGHT * (self.weights.brackets.get_center()[0] - view.brackets.get_center()[0]))
            self.times.next_to(self.values.brackets, LEFT, buff=0.4)
            self.equals.next_to(self.context.brackets, LEFT, buff=0.4)
        elif two_lines:
            second.next_to(first, DOWN, buff=0.45)
            second.shift(RIGHT * (self.values.get_center()[0] - self.context.get_center()[0]))
        else:
            second.next_to(first, RIGHT, buff=0.4)
            second.align_to(first, DOWN)
        self.times.set_y(self.values.brackets.get_center()[1])
        self.equals.set_y(self.context.brackets.get_center()[1])
        room = self._room
        return min(MAX_GROWTH, room.width / self.width, room.height / self.height)

    @property
    def empty_context(self) -> VGroup:
        """What shows of C before its numbers: brackets and name."""
        return VGroup(self.context.brackets, self.context.heading)

    @property
    def attention(self) -> VGroup:
        """Everything but C: A × V =."""
        return VGroup(self.weights, self.times, self.values, self.equals)


class WeightedSumScene(TopicScene):
    """Context = weights times V: one token's scaled value rows summed in full, then all; the residual."""

    topic = "weighted_sum"

    def construct(self) -> None:
        head = self.first_head
        # Where the first token's attention goes: said when its weights are shown and summed.
        self._focus = focus(self.trace, head.index, 0)
        title = self.title("{{ C : c }} = {{ A : a }} {{ V : v }}")
        self.head_mark = self.head_tag(head.index, font_size=WORD_SIZE) if head.several else None
        if self.head_mark is not None:
            self.head_mark.next_to(title, RIGHT, buff=0.5)
        self.room = self.content(below=title)

        overview = self._introduce(title)
        panel, context = self._first_token(overview)
        overview = self._every_token(panel, context)
        if self.trace.residual is not None:
            self._residual(title, overview)

    def _introduce(self, title: VMobject) -> _Overview:
        """A, V and an empty C under the title; the first token's row of weights picked out."""
        overview = _Overview(self)
        head = self.first_head
        mixes: tuple[Part, ...] = (
            "Each token's new row, its context, is the value rows weighted by its attention weights "
            "and added up.",
        )
        if head.several:
            self.step(
                "In the first head, each token mixes the value rows by its weights",
                say=(
                    self.say(
                        "In head",
                        Num(head.path("number")),
                        ", V holds the information each token passes on: one value row per token.",
                    ),
                    self.say(*mixes),
                ),
            )
        else:
            self.step(
                "Each token's context mixes the value rows by its weights",
                say=(
                    self.say("V holds the information each token passes on: one value row per token."),
                    self.say(*mixes),
                ),
            )
        self.play(
            FadeIn(title),
            *([FadeIn(self.head_mark)] if self.head_mark is not None else []),
            FadeIn(overview.weights),
            FadeIn(overview.times),
            FadeIn(overview.values),
            FadeIn(overview.equals),
            FadeIn(overview.context.brackets),
            FadeIn(overview.context.heading),
            run_time=1.2,
        )
        self.wait(1.2)

        self.step(
            "One token in full: the first token's row of weights",
            say=(
                self.say(
                    "Take", Tok(0), "first: its row of weights says how much of each value row it takes."
                ),
                say_focus(self.narrator, self._focus, weights_path=head.path("weights")),
            ),
        )
        self._boxes = VGroup(
            overview.weights.row_box(0, palette.HIGHLIGHT), overview.context.row_box(0, palette.CONTEXT)
        )
        self.play(*(Create(box) for box in self._boxes), run_time=0.8)
        self.wait(1.0)
        return overview

    def _first_token(self, overview: _Overview) -> tuple[WeightedValues, VGroup]:
        """The first token's value rows scaled by its weights and summed; returns the panel, the sum."""
        # The panel replaces the overview: the row of weights turns into a column,
        # one weight beside each value row it scales.
        n = self.first_head.trace.v.shape[0]
        made = WeightedValues(self.numbers, self.first_head.index, 0, equations=self.equations)
        if self.upright:
            # A narrow frame: "= weighted values" and their sum under "weights × V", not beside it.
            wrap_below(
                made,
                (made.weights, made.times, made.values),
                under=made.values.brackets,
                moved=made.terms.brackets,
            )
        panel = self.fit_into(made, self.room, max_growth=1.4)

        self.step(
            "Each value row is multiplied by the token's weight for it",
            say=(
                self.say("Each value row is multiplied by the weight", Tok(0), "gives it."),
                self.say("A large weight keeps much of that row; a small weight shrinks it towards zero."),
            ),
        )
        weights_row = overview.weights.row(0).copy()
        self.add(weights_row)
        leaving = VGroup(
            overview.weights, overview.times, overview.equals, overview.empty_context, self._boxes
        )
        self.play(FadeOut(leaving), run_time=0.6)
        self.play(
            *(ReplacementTransform(weights_row[j], panel.weights.cell(j, 0)) for j in range(n)),
            ReplacementTransform(overview.values, panel.values),
            FadeIn(VGroup(panel.weights.brackets, panel.weights.heading, panel.weights.row_labels)),
            FadeIn(VGroup(panel.times, panel.equals, panel.terms.brackets, panel.terms.heading)),
            run_time=1.3,
        )
        self._terms = panel.play_rows(self)

        about = ("about",) if panel.sum_sign == APPROX else ()
        self.step(
            "Adding the weighted rows, column by column, gives the context vector",
            say=(
                self.say(
                    "Adding the weighted rows column by column gives the context of",
                    Tok(0),
                    "; its first entry is",
                    *about,
                    Num(self.first_head.path("context[0][0]")),
                    ".",
                ),
                say_mix(self.narrator, self._focus),
            ),
        )
        context = panel.play_sum(self)
        self.wait(1.0)
        return panel, context

    def _every_token(self, panel: WeightedValues, context: VGroup) -> _Overview:
        """Back to the matrices: the context vector becomes row one of C, then every other row."""
        n, d_h = self.first_head.trace.v.shape
        overview = _Overview(self)
        c_view = overview.context
        first_row = [c_view.make_cell(0, c) for c in range(d_h)]

        self.step(
            "The same for every token: row by row, the context matrix C",
            say=(
                self.say("Every other token does the same with its own row of weights: one row of C each."),
                self.say("The more a token attends to another, the more of that value its context takes in."),
            )
            if n > 1
            else self.say("With a single token, its context is the whole of C."),
        )
        self.play(
            FadeOut(
                VGroup(
                    panel.weights,
                    panel.times,
                    panel.equals,
                    panel.terms.brackets,
                    panel.terms.heading,
                    self._terms,
                    panel.bar,
                    panel.context_label,
                )
            ),
            run_time=0.6,
        )
        self.play(
            ReplacementTransform(panel.values, overview.values),
            *(ReplacementTransform(context[c], first_row[c]) for c in range(d_h)),
            FadeIn(VGroup(overview.weights, overview.times, overview.equals, overview.empty_context)),
            run_time=1.3,
        )
        for c, cell in enumerate(first_row):
            c_view.set_cell(0, c, cell)
        box: SurroundingRectangle | None = None
        for i in range(1, n):
            cells = [c_view.make_cell(i, c) for c in range(d_h)]
            new_box = overview.weights.row_box(i, palette.HIGHLIGHT)
            intro = Create(new_box) if box is None else ReplacementTransform(box, new_box)
            self.play(
                intro,
                LaggedStart(*(FadeIn(cell, shift=0.1 * RIGHT) for cell in cells), lag_ratio=0.2),
                run_time=0.7,
            )
            for c, cell in enumerate(cells):
                c_view.set_cell(i, c, cell)
            box = new_box
        if box is not None:
            self.play(FadeOut(box), run_time=0.4)
        self.wait(1.2)
        return overview

    # -- the residual ------------------------------------------------------------------

    def _residual(self, title: VMobject, overview: _Overview) -> None:
        """x + attention output = residual: the first token as an addition, then every token."""
        trace = self.trace
        n, d = trace.x.shape
        rows, through_w_o = residual_rows(trace)
        middle_symbol = "o" if through_w_o else "c"
        middle_colour = palette.OUTPUT if through_w_o else palette.CONTEXT
        new_title = formula(
            f'{{{{ "residual" : r }}}} = {{{{ x : x }}}} + {{{{ {middle_symbol} : m }}}}',
            {"x": palette.EMBEDDING, "m": middle_colour},
        ).move_to(title)

        block = ColumnSum(self.numbers, rows, d, range(n), equations=self.equations)
        r_view = MatrixView(
            self.numbers,
            entries("residual"),
            (n, d),
            colour=palette.TEXT,
            name=formula('"residual"'),
            row_labels=[self.numbers.token(i) for i in range(n)],
            filled=False,
        )
        self.fit_into(VGroup(block, r_view).arrange(DOWN, buff=0.45), self.room, max_growth=1.3)

        if through_w_o:
            leaving: VMobject = self._through_w_o(overview)
            first_caption = "Residual: add each input x back to its output, so a token keeps its meaning"
            what = "output row"
        else:
            leaving = VGroup(overview.attention, overview.context)
            first_caption = "Residual: add each input x back to its context, so a token keeps its meaning"
            what = "context row"

        token = block.make_token(0)
        x_row, mid_row, sum_row = (block.make_row(r, 0) for r in range(3))
        self.step(first_caption, say=self._say_residual(block, what))
        self.play(
            FadeOut(leaving),
            FadeOut(title),
            *([FadeOut(self.head_mark)] if self.head_mark is not None else []),
            run_time=0.6,
        )
        self.play(
            FadeIn(new_title),
            FadeIn(block.headings([0, 1])),
            FadeIn(token),
            FadeIn(x_row),
            FadeIn(mid_row),
            FadeIn(VGroup(r_view.brackets, r_view.heading, r_view.row_labels)),
            run_time=1.2,
        )
        self.play(Create(block.bar), FadeIn(block.heading(2)), run_time=0.5)
        self.play(
            LaggedStart(*(FadeIn(cell, shift=0.3 * DOWN) for cell in sum_row), lag_ratio=0.2), run_time=1.4
        )
        self._copy_into(r_view, sum_row, 0)
        self.wait(1.0)
        self._every_residual(block, r_view, VGroup(token, x_row, mid_row, sum_row))

    def _through_w_o(self, overview: _Overview) -> VMobject:
        """C is not added directly: W_o (and the other heads' contexts) come first; returns what shows.

        A fresh copy of C, fitted together with the output O, gives C's place,
        so both share one scale.
        """
        trace = self.trace
        c_view = overview.context
        n, d = trace.x.shape

        def build(_row_room: int, column_room: int) -> VGroup:
            # O is as wide as x: the columns that do not fit at the digit floor are elided ("⋯").
            o_view = MatrixView(
                self.numbers,
                entries("output"),
                (n, d),
                colour=palette.OUTPUT,
                name=formula('{{ "output" O : o }}', {"o": palette.OUTPUT}),
                columns=shown_indices(d, column_room, [0]),
            )
            link = VGroup(
                formula("dot {{ W_o : w }}", {"w": palette.WEIGHT_MATRIX}),
                Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.6),
            ).arrange(DOWN, buff=0.15)
            if self.first_head.several:
                note = label("with the other heads", colour=palette.MUTED, font_size=WORD_SIZE - 2)
                link.add(note.next_to(link, DOWN, buff=0.15))
            c_target = MatrixView(
                self.numbers,
                entries(self.first_head.path("context")),
                c_view.shape,
                colour=palette.CONTEXT,
                name=formula('{{ "context" C : c }}', {"c": palette.CONTEXT}),
            )
            return VGroup(c_target, link, o_view).arrange(RIGHT, buff=0.4)

        chain = fit_with_elision(
            build,
            rows=n,
            columns=d,
            max_width=self.room.width,
            max_height=self.room.height,
            numbers=self.numbers,
        )
        chain.move_to(self.room.centre)
        c_target, link, o_view = chain.submobjects
        if self.first_head.several:
            self.step(
                "The heads' contexts are joined and multiplied by W_o: the output O",
                say=(
                    self.say("Before the residual, the contexts of all the heads are joined side by side."),
                    self.say("Multiplied by W_o, they give the output O: one row per token, as wide as x."),
                ),
            )
        else:
            self.step(
                "The context is multiplied by W_o first: the output O",
                say=self.say(
                    "Before the residual, the context is multiplied by W_o, giving the output O: "
                    "one row per token, as wide as x."
                ),
            )
        factor = c_target.width / c_view.width
        self.play(FadeOut(overview.attention), c_view.animate.scale(factor).move_to(c_target), run_time=1.0)
        self.play(FadeIn(link), FadeIn(o_view, shift=0.2 * RIGHT), run_time=1.0)
        self.wait(1.5)
        return VGroup(c_view, link, o_view)

    def _every_residual(self, block: ColumnSum, r_view: MatrixView, shown: VGroup) -> None:
        """Every other token's addition, its sum copied into the residual matrix."""
        self.step(
            "The same for every token: the residual matrix",
            say=self.say(
                "Every other token gets the same addition, its input row plus what attention gathered: "
                "the residual matrix."
            )
            if r_view.shape[0] > 1
            else self.say("With a single token, that addition is the whole residual matrix."),
        )
        sign = block.signs[-1]
        assert sign is not None  # the residual row is a sum
        for i in range(1, r_view.shape[0]):
            new_token = block.make_token(i)
            new_rows = [block.make_row(r, i) for r in range(3)]
            # Each token's sum gets its own honest sign ("≈" when its rounded numbers are off).
            new_sign = block.make_sign(i)
            swap = [FadeOut(sign), FadeIn(new_sign)] if new_sign.text != sign.text else []
            self.play(
                FadeOut(shown, shift=0.2 * UP),
                FadeIn(VGroup(new_token, *new_rows), shift=0.2 * UP),
                *swap,
                run_time=0.6,
            )
            if swap:
                sign = new_sign
            shown = VGroup(new_token, *new_rows)
            self._copy_into(r_view, new_rows[2], i, run_time=0.5)
        self.wait(1.5)

    def _say_residual(self, block: ColumnSum, what: str) -> tuple[Sentence, ...]:
        """The first token's residual: why, and its first column added up (said with its drawn sign)."""
        rows = block.rows
        sign = block.signs[-1]
        about = ("about",) if sign is not None and sign.text == APPROX else ()
        return (
            self.say(
                "The residual adds each token's input row x back to its",
                what,
                ", so it keeps its own meaning.",
            ),
            self.say(
                "For",
                Tok(0),
                ", the first column's",
                Num(rows[0].path(0, 0)),
                "and",
                Num(rows[1].path(0, 0)),
                "add up to",
                *about,
                Num(rows[2].path(0, 0)),
                ".",
            ),
        )

    def _copy_into(self, view: MatrixView, row: VGroup, i: int, *, run_time: float = 0.8) -> None:
        """Copies of ``row``'s numbers move into row ``i`` of ``view``."""
        cells: list[TracedText] = [view.make_cell(i, c) for c in range(len(row))]
        moves: list[Animation] = [TransformFromCopy(row[c], cells[c]) for c in range(len(row))]
        self.play(*moves, run_time=run_time)
        for c, cell in enumerate(cells):
            view.set_cell(i, c, cell)
