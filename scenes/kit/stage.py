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
  larger; :attr:`~TopicScene.upright` says the frame is taller than wide (9:16),
  where a scene stacks the panels it sets side by side in a wide frame.
- :attr:`~TopicScene.first_head` and :meth:`~TopicScene.head_tag`: the head a
  one-head topic draws, and a head's "head 2" tag read from the trace.
- ``theme=`` (``"dark"`` or ``"light"``): the look the scene is shown in; it is
  drawn with the palette's roles and shown in the theme's colours for them by
  :class:`ThemedCamera`, so no scene code depends on the theme.

Pace and framing are kept here, for every topic alike: a title card opens the
video (the topic, the lesson's name and description, its tokens) and an end
card closes it (the result, named); one caption is on screen at a time; each
step lasts at least as long as its caption takes to read
(:data:`WORDS_PER_SECOND`) and ends with the picture still for :data:`HOLD`
seconds after its last animation, long enough to read what it revealed.
:attr:`~TopicScene.timeline` records when each step starts, when its picture
stops moving and when it ends.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

import numpy as np
from manim import (
    DEFAULT_WAIT_TIME,
    DOWN,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    Camera,
    Create,
    FadeIn,
    FadeOut,
    ManimColor,
    Mobject,
    Scene,
    Succession,
    Text,
    VGroup,
    VMobject,
    config,
)
from manim.constants import RendererType
from manim.renderer.cairo_renderer import CairoRenderer
from manim.typing import FloatRGBA_Array, PixelArray
from manim.utils.exceptions import EndSceneEarlyException

from attention_math.trace import Trace

from . import palette
from .equations import EquationLog
from .heads import ShownHead, first_head
from .narration import AFTER_SPEECH, SENTENCE_GAP, Narrator, Part, Sentence, StepNarration, speech_seconds
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

__all__ = ["CAPTION_SIZE", "HOLD", "WORDS_PER_SECOND", "Region", "StepTiming", "ThemedCamera", "TopicScene"]

CAPTION_SIZE = 24
#: Space kept above the frame's top content and around the caption band.
EDGE = 0.3
CAPTION_HEIGHT = 0.6
TAG_SIZE = 22
#: Seconds the picture holds still after a step's last animation: every step
#: shows something new to read (a result, a number, a shape), so all get the
#: time the teaching standard asks of a step that reveals a result.
HOLD = 1.5
#: The fastest a caption may ask to be read: words per second of its step.
WORDS_PER_SECOND = 2.5
#: How long the title card holds still before the story starts (it stays under 3 s in all).
CARD_HOLD = 1.8
CARD_HEADING_SIZE = 48
CARD_TEXT_SIZE = 26
CAPTION_OUT = 0.25
CAPTION_IN = 0.35

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


@dataclass(frozen=True)
class StepTiming:
    """When one step ran, in seconds of the video: ``still_from`` is when its last animation ended."""

    caption: str
    start: float
    still_from: float
    end: float
    #: Seconds of the step in which the picture moves (its plays that are not still waits).
    moving: float = 0.0

    @property
    def words(self) -> int:
        return len(self.caption.split())

    @property
    def still(self) -> float:
        """How long the picture held still at the end of the step."""
        return self.end - self.still_from

    @property
    def words_per_second(self) -> float:
        return self.words / (self.end - self.start)


class TopicScene(Scene):
    """A scene that draws one topic of a lesson from its trace.

    Subclasses set ``topic`` (their name in :data:`scenes.TOPICS`, where their
    one-line summary is written) and implement ``construct``, calling
    :meth:`step` at each step of the story: it shows the caption on screen,
    writes it as a subtitle and starts a section of its own.
    """

    topic: ClassVar[str] = ""

    def __init__(self, trace: Trace | None = None, **kwargs: Any) -> None:
        if trace is None:  # plain `manim FILE Scene` gives no trace: the configured lesson's
            trace = self.configured_trace()
        theme = kwargs.pop("theme", palette.DEFAULT_THEME)
        #: The look the scene is shown in (``theme=`` ``"dark"``, ``"light"`` or a :class:`~.palette.Theme`).
        self.theme = theme if isinstance(theme, palette.Theme) else _theme(theme)
        self.trace = trace
        self.numbers = NumberFactory(trace)
        #: Every equation drawn (sums, products, quotients), for the honest-arithmetic check.
        self.equations = EquationLog()
        self.narrator = Narrator(self.numbers)
        #: What the voice says at each step (see scenes.kit.narration), timed when a voice is installed.
        self.narration: list[StepNarration] = []
        self._speech_until = 0.0
        self.steps: list[str] = []
        self.timeline: list[StepTiming] = []
        self._caption: Text | None = None
        self._card: Mobject | None = None
        self._open: tuple[str, float, float] | None = None  # caption, start, moving seconds before it
        part = kwargs.pop("part", None)
        #: The steps drawn into the video (first, last; 1-based, the title card's step is 1), or None: all.
        #: The steps before ``first`` are played skipped (to reach their end state); the scene ends
        #: after ``last`` has held still. See :meth:`step`.
        self.part: tuple[int, int] | None = _checked_part(part)
        self._ended_early = False
        self._still_from = 0.0
        self._waiting = False
        if config.renderer == RendererType.CAIRO and kwargs.get("renderer") is None:
            # What Scene.__init__ would make, as the subclass below.
            kwargs["renderer"] = _Renderer(
                camera_class=kwargs.get("camera_class", ThemedCamera),
                skip_animations=bool(kwargs.get("skip_animations", False)),
            )
        super().__init__(**kwargs)
        if isinstance(self.camera, ThemedCamera):
            self.camera.theme = self.theme
        elif self.theme is not palette.DARK:
            raise ValueError(
                f"the {self.theme.name} theme needs a ThemedCamera, not {type(self.camera).__name__}"
            )
        if isinstance(self.camera, Camera):
            self.camera.background_color = ManimColor(self.theme.background)

    @classmethod
    def configured_trace(cls) -> Trace:
        """The trace a scene made without one draws: the configured lesson, as this topic draws it.

        The lesson is named (a lesson file or a built-in example) by the
        environment variable ``ATTENTION_VIDEO_LESSON``, else by the key
        ``attention_video_lesson`` in the ``[CLI]`` section of the
        ``manim.cfg`` Manim read from the current folder, else it is the
        default example (:func:`attention_math.named.manim_lesson_name`). The
        masking topic draws its causal version (:func:`scenes.lesson_for`).

        Raises
        ------
        LessonError
            When the lesson cannot be read, or this topic cannot draw it legibly.
        """
        from manim._config import parser  # the manim.cfg files Manim read, custom keys kept

        from attention_math import LessonError, compute
        from attention_math.named import CONFIG_KEY, load_named, manim_lesson_name
        from scenes import drawable_problem, lesson_for, topic_problem

        lesson = load_named(manim_lesson_name(parser["CLI"].get(CONFIG_KEY)))
        problem = drawable_problem(lesson)
        if problem:
            raise LessonError(None, problem)
        trace = compute(lesson_for(cls.topic, lesson))
        problem = topic_problem(cls.topic, trace) if cls.topic else None
        if problem:
            raise LessonError(None, problem)
        return trace

    @property
    def summary(self) -> str:
        """The topic's one-line summary, as written in the registry (:data:`scenes.TOPICS`)."""
        from scenes import TOPICS  # the registry, which imports no scene

        return TOPICS[self.topic]

    # -- the story ---------------------------------------------------------------------

    def say(self, *parts: Part, **kwargs: Any) -> Sentence:
        """A sentence of narration (see :meth:`scenes.kit.narration.Narrator.say`)."""
        return self.narrator.say(*parts, **kwargs)

    def step(
        self, caption: str, *, say: Sentence | tuple[Sentence, ...] = (), read_time: float = 1.2
    ) -> None:
        """Begin a step of the story: caption on screen, subtitle, section and narration.

        The step before it first holds still and lasts its caption's reading time
        and its narration (see the module docstring). ``say`` is what the voice
        says during this step, starting with the step.
        """
        if any(ch.isdigit() for ch in caption):
            raise ValueError(f"caption {caption!r} contains a digit; numbers come from the trace")
        self._close_step()
        number = len(self.steps) + 1
        if self.part is not None and number > self.part[1]:
            # A part of the video ends with its last step's hold: the next part starts here.
            self._ended_early = True
            raise EndSceneEarlyException()
        self.steps.append(caption)
        skipped = self.part is not None and number < self.part[0]
        self.next_section(f"{number:02d}-{_slug(caption)}", skip_animations=skipped)
        start = self._now
        self._narrate(caption, (say,) if isinstance(say, Sentence) else tuple(say), start)
        new = make_text(caption, font=LABEL_FONT, font_size=CAPTION_SIZE, colour=palette.TEXT)
        fit_in_frame(new, max_height=CAPTION_HEIGHT)
        new.to_edge(DOWN, buff=EDGE)
        # The subtitle starts with the step's section, so captions and clips line up.
        self.add_subcaption(caption, duration=read_time)
        leaving = [mob for mob in (self._caption, self._card) if mob is not None]
        if leaving:
            # One caption at a time: the old one is gone before the new one appears.
            self.play(*(FadeOut(mob) for mob in leaving), run_time=CAPTION_OUT)
            self._card = None
        self.play(FadeIn(new, shift=UP * 0.1), run_time=CAPTION_IN)
        self._caption = new
        self._open = (caption, start, self._moving)

    def play(self, *args: Any, **kwargs: Any) -> None:
        """Manim's ``play``, noting when the picture last moved (waits do not move it).

        A group of no animations (a ``LaggedStart`` over the other tokens of a
        one-token lesson, say) is dropped, as Manim refuses to play one; a play
        left with nothing to animate holds the picture for its run time instead.
        """
        animations = [arg for arg in args if not _empty_group(arg)]
        if args and not animations:
            self.wait(kwargs.get("run_time", 1.0))
            return
        if self._skips_next_play():
            animations = [_at_its_end(animation) for animation in animations]
        super().play(*animations, **kwargs)
        if not self._waiting:
            self._still_from = self._now

    def wait(self, duration: float = DEFAULT_WAIT_TIME, *args: Any, **kwargs: Any) -> None:
        """Manim's ``wait``: the picture holds still, for whole frames, at least ``duration`` seconds.

        Manim holds a still picture for the whole frames in ``duration``,
        rounded down: a 1.5-second hold at 15 frames per second lasted 22
        frames, 1.47 s. Rounded up here, a hold lasts at least what was asked.
        """
        self._waiting = True
        try:
            super().wait(_whole_frames(duration, config.frame_rate), *args, **kwargs)
        finally:
            self._waiting = False

    def setup(self) -> None:
        """The title card: the topic, the lesson (name, description) and its tokens."""
        super().setup()
        from scenes import HEADINGS  # the registry, which imports no scene

        card = self._title_card()
        self.add(card)  # the very first frame shows it, not black
        self.step(HEADINGS[self.topic], say=self.say(HEADINGS[self.topic] + "."))
        self._card = card  # leaves with the next step's caption
        self._close_step(hold=CARD_HOLD)

    def tear_down(self) -> None:
        """The end card: the last step's result stays, named by the topic and the lesson."""
        from scenes import HEADINGS

        if self._ended_early:  # a part that ends before the end card: nothing more to draw
            super().tear_down()
            return
        self._close_step()
        self.step(f"{HEADINGS[self.topic]}: the result", say=self.say("And that is the result."))
        name = self.numbers.number("title", font_size=CAPTION_SIZE, colour=palette.MUTED)
        caption = self._caption
        assert caption is not None  # step() just showed it
        fit_in_frame(name, max_width=self.frame_width / 2 - caption.width / 2 - 2 * EDGE, max_height=0.4)
        name.next_to(caption, RIGHT, buff=0.4)
        if name.get_right()[0] > self.frame_width / 2 - EDGE:
            name.to_edge(RIGHT, buff=EDGE)
        self.play(FadeIn(name), run_time=CAPTION_IN)
        self._close_step()
        super().tear_down()

    def _skips_next_play(self) -> bool:
        """Whether Manim will skip the next play (a preview, a dry run, a step before a part)."""
        renderer = self.renderer
        if not isinstance(renderer, CairoRenderer):
            return False
        renderer.skip_animations = renderer._original_skipping_status
        renderer.update_skipping_status()  # as Manim's play does first (it may end a part here)
        return bool(renderer.skip_animations)

    @property
    def _now(self) -> float:
        return float(self.renderer.time)

    @property
    def _moving(self) -> float:
        """Seconds of video so far in which the picture moves (see :class:`_Renderer`)."""
        return float(getattr(self.renderer, "moving_time", 0.0))

    def _close_step(self, *, hold: float | None = None) -> None:
        """End the open step: wait until it has held still long enough and its caption could be read."""
        if self._open is None:
            return
        caption, start, moving = self._open
        hold = HOLD if hold is None else hold
        needed = max(
            self._still_from + hold - self._now,
            start + len(caption.split()) / WORDS_PER_SECOND - self._now,
            self._speech_until - self._now,
        )
        if needed > 1e-9:
            self.wait(needed)
        self.timeline.append(StepTiming(caption, start, self._still_from, self._now, self._moving - moving))
        self._open = None

    def _narrate(self, caption: str, sentences: tuple[Sentence, ...], start: float) -> None:
        """Record the step's sentences and, with a voice installed, when each is said."""
        narration = StepNarration(len(self.steps), caption, sentences)
        self.narration.append(narration)
        clock = start
        for sentence in sentences:
            seconds = speech_seconds(sentence.speech)
            if seconds is None:  # silent: nothing is timed
                return
            narration.starts.append(clock)
            narration.durations.append(seconds)
            clock += seconds + SENTENCE_GAP
        if sentences:
            self._speech_until = clock - SENTENCE_GAP + AFTER_SPEECH

    def _title_card(self) -> VGroup:
        from scenes import HEADINGS

        heading = make_text(
            HEADINGS[self.topic], font=LABEL_FONT, font_size=CARD_HEADING_SIZE, colour=palette.TEXT
        )
        # A heading wider than a narrow frame shrinks alone, not the card's lines with digits in them.
        fit_in_frame(heading, max_width=self.frame_width - 2 * EDGE)
        lesson = VGroup(
            make_text("lesson", font=LABEL_FONT, font_size=CARD_TEXT_SIZE, colour=palette.MUTED),
            self.numbers.number("title", font_size=CARD_TEXT_SIZE, colour=palette.TEXT),
        ).arrange(RIGHT, buff=0.25)
        lines: list[VMobject] = [heading, lesson]
        if self.trace.description:
            # Wrapped onto more lines rather than shrunk: its digits stay at the legible size.
            about = self.numbers.number(
                "description",
                font_size=CARD_TEXT_SIZE - 4,
                colour=palette.MUTED,
                max_width=self.frame_width - 2.0,
            )
            lines.append(about)
        tokens = VGroup(
            *(self.numbers.token(i, colour=palette.EMBEDDING) for i in range(len(self.trace.tokens)))
        ).arrange(RIGHT, buff=0.45)
        fit_in_frame(tokens, max_width=self.frame_width - 2.0)
        lines.append(tokens)
        card = VGroup(*lines).arrange(DOWN, buff=0.45)
        region = self.content()
        return self.fit_into(card, region)

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
    def upright(self) -> bool:
        """Whether the frame is taller than wide (9:16, a phone held upright).

        Panels a wide frame shows side by side go one above the other in an
        upright one, where the width, not the height, limits their size.
        """
        return self.frame_height > self.frame_width

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

    def corner_tag(self, tag: _M, title: Mobject | None = None, *, buff: float = 0.35) -> _M:
        """Put ``tag`` in the frame's top-right corner, clear of ``title``.

        In a wide frame the centred title leaves the corner free. Where it does
        not (a narrow frame), the title moves left, shrunk if need be (its top
        stays at the margin), so the two sit side by side on the top line.
        """
        tag.to_corner(UP + RIGHT, buff=buff)
        if title is None:
            return tag
        right = float(tag.get_left()[0]) - 0.25
        if float(title.get_right()[0]) <= right:
            return tag
        left = -self.frame_width / 2 + EDGE
        if title.width > right - left:
            title.scale((right - left) / title.width)
        title.to_edge(UP, buff=EDGE)
        title.set_x((left + right) / 2)
        return tag

    def head_tag(self, index: int, *, font_size: float = TAG_SIZE) -> TracedText:
        """Head ``index``'s tag, "head 2", in its colour; the number is read from the trace."""
        return self.numbers.index_label(
            f"heads[{index}].number", "head {}", colour=palette.head_colour(index), font_size=font_size
        )


class ThemedCamera(Camera):
    """Manim's Cairo camera, showing the scene in a :class:`~.palette.Theme`.

    Scenes are drawn with the palette's dark colours; this camera shows each
    through :meth:`~.palette.Theme.translate` as it paints (fills and strokes,
    gradients included), so every role takes the theme's colour for it, on
    screen, in the poster and in every frame. The dark theme paints as drawn.
    """

    theme: palette.Theme = palette.DARK

    def _shown(self, rgbas: FloatRGBA_Array) -> FloatRGBA_Array:
        if self.theme is palette.DARK or not len(rgbas):
            return rgbas
        shown = np.array(rgbas, dtype=float, copy=True)
        for row in shown:
            colour = "#" + "".join(f"{round(float(v) * 255):02x}" for v in np.clip(row[:3], 0.0, 1.0))
            translated = self.theme.translate(colour)
            row[:3] = [int(translated[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        return shown

    def get_fill_rgbas(self, vmobject: VMobject) -> FloatRGBA_Array:
        return self._shown(super().get_fill_rgbas(vmobject))

    def get_stroke_rgbas(self, vmobject: VMobject, background: bool = False) -> FloatRGBA_Array:
        return self._shown(super().get_stroke_rgbas(vmobject, background))


def _theme(name: object) -> palette.Theme:
    """The theme named ``name``; ValueError naming the choices otherwise."""
    if not isinstance(name, str) or name not in palette.THEMES:
        raise ValueError(f"unknown theme {name!r}; choose from {', '.join(palette.THEMES)}")
    return palette.THEMES[name]


class _Renderer(CairoRenderer):
    """Manim's Cairo renderer, minus drawing frames that are never written.

    When a play is skipped (a preview writes only the last frame, a dry run
    none), Manim still draws the play's static backdrop and its frame, then drops
    them: ``add_frame`` writes nothing while skipping, and the last frame is
    drawn afresh (``static_image`` reset) when the scene ends. Not drawing them
    changes no written pixel; plays that are written are drawn as before.
    """

    #: Seconds of video so far in which the picture moves: plays that are not still waits, drawn or skipped.
    moving_time = 0.0

    def save_static_frame_data(self, scene: Scene, static_mobjects: Iterable[Mobject]) -> PixelArray | None:
        if self.skip_animations:
            self.static_image = None
            return None
        return super().save_static_frame_data(scene, static_mobjects)

    def render(self, scene: Scene, time: float, moving_mobjects: Iterable[Mobject] | None = None) -> None:
        if self.skip_animations:
            return
        super().render(scene, time, moving_mobjects)

    def play(self, scene: Scene, *args: Any, **kwargs: Any) -> None:
        """Manim's ``play``; a skipped play moves the clock as far as the same play drawn would.

        Drawn, a play lasts whole frames: an animation one frame per
        ``1/fps`` step of its run time (the clock adding ``1/fps`` per
        frame), a still wait its whole frames at once. Skipped, Manim adds the
        run time itself. Counting as drawing does, a dry run, a preview and
        the skipped steps of a video rendered in parts (:mod:`production.parts`)
        keep the same clock as a whole render: every step, caption and
        sentence starts at the same time.
        """
        before = self.time
        super().play(scene, *args, **kwargs)
        still = scene.is_current_animation_frozen_frame()
        if not still:
            self.moving_time += scene.duration
        if not self.skip_animations:
            return
        dt = 1 / self.camera.frame_rate
        duration = scene.duration
        self.time = before
        if still:
            self.time += int(duration / dt) * dt
        else:
            for _ in np.arange(0, duration, dt):
                self.time += dt


class _AtItsEnd(Animation):
    """A skipped FadeIn, FadeOut or Create: what it leaves on screen, without playing it.

    Skipped, Manim still begins such an animation (copying its mobject, often
    a whole matrix: FadeIn and FadeOut make a faded copy, Create a starting
    copy) and ends it at alpha 1, where the mobject is exactly as it was:
    ``(1 - 1) * start + 1 * end`` is ``end``, a Create's partial curve from 0
    to 1 sets the whole curve, and a FadeOut puts its mobject back at alpha 0
    when it is removed. This stand-in keeps all the rest: the scene adds an
    introducer's mobject and removes a remover's, the run time and lag ratio
    stay, updating is resumed at the end. Previews, dry runs and the skipped
    steps of a video in parts build the last picture without the copies;
    ``tests/drawing/test_skipping.py`` checks the pictures are the same.
    """

    def __init__(self, original: Animation) -> None:
        super().__init__(
            original.mobject,
            run_time=original.run_time,
            rate_func=original.rate_func,
            lag_ratio=original.lag_ratio,
            remover=original.remover,
            introducer=original.introducer,
            suspend_mobject_updating=original.suspend_mobject_updating,
        )
        self.name = original.name
        self._on_finish = original._on_finish

    def begin(self) -> None:
        pass

    def interpolate(self, alpha: float) -> None:
        pass

    def finish(self) -> None:
        if self.suspend_mobject_updating and self.mobject is not None:
            self.mobject.resume_updating()


#: Animations whose end leaves their mobject exactly as it was (see :class:`_AtItsEnd`); not subclasses.
_ENDS_AS_IT_WAS = (FadeIn, FadeOut, Create)


def _at_its_end(animation: object) -> object:
    """``animation`` for a skipped play: a :class:`_AtItsEnd` where that is the same, else itself.

    Groups (``AnimationGroup``, ``LaggedStart``) keep their timing and get their
    animations replaced in place; a ``Succession`` (which adds as it goes) is kept whole.
    """
    if type(animation) in _ENDS_AS_IT_WAS:
        assert isinstance(animation, Animation)
        if animation.rate_func(1.0) == 1.0 and not animation.reverse_rate_function:
            return _AtItsEnd(animation)
        return animation
    if isinstance(animation, AnimationGroup) and not isinstance(animation, Succession):
        animation.animations = [_at_its_end(inner) for inner in animation.animations]  # type: ignore[misc]
        timed = animation.anims_with_timings["anim"]  # the same animations, with their start and end times
        for index, inner in enumerate(animation.animations):
            timed[index] = inner
    return animation


def _whole_frames(seconds: float, frame_rate: float) -> float:
    """``seconds`` rounded up to whole frames, as a duration Manim turns into exactly those frames.

    Manim holds a still picture for ``int(duration * frame_rate)`` frames; half
    a frame more than the frames wanted keeps that rounding from losing one.
    """
    if seconds <= 0:
        return seconds
    frames = math.ceil(seconds * frame_rate - 1e-6)
    return (frames + 0.5) / frame_rate


def _checked_part(part: object) -> tuple[int, int] | None:
    """``part`` as (first, last) step numbers, or None; ValueError when it is not two steps in order."""
    if part is None:
        return None
    if (
        not isinstance(part, tuple)
        or len(part) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in part)
        or not 1 <= part[0] <= part[1]
    ):
        raise ValueError(f"part must be (first step, last step) with 1 <= first <= last, not {part!r}")
    return part[0], part[1]


def _empty_group(animation: object) -> bool:
    """An animation group (``LaggedStart``, ``AnimationGroup``) with nothing in it, at any depth."""
    if not isinstance(animation, AnimationGroup):
        return False
    return all(_empty_group(inner) for inner in animation.animations)


def _slug(text: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in cleaned.split("-") if part)[:40]
