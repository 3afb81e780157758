"""Reusable drawing pieces shared by every topic: texts, numbers, matrices.

Every number on screen is made by :class:`NumberFactory`, which reads it from
the trace by path, formats it with :func:`attention_math.formatting.fmt` and
records it, so the numbers manifest and the tests know where each came from.
Scenes never build a number mobject themselves; an index label such as
"head 2" is a word template around a traced number
(:meth:`NumberFactory.index_label`).

Built texts and formulas are kept as prototypes and copied (building one costs
about ten times as much as copying it). A program that runs many scenes can
keep them between processes by installing a :class:`ShapeStore` with
:func:`use_shape_store`; the kit itself touches no file.

Text lines up by one rule, :func:`baseline_y` and :func:`align_baselines`: words
sit on their text baseline, whatever their letters.

Large matrices are elided, never shrunk below the teaching standard's digit
floor (:data:`DIGIT_FLOOR`): :class:`MatrixView` draws only chosen rows and
columns (``rows=``, ``columns=``; "⋮", "⋯" where indices are skipped) and is
still addressed by the original indices; :func:`shown_indices` chooses them,
:func:`fit_with_elision` finds how many fit at the floor, :func:`first_legible`
the first layout (side by side, stacked) that keeps digits at it, :func:`digit_height`
measures a picture's smallest digit.
"""

from __future__ import annotations

import hashlib
import textwrap
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, Self, TypeVar, cast

import numpy as np
from manim import (
    RIGHT,
    UP,
    Line,
    MathTypst,
    Mobject,
    SurroundingRectangle,
    Text,
    VectorizedPoint,
    VGroup,
    VMobject,
    config,
)
from manim.mobject.mobject import _AnimationBuilder
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from attention_math.formatting import fmt, fmt_percent
from attention_math.trace import Trace

from . import palette

__all__ = [
    "DIGIT_FLOOR",
    "FRAME_MARGIN",
    "LABEL_FONT",
    "LABEL_SIZE",
    "NUMBER_FONT",
    "NUMBER_SIZE",
    "TOKEN_FONT",
    "ElidedEntryError",
    "MatrixView",
    "NumberFactory",
    "RegisteredNumber",
    "ShapeStore",
    "TracedText",
    "align_baselines",
    "animate",
    "baseline_y",
    "digit_height",
    "entries",
    "first_legible",
    "fit_in_frame",
    "fit_with_elision",
    "formula",
    "highlight",
    "label",
    "make_text",
    "match_columns",
    "shown_indices",
    "use_shape_store",
    "wrap_below",
]

NUMBER_FONT = "DejaVu Sans Mono"
LABEL_FONT = "DejaVu Sans"
#: Invisible and of no width: put first, it makes a right-to-left word's paragraph left to right.
LEFT_TO_RIGHT_MARK = "\u200e"
#: The lesson's words (tokens, vocabulary) are drawn in the number font, whose
#: capital I has serifs: in DejaVu Sans the token "I" is a bare bar.
TOKEN_FONT = NUMBER_FONT
#: Words read from the trace that are prose (drawn in :data:`LABEL_FONT`), not the lesson's words.
PROSE_PATHS = frozenset({"title", "description", "positional_kind"})
#: The teaching standard's smallest digit, in scene units: 12 px at 480p (the frame is 8 units high).
DIGIT_FLOOR = 0.2
NUMBER_SIZE = 26
LABEL_SIZE = 26
FRAME_MARGIN = 0.25

_M = TypeVar("_M", bound=Mobject)
_T = TypeVar("_T", bound=Text)
_O = TypeVar("_O")


# -- built shapes: kept in memory, and in a store when one is installed --------------


class ShapeStore(Protocol):
    """Where built texts and formulas are kept between processes.

    ``key`` is a hex string naming everything that shapes the mobject. A store
    never raises: ``load`` gives None for a missing or unreadable entry, and a
    ``save`` that fails only costs speed. What ``load`` returns must draw
    exactly like what was saved.
    """

    def load(self, key: str) -> Mobject | None: ...

    def save(self, key: str, mob: Mobject) -> None: ...


# Built Text and formula mobjects, by everything that shapes them; see `make_text`.
_PROTOTYPES: dict[tuple[object, ...], Mobject] = {}
_MAX_PROTOTYPES = 4096
_store: ShapeStore | None = None


def use_shape_store(store: ShapeStore | None) -> ShapeStore | None:
    """Keep built shapes in ``store`` from now on (None: in memory only); returns the previous store."""
    global _store
    previous, _store = _store, store
    return previous


def _lighten(mob: _M) -> _M:
    """Drop what Manim keeps from parsing a shape's SVG but never reads again.

    Each SVG glyph's parsed path (``path_obj``) is read only while building the
    glyph's points, and a ``Text``'s groups by SVG id (``id_to_vgroup_dict``,
    about four groups per character, named by Cairo, not by the text) only while
    parsing. Afterwards both are dead weight that every ``copy()`` (Transform,
    FadeIn, ... copy their mobjects) copies again: copying a glyph cost ten times
    as much with its path, and a number three times as much with its groups.
    Formulas keep their groups (Typst's are named by the formula's labels).
    """
    for member in mob.get_family():
        if isinstance(member, VMobjectFromSVGPath) and "path_obj" in vars(member):
            del member.path_obj
        if isinstance(member, Text):
            member.id_to_vgroup_dict = {}
    return mob


