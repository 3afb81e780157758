"""Drawing pieces shared by the attention topics (scores, softmax, masking, multi-head, next word).

Everything here draws; nothing computes a number. Numbers are made by the
scene's :class:`~scenes.kit.widgets.NumberFactory` from trace paths; trace values
are read only for geometry (bar heights, shading strength).

- :class:`SoftmaxBars`: a row of probability bars, each with its traced value
  and a label (a token, a vocabulary word) under it.
- :func:`share_bar`: one bar split into segments, one per share, so a row of
  weights visibly fills exactly one whole.
- :class:`DotProductPanel`: a query row above a key row, their products
  under them and the sum, one column per dimension.
- :class:`WeightGrid`: one head's attention weights as glowing tiles.
- :func:`token_matrix`: an n × n matrix (scores, weights) with the query
  tokens naming its rows and the key tokens its columns.
- :func:`add_column_labels`, :func:`add_row_labels`, :func:`heat_cells`,
  :func:`cell_shade`: headings and cell shading for a
  :class:`~scenes.kit.widgets.MatrixView`.

Labels sit on one text baseline (:func:`~scenes.kit.widgets.align_baselines`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    FadeIn,
    GrowFromEdge,
    LaggedStart,
    Line,
    Mobject,
    Rectangle,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from . import palette
from .colour import MIN_CONTRAST, contrast_ratio, over, readable_on
from .equations import APPROX, ONE, EquationLog, Kind
from .widgets import NUMBER_SIZE, MatrixView, NumberFactory, TracedText, align_baselines, baseline_y, label

__all__ = [
    "DotProductPanel",
    "SoftmaxBars",
    "WeightGrid",
    "add_column_labels",
    "add_row_labels",
    "cell_shade",
    "heat_cells",
    "legible_opacity",
    "share_bar",
    "token_matrix",
]

# Thinnest bar drawn, so a zero share still shows as a sliver on the baseline.
_MIN_BAR = 0.02
# Room between a product and the "≈" before it.
_MARK_GAP = 0.12
# How far a column label may shrink before its column is widened instead.
_LABEL_SHRINK = 0.8


class SoftmaxBars(VGroup):
    """A bar chart of one probability row: bars on a baseline, values above, labels below.

    Parameters
    ----------
    numbers
        The scene's number factory; every value label is made by it.
    paths
        One trace path per bar, e.g. ``[f"heads[0].weights[2][{j}]" for j in range(n)]``
        or ``[f"probs[{w}]" for w in range(V)]``. The value at each path sets the
        bar's height and is drawn as its label.
    labels
        One mobject per bar, drawn under the baseline (token labels from
        ``numbers.token(j)``, vocabulary words from ``numbers.number(f"vocab[{w}]")``).
        They become part of the chart and are moved into place.
    colour
        Bar and value colour (a palette role, e.g. ``palette.WEIGHTS``).
    max_height
        Height of a bar whose value equals ``full``.
    full
        The value drawn at ``max_height``; 1.0 for probabilities (so a bar's
        height is its share of the whole), None for the largest value.
    bar_width
        Width of each bar.
    min_column_width
        Columns are at least this wide (centre to centre spacing minus ``gap``),
        e.g. to line the bars up under a table of the same columns.
    gap
        Space between columns.
    font_size
        Size of the value labels.
    value_maker
        Makes the value label of a path; ``numbers.number`` by default. Pass
        another NumberFactory method (e.g. a percentage formatter) to change
        the format; it must return a traced text.

    Attributes
    ----------
    bars, values, labels : VGroup
        The rectangles, the traced value texts and the labels, by column.
    baseline : Line
        The line the bars stand on.

    Nothing is animated here: :meth:`grow` returns the animation that draws
    the bars, :meth:`stack` gives shapes to move copies of the bars into, and
    :meth:`adds_up` the words saying (honestly, see :mod:`scenes.kit.equations`)
    that the values drawn add up to one.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        paths: Sequence[str],
        labels: Sequence[VMobject],
        *,
        colour: str = palette.WEIGHTS,
        max_height: float = 2.0,
        full: float | None = 1.0,
        bar_width: float = 0.5,
        min_column_width: float = 0.0,
        gap: float = 0.25,
        font_size: float = NUMBER_SIZE * 0.85,
        value_maker: Callable[..., TracedText] | None = None,
    ) -> None:
        super().__init__()
        if len(paths) != len(labels):
            raise ValueError(f"{len(paths)} paths but {len(labels)} labels")
        make = value_maker or numbers.number
        self.decimals = numbers.decimals
        self.paths = list(paths)
        self.colour = colour
        self.max_height = max_height
        raw = np.array([float(numbers.trace.get(p)) for p in paths])
        top = float(raw.max()) if full is None else float(full)
        # Heights are proportions of ``full``; negative values cannot be shares, so draw them as zero.
        self.fractions = np.clip(raw / top if top > 0 else np.zeros_like(raw), 0.0, None)

        self._values = [make(p, colour=colour, font_size=font_size) for p in paths]
        self.values = VGroup(*self._values)
        self.labels = VGroup(*labels)
        column = max(
            [bar_width, min_column_width] + [m.width for m in self.values] + [m.width for m in self.labels]
        )
        self.column_width = column + gap
        xs = (np.arange(len(paths)) - (len(paths) - 1) / 2) * self.column_width

        self.bars = VGroup()
        for x, fraction in zip(xs, self.fractions, strict=True):
            height = max(fraction * max_height, _MIN_BAR)
            bar = Rectangle(
                width=bar_width, height=height, stroke_width=0, fill_color=colour, fill_opacity=0.85
            )
            bar.move_to((x, height / 2, 0))
            self.bars.add(bar)
        width = len(paths) * self.column_width
        self.baseline = Line((-width / 2, 0, 0), (width / 2, 0, 0), stroke_width=2, color=palette.MUTED)
        for shape, value in zip(self.bars, self.values, strict=True):
            value.next_to(shape, UP, buff=0.1)
        for x, lab in zip(xs, self.labels, strict=True):
            lab.set_x(x)
        # Labels share one text baseline under the chart, whatever their letters.
        if len(self.labels):
            ascent = max(lab.get_top()[1] - baseline_y(lab) for lab in self.labels)
            align_baselines(self.labels, -(0.15 + ascent))
        self.add(self.baseline, self.bars, self.values, self.labels)

    def column_x(self, j: int) -> float:
        """X of column ``j``'s centre (follows the chart when it moves)."""
        return float(self.bars[j].get_center()[0])

    @property
    def base_y(self) -> float:
        """Y of the baseline (follows the chart when it moves)."""
        return float(self.baseline.get_center()[1])

    @property
    def full_height(self) -> float:
        """Height on screen of a bar whose value equals ``full``, after any scaling."""
        return self.max_height * self.baseline.get_length() / self._unscaled_width

    @property
    def _unscaled_width(self) -> float:
        return len(self.paths) * self.column_width

    def grow(self, *, lag_ratio: float = 0.15, with_labels: bool = False) -> Animation:
        """Bars growing up from the baseline, each value fading in with its bar."""
        columns = [
            AnimationGroup(GrowFromEdge(bar, DOWN), FadeIn(value, shift=0.1 * UP))
            for bar, value in zip(self.bars, self.values, strict=True)
        ]
        group = LaggedStart(*columns, lag_ratio=lag_ratio)
        if not with_labels:
            return group
        return AnimationGroup(FadeIn(self.baseline), FadeIn(self.labels), group, lag_ratio=0.3)

    def stack(self, *, buff: float = 0.6, outline_colour: str = palette.MUTED) -> tuple[VGroup, Rectangle]:
        """Where the bars go when piled on top of each other, right of the chart.

        Returns the pile (one rectangle per bar, same sizes, bottom at the
        baseline) and the outline of one bar of value ``full``. For a
        probability row the pile exactly fills the outline: the shares add up
        to one whole. Move copies of the bars into the pile with
        ``TransformFromCopy(chart.bars[j], pile[j])``.
        """
        x = self.baseline.get_right()[0] + buff
        width = self.bars[0].width
        pile = VGroup()
        y = self.base_y
        for k, (bar, fraction) in enumerate(zip(self.bars, self.fractions, strict=True)):
            # True heights (not the sliver drawn for a zero), so the pile sums exactly.
            height = fraction * self.full_height
            piece = bar.copy().stretch_to_fit_height(max(height, _MIN_BAR))
            # Alternate strength so each bar stays visible in the pile.
            piece.set_fill(opacity=0.9 if k % 2 == 0 else 0.5).set_stroke(palette.BACKGROUND, width=1)
            piece.move_to((x, y + height / 2, 0))
            y += height
            pile.add(piece)
        outline = Rectangle(
            width=width + 0.08, height=self.full_height, stroke_width=2.5, color=outline_colour
        )
        outline.move_to((x, self.base_y + self.full_height / 2, 0))
        return pile, outline

    def adds_up(self, equations: EquationLog, *, lead: str = "together", font_size: float = 20) -> Text:
        """Words for the pile (not placed, not added): "together = one", or "≈ one" when rounding shows.

        The values drawn over the bars are rounded: they add up to exactly one
        only sometimes, although the bars (true heights) always fill one whole.
        The equation is recorded in ``equations`` and the words carry its sign.
        """
        sign = equations.record(Kind.ADDS_UP_TO_ONE, self._values, None, decimals=self.decimals)
        return label(f"{lead} {sign} {ONE}", colour=palette.MUTED, font_size=font_size)


