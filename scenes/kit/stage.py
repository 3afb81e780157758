"""The base class of every topic scene: a trace in, a captioned story out."""

from __future__ import annotations

from typing import ClassVar

from manim import DOWN, UP, Camera, FadeIn, FadeOut, Scene, config
from manim.constants import RendererType
from manim.renderer.cairo_renderer import CairoRenderer

from attention_math.trace import Trace

from . import palette
from .widgets import LABEL_FONT, NumberFactory, Text, fit_in_frame, make_text

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
        if config.renderer == RendererType.CAIRO and kwargs.get("renderer") is None:
            # What Scene.__init__ would make, as the subclass below.
            kwargs["renderer"] = _Renderer(
                camera_class=kwargs.get("camera_class", Camera),
                skip_animations=bool(kwargs.get("skip_animations", False)),
            )
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.camera.background_color = palette.BACKGROUND

    def step(self, caption: str, *, read_time: float = 1.2) -> None:
        """Begin a step of the story: caption on screen, subtitle and section."""
        if any(ch.isdigit() for ch in caption):
            raise ValueError(f"caption {caption!r} contains a digit; numbers come from the trace")
        self.steps.append(caption)
        self.next_section(f"{len(self.steps):02d}-{_slug(caption)}")
        new = make_text(caption, font=LABEL_FONT, font_size=CAPTION_SIZE, colour=palette.TEXT)
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


class _Renderer(CairoRenderer):
    """Manim's Cairo renderer, minus drawing frames that are never written.

    When a play is skipped (a preview writes only the last frame, a dry run
    none), Manim still draws the play's static backdrop and its frame, then drops
    them: ``add_frame`` writes nothing while skipping, and the last frame is
    drawn afresh (``static_image`` reset) when the scene ends. Not drawing them
    changes no written pixel; plays that are written are drawn as before.
    """

    def save_static_frame_data(self, scene, static_mobjects):  # type: ignore[no-untyped-def]
        if self.skip_animations:
            self.static_image = None
            return None
        return super().save_static_frame_data(scene, static_mobjects)

    def render(self, scene, time, moving_mobjects=None):  # type: ignore[no-untyped-def]
        if self.skip_animations:
            return
        super().render(scene, time, moving_mobjects)


def _slug(text: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in cleaned.split("-") if part)[:40]