def _load_or_build(
    key: tuple[object, ...], build: Callable[[], Mobject], fits: Callable[[Mobject], bool] | None = None
) -> Mobject:
    """``build()``, or the same mobject read back from the installed store.

    ``fits`` checks what is read (its class, its text) before it is used; a
    stored shape that does not fit is built again.
    """
    store = _store
    if store is None:
        return _lighten(build())
    name = hashlib.sha256(repr(key).encode()).hexdigest()
    mob = store.load(name)
    if mob is not None and fits is not None and not fits(mob):
        mob = None
    if mob is None:
        mob = _lighten(build())
        store.save(name, mob)
    return mob


def _prototype(
    key: tuple[object, ...], build: Callable[[], _M], fits: Callable[[Mobject], bool] | None = None
) -> _M:
    """The mobject ``build`` makes for ``key``, built once (then kept in memory and in the store).

    The key includes the frame's pixel size and the renderer, the only settings
    besides the arguments that reach Pango or Typst.
    """
    full_key = (*key, config.pixel_width, config.pixel_height, str(config.renderer))
    mob = _PROTOTYPES.get(full_key)
    if mob is None:
        if len(_PROTOTYPES) >= _MAX_PROTOTYPES:
            _PROTOTYPES.clear()
        mob = _PROTOTYPES[full_key] = _load_or_build(full_key, build, fits)
    return cast(_M, mob)


def make_text(content: str, *, font: str, font_size: float, colour: str) -> Text:
    """A new ``Text(content, font=..., font_size=..., color=colour)``.

    Made by copying one built per distinct set of arguments: building a Text
    (Pango, then SVG parsing) costs about ten times as much as copying it, and
    scenes draw the same strings (numbers, tokens, labels) many times. The copy
    is identical to a newly built one.
    """
    return _text_copy(Text, content, font=font, font_size=font_size, colour=colour)


def _text_copy(cls: type[_T], content: str, *, font: str, font_size: float, colour: str) -> _T:
    """A new ``cls(content, ...)``, copied from the one prototype of these arguments."""
    key = (f"{cls.__module__}.{cls.__qualname__}", content, font, float(font_size), str(colour))
    prototype = _prototype(
        key,
        lambda: _laid_out(cls, content, font=font, font_size=font_size, color=colour),
        # Text keeps ``text`` without its spaces; ``original_text`` is the content as given.
        lambda mob: type(mob) is cls and getattr(mob, "original_text", None) == content,
    )
    return prototype.copy()


def _laid_out(cls: type[_T], content: str, **kwargs: Any) -> _T:
    """``cls(content, **kwargs)``, drawn right when ``content`` is written right to left.

    Pango lays out a paragraph that starts right to left (Hebrew, Arabic)
    against the right edge of its canvas, which Manim 0.22's ``Text`` puts at
    its origin: the glyphs fall outside the picture and nothing is drawn. A
    left-to-right mark (U+200E, invisible, no width) first makes the
    paragraph left to right; the word itself is still shaped and ordered
    right to left by Pango. ``text`` stays the word as given.
    """
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in content):
        return cls(content, **kwargs)
    mob = cls(LEFT_TO_RIGHT_MARK + content, **kwargs)
    if isinstance(mob, Text):
        mob.original_text = content
        mob.text = content.replace(" ", "").replace("\n", "")  # as Text keeps it: no spaces
    return mob


# -- numbers from the trace ------------------------------------------------------------


class TracedText(Text):
    """A Text whose content was read from the trace at ``trace_path``.

    ``trace_text`` is the formatter applied to the trace value (numbers) or the
    token itself (strings); the text drawn is ``trace_template`` with it in
    place of ``{}`` (just ``"{}"`` for a plain number; ``"head {}"`` for an
    index label, whose template holds no digit).
    """

    trace_path: str
    trace_text: str
    trace_template: str = "{}"
    #: "number" (:func:`~attention_math.formatting.fmt`) or "percent" (``fmt_percent``: a share as "36%").
    trace_format: str = "number"


@dataclass(frozen=True)
class RegisteredNumber:
    """What the manifest records for one drawn number: its path, value and formatted text."""

    path: str
    value: float | str
    text: str
    #: The text as a percentage, when the number is also drawn as one ("36%").
    percent: str | None = None