def share_bar(
    fractions: Sequence[float],
    *,
    length: float,
    thickness: float = 0.3,
    colour: str = palette.WEIGHTS,
    outline_colour: str = palette.MUTED,
) -> VGroup:
    """A horizontal bar of ``length`` split into segments of the given fractions.

    Segments alternate in strength so neighbours stay distinguishable; an
    outline marks the whole. ``fractions`` are trace values (e.g. a row of
    attention weights) used for geometry only. Returns VGroup(outline, segments).
    """
    segments = VGroup()
    x = -length / 2
    for k, fraction in enumerate(fractions):
        width = max(float(fraction), 0.0) * length
        if width <= 1e-6:
            continue
        piece = Rectangle(
            width=width,
            height=thickness,
            stroke_width=1,
            stroke_color=palette.BACKGROUND,
            fill_color=colour,
            fill_opacity=0.9 if k % 2 == 0 else 0.5,
        )
        piece.move_to((x + width / 2, 0, 0))
        segments.add(piece)
        x += width
    outline = Rectangle(width=length, height=thickness + 0.08, stroke_width=2, color=outline_colour)
    return VGroup(outline, segments)


class DotProductPanel(VGroup):
    """One dot product laid out in columns: left row, right row, products, sum.

    ::

        [left_label]    a_0     a_1    ...
        [right_label]   b_0     b_1    ...
              ×         p_0  +  p_1  + ...  =  result

    Parameters
    ----------
    numbers
        The scene's number factory.
    left_paths, right_paths, product_paths
        Trace paths of the factors and of their products, one per dimension
        (for a score: ``heads[h].q[i][m]``, ``heads[h].k[j][m]``,
        ``heads[h].score_terms[i][j][m]``).
    result_path
        Path of the sum (``heads[h].scores[i][j]``).
    left_label, right_label
        Mobjects naming the two rows (e.g. a coloured symbol and a token).
    left_colour, right_colour, result_colour
        Palette roles of the factors and of the sum.
    font_size
        Size of the numbers.
    equations
        The scene's equation log: every product and the sum are recorded there,
        and drawn with the sign it gives.

    Attributes
    ----------
    left, right, products : VGroup
        Traced texts by dimension.
    pluses : VGroup
        The ``+`` signs between products.
    times, equals : Text
        The ``×`` heading of the product row and the sign before the result:
        ``=``, or ``≈`` when the drawn products do not add up to the drawn sum.
    product_marks : dict[int, Text]
        A ``≈`` left of each product its drawn factors do not give (see
        :mod:`scenes.kit.equations`).
    result : TracedText
        The sum.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        left_paths: Sequence[str],
        right_paths: Sequence[str],
        product_paths: Sequence[str],
        result_path: str,
        *,
        left_label: VMobject,
        right_label: VMobject,
        left_colour: str = palette.QUERY,
        right_colour: str = palette.KEY,
        result_colour: str = palette.SCORES,
        font_size: float = NUMBER_SIZE,
        equations: EquationLog,
    ) -> None:
        super().__init__()
        d = len(left_paths)
        if not d == len(right_paths) == len(product_paths):
            raise ValueError("left, right and product paths must have the same length")
        left = [numbers.number(p, colour=left_colour, font_size=font_size) for p in left_paths]
        right = [numbers.number(p, colour=right_colour, font_size=font_size) for p in right_paths]
        products = [numbers.number(p, colour=palette.TEXT, font_size=font_size) for p in product_paths]
        self.left, self.right, self.products = VGroup(*left), VGroup(*right), VGroup(*products)
        self.pluses = VGroup(*(label("+", colour=palette.MUTED, font_size=font_size) for _ in range(d - 1)))
        self.times = label("×", colour=palette.MUTED, font_size=font_size)
        self.result = numbers.number(result_path, colour=result_colour, font_size=font_size)
        # Each product stands under its factors (an unwritten "="): one whose rounded
        # factors do not give it gets a "≈" of its own, left of it.
        self.product_marks: dict[int, Text] = {}
        for m in range(d):
            sign = equations.record(Kind.PRODUCT, [left[m], right[m]], products[m], decimals=numbers.decimals)
            if sign == APPROX:
                self.product_marks[m] = label(APPROX, colour=palette.MUTED, font_size=font_size)
        sign = equations.record(Kind.SUM, products, self.result, decimals=numbers.decimals)
        self.equals = label(sign, colour=palette.MUTED, font_size=font_size)
        self.left_label = left_label
        self.right_label = right_label

        plus_w = max((p.width for p in self.pluses), default=0.0) + 0.3
        mark_w = max((mark.width + _MARK_GAP for mark in self.product_marks.values()), default=0.0)
        column = (
            max(
                [m.width for m in (*self.left, *self.right)] + [p.width + mark_w for p in self.products],
            )
            + 0.25
        )
        row_h = max(m.height for group in (self.left, self.right, self.products) for m in group) + 0.3
        heading_w = max(left_label.width, right_label.width, self.times.width)
        # Column centres, a "+" slot between neighbours.
        xs = [heading_w + 0.35 + column / 2 + m * (column + plus_w) for m in range(d)]
        for row, group in enumerate((self.left, self.right, self.products)):
            for m, mob in enumerate(group):
                mob.move_to((xs[m], -row * row_h, 0))
        for m, mark in self.product_marks.items():
            product = self.products[m]
            product.shift(RIGHT * (mark.width + _MARK_GAP) / 2)
            mark.next_to(product, LEFT, buff=_MARK_GAP)
        for m, plus in enumerate(self.pluses):
            plus.move_to(((xs[m] + xs[m + 1]) / 2, -2 * row_h, 0))
        for row, heading in enumerate((left_label, right_label, self.times)):
            heading.move_to((heading_w - heading.width / 2, -row * row_h, 0))
        self.equals.move_to((xs[-1] + column / 2 + 0.1 + self.equals.width / 2, -2 * row_h, 0))
        self.result.next_to(self.equals, RIGHT, buff=0.2)
        self.add(
            left_label,
            right_label,
            self.times,
            self.left,
            self.right,
            self.products,
            self.pluses,
            *self.product_marks.values(),
            self.equals,
            self.result,
        )

    def bring_factors(self, left_sources: Iterable[Mobject], right_sources: Iterable[Mobject]) -> Animation:
        """The factor rows arriving as copies of matrix cells, with their headings."""
        return AnimationGroup(
            FadeIn(self.left_label),
            FadeIn(self.right_label),
            *(TransformFromCopy(src, dst) for src, dst in zip(left_sources, self.left, strict=True)),
            *(TransformFromCopy(src, dst) for src, dst in zip(right_sources, self.right, strict=True)),
        )

    def product(self, m: int) -> Animation:
        """Product ``m`` appearing under its two factors (with its ``+``)."""
        parts: list[Animation] = [
            TransformFromCopy(VGroup(self.left[m], self.right[m]), self.products[m]),
        ]
        if m in self.product_marks:
            parts.append(FadeIn(self.product_marks[m]))
        if m == 0:
            parts.append(FadeIn(self.times))
        else:
            parts.append(FadeIn(self.pluses[m - 1]))
        return AnimationGroup(*parts)

    def total(self) -> Animation:
        """The ``=`` and the sum."""
        return AnimationGroup(FadeIn(self.equals), FadeIn(self.result, shift=0.1 * LEFT))


def token_matrix(
    numbers: NumberFactory,
    path: Callable[[int, int], str],
    n: int,
    *,
    colour: str,
    name: VMobject | None = None,
    filled: bool = True,
    font_size: float = NUMBER_SIZE,
    row_labels: bool = True,
    rows: Sequence[int] | None = None,
    columns: Sequence[int] | None = None,
) -> MatrixView:
    """An n × n matrix of query-key numbers, rows named by query tokens, columns by key tokens.

    ``path(i, j)`` gives the trace path of cell (i, j), e.g.
    ``lambda i, j: f"heads[{h}].weights[{i}][{j}]"``. Row labels are in the
    query colour, column labels (see :func:`add_column_labels`) in the key colour.
    ``row_labels=False`` leaves the rows unnamed, for a matrix drawn right of
    another with the same rows (add them later with :func:`add_row_labels`).
    ``rows`` and ``columns`` elide the others (see :class:`~scenes.kit.widgets.MatrixView`);
    only the shown ones are named.
    """
    view = MatrixView(
        numbers,
        path,
        (n, n),
        colour=colour,
        name=name,
        row_labels=[numbers.token(i, colour=palette.QUERY) for i in (range(n) if rows is None else rows)]
        if row_labels
        else None,
        filled=filled,
        font_size=font_size,
        rows=rows,
        columns=columns,
    )
    labels = [numbers.token(j, colour=palette.KEY) for j in view.shown_columns]
    # Narrow numbers (a weight of "0") under long tokens: widen the columns so
    # the token names stay readable instead of shrinking them to fit.
    view.set_column_width(max(view.column_width, max(lab.width for lab in labels) * _LABEL_SHRINK + 0.2))
    add_column_labels(view, labels)
    return view


def add_column_labels(view: MatrixView, labels: Sequence[VMobject], *, buff: float = 0.12) -> VGroup:
    """Put ``labels`` above the columns of ``view`` (under its name) and add them to it.

    Labels wider than a column are shrunk to fit it; the view's name moves up
    above them. Returns the labels as a VGroup (also ``view.column_labels``).
    """
    cell_w = view.cell_size[0] * view.scale_factor
    group = VGroup(*labels)
    for lab in group:
        if lab.width > cell_w - 0.15:
            lab.scale((cell_w - 0.15) / lab.width)
    for j, lab in zip(view.shown_columns, group, strict=False):
        lab.set_x(view.column_x(j))
    # One text baseline just above the brackets, clear of the lowest descender.
    if len(group):
        descent = max(baseline_y(lab) - lab.get_bottom()[1] for lab in group)
        align_baselines(group, view.brackets.get_top()[1] + buff + descent)
    if view.has_heading:
        view.heading.next_to(group if len(group) else view.brackets, UP, buff=0.15)
        view.heading.set_x(view.brackets.get_center()[0])
    view.column_labels = group
    view.add(group)
    return group


def add_row_labels(view: MatrixView, labels: Sequence[VMobject], *, buff: float = 0.2) -> VGroup:
    """Put ``labels`` left of the rows of ``view`` (as built in, at its current size).

    One label per shown row, in order (all rows when none is elided). Labels
    are scaled with the view; they are not added to it, so they can be
    animated in on their own. Returns them as a VGroup.
    """
    group = VGroup(*labels)
    for i, lab in zip(view.shown_rows, group, strict=False):
        lab.scale(view.scale_factor)
        lab.move_to((view.brackets.get_center()[0], view.row_y(i), 0))
        lab.set_x(view.brackets.get_left()[0] - buff * view.scale_factor - lab.width / 2)
    return group


def cell_shade(view: MatrixView, i: int, j: int, colour: str, opacity: float) -> Rectangle:
    """A filled rectangle the size of cell (i, j), drawn behind the numbers."""
    w, h = view.cell_size
    factor = view.scale_factor
    rect = Rectangle(
        width=(w - 0.12) * factor,
        height=(h - 0.08) * factor,
        stroke_width=0,
        fill_color=colour,
        fill_opacity=opacity,
    )
    rect.move_to(view.slot(i, j))
    rect.set_z_index(-1)
    return rect


def legible_opacity(fill: str, text: str, *, backdrop: str = palette.BACKGROUND) -> float:
    """The strongest opacity of ``fill`` over ``backdrop`` on which ``text`` still reads at 4.5:1."""
    for step in range(100, -1, -1):
        opacity = step / 100
        if contrast_ratio(text, over(fill, opacity, backdrop)) >= MIN_CONTRAST:
            return opacity
    return 0.0


def heat_cells(
    view: MatrixView,
    value: Callable[[int, int], float],
    colour: str,
    *,
    max_opacity: float = 0.45,
    cells: Sequence[tuple[int, int]] | None = None,
) -> VGroup:
    """A shading behind cells whose strength grows with ``value(i, j)`` (in [0, 1]).

    ``value`` reads the trace (e.g. ``lambda i, j: trace.heads[h].weights[i][j]``)
    and is used for opacity only. ``cells`` limits the shading to some cells.
    The strongest shading is capped so that the view's numbers (in ``colour``)
    keep a contrast of 4.5:1 on it (:func:`legible_opacity`).
    """
    max_opacity = min(max_opacity, legible_opacity(colour, colour))
    rows, cols = view.shape
    where = cells if cells is not None else [(i, j) for i in range(rows) for j in range(cols)]
    return VGroup(
        *(
            cell_shade(view, i, j, colour, max_opacity * float(np.clip(value(i, j), 0.0, 1.0)))
            for i, j in where
        )
    )


# A weight of one fills its tile this strongly.
TILE_OPACITY = 0.75
GRID_TOKEN_SIZE = 20


class WeightGrid(VGroup):
    """One head's attention weights as a grid: queries down, keys across.

    Each cell shows its traced weight on a tile of the head's colour whose
    strength is the weight (read from the trace for geometry only). Columns
    are wide enough for the key token labels above them, which sit on one
    text baseline.

    Attributes
    ----------
    tiles, cells : VGroup
        Per row: a VGroup of the row's tiles / traced numbers.
    row_labels, column_labels : VGroup
        Token labels left of the rows and above the columns.
    frame : SurroundingRectangle
        The outline of the tiles, shown before any weight is.
    """

    def __init__(self, numbers: NumberFactory, head: int, *, font_size: float = NUMBER_SIZE) -> None:
        super().__init__()
        weights = numbers.trace.heads[head].weights
        n = weights.shape[0]
        # Tiles in the weights' colour (the head is named by its tag, not by a colour).
        colour = palette.WEIGHTS
        self.head = head
        self.shape = (n, n)
        strength = TILE_OPACITY * np.clip(weights, 0.0, 1.0)
        # Each number in whichever of light and dark text reads best (4.5:1 or more) on its tile.
        cells = [
            [
                numbers.number(
                    f"heads[{head}].weights[{i}][{j}]",
                    font_size=font_size,
                    colour=readable_on(
                        over(colour, float(strength[i][j]), palette.BACKGROUND),
                        palette.TEXT,
                        light=palette.TEXT,
                        dark=palette.BACKGROUND,
                    ),
                )
                for j in range(n)
            ]
            for i in range(n)
        ]
        self.column_labels = VGroup(
            *(
                numbers.number(f"token_labels[{j}]", colour=palette.MUTED, font_size=GRID_TOKEN_SIZE)
                for j in range(n)
            )
        )
        self.row_labels = VGroup(
            *(numbers.number(f"token_labels[{i}]", font_size=GRID_TOKEN_SIZE) for i in range(n))
        )
        cell_w = max([m.width for row in cells for m in row] + [m.width for m in self.column_labels]) + 0.25
        cell_h = max(max(m.height for row in cells for m in row), 0.22) + 0.25
        self.cell_size = (cell_w, cell_h)
        self._cells = cells
        self._tiles = [
            [
                self._tile(colour, float(strength[i][j])).move_to((j * cell_w, -i * cell_h, 0.0))
                for j in range(n)
            ]
            for i in range(n)
        ]
        for i, row in enumerate(cells):
            for j, cell in enumerate(row):
                cell.move_to((j * cell_w, -i * cell_h, 0.0))
        self.tiles = VGroup(*(VGroup(*row) for row in self._tiles))
        self.cells = VGroup(*(VGroup(*row) for row in cells))
        self.frame = SurroundingRectangle(self.tiles, color=palette.MUTED, buff=0.03, stroke_width=1.5)
        for i, lab in enumerate(self.row_labels):
            lab.move_to((-cell_w / 2 - 0.15 - lab.width / 2, -i * cell_h, 0))
        for j, lab in enumerate(self.column_labels):
            lab.set_x(j * cell_w)
        # One text baseline above the tiles, clear of the lowest descender.
        descent = max(baseline_y(lab) - lab.get_bottom()[1] for lab in self.column_labels)
        align_baselines(self.column_labels, cell_h / 2 + 0.1 + descent)
        self.add(self.frame, self.tiles, self.cells, self.row_labels, self.column_labels)

    def _tile(self, colour: str, strength: float) -> Rectangle:
        """One cell's tile: the head's colour, as strong as the weight."""
        cell_w, cell_h = self.cell_size
        return Rectangle(
            width=cell_w - 0.06,
            height=cell_h - 0.06,
            stroke_width=1,
            stroke_color=colour,
            stroke_opacity=0.35,
            fill_color=colour,
            fill_opacity=strength,
        )

    def row(self, i: int) -> VGroup:
        """Row ``i``: its tiles and numbers."""
        return VGroup(self.tiles[i], self.cells[i])

    def row_cells(self, i: int) -> VGroup:
        """Row ``i``'s traced numbers."""
        return VGroup(*self._cells[i])

    def row_tiles(self, i: int) -> VGroup:
        """Row ``i``'s tiles."""
        return VGroup(*self._tiles[i])

    def row_box(self, i: int, colour: str) -> SurroundingRectangle:
        """A rectangle around row ``i``'s tiles."""
        return SurroundingRectangle(
            self.tiles[i], color=colour, buff=0.03, stroke_width=3, corner_radius=0.06
        )

    def cell_box(self, i: int, j: int, colour: str) -> SurroundingRectangle:
        """A rectangle around the tile of cell (i, j)."""
        return SurroundingRectangle(
            self._tiles[i][j], color=colour, buff=0.0, stroke_width=3, corner_radius=0.06
        )

    def skeleton(self) -> VGroup:
        """What is shown before any weight: outline and token labels."""
        return VGroup(self.frame, self.row_labels, self.column_labels)
