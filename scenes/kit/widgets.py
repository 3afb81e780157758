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
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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

from attention_math.formatting import fmt
from attention_math.trace import Trace

from . import palette

__all__ = [
    "LABEL_FONT",
    "LABEL_SIZE",
    "NUMBER_FONT",
    "NUMBER_SIZE",
    "MatrixView",
    "NumberFactory",
    "RegisteredNumber",
    "ShapeStore",
    "TracedText",
    "align_baselines",
    "animate",
    "baseline_y",
    "entries",
    "fit_in_frame",
    "formula",
    "highlight",
    "label",
    "make_text",
    "match_columns",
    "use_shape_store",
]

NUMBER_FONT = "DejaVu Sans Mono"
LABEL_FONT = "DejaVu Sans"
NUMBER_SIZE = 26
LABEL_SIZE = 26
FRAME_MARGIN = 0.25

_M = TypeVar("_M", bound=Mobject)
_T = TypeVar("_T", bound=Text)


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
    """Drop each SVG glyph's parsed path (``path_obj``), kept by Manim after building.

    Manim reads it only while building the glyph's points; afterwards it is dead
    weight that every ``copy()`` (Transform, FadeIn, ... copy their mobjects)
    deep-copies again: about nine tenths of the cost of copying a glyph.
    """
    for member in mob.get_family():
        if isinstance(member, VMobjectFromSVGPath) and "path_obj" in vars(member):
            del member.path_obj
    return mob


def _load_or_build(key: tuple[object, ...], build: Callable[[], Mobject]) -> Mobject:
    """``build()``, or the same mobject read back from the installed store."""
    store = _store
    if store is None:
        return _lighten(build())
    name = hashlib.sha256(repr(key).encode()).hexdigest()
    mob = store.load(name)
    if mob is None:
        mob = _lighten(build())
        store.save(name, mob)
    return mob


def _prototype(key: tuple[object, ...], build: Callable[[], _M]) -> _M:
    """The mobject ``build`` makes for ``key``, built once (then kept in memory and in the store).

    The key includes the frame's pixel size and the renderer, the only settings
    besides the arguments that reach Pango or Typst.
    """
    full_key = (*key, config.pixel_width, config.pixel_height, str(config.renderer))
    mob = _PROTOTYPES.get(full_key)
    if mob is None:
        if len(_PROTOTYPES) >= _MAX_PROTOTYPES:
            _PROTOTYPES.clear()
        mob = _PROTOTYPES[full_key] = _load_or_build(full_key, build)
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
    prototype = _prototype(key, lambda: cls(content, font=font, font_size=font_size, color=colour))
    return prototype.copy()


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


@dataclass(frozen=True)
class RegisteredNumber:
    """What the manifest records for one drawn number: its path, value and formatted text."""

    path: str
    value: float | str
    text: str


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

    def text(self, path: str) -> str:
        """The display text of the scalar at ``path`` (a number or a token)."""
        value = self.trace.get(path)
        if isinstance(value, str):
            return value
        if isinstance(value, np.ndarray):
            raise ValueError(f"{path!r} is not a single number (shape {value.shape})")
        return fmt(float(value), self.decimals)

    def number(self, path: str, *, colour: str = palette.TEXT, font_size: float = NUMBER_SIZE) -> TracedText:
        """A Text of the value at ``path``, registered for the manifest."""
        value = self.trace.get(path)
        font = LABEL_FONT if isinstance(value, str) else NUMBER_FONT
        return self._traced(path, "{}", font=font, colour=colour, font_size=font_size)

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


