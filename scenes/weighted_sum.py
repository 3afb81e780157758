"""Topic ``weighted_sum``: each token's context is its row of weights times V.

The story: the weights A next to the values V and an empty context matrix C;
the first token in full - each value row scaled by the token's weight for it,
the scaled rows added column by column into its context vector; then every
other token's row of C quickly. When the lesson adds a residual, the context
(through W_o first when the lesson has one or several heads) is added back to
the input: the first token as a hand-written addition, then every token, into
the residual matrix.

Also home of two pieces the ``single_query`` topic reuses:
:class:`WeightedValues` (one token's weighted value rows and their sum) and
:class:`ColumnSum` (row vectors added in shared columns).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Line,
    Mobject,
    ReplacementTransform,
    Scene,
    TransformFromCopy,
    VectorizedPoint,
    VGroup,
)

from .kit import palette
from .kit.stage import TopicScene
from .kit.widgets import NUMBER_SIZE, MatrixView, NumberFactory, TracedText, fit_in_frame, formula, label

__all__ = ["ColumnSum", "WeightedSumScene", "WeightedValues", "residual_rows"]

# Font size of the small word labels (the head tag, the W_o link's note).
WORD_SIZE = 22


class WeightedValues(VGroup):
    """Token ``i``'s weighted sum of the value rows, one value row per line.

    ::

        token_0  [a_0]     [ v_0 ]     [ a_0 v_0 ]
        token_1  [a_1]  ×  [ v_1 ]  =  [ a_1 v_1 ]
                                       -----------
                              token_i c   c_0  c_1 ...

    The weights column (``heads[h].weights[i][j]``) and the values
    (``heads[h].v``) are drawn; the weighted rows (``heads[h].context_terms[i]``)
    and the context row (``heads[h].context[i]``) are empty slots, filled by
    :meth:`make_term` and :meth:`make_context`, which return numbers already
    placed; :meth:`play_rows` and :meth:`play_sum` play both steps on a scene.
    The context numbers sit exactly under the weighted rows' columns, so the
    sum reads as a column addition.
    """

    def __init__(self, numbers: NumberFactory, head: int, i: int, *, font_size: float = NUMBER_SIZE) -> None:
        super().__init__()
        self.numbers = numbers
        self.font_size = font_size
        trace = numbers.trace
        n, d_h = trace.heads[head].v.shape
        self.shape = (n, d_h)
        prefix = f"heads[{head}]"
        self._context_path = lambda c: f"{prefix}.context[{i}][{c}]"

        self.weights = MatrixView(
            numbers,
            lambda j, _c: f"{prefix}.weights[{i}][{j}]",
            (n, 1),
            colour=palette.WEIGHTS,
            name=formula('{{ "weights" : a }}', {"a": palette.WEIGHTS}),
            row_labels=[numbers.token(j, colour=palette.MUTED) for j in range(n)],
            font_size=font_size,
        )
        self.values = MatrixView(
            numbers,
            lambda j, c: f"{prefix}.v[{j}][{c}]",
            (n, d_h),
            colour=palette.VALUE,
            name=formula('{{ "values" V : v }}', {"v": palette.VALUE}),
            font_size=font_size,
        )
        self.terms = MatrixView(
            numbers,
            lambda j, c: f"{prefix}.context_terms[{i}][{j}][{c}]",
            (n, d_h),
            colour=palette.TEXT,
            name=formula('{{ "weighted values" : w }}', {"w": palette.MUTED}),
            filled=False,
            font_size=font_size,
        )
        self.times = label("×", colour=palette.MUTED)
        self.equals = label("=", colour=palette.MUTED)
        # Bottoms aligned: every view has n rows of the same height, so rows line up.
        VGroup(self.weights, self.times, self.values, self.equals, self.terms).arrange(
            RIGHT, buff=0.35, aligned_edge=DOWN
        )
        for sign in (self.times, self.equals):
            sign.set_y(self.values.brackets.get_center()[1])

        cell_h = self.terms.cell_size[1]
        left, right = self.terms.brackets.get_left()[0], self.terms.brackets.get_right()[0]
        bar_y = self.terms.brackets.get_bottom()[1] - 0.18
        self.bar = Line([left, bar_y, 0], [right, bar_y, 0], stroke_width=2.5, color=palette.MUTED)
        context_y = bar_y - 0.12 - cell_h / 2
        self._context_slots = VGroup(
            *(VectorizedPoint([self.terms.slot(0, c)[0], context_y, 0]) for c in range(d_h))
        )
        self.context_label = VGroup(
            numbers.token(i, colour=palette.HIGHLIGHT),
            formula("{{ c : c }}", {"c": palette.CONTEXT}),
        ).arrange(RIGHT, buff=0.2)
        self.context_label.move_to([left - 0.3 - self.context_label.width / 2, context_y, 0])
        # Width of the context numbers, so the layout reserves their room before they exist.
        widest = max(numbers.number(self._context_path(c), font_size=font_size).width for c in range(d_h))
        self._room = VectorizedPoint(
            [right + max(0.0, widest / 2 - self.terms.cell_size[0] / 2), context_y - cell_h / 2, 0]
        )
        self.add(
            self.weights,
            self.times,
            self.values,
            self.equals,
            self.terms,
            self.bar,
            self.context_label,
            self._context_slots,
            self._room,
        )

    @property
    def scale_factor(self) -> float:
        return self.terms.scale_factor

    def make_term(self, j: int, c: int) -> TracedText:
        """Weighted value ``a_j v_j[c]``, placed in its slot (not added)."""
        return self.terms.make_cell(j, c)

    def make_context(self, c: int) -> TracedText:
        """Context entry ``c``, placed under column ``c`` of the weighted rows (not added)."""
        mob = self.numbers.number(self._context_path(c), colour=palette.CONTEXT, font_size=self.font_size)
        mob.scale(self.scale_factor)
        mob.move_to(self._context_slots[c].get_center())
        return mob

    def play_rows(self, scene: Scene) -> VGroup:
        """Play each weight times its value row (the first slowly); returns the weighted rows."""
        n, d_h = self.shape
        terms = VGroup()
        w_box = v_box = None
        for j in range(n):
            cells = VGroup(*(self.make_term(j, c) for c in range(d_h)))
            new_w = self.weights.cell_box(j, 0, palette.WEIGHTS)
            new_v = self.values.row_box(j, palette.VALUE)
            if w_box is None:
                scene.play(Create(new_w), Create(new_v), run_time=0.6)
                scene.play(TransformFromCopy(self.values.row(j), cells), run_time=1.0)
                scene.wait(0.5)
            else:
                scene.play(
                    ReplacementTransform(w_box, new_w),
                    ReplacementTransform(v_box, new_v),
                    TransformFromCopy(self.values.row(j), cells),
                    run_time=0.6,
                )
            for c, cell in enumerate(cells):
                self.terms.set_cell(j, c, cell)
            terms.add(cells)
            w_box, v_box = new_w, new_v
        scene.play(FadeOut(VGroup(w_box, v_box)), run_time=0.4)
        return terms

    def play_sum(self, scene: Scene) -> VGroup:
        """Play the column sums into the context row; returns the context numbers."""
        d_h = self.shape[1]
        context = VGroup(*(self.make_context(c) for c in range(d_h)))
        scene.play(Create(self.bar), FadeIn(self.context_label), run_time=0.6)
        # A box walks the columns; each column's total drops in under the bar.
        column_box = None
        for c in range(d_h):
            new_box = self.terms.column_box(c, palette.CONTEXT)
            intro = Create(new_box) if column_box is None else ReplacementTransform(column_box, new_box)
            scene.play(intro, FadeIn(context[c], shift=0.3 * DOWN), run_time=0.7 if c == 0 else 0.5)
            column_box = new_box
        scene.play(FadeOut(column_box), run_time=0.4)
        return context


class ColumnSum(VGroup):
    """Row vectors added by hand: rows in shared columns, a bar, the sum under it.

    Parameters
    ----------
    numbers
        The scene's number factory.
    rows
        ``(sign, name, colour, path)`` per row, the last one being the sum;
        ``sign`` is ``""``, ``"+"`` or ``"="``, ``name`` a mobject heading the row
        and ``path(i, c)`` the trace path of column ``c`` for token ``i``.
    width
        Number of columns.
    tokens
        The tokens the block will show; column widths fit all of them, so
        :meth:`make_row` can show another token's numbers in the same slots.

    Nothing is drawn for the numbers at first: :meth:`make_row` gives them,
    :meth:`make_token` the token label at the block's left.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        rows: Sequence[tuple[str, Mobject, str, Callable[[int, int], str]]],
        width: int,
        tokens: Sequence[int],
        *,
        font_size: float = NUMBER_SIZE,
    ) -> None:
        super().__init__()
        self.numbers = numbers
        self.rows = list(rows)
        self.columns = width
        self.font_size = font_size
        probes = [
            numbers.number(path(i, c), font_size=font_size)
            for _s, _n, _col, path in rows
            for i in tokens
            for c in range(width)
        ]
        token_probes = [numbers.token(i) for i in tokens]
        cell_w = max(m.width for m in probes) + 0.35
        row_h = max(max(m.height for m in probes), 0.22) + 0.3
        # An unsigned first row gets no sign at all (None), not an invisible one.
        self.signs = [label(sign, colour=palette.MUTED) if sign else None for sign, *_ in rows]
        self.names = VGroup(*(name for _s, name, *_ in rows))
        token_w = max(m.width for m in token_probes)
        name_w = max(m.width for m in self.names)
        sign_w = max(m.width for m in self.signs if m is not None)
        # Names end just left of the numbers; each sign sits just left of its name.
        name_right = token_w + 0.45 + sign_w + 0.2 + name_w
        x0 = name_right + 0.35 + cell_w / 2
        last = len(rows) - 1
        ys = [-r * row_h - (0.25 if r == last else 0.0) for r in range(len(rows))]
        self._slots = VGroup(*(VectorizedPoint([x0 + c * cell_w, y, 0]) for y in ys for c in range(width)))
        for r, y in enumerate(ys):
            self.names[r].move_to([name_right - self.names[r].width / 2, y, 0])
            if self.signs[r] is not None:
                self.signs[r].move_to([self.names[r].get_left()[0] - 0.2 - self.signs[r].width / 2, y, 0])
                self.add(self.signs[r])
        bar_y = (ys[last - 1] + ys[last]) / 2
        bar_left = min(m.get_left()[0] for m in [*self.names, *(sg for sg in self.signs if sg is not None)])
        self.bar = Line(
            [bar_left, bar_y, 0],
            [x0 + (width - 0.5) * cell_w, bar_y, 0],
            stroke_width=2.5,
            color=palette.MUTED,
        )
        # The token label's right edge sits just left of the first row's name.
        token_right = self.names[0].get_left()[0] - 0.4
        self._token_slot = VectorizedPoint([token_right, ys[0], 0])
        # Keeps the token label's room inside the block's bounds when it is fitted.
        self._token_room = VectorizedPoint([token_right - token_w, ys[0], 0])
        self._unscaled_bar = self.bar.get_length()
        self.add(self._slots, self.names, self.bar, self._token_slot, self._token_room)

    @property
    def scale_factor(self) -> float:
        return self.bar.get_length() / self._unscaled_bar

    def heading(self, r: int) -> VGroup:
        """Row ``r``'s sign (if any) and name."""
        sign = self.signs[r]
        return VGroup(self.names[r]) if sign is None else VGroup(sign, self.names[r])

    def headings(self, rows: Sequence[int]) -> VGroup:
        return VGroup(*(self.heading(r) for r in rows))

    def make_row(self, r: int, i: int) -> VGroup:
        """Row ``r``'s numbers for token ``i``, placed in their slots (not added)."""
        _sign, _name, colour, path = self.rows[r]
        cells = VGroup()
        for c in range(self.columns):
            mob = self.numbers.number(path(i, c), colour=colour, font_size=self.font_size)
            mob.scale(self.scale_factor)
            mob.move_to(self._slots[r * self.columns + c].get_center())
            cells.add(mob)
        return cells

    def make_token(self, i: int) -> TracedText:
        """Token ``i``'s label at the block's left (not added)."""
        mob = self.numbers.token(i, colour=palette.HIGHLIGHT)
        mob.scale(self.scale_factor)
        mob.move_to(self._token_slot.get_center())
        mob.align_to(self._token_slot, RIGHT)
        return mob


