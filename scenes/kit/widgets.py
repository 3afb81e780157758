"""Reusable drawing pieces shared by every topic.

Every number on screen is made by :class:`NumberFactory`, which reads it from
the trace by path, formats it with :func:`attention_math.formatting.fmt` and
records it, so the numbers manifest and the tests know where each came from.
Scenes never build a number mobject themselves.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
from manim import (
    UP,
    Line,
    MathTypst,
    Mobject,
    SurroundingRectangle,
    Text,
    VectorizedPoint,
    VGroup,
    config,
)

from attention_math.formatting import fmt
from attention_math.trace import Trace

from . import palette

__all__ = [
    "LABEL_FONT",
    "NUMBER_FONT",
    "NUMBER_SIZE",
    "MatrixView",
    "NumberFactory",
    "RegisteredNumber",
    "TracedText",
    "fit_in_frame",
    "formula",
    "highlight",
    "label",
    "make_text",
]

NUMBER_FONT = "DejaVu Sans Mono"
LABEL_FONT = "DejaVu Sans"
NUMBER_SIZE = 26
LABEL_SIZE = 26
FRAME_MARGIN = 0.25


# Built Text and formula mobjects, by everything that shapes them; see `make_text`.
_PROTOTYPES: dict[tuple[object, ...], Mobject] = {}
_MAX_PROTOTYPES = 4096
#: Bump when what a cached mobject holds changes (e.g. `_lighten` drops more).
_DISK_CACHE_SCHEMA = 1
CACHE_ENV = "ATTENTION_VIDEO_CACHE"


def _lighten(mob: Mobject) -> Mobject:
    """Drop each SVG glyph's parsed path (``path_obj``), kept by Manim after building.

    Manim reads it only while building the glyph's points; afterwards it is dead
    weight that every ``copy()`` (Transform, FadeIn, ... copy their mobjects)
    deep-copies again: about nine tenths of the cost of copying a glyph.
    """
    for member in mob.get_family():
        if getattr(member, "path_obj", None) is not None:
            member.path_obj = None
    return mob


@lru_cache(maxsize=1)
def _disk_cache() -> Path | None:
    """Where built mobjects are kept between processes, or None when turned off.

    ``$ATTENTION_VIDEO_CACHE`` names the folder (``off`` turns the cache off);
    by default ``$XDG_CACHE_HOME/attention-video`` (``~/.cache/attention-video``).
    A subfolder per version of everything that shapes an outline (Manim, Pango's
    binding, SVG parser, Typst) keeps stale entries from being read.
    """
    setting = os.environ.get(CACHE_ENV, "")
    if setting.lower() in ("off", "0", "false", "no"):
        return None
    base = (
        Path(setting)
        if setting
        else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "attention-video"
    )
    versions = []
    for package in ("manim", "manimpango", "svgelements", "typst", "numpy"):
        try:
            versions.append(f"{package}-{metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}-none")
    tag = hashlib.sha256(" ".join(versions).encode()).hexdigest()[:12]
    return base / f"mobjects-v{_DISK_CACHE_SCHEMA}-{tag}"


def _load_or_build(key: tuple[object, ...], build: Callable[[], Mobject]) -> Mobject:
    """``build()``, or the same mobject read back from the disk cache.

    Pickling keeps every array bit for bit, so a cached mobject draws exactly
    like a newly built one; an unreadable entry is rebuilt.
    """
    folder = _disk_cache()
    if folder is None:
        return _lighten(build())
    path = folder / (hashlib.sha256(repr(key).encode()).hexdigest() + ".pickle")
    try:
        mob = pickle.loads(path.read_bytes())
        if isinstance(mob, Mobject):
            return mob
    except Exception:  # missing, partly written by an older crash, or from elsewhere: rebuild
        pass
    mob = _lighten(build())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as tmp:
            tmp.write(pickle.dumps(mob, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp.name, path)  # atomic: parallel renders never read half a file
    except OSError:
        pass  # a read-only or full disk only costs speed
    return mob


def _prototype(key: tuple[object, ...], build: Callable[[], Mobject]) -> Mobject:
    """The mobject ``build`` makes for ``key``, built once (then kept in memory and on disk).

    The key includes the frame's pixel size and the renderer, the only settings
    besides the arguments that reach Pango or Typst.
    """
    full_key = (*key, config.pixel_width, config.pixel_height, str(config.renderer))
    mob = _PROTOTYPES.get(full_key)
    if mob is None:
        if len(_PROTOTYPES) >= _MAX_PROTOTYPES:
            _PROTOTYPES.clear()
        mob = _PROTOTYPES[full_key] = _load_or_build(full_key, build)
    return mob


def make_text(content: str, *, font: str, font_size: float, colour: str, cls: type[Text] = Text) -> Text:
    """A new ``cls(content, font=..., font_size=..., color=colour)``.

    Made by copying one built per distinct set of arguments: building a Text
    (Pango, then SVG parsing) costs about ten times as much as copying it, and
    scenes draw the same strings (numbers, tokens, labels) many times. The copy
    is identical to a newly built one.
    """
    key = (f"{cls.__module__}.{cls.__qualname__}", content, font, float(font_size), str(colour))
    prototype = _prototype(key, lambda: cls(content, font=font, font_size=font_size, color=colour))
    return prototype.copy()  # type: ignore[return-value]


class TracedText(Text):
    """A Text whose content was read from the trace at ``trace_path``.

    ``trace_text`` is the exact string drawn: the formatter applied to the
    trace value (numbers) or the token itself (strings).
    """

    trace_path: str
    trace_text: str


@dataclass(frozen=True)
class RegisteredNumber:
    """What the manifest records for one drawn number."""

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

    def __deepcopy__(self, memo: dict) -> NumberFactory:
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

    def number(
        self,
        path: str,
        *,
        colour: str = palette.TEXT,
        font_size: float = NUMBER_SIZE,
    ) -> TracedText:
        """A Text of the value at ``path``, registered for the manifest."""
        text = self.text(path)
        value = self.trace.get(path)
        font = LABEL_FONT if isinstance(value, str) else NUMBER_FONT
        mob = make_text(text, font=font, font_size=font_size, colour=colour, cls=TracedText)
        mob.trace_path = path
        mob.trace_text = text
        stored: float | str = value if isinstance(value, str) else float(value)
        self._registry.setdefault(path, RegisteredNumber(path, stored, text))
        return mob

    def token(self, index: int, **style: object) -> TracedText:
        """The label of token ``index``: ``token_labels[index]``, primed on a repeat ("the′")."""
        return self.number(f"token_labels[{index}]", font_size=LABEL_SIZE, **style)  # type: ignore[arg-type]


def label(text: str, *, colour: str = palette.TEXT, font_size: float = LABEL_SIZE) -> Text:
    """A word label (no numbers: numbers come from :class:`NumberFactory`)."""
    if any(ch.isdigit() for ch in text):
        raise ValueError(f"label {text!r} contains a digit; draw numbers from the trace")
    return make_text(text, font=LABEL_FONT, font_size=font_size, colour=colour)


def formula(expression: str, colours: dict[str, str] | None = None, **kwargs: object) -> MathTypst:
    """A Typst formula; ``{{ ... : name }}`` groups get ``colours[name]``."""

    def build() -> MathTypst:
        mob = MathTypst(expression, color=palette.TEXT, **kwargs)
        for group, colour in (colours or {}).items():
            mob.select(group).set_color(colour)
        return mob

    key = ("formula", expression, tuple((colours or {}).items()), tuple(sorted(kwargs.items())))
    return _prototype(key, build).copy()  # type: ignore[return-value]


class MatrixView(VGroup):
    """A bracketed grid of traced numbers with an optional name and row labels.

    ``cell(i, j)``, ``row(i)`` and ``column(j)`` give the number mobjects;
    cells can be created empty (``filled=False``) and filled in later with
    :meth:`make_cell`, which returns the mobject already placed in its slot.
    """

    def __init__(
        self,
        numbers: NumberFactory,
        path: Callable[[int, int], str],
        shape: tuple[int, int],
        *,
        colour: str = palette.TEXT,
        name: Mobject | None = None,
        row_labels: Sequence[Mobject] | None = None,
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
        if filled:
            probes = [
                [numbers.number(path(i, j), colour=colour, font_size=font_size) for j in range(cols)]
                for i in range(rows)
            ]
            widest = max(m.width for row in probes for m in row)
            tallest = max(m.height for row in probes for m in row)
        else:
            # An empty matrix is sized like its future contents without drawing
            # (or registering) them: the number font is monospaced, so the
            # longest text is the widest.
            longest = max((numbers.text(path(i, j)) for i in range(rows) for j in range(cols)), key=len)
            probe = _prototype(
                ("manim.Text", longest, NUMBER_FONT, float(font_size), str(palette.TEXT)),
                lambda: Text(longest, font=NUMBER_FONT, font_size=font_size, color=palette.TEXT),
            )
            widest, tallest = probe.width, probe.height
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
        if filled:
            for i in range(rows):
                for j in range(cols):
                    probes[i][j].move_to(offsets[i * cols + j])
                    self._cells[(i, j)] = probes[i][j]
                    self.cells.add(probes[i][j])
        height = rows * cell_h
        width = cols * cell_w
        self.brackets = _brackets(width, height, colour)
        self._unscaled_height = height
        self.add(self._slot_points, self.brackets, self.cells)
        self.name = name
        if name is not None:
            name.next_to(self.brackets, UP, buff=0.15)
            self.add(name)
        self.row_labels = VGroup(*(row_labels or []))
        for i, lab in enumerate(self.row_labels):
            lab.move_to(self.slot(i, 0))
            lab.set_x(self.brackets.get_left()[0] - 0.2 - lab.width / 2)
        if row_labels:
            self.add(self.row_labels)

    def slot(self, i: int, j: int) -> np.ndarray:
        """Centre of cell (i, j), following the view when it moves or scales."""
        return self._slot_points[i * self.shape[1] + j].get_center()

    @property
    def scale_factor(self) -> float:
        """How much the view has been scaled since it was built."""
        return self.brackets[0][0].get_length() / self._unscaled_height

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
        return self._cells[(i, j)]

    def row(self, i: int) -> VGroup:
        return VGroup(*(self._cells[(i, j)] for j in range(self.shape[1]) if (i, j) in self._cells))

    def column(self, j: int) -> VGroup:
        return VGroup(*(self._cells[(i, j)] for i in range(self.shape[0]) if (i, j) in self._cells))

    def row_box(self, i: int, colour: str) -> SurroundingRectangle:
        """A rectangle around row i (drawn cells or empty slots alike)."""
        return _slot_box([self.slot(i, j) for j in range(self.shape[1])], self._scaled_cell(), colour)

    def column_box(self, j: int, colour: str) -> SurroundingRectangle:
        """A rectangle around column j."""
        return _slot_box([self.slot(i, j) for i in range(self.shape[0])], self._scaled_cell(), colour)

    def cell_box(self, i: int, j: int, colour: str) -> SurroundingRectangle:
        return _slot_box([self.slot(i, j)], self._scaled_cell(), colour)

    def _scaled_cell(self) -> tuple[float, float]:
        return self.cell_size[0] * self.scale_factor, self.cell_size[1] * self.scale_factor


def _brackets(width: float, height: float, colour: str) -> VGroup:
    """Square brackets around a width × height block centred on the origin."""
    tick = 0.12
    x = width / 2 + 0.02
    y = height / 2
    left = VGroup(
        Line([-x, y, 0], [-x, -y, 0]),
        Line([-x, y, 0], [-x + tick, y, 0]),
        Line([-x, -y, 0], [-x + tick, -y, 0]),
    )
    right = VGroup(
        Line([x, y, 0], [x, -y, 0]),
        Line([x, y, 0], [x - tick, y, 0]),
        Line([x, -y, 0], [x - tick, -y, 0]),
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
    box = SurroundingRectangle(anchor, color=colour, buff=0.0, stroke_width=3, corner_radius=0.06)
    return box


def highlight(mob: Mobject, colour: str) -> SurroundingRectangle:
    """A rounded box around ``mob``."""
    return SurroundingRectangle(mob, color=colour, buff=0.06, stroke_width=3, corner_radius=0.06)


def fit_in_frame(
    mob: Mobject,
    *,
    max_width: float | None = None,
    max_height: float | None = None,
    max_growth: float = 1.0,
) -> Mobject:
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