class NumberFactory:
    """Makes every number and token label a scene draws, from the trace.

    Parameters
    ----------
    trace
        The trace numbers are read from.
    decimals
        Display precision; defaults to the lesson's ``decimals``.
    """

    def __init__(self, trace: Trace, decimals: int | None = None) -> None:
        self.trace = trace
        self.decimals = trace.lesson.decimals if decimals is None else decimals
        self._registry: dict[str, RegisteredNumber] = {}

    def __deepcopy__(self, memo: dict[int, object]) -> NumberFactory:
        # Manim deep-copies mobjects (e.g. a MatrixView) in Transform; the
        # factory is shared by all of a scene's numbers, so copies share it.
        return self

    @property
    def registry(self) -> tuple[RegisteredNumber, ...]:
        """Every path drawn so far, in first-drawn order."""
        return tuple(self._registry.values())

    def checkpoint(self) -> int:
        """A mark to :meth:`rollback` to: how many paths are registered now."""
        return len(self._registry)

    def rollback(self, checkpoint: int) -> None:
        """Forget the paths first registered since ``checkpoint``: numbers made for a picture never shown.

        The manifest lists only what is drawn, so a layout built to be measured
        and dropped (see :func:`fit_with_elision`) leaves no trace.
        """
        for path in list(self._registry)[checkpoint:]:
            del self._registry[path]

    def text(self, path: str) -> str:
        """The display text of the scalar at ``path`` (a number or a token)."""
        value = self.trace.get(path)
        if isinstance(value, str):
            return value
        if isinstance(value, np.ndarray):
            raise ValueError(f"{path!r} is not a single number (shape {value.shape})")
        return fmt(float(value), self.decimals)

    def number(
        self,
        path: str,
        *,
        colour: str = palette.TEXT,
        font_size: float = NUMBER_SIZE,
        max_width: float | None = None,
    ) -> TracedText:
        """A Text of the value at ``path``, registered for the manifest.

        Numbers and the lesson's words (tokens, vocabulary) are drawn in the
        number font (:data:`TOKEN_FONT`); the lesson's title and description in
        the label font. A text wider than ``max_width`` is wrapped at its spaces
        onto as many lines as it needs, never shrunk (a description's digits
        stay at the floor); it still reads as the trace's text.
        """
        value = self.trace.get(path)
        if path.strip() in PROSE_PATHS:
            font = LABEL_FONT
        else:
            font = TOKEN_FONT if isinstance(value, str) else NUMBER_FONT
        mob = self._traced(path, "{}", font=font, colour=colour, font_size=font_size)
        if max_width is None or mob.width <= max_width:
            return mob
        text = mob.trace_text
        for columns in range(max(1, int(len(text) * max_width / mob.width)), 0, -1):
            wrapped = _text_copy(
                TracedText, textwrap.fill(text, columns), font=font, font_size=font_size, colour=colour
            )
            if wrapped.width <= max_width or columns == 1:
                break
        wrapped.trace_path, wrapped.trace_text, wrapped.trace_template = path, text, "{}"
        return wrapped

    def percent(self, path: str, *, colour: str = palette.TEXT, font_size: float = NUMBER_SIZE) -> TracedText:
        """The fraction at ``path`` (a weight, a probability) as a percentage, "36%", registered.

        Formatted by :func:`~attention_math.formatting.fmt_percent`, which keeps
        as much precision as the lesson's decimals give the fraction.
        """
        value = float(self.trace.get(path))
        text = fmt_percent(value, self.decimals)
        mob = _text_copy(TracedText, text, font=NUMBER_FONT, font_size=font_size, colour=colour)
        mob.trace_path, mob.trace_text, mob.trace_template, mob.trace_format = path, text, "{}", "percent"
        known = self._registry.get(path)
        self._registry[path] = (
            RegisteredNumber(path, value, fmt(value, self.decimals), text)
            if known is None
            else replace(known, percent=text)
        )
        return mob

    def token(self, index: int, *, colour: str = palette.TEXT) -> TracedText:
        """The label of token ``index``: ``token_labels[index]``, primed on a repeat ("the′")."""
        return self.number(f"token_labels[{index}]", colour=colour, font_size=LABEL_SIZE)

    def index_label(
        self, path: str, template: str, *, colour: str = palette.TEXT, font_size: float = LABEL_SIZE
    ) -> TracedText:
        """A word label around a traced index: ``index_label("heads[1].number", "head {}")`` draws "head 2".

        The template holds exactly one ``{}`` and no digit, so the only number
        drawn is the one read from the trace (registered like any other).
        """
        if template.count("{}") != 1 or any(ch.isdigit() for ch in template):
            raise ValueError(f"index template {template!r} needs one '{{}}' and no digit")
        return self._traced(path, template, font=LABEL_FONT, colour=colour, font_size=font_size)

    def _traced(self, path: str, template: str, *, font: str, colour: str, font_size: float) -> TracedText:
        text = self.text(path)
        mob = _text_copy(TracedText, template.format(text), font=font, font_size=font_size, colour=colour)
        mob.trace_path = path
        mob.trace_text = text
        mob.trace_template = template
        value = self.trace.get(path)
        stored: float | str = value if isinstance(value, str) else float(value)
        self._registry.setdefault(path, RegisteredNumber(path, stored, text))
        return mob


# -- words, formulas, boxes --------------------------------------------------------


def label(text: str, *, colour: str = palette.TEXT, font_size: float = LABEL_SIZE) -> Text:
    """A word label (no numbers: numbers come from :class:`NumberFactory`)."""
    if any(ch.isdigit() for ch in text):
        raise ValueError(f"label {text!r} contains a digit; draw numbers from the trace")
    return make_text(text, font=LABEL_FONT, font_size=font_size, colour=colour)


def formula(expression: str, colours: dict[str, str] | None = None, **kwargs: Any) -> MathTypst:
    """A Typst formula; ``{{ ... : name }}`` groups get ``colours[name]``."""

    def build() -> MathTypst:
        mob = MathTypst(expression, color=palette.TEXT, **kwargs)
        for group, colour in (colours or {}).items():
            mob.select(group).set_color(colour)
        return mob

    key = ("formula", expression, tuple((colours or {}).items()), tuple(sorted(kwargs.items())))
    return _prototype(key, build).copy()


def animate(mob: Mobject) -> _AnimationBuilder:
    """``mob.animate``, as the builder it is: ``animate(box).set_color(c).build()`` is an Animation.

    Manim types ``Mobject.animate`` as "a builder or the mobject itself", so a
    list of such animations would not type-check; this gives the builder.
    """
    builder = mob.animate
    assert isinstance(builder, _AnimationBuilder)
    return builder


def highlight(mob: Mobject, colour: str) -> SurroundingRectangle:
    """A rounded box around ``mob``."""
    return SurroundingRectangle(mob, color=colour, buff=0.06, stroke_width=3, corner_radius=0.06)


