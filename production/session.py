"""One render session, the same for the command line and the Python API.

``render.py`` and :mod:`attention_video` take the same steps, through here:

1. :func:`plan_session` loads the lesson (a file, a built-in example or every
   example), makes one :class:`~production.request.RenderRequest` per topic
   and lesson with the given settings, and checks them all
   (:func:`production.batch.plan_renders`);
2. :func:`readiness_problems` says what this machine lacks to render them
   (Cairo, Pango, Typst, PyAV, the fonts, a glyph for every token, a voice
   that speaks), before anything is drawn;
3. :func:`production.batch.run_plan` renders them, here or in worker
   processes, each under its topic's lock and skipped when its last render
   is current (:mod:`production.cache`);
4. :func:`written_files` lists the files each outcome left.

Each caller only says things its own way: the command line prints lines and
exit statuses, the API returns paths and raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from attention_math import LessonError
from attention_math.named import is_example_name
from scenes import drawn_words

from .batch import Plan, load_lessons, plan_renders
from .request import Outcome, RenderRequest
from .settings import (
    DEFAULT_ASPECT,
    DEFAULT_FORMAT,
    DEFAULT_GIF_FPS,
    DEFAULT_GIF_WIDTH,
    DEFAULT_QUALITY,
    DEFAULT_THEME,
)

__all__ = ["lesson_choice", "plan_session", "readiness_problems", "written_files"]


def lesson_choice(lesson: str | Path | None) -> tuple[str | None, str | None]:
    """``(lesson file, example)`` for a lesson named one way: a file, a built-in example, or None.

    A name that is a built-in example, with no file of that name here, is the
    example (as ``render.py check`` reads it); anything else is a lesson file.
    None is the default example.
    """
    if lesson is None:
        return None, None
    if isinstance(lesson, str) and is_example_name(lesson):
        return None, lesson
    return str(lesson), None


def plan_session(
    lesson_path: str | Path | None,
    example: str | None,
    topics: Sequence[str],
    *,
    media_dir: Path,
    quality: str = DEFAULT_QUALITY,
    output_format: str = DEFAULT_FORMAT,
    preview: bool = False,
    force: bool = False,
    narration: bool = True,
    voice: Path | None = None,
    batch: bool = True,
    theme: str = DEFAULT_THEME,
    aspect: str = DEFAULT_ASPECT,
    gif_width: int = DEFAULT_GIF_WIDTH,
    gif_fps: int = DEFAULT_GIF_FPS,
) -> Plan:
    """Load the lessons, make a request per topic and lesson, and check them all.

    Parameters
    ----------
    lesson_path, example
        A lesson file, or a built-in example's name (``"all"``: every one);
        neither: the default example.
    topics
        Topic names, in the order to render them.
    media_dir
        Files go to ``media_dir/<example or lesson file stem>/``.
    batch
        A batch's requests carry whole paths (its workers run in any folder)
        and a topic that cannot be drawn is one failed outcome; otherwise the
        one request keeps ``media_dir`` as given (its files print as given)
        and a topic that cannot be drawn raises.
    theme, aspect, gif_width, gif_fps
        The look, the frame's shape and a GIF's width and frame rate
        (:class:`production.request.RenderRequest`).

    Raises
    ------
    LessonError
        When a lesson cannot be read, the frame cannot show it, or its claims
        name nothing in its trace (and, not in a batch, when the topic cannot
        be drawn from it): one line.
    """
    lessons = load_lessons(str(lesson_path) if lesson_path else None, example)
    requests = [
        RenderRequest(
            topic=topic,
            example=name,
            media_dir=media_dir.resolve() if batch else media_dir,
            lesson_file=Path(lesson_path).resolve() if lesson_path else None,
            quality=quality,
            output_format=output_format,
            preview=preview,
            force=force,
            narration=narration,
            voice=voice.resolve() if voice else None,
            theme=theme,
            aspect=aspect,
            gif_width=gif_width,
            gif_fps=gif_fps,
        )
        for name in lessons
        for topic in topics
    ]
    plan = plan_renders(requests, lessons)
    if not batch and plan.problems:
        raise LessonError(None, plan.problems[requests[0]])
    return plan


def readiness_problems(plan: Plan) -> list[str]:
    """What this machine lacks to render ``plan``, one line each; empty when it can render.

    First the system pieces (Cairo, Pango, the ``typst`` wheel, PyAV, the
    fonts the scenes name); when they are there, a token's character that no
    installed font draws; then, if a request speaks, whether its voice loads
    and speaks (loaded once per process: the render reuses it). Each line
    says what to install or which voice failed.
    """
    from .preflight import missing_glyphs, missing_pieces

    problems = missing_pieces()
    if problems:
        return problems
    glyphs = missing_glyphs(word for lesson in plan.lessons.values() for _, word in drawn_words(lesson))
    if glyphs:
        return [glyphs]
    spoken = [request for request in plan.requests if request.narrated]
    if spoken:
        from .batch import loaded_voice
        from .voice import VoiceError

        model = spoken[0].voice
        try:
            loaded_voice(model).speak("Ready.")
        except VoiceError as error:
            return [f"--voice: {error}" if model else f"narration: {error}"]
    return []


def written_files(outcome: Outcome) -> list[Path]:
    """The files ``outcome``'s render wrote (or, if skipped, kept): video, poster, manifest, captions, clips.

    An outcome rendered in this process carries them; one rendered by a worker
    is read from its cache record. A preview rendered by a worker, which keeps
    no record, gives its poster only. A failed outcome gives none.
    """
    if not outcome.succeeded:
        return []
    if outcome.result is not None:
        return outcome.result.files
    if outcome.request.cacheable:
        from .cache import read_record

        record = read_record(outcome.request)
        if record is not None:
            return record.result.files
    return [outcome.output] if outcome.output is not None else []
