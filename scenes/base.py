"""The base class of every topic scene: a trace in, a captioned story out."""

from __future__ import annotations

from typing import ClassVar

from manim import DOWN, UP, FadeIn, FadeOut, Scene

from attention_math.trace import Trace

from . import palette
from .widgets import LABEL_FONT, NumberFactory, Text, fit_in_frame

__all__ = ["TopicScene"]

CAPTION_SIZE = 24


class TopicScene(Scene):
    """A scene that draws one topic of a lesson from its trace.

    Subclasses set ``topic`` and ``summary`` and implement ``construct``,
    calling :meth:`step` at each step of the story: it shows the caption on
    screen, writes it as a subtitle and starts a section of its own.
    """

    topic: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __init__(self, trace: Trace, **kwargs: object) -> None:
        self.trace = trace
        self.numbers = NumberFactory(trace)
        self.steps: list[str] = []
        self._caption: Text | None = None
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.camera.background_color = palette.BACKGROUND

    def step(self, caption: str, *, read_time: float = 1.2) -> None:
        """Begin a step of the story: caption on screen, subtitle and section."""
        if any(ch.isdigit() for ch in caption):
            raise ValueError(f"caption {caption!r} contains a digit; numbers come from the trace")
        self.steps.append(caption)
        self.next_section(f"{len(self.steps):02d}-{_slug(caption)}")
        new = Text(caption, font=LABEL_FONT, font_size=CAPTION_SIZE, color=palette.TEXT)
        fit_in_frame(new, max_height=0.6)
        new.to_edge(DOWN, buff=0.3)
        animations = [FadeIn(new, shift=UP * 0.1)]
        if self._caption is not None:
            animations.append(FadeOut(self._caption))
        self.add_subcaption(caption, duration=read_time)
        self.play(*animations, run_time=0.5)
        self._caption = new

    @property
    def caption_top(self) -> float:
        """Y of the caption band's top edge: content stays above it."""
        return -self.camera.frame_height / 2 + 0.3 + 0.6


def _slug(text: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in cleaned.split("-") if part)[:40]