def baseline_y(mob: Mobject) -> float:
    """Y of the text baseline of ``mob``: the median bottom of its letters.

    Most letters sit on the baseline, so the median ignores descenders (g, p, y)
    and raised signs (−). A mobject without letters gives its bottom.
    """
    letters = [sub for sub in mob.submobjects if len(sub.get_all_points())]
    if not letters:
        return float(mob.get_bottom()[1])
    return float(np.median([sub.get_bottom()[1] for sub in letters]))


def align_baselines(mobs: Iterable[Mobject], y: float) -> None:
    """Shift each of ``mobs`` vertically so its text baseline is at ``y``."""
    for mob in mobs:
        mob.shift(UP * (y - baseline_y(mob)))


def fit_in_frame(
    mob: _M,
    *,
    max_width: float | None = None,
    max_height: float | None = None,
    max_growth: float = 1.0,
) -> _M:
    """Scale ``mob`` to fit a box (the frame less a margin by default).

    It shrinks as needed and grows by at most ``max_growth`` (1: never grows),
    so small matrices use the room they have without becoming huge.
    """
    max_width = max_width if max_width is not None else config.frame_width - 2 * FRAME_MARGIN
    max_height = max_height if max_height is not None else config.frame_height - 2 * FRAME_MARGIN
    factor = min(max_growth, max_width / max(mob.width, 1e-9), max_height / max(mob.height, 1e-9))
    if factor != 1.0:
        mob.scale(factor)
    return mob


# -- matrices ----------------------------------------------------------------------


def entries(name: str) -> Callable[[int, int], str]:
    """The trace paths of a matrix's entries: ``entries("q")(2, 0)`` is ``"q[2][0]"``."""
    return lambda i, j: f"{name}[{i}][{j}]"


class ElidedEntryError(LookupError):
    """An entry, row or column that a :class:`MatrixView` elides (does not draw) was asked for."""