def residual_rows(trace: object) -> tuple[list[tuple[str, Mobject, str, Callable[[int, int], str]]], bool]:
    """The rows of ``x + attention = residual`` for :class:`ColumnSum`, and whether W_o comes in.

    With one head and no W_o the attention output *is* the head's context, so
    the middle row reads ``heads[0].context``; otherwise it reads ``output``
    (the heads' contexts joined and multiplied by W_o).
    """
    direct = len(trace.heads) == 1 and trace.w_o is None  # type: ignore[attr-defined]
    if direct:
        middle = (
            "+",
            formula("{{ c : c }}", {"c": palette.CONTEXT}),
            palette.CONTEXT,
            lambda i, c: f"heads[0].context[{i}][{c}]",
        )
    else:
        middle = (
            "+",
            formula("{{ o : o }}", {"o": palette.OUTPUT}),
            palette.OUTPUT,
            lambda i, c: f"output[{i}][{c}]",
        )
    rows = [
        (
            "",
            formula("{{ x : x }}", {"x": palette.EMBEDDING}),
            palette.EMBEDDING,
            lambda i, c: f"x[{i}][{c}]",
        ),
        middle,
        ("=", formula('"residual"').scale(0.8), palette.TEXT, lambda i, c: f"residual[{i}][{c}]"),
    ]
    return rows, not direct


