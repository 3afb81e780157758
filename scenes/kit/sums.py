"""Sums written out by hand: weighted value rows and column additions.

- :class:`WeightedValues`: one token's value rows, each scaled by its weight,
  added column by column into its context vector.
- :class:`ColumnSum`: row vectors added in shared columns, a bar, the sum.
- :func:`residual_rows`: the rows of ``x + attention = residual`` for a
  :class:`ColumnSum`.
- :func:`product_sign`: the honest sign of a matrix product drawn whole
  (``A × V = C``).
- :func:`say_mix`: what a token's context is made of, said from a
  :func:`attention_math.facts.focus` fact.

Numbers are made by the scene's :class:`~scenes.kit.widgets.NumberFactory`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from manim import (
    DOWN,
    RIGHT,
    Create,
    FadeIn,
    FadeOut,
    Line,
    ReplacementTransform,
    Scene,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    VectorizedPoint,
    VGroup,
    VMobject,
)

from attention_math.facts import Fact
from attention_math.trace import Trace

from . import palette
from .equations import APPROX, EQUALS, EquationLog, Kind, Reading, relation
from .heads import first_head
from .narration import Narrator, Sentence, Tok
from .widgets import NUMBER_SIZE, MatrixView, NumberFactory, TracedText, formula, label

__all__ = ["ColumnSum", "SumRow", "WeightedValues", "product_sign", "residual_rows", "say_mix"]


def _reading(numbers: NumberFactory, path: str) -> Reading:
    """The number at ``path`` as it will be drawn, before it is (for recording its equation)."""
    return Reading(path, numbers.text(path))


class WeightedValues(VGroup):
    """Token ``i``'s weighted sum of the value rows of head ``head``, one value row per line.

    ::

        token_0  [a_0]     [ v_0 ]     [ a_0 v_0 ]
        token_1  [a_1]  ×  [ v_1 ]  =  [ a_1 v_1 ]
                                       -----------
                              token_i c   c_0  c_1 ...

    The weights column (``heads[h].weights[i]``) and the values
    (``heads[h].v``) are drawn; the weighted rows (``heads[h].context_terms[i]``)
    and the context row (``heads[h].context[i]``) are empty slots, filled by
    :meth:`make_term` and :meth:`make_context`, which return numbers already
    placed; :meth:`play_rows` and :meth:`play_sum` play both steps on a scene.
    The context numbers sit exactly under the weighted rows' columns, so the
    sum reads as a column addition.

    Its equations are recorded in ``equations`` (see :mod:`scenes.kit.equations`):
    every weight times its value under the one sign between the matrices, and
    every column's addition under the sign after the context's label; each is
    ``=`` only if the numbers drawn, redone by hand and rounded, give the
    numbers drawn, else ``≈``.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        head: int,
        i: int,
        *,
        equations: EquationLog,
        font_size: float = NUMBER_SIZE,
    ) -> None:
        super().__init__()
        self.numbers = numbers
        self.equations = equations
        self.font_size = font_size
        n, d_h = numbers.trace.heads[head].v.shape
        self.shape = (n, d_h)
        self._prefix = prefix = f"heads[{head}]"
        self._token = i

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
        # One sign for every weight times its value: "≈" if any drawn product is off.
        products_sign = equations.record_group(
            [
                (
                    Kind.PRODUCT,
                    [self.weights.cell(j, 0), self.values.cell(j, c)],
                    _reading(numbers, self._term_path(j, c)),
                )
                for j in range(n)
                for c in range(d_h)
            ],
            decimals=numbers.decimals,
            group=f"{prefix}.context_terms[{i}]",
        )
        self.products_sign = products_sign
        """The sign between the matrices: "=" or "≈" (shared by every weight times its value)."""
        self.equals = label(products_sign, colour=palette.MUTED)
        # Bottoms aligned: every view has n rows of the same height, so rows line up.
        VGroup(self.weights, self.times, self.values, self.equals, self.terms).arrange(
            RIGHT, buff=0.35, aligned_edge=DOWN
        )
        for sign in (self.times, self.equals):
            sign.set_y(self.values.brackets.get_center()[1])
        self._add_sum_row()

    def _add_sum_row(self) -> None:
        """The bar under the weighted rows, the context's label and the slots of its numbers."""
        numbers, (n, d_h) = self.numbers, self.shape
        cell_h = self.terms.cell_size[1]
        left, right = self.terms.brackets.get_left()[0], self.terms.brackets.get_right()[0]
        bar_y = self.terms.brackets.get_bottom()[1] - 0.18
        self.bar = Line((left, bar_y, 0), (right, bar_y, 0), stroke_width=2.5, color=palette.MUTED)
        context_y = bar_y - 0.12 - cell_h / 2
        self._context_slots = VGroup(
            *(VectorizedPoint((self.terms.slot(0, c)[0], context_y, 0)) for c in range(d_h))
        )
        # The bar is the column addition's "=": "≈" when a drawn column does not add up.
        sign = self.equations.record_group(
            [
                (
                    Kind.SUM,
                    [_reading(numbers, self._term_path(j, c)) for j in range(n)],
                    _reading(numbers, self._context_path(c)),
                )
                for c in range(d_h)
            ],
            decimals=numbers.decimals,
            group=f"{self._prefix}.context[{self._token}]",
        )
        self.sum_sign = sign
        """The sign after the context's label: "=" or "≈" (shared by every column's addition)."""
        self.context_label = VGroup(
            numbers.token(self._token, colour=palette.HIGHLIGHT),
            formula("{{ c : c }}", {"c": palette.CONTEXT}),
            label(sign, colour=palette.MUTED),
        ).arrange(RIGHT, buff=0.2)
        self.context_label.move_to((left - 0.3 - self.context_label.width / 2, context_y, 0))
        # Width of the context numbers, so the layout reserves their room before they exist.
        widest = max(
            numbers.number(self._context_path(c), font_size=self.font_size).width for c in range(d_h)
        )
        self._room = VectorizedPoint(
            (right + max(0.0, widest / 2 - self.terms.cell_size[0] / 2), context_y - cell_h / 2, 0)
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

    def _term_path(self, j: int, c: int) -> str:
        return f"{self._prefix}.context_terms[{self._token}][{j}][{c}]"

    def _context_path(self, c: int) -> str:
        return f"{self._prefix}.context[{self._token}][{c}]"

    @property
    def scale_factor(self) -> float:
        """How much the panel has been scaled since it was built."""
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
        boxes: tuple[SurroundingRectangle, SurroundingRectangle] | None = None
        for j in range(n):
            row = [self.make_term(j, c) for c in range(d_h)]
            cells = VGroup(*row)
            new_w = self.weights.cell_box(j, 0, palette.WEIGHTS)
            new_v = self.values.row_box(j, palette.VALUE)
            if boxes is None:
                scene.play(Create(new_w), Create(new_v), run_time=0.6)
                scene.play(TransformFromCopy(self.values.row(j), cells), run_time=1.0)
                scene.wait(0.5)
            else:
                scene.play(
                    ReplacementTransform(boxes[0], new_w),
                    ReplacementTransform(boxes[1], new_v),
                    TransformFromCopy(self.values.row(j), cells),
                    run_time=0.6,
                )
            for c, cell in enumerate(row):
                self.terms.set_cell(j, c, cell)
            terms.add(cells)
            boxes = (new_w, new_v)
        if boxes is not None:
            scene.play(FadeOut(VGroup(*boxes)), run_time=0.4)
        return terms

    def play_sum(self, scene: Scene) -> VGroup:
        """Play the column sums into the context row; returns the context numbers."""
        d_h = self.shape[1]
        context = VGroup(*(self.make_context(c) for c in range(d_h)))
        scene.play(Create(self.bar), FadeIn(self.context_label), run_time=0.6)
        # A box walks the columns; each column's total drops in under the bar.
        column_box: SurroundingRectangle | None = None
        for c in range(d_h):
            new_box = self.terms.column_box(c, palette.CONTEXT)
            intro = Create(new_box) if column_box is None else ReplacementTransform(column_box, new_box)
            scene.play(intro, FadeIn(context[c], shift=0.3 * DOWN), run_time=0.7 if c == 0 else 0.5)
            column_box = new_box
        if column_box is not None:
            scene.play(FadeOut(column_box), run_time=0.4)
        return context


class SumRow(NamedTuple):
    """One row of a :class:`ColumnSum`: its sign, name, number colour and trace paths."""

    sign: str
    """``""`` (first row), ``"+"`` or ``"="``."""
    name: VMobject
    """What heads the row (a formula such as ``x``)."""
    colour: str
    """The palette role of its numbers."""
    path: Callable[[int, int], str]
    """``path(i, c)``: the trace path of column ``c`` for token ``i``."""


class ColumnSum(VGroup):
    """Row vectors added by hand: rows in shared columns, a bar, the sum under it.

    Parameters
    ----------
    numbers
        The scene's number factory.
    rows
        One :class:`SumRow` per row, the last one being the sum.
    width
        Number of columns.
    tokens
        The tokens the block will show; column widths fit all of them, so
        :meth:`make_row` can show another token's numbers in the same slots.

    Nothing is drawn for the numbers at first: :meth:`make_row` gives them,
    :meth:`make_token` the token label at the block's left.

    A last row signed ``"="`` is the sum of the rows above it: its sign is the
    honest one for the token shown (``≈`` when a drawn column does not add up,
    see :mod:`scenes.kit.equations`); :meth:`make_sign` gives another token's,
    and :meth:`make_row` records each token's column additions in ``equations``.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        rows: Sequence[SumRow],
        width: int,
        tokens: Sequence[int],
        *,
        equations: EquationLog,
        font_size: float = NUMBER_SIZE,
    ) -> None:
        super().__init__()
        self.numbers = numbers
        self.equations = equations
        self._recorded: set[int] = set()
        self.rows = list(rows)
        self.columns = width
        self.font_size = font_size
        probes = [
            numbers.number(row.path(i, c), font_size=font_size)
            for row in rows
            for i in tokens
            for c in range(width)
        ]
        token_probes = [numbers.token(i) for i in tokens]
        cell_w = max(m.width for m in probes) + 0.35
        row_h = max(max(m.height for m in probes), 0.22) + 0.3
        # An unsigned first row gets no sign at all (None), not an invisible one. The
        # sum's "=" is the first token's honest sign (make_sign gives another token's).
        first = tokens[0] if len(tokens) else 0
        self.signs: list[Text | None] = [
            label(self.sign_for(first) if self._is_sum(r) else row.sign, colour=palette.MUTED)
            if row.sign
            else None
            for r, row in enumerate(rows)
        ]
        self.names = VGroup(*(row.name for row in rows))
        token_w = max(m.width for m in token_probes)
        name_w = max(m.width for m in self.names)
        sign_w = max(m.width for m in self.signs if m is not None)
        # Names end just left of the numbers; each sign sits just left of its name.
        name_right = token_w + 0.45 + sign_w + 0.2 + name_w
        x0 = name_right + 0.35 + cell_w / 2
        last = len(rows) - 1
        ys = [-r * row_h - (0.25 if r == last else 0.0) for r in range(len(rows))]
        self._slots = VGroup(*(VectorizedPoint((x0 + c * cell_w, y, 0)) for y in ys for c in range(width)))
        for r, y in enumerate(ys):
            name = rows[r].name
            name.move_to((name_right - name.width / 2, y, 0))
            sign = self.signs[r]
            if sign is not None:
                sign.move_to((name.get_left()[0] - 0.2 - sign.width / 2, y, 0))
                self.add(sign)
        bar_y = (ys[last - 1] + ys[last]) / 2
        bar_left = min(m.get_left()[0] for m in [*self.names, *(sg for sg in self.signs if sg is not None)])
        self.bar = Line(
            (bar_left, bar_y, 0),
            (x0 + (width - 0.5) * cell_w, bar_y, 0),
            stroke_width=2.5,
            color=palette.MUTED,
        )
        # The token label's right edge sits just left of the first row's name.
        token_right = rows[0].name.get_left()[0] - 0.4
        self._token_slot = VectorizedPoint((token_right, ys[0], 0))
        # Keeps the token label's room inside the block's bounds when it is fitted.
        self._token_room = VectorizedPoint((token_right - token_w, ys[0], 0))
        self._unscaled_bar = self.bar.get_length()
        self.add(self._slots, self.names, self.bar, self._token_slot, self._token_room)

    @property
    def scale_factor(self) -> float:
        """How much the block has been scaled since it was built."""
        return float(self.bar.get_length() / self._unscaled_bar)

    def heading(self, r: int) -> VGroup:
        """Row ``r``'s sign (if any) and name."""
        sign = self.signs[r]
        name = self.rows[r].name
        return VGroup(name) if sign is None else VGroup(sign, name)

    def headings(self, rows: Sequence[int]) -> VGroup:
        """The signs and names of ``rows``."""
        return VGroup(*(self.heading(r) for r in rows))

    def _is_sum(self, r: int) -> bool:
        """Whether row ``r`` is the sum of the rows above it (the last row, signed "=")."""
        return r == len(self.rows) - 1 and self.rows[r].sign == EQUALS

    def _column(self, i: int, c: int) -> tuple[Kind, list[Reading], Reading]:
        """Column ``c`` of token ``i`` as an equation: the rows above the bar added give the last."""
        *above, last = self.rows
        return (
            Kind.SUM,
            [_reading(self.numbers, row.path(i, c)) for row in above],
            _reading(self.numbers, last.path(i, c)),
        )

    def sign_for(self, i: int) -> str:
        """The honest sign of token ``i``'s sum: "=" if every drawn column adds up, else "≈"."""
        columns = [self._column(i, c) for c in range(self.columns)]
        signs = {
            relation(kind, [m.text for m in ops], res.text, self.numbers.decimals)
            for kind, ops, res in columns
        }
        return EQUALS if signs == {EQUALS} else APPROX

    def make_sign(self, i: int) -> Text:
        """The sum row's sign for token ``i``, where the block's sign is (not added)."""
        current = self.signs[-1]
        assert current is not None, "the last row is not a sum"
        mob = label(self.sign_for(i), colour=palette.MUTED)
        mob.scale(self.scale_factor)
        mob.move_to(current.get_center())
        return mob

    def make_row(self, r: int, i: int) -> VGroup:
        """Row ``r``'s numbers for token ``i``, placed in their slots (not added).

        Making the sum row records token ``i``'s column additions in the equation log.
        """
        if self._is_sum(r) and i not in self._recorded:
            self._recorded.add(i)
            self.equations.record_group(
                [self._column(i, c) for c in range(self.columns)],
                decimals=self.numbers.decimals,
                group=f"{self.rows[r].path(i, 0)} (column sums)",
            )
        row = self.rows[r]
        cells = VGroup()
        for c in range(self.columns):
            mob = self.numbers.number(row.path(i, c), colour=row.colour, font_size=self.font_size)
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


def residual_rows(trace: Trace) -> tuple[list[SumRow], bool]:
    """The rows of ``x + attention = residual`` for :class:`ColumnSum`, and whether W_o comes in.

    With one head and no W_o the attention output *is* the head's context, so
    the middle row reads the head's ``context``; otherwise it reads ``output``
    (the heads' contexts joined and multiplied by W_o).
    """
    head = first_head(trace)
    direct = not head.several and trace.w_o is None
    if direct:
        middle = SumRow(
            "+",
            formula("{{ c : c }}", {"c": palette.CONTEXT}),
            palette.CONTEXT,
            lambda i, c: head.path(f"context[{i}][{c}]"),
        )
    else:
        middle = SumRow(
            "+",
            formula("{{ o : o }}", {"o": palette.OUTPUT}),
            palette.OUTPUT,
            lambda i, c: f"output[{i}][{c}]",
        )
    rows = [
        SumRow(
            "",
            formula("{{ x : x }}", {"x": palette.EMBEDDING}),
            palette.EMBEDDING,
            lambda i, c: f"x[{i}][{c}]",
        ),
        middle,
        SumRow("=", formula('"residual"').scale(0.8), palette.TEXT, lambda i, c: f"residual[{i}][{c}]"),
    ]
    return rows, not direct


def product_sign(
    numbers: NumberFactory,
    left: Callable[[int, int], str],
    right: Callable[[int, int], str],
    result: Callable[[int, int], str],
    shape: tuple[int, int, int],
    equations: EquationLog | None = None,
) -> str:
    """The honest sign of ``left · right = result``, three matrices drawn whole: "=" or "≈".

    ``left(i, j)``, ``right(j, c)`` and ``result(i, c)`` are trace paths; ``shape``
    is ``(rows of left, its columns = rows of right, columns of right)``. The sign
    is "=" only when every entry of the result, redone as a dot product of the
    drawn (rounded) texts and rounded as drawn, gives the drawn text. With
    ``equations``, every entry is recorded there as a dot product under the one sign.
    """
    n, k, m = shape

    def reading(path: str) -> Reading:
        return Reading(path, numbers.text(path))

    entries = [
        (
            Kind.DOT_PRODUCT,
            [reading(left(i, j)) for j in range(k)] + [reading(right(j, c)) for j in range(k)],
            reading(result(i, c)),
        )
        for i in range(n)
        for c in range(m)
    ]
    if equations is not None:
        return equations.record_group(entries, decimals=numbers.decimals)
    verdicts = {
        relation(kind, [r.text for r in operands], result.text, numbers.decimals)
        for kind, operands, result in entries
    }
    return APPROX if APPROX in verdicts else EQUALS


def say_mix(narrator: Narrator, fact: Fact) -> Sentence:
    """What a token's context is made of, from where it attends (a :func:`~attention_math.facts.focus` fact).

    True for any lesson: one visible token, an even spread, a tie or one favourite.
    """
    row, targets = fact.found["row"], fact.found["targets"]
    if fact.kind == "only":
        return narrator.say(
            Tok(row), "sees only itself, so its context is exactly its own value row.", facts=[fact]
        )
    if fact.kind == "even":
        return narrator.say(
            "With equal weights, the context of",
            Tok(row),
            "is an even blend of the values it sees.",
            facts=[fact],
        )
    if fact.kind == "tie":
        tied: list[str | Tok] = []
        for n, index in enumerate(targets):
            if n:
                tied.append("and" if n == len(targets) - 1 else ",")
            tied.append(Tok(index))
        return narrator.say(
            "The context of",
            Tok(row),
            "takes its largest, equal shares from the values of",
            *tied,
            ".",
            facts=[fact],
        )
    return narrator.say(
        "So the context of",
        Tok(row),
        "leans most on the value of",
        Tok(targets[0]),
        ", the token it attends to most.",
        facts=[fact],
    )