class MatrixView(VGroup):
    """A bracketed grid of traced numbers with an optional name and row labels; a large one elided.

    Parameters
    ----------
    numbers
        The scene's number factory: every entry is ``numbers.number(path(i, j))``.
    path
        The trace path of entry (i, j), e.g. :func:`entries` ``("q")``.
    shape
        The matrix's full shape (rows, columns), whether or not it is elided.
    colour, font_size
        The numbers' (and brackets') colour and size.
    name
        Drawn over the brackets (:attr:`heading`).
    row_labels
        Labels left of the rows, in order: one per shown row (preferred: labels
        of elided rows need not be made), or one per row of the full matrix
        (those of elided rows are dropped).
    filled
        Draw the numbers now; else the slots stay empty until :meth:`make_cell`.
    rows, columns
        Elision: the indices of the rows (columns) drawn; all when None. Where
        indices are skipped (before the first shown one, between two, after
        the last) the grid has one more row of "⋮" (column of "⋯"; "⋱" where
        the two meet), as in 3Blue1Brown's matrices. :func:`shown_indices`
        picks which indices to show; :func:`fit_with_elision` how many fit at
        the digit floor (:data:`DIGIT_FLOOR`).

    Entries are addressed by their ORIGINAL indices, elided or not:
    :meth:`cell`, :meth:`row`, :meth:`column`, :meth:`slot`, :meth:`make_cell`,
    :meth:`place`, :meth:`set_cell`, :meth:`row_box`, :meth:`column_box`,
    :meth:`cell_box`, :meth:`row_label`, :meth:`column_x` and :meth:`row_y` all
    take them, and raise :class:`ElidedEntryError` (a ``LookupError``) for an
    elided row, column or entry. :attr:`shown_rows`, :attr:`shown_columns` and
    :meth:`shown_entries` say what is drawn; :meth:`row` and :meth:`column` give
    only drawn numbers. A cell not yet filled raises ``KeyError`` from :meth:`cell`.

    The numbers of a column line up on their decimal point (an integer's point
    is just after its last digit), the column's widest extent centred in the
    column; :meth:`place` puts any number made later (e.g. a masked "−∞") the
    same way. :meth:`set_column_width` spaces the columns, e.g. so two matrices
    whose columns must line up share one width (:func:`match_columns`).

    Attributes
    ----------
    heading : VMobject
        The name drawn over the brackets (an empty group when there is none).
    brackets, cells, row_labels, column_labels, ellipses : VGroup
        The brackets; the drawn numbers; the labels left of the shown rows and
        above the shown columns, in order (column labels are empty until a
        caller such as ``scenes.kit.attention.add_column_labels`` sets them);
        the "⋮", "⋯" and "⋱" marks of elided rows and columns.
    shown_rows, shown_columns : tuple[int, ...]
        The original indices of the rows and columns drawn, in order.
    cell_size : tuple[float, float]
        Width and height of a cell before any scaling.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        path: Callable[[int, int], str],
        shape: tuple[int, int],
        *,
        colour: str = palette.TEXT,
        name: VMobject | None = None,
        row_labels: Sequence[VMobject] | None = None,
        filled: bool = True,
        font_size: float = NUMBER_SIZE,
        rows: Sequence[int] | None = None,
        columns: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self.numbers = numbers
        self.path = path
        self.shape = shape
        self.colour = colour
        self.font_size = font_size
        self.shown_rows = _checked_indices(rows, shape[0], "row")
        self.shown_columns = _checked_indices(columns, shape[1], "column")
        self._row_pos, row_gaps = _grid_positions(self.shown_rows, shape[0])
        self._col_pos, col_gaps = _grid_positions(self.shown_columns, shape[1])
        self.grid_shape = (len(self.shown_rows) + len(row_gaps), len(self.shown_columns) + len(col_gaps))
        grid_rows, grid_cols = self.grid_shape

        texts = {(i, j): numbers.text(path(i, j)) for i, j in self.shown_entries()}
        probes: dict[tuple[int, int], TracedText] = {}
        if filled:
            probes = {
                (i, j): numbers.number(path(i, j), colour=colour, font_size=font_size)
                for i, j in self.shown_entries()
            }
            widest = max(m.width for m in probes.values())
            tallest = max(m.height for m in probes.values())
        else:
            widest, tallest = _future_size(texts.values(), font_size)
        # Decimal points line up: each column's numbers share the x of their point.
        advance = _advance(font_size)
        longest = max(len(_glyphs(text)) for text in texts.values())
        self._point_offset: dict[int, float] = {}
        extra = 0.0
        for j in self.shown_columns:
            spans = [_point_span(texts[(i, j)]) for i in self.shown_rows]
            left, right = max(s[0] for s in spans), max(s[1] for s in spans)
            self._point_offset[j] = (left - right) / 2 * advance
            extra = max(extra, (left + right - longest) * advance)
        cell_w = widest + 0.3 + extra
        cell_h = max(tallest, 0.22) + 0.22
        self.cell_size = (cell_w, cell_h)
        offsets = np.array(
            [[h * cell_w, -g * cell_h, 0.0] for g in range(grid_rows) for h in range(grid_cols)]
        )
        offsets -= (offsets[0] + offsets[-1]) / 2
        # Invisible anchors, one per grid position, that move and scale with the
        # view, so a cell made later still lands in its slot.
        self._grid = VGroup(*(VectorizedPoint(p) for p in offsets))
        self._cells: dict[tuple[int, int], TracedText] = {}
        self.cells = VGroup()
        for (i, j), cell in probes.items():
            self._align(cell, i, j, factor=1.0)
            self._cells[(i, j)] = cell
            self.cells.add(cell)
        self.ellipses = VGroup()
        self._marks: dict[tuple[int, int], Mobject] = {}
        for g in range(grid_rows):
            for h in range(grid_cols):
                mark = {(True, False): "⋮", (False, True): "⋯", (True, True): "⋱"}.get(
                    (g in row_gaps, h in col_gaps)
                )
                if mark is not None:
                    mob = make_text(mark, font=LABEL_FONT, font_size=font_size, colour=palette.MUTED)
                    mob.move_to(self._grid[g * grid_cols + h])
                    self._marks[(g, h)] = mob
                    self.ellipses.add(mob)
        self.brackets = _brackets(grid_cols * cell_w, grid_rows * cell_h, colour)
        self._unscaled_height = grid_rows * cell_h
        self.add(self._grid, self.brackets, self.cells, self.ellipses)
        self._label(name, row_labels)

    def _label(self, name: VMobject | None, row_labels: Sequence[VMobject] | None) -> None:
        """The name over the brackets, the row labels left of them."""
        self.heading: VMobject = VGroup() if name is None else name
        self.has_heading = name is not None
        if name is not None:
            name.next_to(self.brackets, UP, buff=0.15)
            self.add(name)
        labels = list(row_labels or [])
        if labels and len(labels) == self.shape[0] and self.elided_rows:
            labels = [labels[i] for i in self.shown_rows]
        if labels and len(labels) != len(self.shown_rows):
            raise ValueError(f"{len(labels)} row labels for {len(self.shown_rows)} shown rows")
        self.row_labels = VGroup(*labels)
        for i, lab in zip(self.shown_rows, self.row_labels, strict=False):
            lab.move_to(self.slot(i, self.shown_columns[0]))
            lab.set_x(self.brackets.get_left()[0] - 0.2 - lab.width / 2)
        if labels:
            self.add(self.row_labels)
        self.column_labels = VGroup()

    # -- what is drawn ------------------------------------------------------------------

    @property
    def elided_rows(self) -> bool:
        """Whether some rows are not drawn."""
        return len(self.shown_rows) < self.shape[0]

    @property
    def elided_columns(self) -> bool:
        """Whether some columns are not drawn."""
        return len(self.shown_columns) < self.shape[1]

    def shown_entries(self) -> list[tuple[int, int]]:
        """The (i, j) of every drawn entry, row by row."""
        return [(i, j) for i in self.shown_rows for j in self.shown_columns]

    def shows(self, i: int, j: int) -> bool:
        """Whether entry (i, j) is drawn (not elided)."""
        return i in self._row_pos and j in self._col_pos

    def _check(self, i: int | None, j: int | None) -> None:
        """Raise :class:`ElidedEntryError` if row ``i`` or column ``j`` is elided."""
        for index, pos, shown, what in (
            (i, self._row_pos, self.shown_rows, "row"),
            (j, self._col_pos, self.shown_columns, "column"),
        ):
            if index is not None and index not in pos:
                where = self.path(i if i is not None else self.shown_rows[0], j if j is not None else 0)
                raise ElidedEntryError(
                    f"{what} {index} of the {self.shape[0]}×{self.shape[1]} matrix at {where!r} is elided "
                    f"(not drawn); shown {what}s: {', '.join(map(str, shown))}"
                )

    def _point(self, g: int, h: int) -> VectorizedPoint:
        return cast(VectorizedPoint, self._grid[g * self.grid_shape[1] + h])

    # -- places ------------------------------------------------------------------------

    def slot(self, i: int, j: int) -> np.ndarray:
        """Centre of cell (i, j), following the view when it moves or scales."""
        self._check(i, j)
        return self._point(self._row_pos[i], self._col_pos[j]).get_center()

    def column_x(self, j: int) -> float:
        """X of column ``j``'s centre."""
        self._check(None, j)
        return float(self._point(0, self._col_pos[j]).get_center()[0])

    def row_y(self, i: int) -> float:
        """Y of row ``i``'s centre."""
        self._check(i, None)
        return float(self._point(self._row_pos[i], 0).get_center()[1])

    def row_label(self, i: int) -> VMobject:
        """The label of row ``i`` (as given to the constructor)."""
        self._check(i, None)
        return self.row_labels[self.shown_rows.index(i)]

    @property
    def scale_factor(self) -> float:
        """How much the view has been scaled since it was built."""
        return float(self.brackets[0][0].get_length()) / self._unscaled_height

    @property
    def column_width(self) -> float:
        """Distance between neighbouring columns' centres, before any scaling."""
        return self.cell_size[0]

    def set_column_width(self, width: float) -> Self:
        """Space the columns ``width`` apart (before scaling), brackets and labels following.

        Numbers keep their size; the centre stays put. Two views whose columns
        must line up (W_o over the output it makes) get one width this way.
        """
        grid_rows, grid_cols = self.grid_shape
        factor = self.scale_factor
        centre = self.brackets.get_center()[0]
        column_of = {h: j for j, h in self._col_pos.items()}
        for h in range(grid_cols):
            dx = centre + (h - (grid_cols - 1) / 2) * width * factor - self._point(0, h).get_center()[0]
            for g in range(grid_rows):
                # The anchors are what make_cell places new numbers by.
                self._point(g, h).shift(dx * RIGHT)
                if (g, h) in self._marks:
                    self._marks[(g, h)].shift(dx * RIGHT)
            if h in column_of:
                for i in self.shown_rows:
                    if (i, column_of[h]) in self._cells:
                        self._cells[(i, column_of[h])].shift(dx * RIGHT)
        half = (grid_cols * width / 2 + 0.02) * factor
        left, right = self.brackets
        left_shift = centre - half - left.get_left()[0]
        left.shift(left_shift * RIGHT)
        right.shift((centre + half - right.get_right()[0]) * RIGHT)
        # Row labels keep their distance from the left bracket; column labels stay over their columns.
        self.row_labels.shift(left_shift * RIGHT)
        for j, lab in zip(self.shown_columns, self.column_labels, strict=False):
            lab.set_x(self.column_x(j))
        self.cell_size = (width, self.cell_size[1])
        return self

    # -- cells -------------------------------------------------------------------------

    def make_cell(self, i: int, j: int) -> TracedText:
        """A new traced number for cell (i, j), placed in its slot (not added)."""
        self._check(i, j)
        mob = self.numbers.number(self.path(i, j), colour=self.colour, font_size=self.font_size)
        mob.scale(self.scale_factor)
        return self.place(mob, i, j)

    def place(self, mob: _M, i: int, j: int) -> _M:
        """Put ``mob`` (already at the view's scale) in cell (i, j), on its column's decimal point.

        A number the view did not make (a masked score's "−∞") lines up with
        the column's numbers this way; anything else is centred in the cell.
        """
        mob.move_to(self.slot(i, j))
        self._align(mob, i, j, factor=self.scale_factor)
        return mob

    def _align(self, mob: Mobject, i: int, j: int, *, factor: float) -> None:
        """Centre ``mob`` on cell (i, j), then shift it so its decimal point is on the column's."""
        self._check(i, j)
        point = self._point(self._row_pos[i], self._col_pos[j]).get_center()
        mob.move_to(point)
        glyph = _point_glyph(mob)
        if glyph is not None:
            target = point[0] + self._point_offset[j] * factor
            mob.shift((target - glyph.get_center()[0]) * RIGHT)

    def set_cell(self, i: int, j: int, mob: TracedText) -> None:
        """Record ``mob`` as the drawn cell (i, j) and make it part of the view."""
        self._check(i, j)
        self._cells[(i, j)] = mob
        self.cells.add(mob)

    def cell(self, i: int, j: int) -> TracedText:
        """The drawn number of cell (i, j) (``KeyError`` while its slot is empty)."""
        self._check(i, j)
        return self._cells[(i, j)]

    def row(self, i: int) -> VGroup:
        """The drawn numbers of row ``i``."""
        self._check(i, None)
        return VGroup(*(self._cells[(i, j)] for j in self.shown_columns if (i, j) in self._cells))

    def column(self, j: int) -> VGroup:
        """The drawn numbers of column ``j``."""
        self._check(None, j)
        return VGroup(*(self._cells[(i, j)] for i in self.shown_rows if (i, j) in self._cells))

    # -- boxes -------------------------------------------------------------------------

    def row_box(self, i: int, colour: str) -> SurroundingRectangle:
        """A rectangle around row i, across the whole grid (cells, empty slots and "⋯" alike)."""
        self._check(i, None)
        g = self._row_pos[i]
        points = [self._point(g, h).get_center() for h in range(self.grid_shape[1])]
        return _slot_box(points, self._scaled_cell(), colour)

    def column_box(self, j: int, colour: str) -> SurroundingRectangle:
        """A rectangle around column j, down the whole grid."""
        self._check(None, j)
        h = self._col_pos[j]
        points = [self._point(g, h).get_center() for g in range(self.grid_shape[0])]
        return _slot_box(points, self._scaled_cell(), colour)

    def cell_box(self, i: int, j: int, colour: str) -> SurroundingRectangle:
        """A rectangle around cell (i, j)."""
        return _slot_box([self.slot(i, j)], self._scaled_cell(), colour)

    def _scaled_cell(self) -> tuple[float, float]:
        return self.cell_size[0] * self.scale_factor, self.cell_size[1] * self.scale_factor