class WeightedSumScene(TopicScene):
    """Context = weights times V: one token's scaled value rows summed in full, then all; then the residual."""

    topic = "weighted_sum"
    summary = (
        "Context = weights times V: one token's value rows scaled by its weights and summed, then every token"
    )

    def construct(self) -> None:
        trace = self.trace
        numbers = self.numbers
        n, d_h = trace.heads[0].v.shape
        several = len(trace.heads) > 1
        frame_w = self.camera.frame_width

        title = formula(
            "{{ C : c }} = {{ A : a }} {{ V : v }}",
            {"c": palette.CONTEXT, "a": palette.WEIGHTS, "v": palette.VALUE},
        )
        title.to_edge(UP, buff=0.3)
        head_tag = (
            label("first head", colour=palette.head_colour(0), font_size=WORD_SIZE) if several else None
        )
        if head_tag is not None:
            head_tag.next_to(title, RIGHT, buff=0.5)
        top = title.get_bottom()[1] - 0.35
        bottom = self.caption_top + 0.2

        a_view, times, v_view, equals, c_view = self._overview()
        overview = VGroup(a_view, times, v_view, equals, c_view)
        fit_in_frame(overview, max_width=frame_w - 0.6, max_height=top - bottom, max_growth=1.4)
        overview.move_to([0, (top + bottom) / 2, 0])

        intro = (
            "In the first head, each token mixes the value rows by its weights"
            if several
            else "Each token's context mixes the value rows by its weights"
        )
        self.step(intro)
        self.play(
            FadeIn(title),
            *([FadeIn(head_tag)] if head_tag is not None else []),
            FadeIn(a_view),
            FadeIn(times),
            FadeIn(v_view),
            FadeIn(equals),
            FadeIn(c_view.brackets),
            FadeIn(c_view.name),
            run_time=1.2,
        )
        self.wait(1.2)

        self.step("One token in full: the first token's row of weights")
        a_box = a_view.row_box(0, palette.HIGHLIGHT)
        c_box = c_view.row_box(0, palette.CONTEXT)
        self.play(Create(a_box), Create(c_box), run_time=0.8)
        self.wait(1.0)

        # The panel replaces the overview: the row of weights turns into a column,
        # one weight beside each value row it scales.
        panel = WeightedValues(numbers, 0, 0)
        fit_in_frame(panel, max_width=frame_w - 0.6, max_height=top - bottom, max_growth=1.4)
        panel.move_to([0, (top + bottom) / 2, 0])

        self.step("Each value row is multiplied by the token's weight for it")
        weights_row = a_view.row(0).copy()
        self.add(weights_row)
        self.play(
            FadeOut(VGroup(a_view, times, equals, c_view.brackets, c_view.name, a_box, c_box)), run_time=0.6
        )
        self.play(
            *(ReplacementTransform(weights_row[j], panel.weights.cell(j, 0)) for j in range(n)),
            ReplacementTransform(v_view, panel.values),
            FadeIn(VGroup(panel.weights.brackets, panel.weights.name, panel.weights.row_labels)),
            FadeIn(VGroup(panel.times, panel.equals, panel.terms.brackets, panel.terms.name)),
            run_time=1.3,
        )
        terms = panel.play_rows(self)

        self.step("Adding the weighted rows, column by column, gives the context vector")
        context_cells = panel.play_sum(self)
        self.wait(1.0)

        # Back to the matrices: the context vector becomes row one of C.
        a_view, times, v_view, equals, c_view = self._overview()
        overview = VGroup(a_view, times, v_view, equals, c_view)
        fit_in_frame(overview, max_width=frame_w - 0.6, max_height=top - bottom, max_growth=1.4)
        overview.move_to([0, (top + bottom) / 2, 0])
        first_row = [c_view.make_cell(0, c) for c in range(d_h)]

        self.step("The same for every token: row by row, the context matrix C")
        self.play(
            FadeOut(
                VGroup(
                    panel.weights,
                    panel.times,
                    panel.equals,
                    panel.terms.brackets,
                    panel.terms.name,
                    terms,
                    panel.bar,
                    panel.context_label,
                )
            ),
            run_time=0.6,
        )
        self.play(
            ReplacementTransform(panel.values, v_view),
            *(ReplacementTransform(context_cells[c], first_row[c]) for c in range(d_h)),
            FadeIn(VGroup(a_view, times, equals, c_view.brackets, c_view.name)),
            run_time=1.3,
        )
        for c, cell in enumerate(first_row):
            c_view.set_cell(0, c, cell)
        box = None
        for i in range(1, n):
            cells = [c_view.make_cell(i, c) for c in range(d_h)]
            new_box = a_view.row_box(i, palette.HIGHLIGHT)
            intro_box = Create(new_box) if box is None else ReplacementTransform(box, new_box)
            self.play(
                intro_box,
                LaggedStart(*(FadeIn(cell, shift=0.1 * RIGHT) for cell in cells), lag_ratio=0.2),
                run_time=0.7,
            )
            for c, cell in enumerate(cells):
                c_view.set_cell(i, c, cell)
            box = new_box
        if box is not None:
            self.play(FadeOut(box), run_time=0.4)
        self.wait(1.2)

        if trace.residual is not None:
            self._residual(title, head_tag, VGroup(a_view, times, v_view, equals), c_view, top, bottom)

    def _overview(self) -> tuple[MatrixView, Mobject, MatrixView, Mobject, MatrixView]:
        """A (weights) × V = C, with C empty."""
        numbers = self.numbers
        n, d_h = self.trace.heads[0].v.shape
        a_view = MatrixView(
            numbers,
            lambda i, j: f"heads[0].weights[{i}][{j}]",
            (n, n),
            colour=palette.WEIGHTS,
            name=formula('{{ "weights" A : a }}', {"a": palette.WEIGHTS}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        v_view = MatrixView(
            numbers,
            lambda i, c: f"heads[0].v[{i}][{c}]",
            (n, d_h),
            colour=palette.VALUE,
            name=formula('{{ "values" V : v }}', {"v": palette.VALUE}),
        )
        c_view = MatrixView(
            numbers,
            lambda i, c: f"heads[0].context[{i}][{c}]",
            (n, d_h),
            colour=palette.CONTEXT,
            name=formula('{{ "context" C : c }}', {"c": palette.CONTEXT}),
            filled=False,
        )
        times = label("×", colour=palette.MUTED)
        equals = label("=", colour=palette.MUTED)
        VGroup(a_view, times, v_view, equals, c_view).arrange(RIGHT, buff=0.4, aligned_edge=DOWN)
        for sign in (times, equals):
            sign.set_y(v_view.brackets.get_center()[1])
        return a_view, times, v_view, equals, c_view

    def _residual(
        self,
        title: Mobject,
        head_tag: Mobject | None,
        attention: VGroup,
        c_view: MatrixView,
        top: float,
        bottom: float,
    ) -> None:
        """x + attention output = residual: the first token as an addition, then every token."""
        trace = self.trace
        numbers = self.numbers
        n, d = trace.x.shape
        frame_w = self.camera.frame_width
        rows, through_w_o = residual_rows(trace)
        middle_symbol = "o" if through_w_o else "c"
        middle_colour = palette.OUTPUT if through_w_o else palette.CONTEXT
        new_title = formula(
            f'{{{{ "residual" : r }}}} = {{{{ x : x }}}} + {{{{ {middle_symbol} : m }}}}',
            {"x": palette.EMBEDDING, "m": middle_colour},
        ).move_to(title)

        block = ColumnSum(numbers, rows, d, range(n))
        r_view = MatrixView(
            numbers,
            lambda i, c: f"residual[{i}][{c}]",
            (n, d),
            colour=palette.TEXT,
            name=formula('"residual"'),
            row_labels=[numbers.token(i) for i in range(n)],
            filled=False,
        )
        stage = VGroup(block, r_view).arrange(DOWN, buff=0.45)
        fit_in_frame(stage, max_width=frame_w - 0.6, max_height=top - bottom, max_growth=1.3)
        stage.move_to([0, (top + bottom) / 2, 0])

        if through_w_o:
            # The context is not added directly: W_o (and, with several heads, the
            # other heads' contexts) come first. Show that link before the sum.
            o_view = MatrixView(
                numbers,
                lambda i, c: f"output[{i}][{c}]",
                (n, d),
                colour=palette.OUTPUT,
                name=formula('{{ "output" O : o }}', {"o": palette.OUTPUT}),
            )
            link = VGroup(
                formula("dot {{ W_o : w }}", {"w": palette.WEIGHT_MATRIX}),
                Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.6),
            ).arrange(DOWN, buff=0.15)
            if len(trace.heads) > 1:
                link.add(
                    label("with the other heads", colour=palette.MUTED, font_size=WORD_SIZE - 2).next_to(
                        link, DOWN, buff=0.15
                    )
                )
            # Where C goes: a fresh copy of it, fitted together with O, so both share one scale.
            c_target = MatrixView(
                numbers,
                lambda i, c: f"heads[0].context[{i}][{c}]",
                c_view.shape,
                colour=palette.CONTEXT,
                name=formula('{{ "context" C : c }}', {"c": palette.CONTEXT}),
            )
            chain = VGroup(c_target, link, o_view).arrange(RIGHT, buff=0.4)
            fit_in_frame(chain, max_width=frame_w - 0.6, max_height=top - bottom, max_growth=1.0)
            chain.move_to([0, (top + bottom) / 2, 0])
            caption = (
                "The heads' contexts are joined and multiplied by W_o: the output O"
                if len(trace.heads) > 1
                else "The context is multiplied by W_o first: the output O"
            )
            self.step(caption)
            factor = c_target.width / c_view.width
            self.play(FadeOut(attention), c_view.animate.scale(factor).move_to(c_target), run_time=1.0)
            self.play(FadeIn(link), FadeIn(o_view, shift=0.2 * RIGHT), run_time=1.0)
            self.wait(1.5)
            leaving = VGroup(c_view, link, o_view)
            first_caption = "Residual: add each token's input x back to its output, first token in full"
        else:
            leaving = VGroup(attention, c_view)
            first_caption = "Residual: add each token's input x back to its context, first token in full"

        self.step(first_caption)
        token = block.make_token(0)
        x_row, mid_row, sum_row = (block.make_row(r, 0) for r in range(3))
        self.play(
            FadeOut(leaving),
            FadeOut(title),
            *([FadeOut(head_tag)] if head_tag is not None else []),
            run_time=0.6,
        )
        self.play(
            FadeIn(new_title),
            FadeIn(block.headings([0, 1])),
            FadeIn(token),
            FadeIn(x_row),
            FadeIn(mid_row),
            FadeIn(VGroup(r_view.brackets, r_view.name, r_view.row_labels)),
            run_time=1.2,
        )
        self.play(Create(block.bar), FadeIn(block.heading(2)), run_time=0.5)
        self.play(
            LaggedStart(*(FadeIn(cell, shift=0.3 * DOWN) for cell in sum_row), lag_ratio=0.2), run_time=1.4
        )
        self._copy_into(r_view, sum_row, 0)
        self.wait(1.0)

        self.step("The same for every token: the residual matrix")
        for i in range(1, n):
            new_token = block.make_token(i)
            new_rows = [block.make_row(r, i) for r in range(3)]
            old = VGroup(token, x_row, mid_row, sum_row)
            self.play(
                FadeOut(old, shift=0.2 * UP),
                FadeIn(VGroup(new_token, *new_rows), shift=0.2 * UP),
                run_time=0.6,
            )
            token, (x_row, mid_row, sum_row) = new_token, new_rows
            self._copy_into(r_view, sum_row, i, run_time=0.5)
        self.wait(1.5)

    def _copy_into(self, view: MatrixView, row: VGroup, i: int, *, run_time: float = 0.8) -> None:
        """Copies of ``row``'s numbers move into row ``i`` of ``view``."""
        cells = [view.make_cell(i, c) for c in range(len(row))]
        self.play(*(TransformFromCopy(row[c], cells[c]) for c in range(len(row))), run_time=run_time)
        for c, cell in enumerate(cells):
            view.set_cell(i, c, cell)