class MatrixView(VGroup):
    """A bracketed grid of traced numbers with an optional name and row labels.

    ``cell(i, j)``, ``row(i)`` and ``column(j)`` give the number mobjects;
    cells can be created empty (``filled=False``) and filled in later with
    :meth:`make_cell`, which returns the mobject already placed in its slot.
    :meth:`set_column_width` spaces the columns, e.g. so two matrices whose
    columns must line up share one width (:func:`match_columns`).

    Attributes
    ----------
    heading : VMobject
        The name drawn over the brackets (an empty group when there is none).
    brackets, cells, row_labels, column_labels : VGroup
        The brackets, the drawn numbers, and the labels left of the rows and
        above the columns (empty until given).
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
    ) -> None:
        super().__init__()
        self.numbers = numbers
        self.path = path
        self.shape = shape
        self.colour = colour
        self.font_size = font_size
        rows, cols = shape
        probes: list[list[TracedText]] = []
        if filled:
            probes = [
                [numbers.number(path(i, j), colour=colour, font_size=font_size) for j in range(cols)]
                for i in range(rows)
            ]
            widest = max(m.width for row in probes for m in row)
            tallest = max(m.height for row in probes for m in row)
        else:
            widest, tallest = _future_size(numbers, path, shape, font_size)
        cell_w = widest + 0.3
        cell_h = max(tallest, 0.22) + 0.22
        self.cell_size = (cell_w, cell_h)
        offsets = np.array([[j * cell_w, -i * cell_h, 0.0] for i in range(rows) for j in range(cols)])
        offsets -= (offsets[0] + offsets[-1]) / 2
        # Invisible anchors that move and scale with the view, so a cell made
        # later still lands in its slot.
        self._slot_points = VGroup(*(VectorizedPoint(p) for p in offsets))
        self._cells: dict[tuple[int, int], TracedText] = {}
        self.cells = VGroup()
        for i, row in enumerate(probes):
            for j, cell in enumerate(row):
                cell.move_to(offsets[i * cols + j])
                self._cells[(i, j)] = cell
                self.cells.add(cell)
        self.brackets = _brackets(cols * cell_w, rows * cell_h, colour)
        self._unscaled_height = rows * cell_h
        self.add(self._slot_points, self.brackets, self.cells)
        self._label(name, row_labels)

    def _label(self, name: VMobject | None, row_labels: Sequence[VMobject] | None) -> None:
        """The name over the brackets, the row labels left of them."""
        self.heading: VMobject = VGroup() if name is None else name
        self.has_heading = name is not None
        if name is not None:
            name.next_to(self.brackets, UP, buff=0.15)
            self.add(name)
        self.row_labels = VGroup(*(row_labels or []))
        for i, lab in enumerate(self.row_labels):
            lab.move_to(self.slot(i, 0))
            lab.set_x(self.brackets.get_left()[0] - 0.2 - lab.width / 2)
        if row_labels:
            self.add(self.row_labels)
        self.column_labels = VGroup()

    def slot(self, i: int, j: int) -> np.ndarray:
        """Centre of cell (i, j), following the view when it moves or scales."""
        return self._slot_points[i * self.shape[1] + j].get_center()

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
        rows, cols = self.shape
        factor = self.scale_factor
        centre = self.brackets.get_center()[0]
        for j in range(cols):
            x = centre + (j - (cols - 1) / 2) * width * factor
            for i in range(rows):
                # The slot anchors are what make_cell places new numbers by.
                dx = x - self.slot(i, j)[0]
                self._slot_points[i * cols + j].shift(dx * RIGHT)
                if (i, j) in self._cells:
                    self._cells[(i, j)].shift(dx * RIGHT)
        half = (cols * width / 2 + 0.02) * factor
        left, right = self.brackets
        left_shift = centre - half - left.get_left()[0]
        left.shift(left_shift * RIGHT)
        right.shift((centre + half - right.get_right()[0]) * RIGHT)
        # Row labels keep their distance from the left bracket; column labels stay over their columns.
        self.row_labels.shift(left_shift * RIGHT)
        for j, lab in enumerate(self.column_labels):
            lab.set_x(self.slot(0, j)[0])
        self.cell_size = (width, self.cell_size[1])
        return self

    def make_cell(self, i: int, j: int) -> TracedText:
        """A new traced number for cell (i, j), placed in its slot (not added)."""
        mob = self.numbers.number(self.path(i, j), colour=self.colour, font_size=self.font_size)
        mob.scale(self.scale_factor)
        mob.move_to(self.slot(i, j))
        return mob

    def set_cell(self, i: int, j: int, mob: TracedText) -> None:
        """Record ``mob`` as the drawn cell (i, j) and make it part of the view."""
        self._cells[(i, j)] = mob
        self.cells.add(mob)

    def cell(self, i: int, j: int) -> TracedText:
        """The drawn number of cell (i, j)."""
        return self._cells[(i, j)]

    def row(self, i: int) -> VGroup:
        """The drawn numbers of row ``i``."""
        return VGroup(*(self._cells[(i, j)] for j in range(self.shape[1]) if (i, j) in self._cells))

    def column(self, j: int) -> VGroup:
        """The drawn numbers of column ``j``."""
        return VGroup(*(self._cells[(i, j)] for i in range(self.shape[0]) if (i, j) in self._cells))

    def row_box(self, i: int, colour: str) -> SurroundingRectangle:
        """A rectangle around row i (drawn cells or empty slots alike)."""
        return _slot_box([self.slot(i, j) for j in range(self.shape[1])], self._scaled_cell(), colour)

    def column_box(self, j: int, colour: str) -> SurroundingRectangle:
        """A rectangle around column j."""
        return _slot_box([self.slot(i, j) for i in range(self.shape[0])], self._scaled_cell(), colour)

    def cell_box(self, i: int, j: int, colour: str) -> SurroundingRectangle:
        """A rectangle around cell (i, j)."""
        return _slot_box([self.slot(i, j)], self._scaled_cell(), colour)

    def _scaled_cell(self) -> tuple[float, float]:
        return self.cell_size[0] * self.scale_factor, self.cell_size[1] * self.scale_factor


def _future_size(
    numbers: NumberFactory, path: Callable[[int, int], str], shape: tuple[int, int], font_size: float
) -> tuple[float, float]:
    """Width and height of the widest number an empty matrix will hold, without drawing (or registering) it.

    The number font is monospaced, so the longest text is the widest.
    """
    rows, cols = shape
    longest = max((numbers.text(path(i, j)) for i in range(rows) for j in range(cols)), key=len)
    probe = _prototype(
        ("manim.Text", longest, NUMBER_FONT, float(font_size), str(palette.TEXT)),
        lambda: Text(longest, font=NUMBER_FONT, font_size=font_size, color=palette.TEXT),
    )
    return probe.width, probe.height


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