def _checked_indices(indices: Sequence[int] | None, count: int, what: str) -> tuple[int, ...]:
    """``indices`` sorted and checked (all of ``range(count)`` when None)."""
    if indices is None:
        return tuple(range(count))
    shown = tuple(sorted(set(indices)))
    if not shown or shown[0] < 0 or shown[-1] >= count:
        raise ValueError(f"shown {what}s {list(indices)} must be some of 0..{count - 1}")
    return shown


def _grid_positions(shown: tuple[int, ...], count: int) -> tuple[dict[int, int], set[int]]:
    """Grid position of each shown index, and the positions of the marks of skipped runs."""
    positions: dict[int, int] = {}
    gaps: set[int] = set()
    position = 0
    previous = -1
    for index in shown:
        if index > previous + 1:
            gaps.add(position)
            position += 1
        positions[index] = position
        position += 1
        previous = index
    if previous < count - 1:
        gaps.add(position)
    return positions, gaps


def _glyphs(text: str) -> list[str]:
    """The characters Pango draws a glyph for (spaces get none)."""
    return [char for char in text if not char.isspace()]


def _point_span(text: str) -> tuple[float, float]:
    """How far a number reaches left and right of its decimal point's glyph, in character widths.

    The point's glyph is the last one before the ".", the last digit of an
    integer: its centre is where the column's numbers line up.
    """
    glyphs = _glyphs(text)
    before = glyphs.index(".") if "." in glyphs else len(glyphs)
    return before - 0.5, len(glyphs) - before + 0.5


