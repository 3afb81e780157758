"""Checks of what is on screen: every number traced, nothing off-frame or overlapping.

Used by the tests after every animation of a scene built with Manim's
``dry_run``; pure inspection of mobjects, nothing is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import Mobject, Text, VMobject, config

from attention_math.formatting import fmt, fmt_percent
from attention_math.trace import Trace
from scenes.kit import palette
from scenes.kit.colour import MIN_CONTRAST, contrast_ratio, over
from scenes.kit.widgets import TracedText

__all__ = [
    "Box",
    "caption_overlaps",
    "low_contrast",
    "mismatched_numbers",
    "off_frame",
    "overlaps",
    "text_contrasts",
    "untraced_numbers",
    "visible_texts",
]

TOLERANCE = 0.01


@dataclass(frozen=True)
class Box:
    """Axis-aligned bounding box of a mobject, in scene units."""

    left: float
    right: float
    bottom: float
    top: float

    @classmethod
    def of(cls, mob: Mobject) -> Box:
        points = mob.get_all_points()
        if len(points) == 0:
            centre = mob.get_center()
            return cls(centre[0], centre[0], centre[1], centre[1])
        lo, hi = points.min(axis=0), points.max(axis=0)
        return cls(float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))

    def intersects(self, other: Box) -> bool:
        return (
            self.left < other.right - TOLERANCE
            and other.left < self.right - TOLERANCE
            and self.bottom < other.top - TOLERANCE
            and other.bottom < self.top - TOLERANCE
        )


def _visible(mob: Mobject) -> bool:
    opacities = [sub.get_fill_opacity() for sub in mob.family_members_with_points()]
    return bool(opacities) and max(opacities) > 0.05


def visible_texts(mobjects: list[Mobject]) -> list[Text]:
    """Every Text (traced or not) drawn by these mobjects and not faded out."""
    found: list[Text] = []
    seen: set[int] = set()
    for top in mobjects:
        for mob in top.get_family():
            if isinstance(mob, Text) and id(mob) not in seen and _visible(mob):
                seen.add(id(mob))
                found.append(mob)
    return found


def untraced_numbers(mobjects: list[Mobject]) -> list[str]:
    """Texts that show a digit but were not made from a trace path."""
    return [
        t.text
        for t in visible_texts(mobjects)
        if any(c.isdigit() for c in t.text) and not isinstance(t, TracedText)
    ]


def mismatched_numbers(mobjects: list[Mobject], trace: Trace, decimals: int) -> list[str]:
    """Traced texts whose drawn string is not the formatter applied to their path's value.

    An index label ("head 2") is a word template around the traced number: it
    must read ``template.format(fmt(value))``, and its template may hold no
    digit of its own.
    """
    problems = []
    for t in visible_texts(mobjects):
        if not isinstance(t, TracedText):
            continue
        value = trace.get(t.trace_path)
        if getattr(t, "trace_format", "number") == "percent":
            expected = fmt_percent(float(value), decimals)
        else:
            expected = value if isinstance(value, str) else fmt(float(value), decimals)
        template = t.trace_template
        if template.count("{}") != 1 or any(c.isdigit() for c in template):
            problems.append(f"{t.trace_path}: template {template!r} must hold one '{{}}' and no digit")
            continue
        drawn = template.format(expected)
        if t.trace_text != expected or t.text.replace(" ", "") != drawn.replace(" ", ""):
            problems.append(f"{t.trace_path}: drawn {t.text!r}, trace gives {drawn!r}")
    return problems


def _drawn(mob: Mobject) -> bool:
    """Whether a leaf mobject puts ink on the screen (fill or stroke)."""
    if len(mob.points) == 0:
        return False
    fill = mob.get_fill_opacity() if hasattr(mob, "get_fill_opacity") else 0.0
    stroke = (
        mob.get_stroke_opacity() * (mob.get_stroke_width() > 0) if hasattr(mob, "get_stroke_opacity") else 0.0
    )
    return max(fill, stroke) > 0.05


def off_frame(mobjects: list[Mobject]) -> list[str]:
    """Drawn shapes (texts, formulas, lines, boxes) that reach outside the frame."""
    half_w, half_h = config.frame_width / 2 + TOLERANCE, config.frame_height / 2 + TOLERANCE
    problems = []
    for top in mobjects:
        inked = [leaf for leaf in top.family_members_with_points() if _drawn(leaf)]
        if not inked:
            continue
        points = np.concatenate([leaf.points for leaf in inked])
        lo, hi = points.min(axis=0), points.max(axis=0)
        if lo[0] < -half_w or hi[0] > half_w or lo[1] < -half_h or hi[1] > half_h:
            name = top.text if isinstance(top, Text) else type(top).__name__
            problems.append(f"{name!r} at x {lo[0]:.2f}..{hi[0]:.2f}, y {lo[1]:.2f}..{hi[1]:.2f}")
    return problems


def overlaps(mobjects: list[Mobject]) -> list[str]:
    """Pairs of visible texts whose boxes intersect."""
    texts = visible_texts(mobjects)
    boxes = [Box.of(t) for t in texts]
    problems = []
    order = np.argsort([b.left for b in boxes])
    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1 :]:
            if boxes[b].left >= boxes[a].right:
                break
            if boxes[a].intersects(boxes[b]):
                problems.append(f"{texts[a].text!r} overlaps {texts[b].text!r}")
    return problems


def caption_overlaps(mobjects: list[Mobject], caption: Mobject | None) -> list[str]:
    """Drawn shapes (texts, formulas, lines, boxes) that reach into the step caption's box.

    ``overlaps`` sees a number over the caption only when both are texts; this
    sees brackets, boxes, arrows and formulas too.
    """
    if caption is None or caption not in mobjects or not _drawn_family(caption):
        return []
    box = Box.of(caption)
    problems = []
    for top in mobjects:
        if top is caption:
            continue
        for leaf in top.family_members_with_points():
            if _drawn(leaf) and Box.of(leaf).intersects(box):
                name = top.text if isinstance(top, Text) else type(top).__name__
                caption_text = caption.text if isinstance(caption, Text) else "caption"
                problems.append(f"{name!r} reaches into the caption {caption_text!r}")
                break
    return problems


def _drawn_family(mob: Mobject) -> bool:
    return any(_drawn(leaf) for leaf in mob.family_members_with_points())


def _fills(mobjects: list[Mobject], texts: list[Text] | None = None) -> list[tuple[int, int, VMobject]]:
    """Filled shapes that are not text, with their drawing order (z-index, then family order).

    ``texts`` are ``visible_texts(mobjects)`` when the caller has them already.
    """
    texts = visible_texts(mobjects) if texts is None else texts
    glyphs = {id(leaf) for text in texts for leaf in text.get_family()}
    found = []
    for order, mob in enumerate(leaf for top in mobjects for leaf in top.get_family()):
        if id(mob) in glyphs or isinstance(mob, Text) or not isinstance(mob, VMobject) or not len(mob.points):
            continue
        if mob.get_fill_opacity() > 0.02:
            found.append((mob.z_index, order, mob))
    return sorted(found, key=lambda item: (item[0], item[1]))


def _hex(colour: object) -> str:
    return str(colour.to_hex() if hasattr(colour, "to_hex") else colour)[:7].lower()


def text_contrasts(
    mobjects: list[Mobject], background: str | None = None, theme: palette.Theme = palette.DARK
) -> list[tuple[Text, float, str]]:
    """Each visible text's contrast with what is drawn behind its centre: (text, ratio, description).

    Fills behind the text (those containing its centre, at its z-index or
    below) are laid over the background in drawing order; the text's own
    opacity is applied over the result. Colours are as ``theme`` shows them
    (:meth:`palette.Theme.translate`), over its background unless ``background`` is given.
    """
    background = theme.background if background is None else background
    texts = visible_texts(mobjects)
    # Each fill's box once per picture, not once per text in front of it.
    fills = [(z_index, fill, Box.of(fill)) for z_index, _, fill in _fills(mobjects, texts)]
    results = []
    for text in texts:
        x, y = text.get_center()[:2]
        behind = background
        for z_index, fill, box in fills:
            if z_index <= text.z_index and box.left <= x <= box.right and box.bottom <= y <= box.top:
                shown = theme.translate(_hex(fill.get_fill_color()))
                behind = over(shown, float(fill.get_fill_opacity()), behind)
        opacity = max(leaf.get_fill_opacity() for leaf in text.family_members_with_points())
        seen = over(theme.translate(_hex(text.get_fill_color())), float(opacity), behind)
        results.append((text, contrast_ratio(seen, behind), f"{text.text!r} ({seen} on {behind})"))
    return results


def low_contrast(
    mobjects: list[Mobject],
    background: str = palette.BACKGROUND,
    contrasts: list[tuple[Text, float, str]] | None = None,
) -> list[str]:
    """Fully shown texts that read at less than 4.5:1 (WCAG AA) on what is behind them.

    Texts faded on purpose (opacity under 0.9: a ghost, a greyed-out step) are
    left out: the check is of what a viewer is asked to read. ``contrasts`` are
    ``text_contrasts(mobjects, background)`` when the caller has them already.
    """
    contrasts = text_contrasts(mobjects, background) if contrasts is None else contrasts
    return [
        f"{what}: contrast {ratio:.2f}:1"
        for text, ratio, what in contrasts
        if ratio < MIN_CONTRAST
        and max(leaf.get_fill_opacity() for leaf in text.family_members_with_points()) >= 0.9
    ]
