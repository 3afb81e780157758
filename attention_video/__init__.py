"""attention-video as a Python library: render topics of a lesson, preview one, show one in Jupyter.

The same session as the command line (:mod:`production.session`): the same
defaults (medium quality, MP4, narrated), the same checks before anything is
drawn, the same cache (an unchanged topic is skipped), the same lock (two
renders of one topic take turns) and the same files, in
``out/<lesson>/<topic>.*``.

>>> import attention_video
>>> paths = attention_video.render("my-lesson.toml", topics=["scores", "softmax"])  # doctest: +SKIP
>>> attention_video.preview(topic="softmax")  # doctest: +SKIP
PosixPath('media/default/softmax.png')

A lesson is a lesson file (``.toml`` or ``.json``), the name of a built-in
example (:data:`EXAMPLES`), ``"all"`` for every built-in example, or None for
the default example. The masking topic always draws the lesson's causal
version. Errors in a lesson raise :class:`attention_math.LessonError` (one
line, naming the key); a machine that cannot render, or topics that failed,
raise :class:`RenderError`.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attention_math import DEFAULT_EXAMPLE, EXAMPLES, LessonError
from production.batch import job_limit, run_plan
from production.progress import Progress
from production.request import Outcome
from production.session import lesson_choice, plan_session, readiness_problems, written_files
from production.settings import (
    DEFAULT_ASPECT,
    DEFAULT_FORMAT,
    DEFAULT_GIF_FPS,
    DEFAULT_GIF_WIDTH,
    DEFAULT_QUALITY,
    DEFAULT_THEME,
    FORMATS,
    QUALITIES,
)
from scenes import DEFAULT_TOPIC, TOPICS

if TYPE_CHECKING:
    from IPython.display import Image, Video

__all__ = [
    "DEFAULT_EXAMPLE",
    "DEFAULT_FORMAT",
    "DEFAULT_QUALITY",
    "DEFAULT_TOPIC",
    "EXAMPLES",
    "FORMATS",
    "QUALITIES",
    "TOPICS",
    "LessonError",
    "RenderError",
    "__version__",
    "preview",
    "render",
    "show",
]

try:
    __version__ = metadata.version("attention-video")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "unknown"

Lesson = str | os.PathLike[str] | None


class RenderError(RuntimeError):
    """The machine cannot render (a missing piece, glyph or voice), or some topics failed.

    ``outcomes`` holds how each topic went (empty when nothing started);
    ``paths`` the files the topics that succeeded wrote.
    """

    def __init__(self, message: str, outcomes: Sequence[Outcome] = (), paths: Sequence[Path] = ()) -> None:
        super().__init__(message)
        self.outcomes = list(outcomes)
        self.paths = list(paths)


def _topics(topics: str | Iterable[str]) -> list[str]:
    """Topic names in pipeline order, once each; ``"all"`` is every topic. ValueError for an unknown one."""
    names = [topics] if isinstance(topics, str) else list(topics)
    if names == ["all"]:
        return list(TOPICS)
    unknown = [name for name in names if name not in TOPICS]
    if unknown or not names:
        raise ValueError(
            f"unknown topic {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"valid topics: {', '.join(TOPICS)}"
        )
    return [name for name in TOPICS if name in names]


def _source(lesson: Lesson) -> tuple[str | None, str | None]:
    if isinstance(lesson, str) and lesson == "all" and not Path(lesson).exists():
        return None, "all"
    return lesson_choice(os.fspath(lesson) if lesson is not None else None)


def render(
    lesson: Lesson = None,
    topics: str | Iterable[str] = DEFAULT_TOPIC,
    *,
    out: str | os.PathLike[str] = "media",
    quality: str = DEFAULT_QUALITY,
    format: str = DEFAULT_FORMAT,  # named as the command line's --format
    narration: bool = True,
    force: bool = False,
    voice: str | os.PathLike[str] | None = None,
    theme: str = DEFAULT_THEME,
    aspect: str = DEFAULT_ASPECT,
    gif_width: int = DEFAULT_GIF_WIDTH,
    gif_fps: int = DEFAULT_GIF_FPS,
    jobs: int | None = None,
    verbose: bool = False,
) -> list[Path]:
    """Render topics of a lesson, as ``attention-video --topics ...`` does; the paths written.

    Parameters
    ----------
    lesson
        A lesson file, a built-in example's name, ``"all"`` (every built-in
        example) or None (the default example).
    topics
        A topic name, a list of them, or ``"all"``; rendered in pipeline order.
    out
        The media folder: each lesson's files go to ``out/<lesson>/``.
    quality, format
        As ``--quality`` (``low``, ``medium``, ``high``, ``4k``) and
        ``--format`` (``mp4``, ``webm``, ``gif``, ``png``).
    narration
        Speak each step (MP4 and WebM); False gives a silent video with the
        step captions.
    force
        Render even a topic whose last render is current.
    voice
        Another Piper voice (its ``.onnx`` model); None is the bundled one.
    theme, aspect, gif_width, gif_fps
        As ``--theme`` (``dark``, ``light``), ``--aspect`` (``16:9``,
        ``4:3``, ``9:16``), ``--gif-width`` and ``--gif-fps``.
    jobs
        Topics rendered at once, each in a process of its own (at most one per
        core, fewer if memory is short); 1 renders them one after the other
        in this process. Default: one topic here, several as many as the
        machine allows.
    verbose
        Print a line as each topic starts and ends (to standard error).

    Returns
    -------
    list of Path
        Every file written (or kept, for a topic skipped as current): each
        topic's video, poster, numbers manifest, captions, transcript and
        per-step clips, topic by topic.

    Raises
    ------
    LessonError
        When the lesson cannot be read or drawn (one line naming the key).
    RenderError
        When the machine lacks something to render (nothing is drawn), or
        when some topics failed (the others' files are written and listed in
        its ``paths``).
    ValueError
        For an unknown topic, quality or format.
    """
    names = _topics(topics)
    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; choose from {', '.join(QUALITIES)}")
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs is at least 1, not {jobs}")
    return _run(
        lesson,
        names,
        out=Path(out),
        quality=quality,
        output_format=format,
        preview=False,
        narration=narration,
        force=force,
        voice=Path(voice) if voice is not None else None,
        looks=dict(theme=theme, aspect=aspect, gif_width=gif_width, gif_fps=gif_fps),
        jobs=jobs,
        verbose=verbose,
    )


def preview(
    lesson: Lesson = None,
    topic: str = DEFAULT_TOPIC,
    *,
    out: str | os.PathLike[str] = "media",
    quality: str = DEFAULT_QUALITY,
    theme: str = DEFAULT_THEME,
    aspect: str = DEFAULT_ASPECT,
) -> Path:
    """The last frame of a topic (its result) as a PNG, quickly, as ``--preview`` renders it.

    Parameters are as :func:`render`'s; rendered in this process.

    Returns
    -------
    Path
        The PNG image.
    """
    return _last_frame(lesson, topic, out=Path(out), quality=quality, theme=theme, aspect=aspect)


def _last_frame(lesson: Lesson, topic: str, *, out: Path, quality: str, theme: str, aspect: str) -> Path:
    [name] = _topics([topic])
    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; choose from {', '.join(QUALITIES)}")
    paths = _run(
        lesson,
        [name],
        out=out,
        quality=quality,
        output_format=DEFAULT_FORMAT,
        preview=True,
        narration=False,
        force=False,
        voice=None,
        looks=dict(theme=theme, aspect=aspect),
        jobs=1,
        verbose=False,
    )
    return next(path for path in paths if path.suffix == ".png")


def show(
    topic: str = DEFAULT_TOPIC,
    lesson: Lesson = None,
    preview: bool = False,
    *,
    out: str | os.PathLike[str] = "media",
    quality: str = DEFAULT_QUALITY,
    narration: bool = True,
    force: bool = False,
    theme: str = DEFAULT_THEME,
    aspect: str = DEFAULT_ASPECT,
) -> Video | Image:
    """A topic shown inline in Jupyter: its video, or with ``preview`` its last frame; rendered here.

    Manim's progress bars and log lines stay quiet. The video (MP4) or image
    is embedded in the notebook, so it is saved with it. Needs IPython (any
    Jupyter kernel has it).

    Returns
    -------
    IPython.display.Video or IPython.display.Image
        Shown when it is the value of a cell (or passed to ``display``).
    """
    from IPython.display import Image, Video

    if preview:
        shown = _last_frame(lesson, topic, out=Path(out), quality=quality, theme=theme, aspect=aspect)
        return Image(filename=str(shown))  # type: ignore[no-untyped-call]  # IPython has no hints here
    [name] = _topics([topic])
    paths = render(
        lesson,
        [name],
        out=out,
        quality=quality,
        format="mp4",
        narration=narration,
        force=force,
        theme=theme,
        aspect=aspect,
        jobs=1,
    )
    video = next(path for path in paths if path.name == f"{name}.mp4")
    return Video(str(video), embed=True, html_attributes="controls")  # type: ignore[no-untyped-call]


def _run(
    lesson: Lesson,
    topics: list[str],
    *,
    out: Path,
    quality: str,
    output_format: str,
    preview: bool,
    narration: bool,
    force: bool,
    voice: Path | None,
    looks: Mapping[str, Any],
    jobs: int | None,
    verbose: bool,
) -> list[Path]:
    """The session, as the command line runs it: plan, check the machine, render, collect the files."""
    lesson_path, example = _source(lesson)
    plan = plan_session(
        lesson_path,
        example,
        topics,
        media_dir=out,
        quality=quality,
        output_format=output_format,
        preview=preview,
        force=force,
        narration=narration,
        voice=voice,
        batch=True,
        **looks,
    )
    problems = readiness_problems(plan)
    if problems:
        raise RenderError("; ".join(problems))
    runnable = plan.runnable
    limit, _ = job_limit(quality)
    workers = min(jobs or limit, limit)
    if jobs == 1 or len(runnable) <= 1:
        outcomes = run_plan(plan, in_process=True)
    else:
        stream = sys.stderr if verbose else io.StringIO()
        width = max(len(request.label) for request in runnable)
        progress = Progress(len(runnable), stream=stream, live=False, width=width)
        outcomes = run_plan(plan, workers=workers, progress=progress, label=lambda request: request.label)
    paths = [path for outcome in outcomes for path in written_files(outcome)]
    failed = [outcome for outcome in outcomes if not outcome.succeeded]
    if failed:
        reasons = "; ".join(f"{o.request.label}: {o.message or o.status}" for o in failed)
        raise RenderError(f"{len(failed)} of {len(outcomes)} topics failed: {reasons}", outcomes, paths)
    return paths