def _point_glyph(mob: Mobject) -> Mobject | None:
    """The glyph of ``mob`` that lines up in its column (see :func:`_point_span`), if it is a number."""
    if not isinstance(mob, TracedText):
        return None
    glyphs = _glyphs(mob.text)
    if not glyphs or len(glyphs) != len(mob.submobjects):
        return None
    before = glyphs.index(".") if "." in glyphs else len(glyphs)
    return mob.submobjects[before - 1] if before > 0 else None


def _advance(font_size: float) -> float:
    """The width of one character of the (monospaced) number font at ``font_size``."""
    ten = _prototype(
        ("manim.Text", "0" * 10, NUMBER_FONT, float(font_size), str(palette.TEXT)),
        lambda: Text("0" * 10, font=NUMBER_FONT, font_size=font_size, color=palette.TEXT),
    )
    return float(ten.submobjects[-1].get_center()[0] - ten.submobjects[0].get_center()[0]) / 9


def shown_indices(count: int, room: int, focus: Iterable[int] = ()) -> tuple[int, ...]:
    """Which of ``count`` rows (or columns) to draw when the grid has ``room`` positions for them.

    All of them when they fit. Otherwise the indices in ``focus`` (those a step
    points at) and the last one, then the first ones, and any index that fills
    a gap, as many as fit: each run of skipped indices takes one position (its
    "⋮" or "⋯"). ``shown_indices(8, 5)`` is ``(0, 1, 2, 7)``, drawn as
    ``0 1 2 ⋯ 7``; ``shown_indices(8, 5, focus=[5])`` is ``(0, 5, 6, 7)``.
    """
    focus = set(focus)
    if any(not 0 <= index < count for index in focus):
        raise ValueError(f"focus {sorted(focus)} must be some of 0..{count - 1}")
    if room >= count:
        return tuple(range(count))

    def positions(kept: set[int]) -> int:
        return len(kept) + len(_grid_positions(tuple(sorted(kept)), count)[1])

    kept = focus | {count - 1}
    if positions(kept) > room:
        kept = set(focus) or {0}
        if positions(kept) > room:
            raise ValueError(f"{room} positions cannot show {sorted(kept)} of {count} with their gaps")
    for index in range(count):
        if index not in kept and positions(kept | {index}) <= room:
            kept.add(index)
    return tuple(sorted(kept))


def digit_height(mob: Mobject) -> float | None:
    """The height of the smallest digit a traced number in ``mob`` draws (None: no digits).

    What the teaching standard measures (:data:`DIGIT_FLOOR`): each digit's glyph, as scaled now.
    """
    heights = []
    for member in mob.get_family():
        if isinstance(member, TracedText):
            glyphs = _glyphs(member.text)
            if len(glyphs) == len(member.submobjects):
                heights += [g.height for c, g in zip(glyphs, member.submobjects, strict=True) if c.isdigit()]
    return min(heights) if heights else None


