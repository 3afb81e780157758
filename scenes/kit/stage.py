"""The base class of every topic scene: a trace in, a captioned story out.

:class:`TopicScene` gives each topic a small stage vocabulary, so every scene
places things the same way:

- :meth:`~TopicScene.step`: a caption on screen, a subtitle and a section.
- :meth:`~TopicScene.title`: the formula heading the frame, symbols in their
  roles' colours.
- :meth:`~TopicScene.content`: the :class:`Region` between the title (or the
  frame's top) and the caption band; :meth:`~TopicScene.fit_into` scales a
  group into a region and centres it there.
- :meth:`~TopicScene.reads_across` and :meth:`~TopicScene.side_by_side`: two
  things next to each other, or one above the other when that leaves them
  larger.
- :attr:`~TopicScene.first_head` and :meth:`~TopicScene.head_tag`: the head a
  one-head topic draws, and a head's "head 2" tag read from the trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

from manim import (
    DOWN,
    RIGHT,
    UP,
    Animation,
    Camera,
    FadeIn,
    FadeOut,
    ManimColor,
    Mobject,
    Scene,
    Text,
    VGroup,
    VMobject,
    config,
)
from manim.constants import RendererType
from manim.renderer.cairo_renderer import CairoRenderer
from manim.typing import PixelArray

from attention_math.trace import Trace

from . import palette
from .heads import ShownHead, first_head
from .widgets import (
    LABEL_FONT,
    MatrixView,
    NumberFactory,
    TracedText,
    fit_in_frame,
    formula,
    make_text,
    match_columns,
)

__all__ = ["CAPTION_SIZE", "Region", "TopicScene"]

CAPTION_SIZE = 24
#: Space kept above the frame's top content and around the caption band.
EDGE = 0.3
CAPTION_HEIGHT = 0.6
TAG_SIZE = 22

_M = TypeVar("_M", bound=Mobject)


@dataclass(frozen=True)
class Region:
    """A rectangle of the frame, in scene units, that content is fitted into."""

    left: float
    right: float
    bottom: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def centre(self) -> tuple[float, float, float]:
        """The middle of the region, as a point."""
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2, 0.0)

    def with_top(self, top: float) -> Region:
        """The same region with its top edge at ``top``."""
        return replace(self, top=top)


class TopicScene(Scene):
    """A scene that draws one topic of a lesson from its trace.

    Subclasses set ``topic`` (their name in :data:`scenes.TOPICS`, where their
    one-line summary is written) and implement ``construct``, calling
    :meth:`step` at each step of the story: it shows the caption on screen,
    writes it as a subtitle and starts a section of its own.
    """

    topic: ClassVar[str] = ""

    def __init__(self, trace: Trace, **kwargs: Any) -> None:
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
        super().__init__(**kwargs)
        if isinstance(self.camera, Camera):
            self.camera.background_color = ManimColor(palette.BACKGROUND)

    @property
    def summary(self) -> str:
        """The topic's one-line summary, as written in the registry (:data:`scenes.TOPICS`)."""
        from scenes import TOPICS  # the registry, which imports no scene

        return TOPICS[self.topic]

    # -- the story ---------------------------------------------------------------------

    def step(self, caption: str, *, read_time: float = 1.2) -> None:
        """Begin a step of the story: caption on screen, subtitle and section."""
        if any(ch.isdigit() for ch in caption):
            raise ValueError(f"caption {caption!r} contains a digit; numbers come from the trace")
        self.steps.append(caption)
        self.next_section(f"{len(self.steps):02d}-{_slug(caption)}")
        new = make_text(caption, font=LABEL_FONT, font_size=CAPTION_SIZE, colour=palette.TEXT)
        fit_in_frame(new, max_height=CAPTION_HEIGHT)
        new.to_edge(DOWN, buff=EDGE)
        animations: list[Animation] = [FadeIn(new, shift=UP * 0.1)]
        if self._caption is not None:
            animations.append(FadeOut(self._caption))
        self.add_subcaption(caption, duration=read_time)
        self.play(*animations, run_time=0.5)
        self._caption = new

    # -- the frame ---------------------------------------------------------------------

    @property
    def frame_width(self) -> float:
        """Width of the camera's frame (scene units)."""
        camera = self.camera
        return float(camera.frame_width if isinstance(camera, Camera) else config.frame_width)

    @property
    def frame_height(self) -> float:
        """Height of the camera's frame: the frame width over the pixels' aspect ratio."""
        camera = self.camera
        return float(camera.frame_height if isinstance(camera, Camera) else config.frame_height)

    @property
    def caption_top(self) -> float:
        """Y of the caption band's top edge: content stays above it."""
        return -self.frame_height / 2 + EDGE + CAPTION_HEIGHT

    @property
    def frame_top(self) -> float:
        """Y of the highest content: the frame's top less a margin."""
        return self.frame_height / 2 - EDGE

    def title(
        self, expression: str, colours: dict[str, str] | None = None, *, max_height: float | None = None
    ) -> VMobject:
        """The formula heading the frame (not yet shown), centred, its top a margin below the frame's.

        ``colours`` default to the roles of its groups (:func:`palette.roles`).
        It is shrunk to the frame's width less a margin, and to ``max_height``.
        """
        mob = formula(expression, palette.roles(expression) if colours is None else colours)
        fit_in_frame(mob, max_width=self.frame_width - 1.0, max_height=max_height)
        return mob.to_edge(UP, buff=EDGE)

    def content(
        self, *, below: Mobject | None = None, gap: float = 0.35, side: float = EDGE, caption_gap: float = 0.2
    ) -> Region:
        """The room for content: under ``below`` (``gap`` apart; else from :attr:`frame_top`),
        ``caption_gap`` above the caption band, ``side`` in from the frame's sides."""
        top = self.frame_top if below is None else float(below.get_bottom()[1]) - gap
        half = self.frame_width / 2 - side
        return Region(left=-half, right=half, bottom=self.caption_top + caption_gap, top=top)

    @staticmethod
    def fit_into(mob: _M, region: Region, *, max_growth: float = 1.0) -> _M:
        """Scale ``mob`` to fit ``region`` (growing by at most ``max_growth``) and centre it there."""
        fit_in_frame(mob, max_width=region.width, max_height=region.height, max_growth=max_growth)
        mob.move_to(region.centre)
        return mob

    @staticmethod
    def reads_across(
        first: Mobject,
        second: Mobject,
        region: Region,
        *,
        across_gap: float,
        down_gap: float,
        max_growth: float,
    ) -> bool:
        """Whether ``first`` and ``second`` side by side come out at least as large as one above the other.

        ``across_gap`` and ``down_gap`` are the room taken between them each way.
        Both are capped at ``max_growth``, so side by side wins a tie.
        """
        across = min(
            max_growth,
            region.width / (first.width + second.width + across_gap),
            region.height / max(first.height, second.height),
        )
        down = min(
            max_growth,
            region.width / max(first.width, second.width),
            region.height / (first.height + second.height + down_gap),
        )
        return across >= down

    def side_by_side(
        self, first: MatrixView, second: MatrixView, region: Region, *, max_growth: float = 1.3
    ) -> VGroup:
        """Two matrices next to each other (one above the other when that is larger), fitted into ``region``.

        Matrices of the same shape get the same column width, so they look it.
        """
        if first.shape == second.shape:
            match_columns(first, second)
        across = self.reads_across(first, second, region, across_gap=0.8, down_gap=0.5, max_growth=max_growth)
        pair = VGroup(first, second).arrange(RIGHT if across else DOWN, buff=0.6 if across else 0.4)
        return self.fit_into(pair, region, max_growth=max_growth)

    # -- heads -------------------------------------------------------------------------

    @property
    def first_head(self) -> ShownHead:
        """The head a one-head topic draws: the first, standing for all of a multi-head lesson."""
        return first_head(self.trace)

    def head_tag(self, index: int, *, font_size: float = TAG_SIZE) -> TracedText:
        """Head ``index``'s tag, "head 2", in its colour; the number is read from the trace."""
        return self.numbers.index_label(
            f"heads[{index}].number", "head {}", colour=palette.head_colour(index), font_size=font_size
        )


class _Renderer(CairoRenderer):
    """Manim's Cairo renderer, minus drawing frames that are never written.

    When a play is skipped (a preview writes only the last frame, a dry run
    none), Manim still draws the play's static backdrop and its frame, then drops
    them: ``add_frame`` writes nothing while skipping, and the last frame is
    drawn afresh (``static_image`` reset) when the scene ends. Not drawing them
    changes no written pixel; plays that are written are drawn as before.
    """

    def save_static_frame_data(self, scene: Scene, static_mobjects: Iterable[Mobject]) -> PixelArray | None:
        if self.skip_animations:
            self.static_image = None
            return None
        return super().save_static_frame_data(scene, static_mobjects)

    def render(self, scene: Scene, time: float, moving_mobjects: Iterable[Mobject] | None = None) -> None:
        if self.skip_animations:
            return
        super().render(scene, time, moving_mobjects)


def _slug(text: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in cleaned.split("-") if part)[:40]
