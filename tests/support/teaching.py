"""The teaching standard, measured on a built scene: pace, legibility, contrast, colour vision.

Each measure reads what the scene really did (its step timeline, the texts on
screen after every animation), never an estimate:

- pace: each step's caption words per second of the step, and how long the
  picture held still after the step's last animation;
- framing: the title card and the end card, each under three seconds;
- legibility: the smallest digit drawn (fully shown, at the end of an
  animation), in scene units and in pixels at 480p;
- contrast: the lowest contrast of a fully shown text with what is behind it;
- colour vision: the palette's smallest colour difference between roles for
  normal vision, protanopia and deuteranopia.

``scripts/teaching_report.py`` prints these for every topic × example; the
drawing tests assert the parts of the standard the scenes meet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from manim import Mobject, Text

from scenes.kit import palette
from scenes.kit.colour import VISIONS, min_distance
from scenes.kit.stage import HOLD, WORDS_PER_SECOND, StepTiming, TopicScene
from scenes.kit.widgets import TracedText

from .layout import text_contrasts, visible_texts

__all__ = [
    "CARD_LIMIT",
    "DIGIT_FLOOR",
    "ScreenMeasures",
    "TeachingMeasures",
    "measure_scene",
    "palette_distances",
]

#: The title and end cards last less than this (seconds).
CARD_LIMIT = 3.0
#: No digit smaller than this (scene units): 12 px at 480p, where the frame is 8 units high.
DIGIT_FLOOR = 0.2
PIXELS_PER_UNIT_480P = 480 / 8


@dataclass
class ScreenMeasures:
    """What the screen showed after every animation: the smallest digit and the lowest contrast."""

    smallest_digit: float = float("inf")
    smallest_digit_text: str = ""
    lowest_contrast: float = float("inf")
    lowest_contrast_text: str = ""
    texts_seen: int = field(default=0)

    def look(self, mobjects: list[Mobject], contrasts: list[tuple[Text, float, str]] | None = None) -> None:
        """Measure the picture at the end of one animation.

        ``contrasts`` are ``text_contrasts(mobjects)`` when the caller has them already.
        """
        for text in visible_texts(mobjects):
            if _shown(text):
                self.texts_seen += 1
                height = _digit_height(text)
                if height is not None and height < self.smallest_digit:
                    self.smallest_digit, self.smallest_digit_text = height, text.text
        for text, ratio, what in text_contrasts(mobjects) if contrasts is None else contrasts:
            if _shown(text) and ratio < self.lowest_contrast:
                self.lowest_contrast, self.lowest_contrast_text = ratio, what


@dataclass(frozen=True)
class TeachingMeasures:
    """One built scene against the standard."""

    timeline: tuple[StepTiming, ...]
    screen: ScreenMeasures

    @property
    def story(self) -> tuple[StepTiming, ...]:
        """The steps between the title card and the end card."""
        return self.timeline[1:-1]

    @property
    def fastest_words_per_second(self) -> float:
        return max(step.words_per_second for step in self.timeline)

    @property
    def shortest_still(self) -> float:
        return min(step.still for step in self.timeline)

    @property
    def title_card(self) -> float:
        return self.timeline[0].end - self.timeline[0].start

    @property
    def end_card(self) -> float:
        return self.timeline[-1].end - self.timeline[-1].start

    def pace_problems(self) -> list[str]:
        """Steps that ask to be read too fast, or move on before the picture held still long enough."""
        problems = []
        for number, step in enumerate(self.timeline, start=1):
            if step.words_per_second > WORDS_PER_SECOND + 1e-6:
                problems.append(f"step {number} {step.caption!r}: {step.words_per_second:.2f} words/s")
            if step.still < HOLD - 1e-6:
                problems.append(f"step {number} {step.caption!r}: still for only {step.still:.2f} s")
        for name, seconds in (("title card", self.title_card), ("end card", self.end_card)):
            if seconds >= CARD_LIMIT:
                problems.append(f"{name}: {seconds:.2f} s")
        return problems


def measure_scene(scene: TopicScene, screen: ScreenMeasures) -> TeachingMeasures:
    """The measures of a scene built with :func:`support.scene_harness.build_dry` (which fills ``screen``)."""
    return TeachingMeasures(tuple(scene.timeline), screen)


def palette_distances(theme: palette.Theme = palette.DARK) -> dict[str, tuple[float, str, str]]:
    """For each vision, the closest two of the theme's roles and its text colour: (ΔE, name, name)."""
    colours = {**theme.roles, "TEXT": theme.text}
    return {vision: min_distance(colours, vision) for vision in VISIONS}


def _shown(text: Mobject) -> bool:
    """Fully shown: not fading in or out, not a ghost."""
    return max(leaf.get_fill_opacity() for leaf in text.family_members_with_points()) >= 0.9


def _digit_height(text: Mobject) -> float | None:
    """The height of the text's digits (Pango draws one glyph per character, spaces dropped)."""
    if not isinstance(text, TracedText):
        return None
    glyphs = [char for char in text.text if not char.isspace()]
    if len(glyphs) != len(text.submobjects):
        return None
    heights = [glyph.height for char, glyph in zip(glyphs, text.submobjects, strict=True) if char.isdigit()]
    return min(heights) if heights else None