def fit_with_elision(
    build: Callable[[int, int], _M],
    *,
    rows: int,
    columns: int,
    max_width: float,
    max_height: float,
    max_growth: float = 1.0,
    floor: float = 0.0,
    min_room: int = 3,
    numbers: NumberFactory | None = None,
) -> _M:
    """The picture ``build`` makes with as many rows and columns as fit at the digit floor, fitted.

    ``build(row_room, column_room)`` makes the picture unscaled, drawing at
    most that many grid rows (columns) in each matrix, e.g. with
    ``MatrixView(..., rows=shown_indices(n, row_room, focus), columns=...)``.
    It is first called with the full ``rows`` and ``columns``; while the
    picture, scaled to fit ``max_width`` × ``max_height`` (growing by at most
    ``max_growth``), would draw a digit smaller than ``floor``
    (:data:`DIGIT_FLOOR` is the teaching standard's), the room of the direction
    that limits it (width: columns; height: rows) shrinks by one, down to
    ``min_room``. Returns the last picture, scaled to fit (not moved).

    ``numbers``, the factory ``build`` draws with, forgets the numbers of the
    pictures not kept (:meth:`NumberFactory.rollback`), so the numbers
    manifest lists only what is drawn.
    """
    floor = floor or DIGIT_FLOOR
    row_room, column_room = rows, columns
    while True:
        mark = numbers.checkpoint() if numbers is not None else 0
        mob = build(row_room, column_room)
        across = max_width / max(mob.width, 1e-9)
        down = max_height / max(mob.height, 1e-9)
        factor = min(max_growth, across, down)
        smallest = digit_height(mob)
        if smallest is None or factor * smallest >= floor - 1e-9:
            break
        narrower, shorter = column_room > min_room, row_room > min_room
        if not (narrower or shorter):
            break
        if narrower and (across <= down or not shorter):
            column_room -= 1
        else:
            row_room -= 1
        if numbers is not None:
            numbers.rollback(mark)
    if factor != 1.0:
        mob.scale(factor)
    return mob


def first_legible(
    build: Callable[[_O], _M],
    options: Sequence[_O],
    *,
    floor: float = 0.0,
    numbers: NumberFactory | None = None,
) -> tuple[_O, _M]:
    """The first of ``options`` whose picture draws no digit under the floor, and that picture.

    ``build(option)`` makes the picture of one layout, fitted to its room (e.g.
    with :func:`fit_with_elision`): panels side by side, or stacked. A layout
    that fits a wide frame can draw too small a digit in a narrower one (4:3);
    the next option is tried then. When none reaches ``floor`` (default
    :data:`DIGIT_FLOOR`), the option with the largest smallest digit is built
    again and returned. ``numbers``, the factory ``build`` draws with, forgets
    the numbers of the pictures not kept.
    """
    if not options:
        raise ValueError("first_legible needs at least one layout to try")
    floor = floor or DIGIT_FLOOR
    best: tuple[float, int] = (-1.0, 0)
    for index, option in enumerate(options):
        mark = numbers.checkpoint() if numbers is not None else 0
        mob = build(option)
        smallest = digit_height(mob)
        if smallest is None or smallest >= floor - 1e-9:
            return option, mob
        if numbers is not None:
            numbers.rollback(mark)
        best = max(best, (smallest, -index))
    option = options[-best[1]]
    return option, build(option)


def _future_size(texts: Iterable[str], font_size: float) -> tuple[float, float]:
    """Width and height of the widest of ``texts`` in the number font, without drawing (or registering) it.

    The number font is monospaced, so the longest text is the widest.
    """
    longest = max(texts, key=len)
    probe = _prototype(
        ("manim.Text", longest, NUMBER_FONT, float(font_size), str(palette.TEXT)),
        lambda: Text(longest, font=NUMBER_FONT, font_size=font_size, color=palette.TEXT),
    )
    return probe.width, probe.height


def wrap_below(
    group: VGroup, first_line: Sequence[Mobject], *, under: Mobject, moved: Mobject, buff: float = 0.4
) -> VGroup:
    """Break a row-shaped ``group`` onto a second line, for a frame narrower than it (9:16).

    Every part of ``group`` not in ``first_line`` moves, together, below the
    first line (``buff`` under it), ``moved`` (one of them) centred under
    ``under`` (one of the first line's): "A × B = C" becomes "A × B" above
    "= C". Returns the parts moved.
    """
    rest = VGroup(*(part for part in group.submobjects if all(part is not kept for kept in first_line)))
    top = min(float(part.get_bottom()[1]) for part in first_line)
    rest.shift(
        RIGHT * (float(under.get_center()[0]) - float(moved.get_center()[0]))
        + UP * (top - buff - float(rest.get_top()[1]))
    )
    return rest


def match_columns(*views: MatrixView) -> None:
    """Give unscaled ``views`` one column width, the widest of theirs, so their columns line up."""
    width = max(view.column_width for view in views)
    for view in views:
        view.set_column_width(width)


def _brackets(width: float, height: float, colour: str) -> VGroup:
    """Square brackets around a width × height block centred on the origin."""
    tick = 0.12
    x = width / 2 + 0.02
    y = height / 2
    left = VGroup(
        Line((-x, y, 0), (-x, -y, 0)),
        Line((-x, y, 0), (-x + tick, y, 0)),
        Line((-x, -y, 0), (-x + tick, -y, 0)),
    )
    right = VGroup(
        Line((x, y, 0), (x, -y, 0)),
        Line((x, y, 0), (x - tick, y, 0)),
        Line((x, -y, 0), (x - tick, -y, 0)),
    )
    group = VGroup(left, right)
    group.set_stroke(colour, width=2.5)
    return group


def _slot_box(centres: Iterable[np.ndarray], cell: tuple[float, float], colour: str) -> SurroundingRectangle:
    pts = np.array(list(centres))
    w, h = cell
    anchor = VGroup(
        Line(
            pts.min(axis=0) - np.array([w / 2 - 0.04, h / 2 - 0.04, 0]),
            pts.max(axis=0) + np.array([w / 2 - 0.04, h / 2 - 0.04, 0]),
        )
    )
    anchor.set_opacity(0)
    return SurroundingRectangle(anchor, color=colour, buff=0.0, stroke_width=3, corner_radius=0.06)
