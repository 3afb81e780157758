"""What passes between the command line, the scheduler and the workers, typed.

A :class:`RenderRequest` is one topic of one lesson at some render settings,
built by keyword and checked when built. A worker process receives it as JSON
(:meth:`RenderRequest.to_json`, read back with :meth:`RenderRequest.from_json`,
which refuses anything malformed) and answers with a :class:`WorkerReply`. The
scheduler turns each request into an :class:`Outcome`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from attention_math import Lesson, load_example, load_lesson
from scenes import TOPICS

from .runner import RenderResult
from .settings import (
    ASPECTS,
    DEFAULT_ASPECT,
    DEFAULT_FORMAT,
    DEFAULT_GIF_FPS,
    DEFAULT_GIF_WIDTH,
    DEFAULT_QUALITY,
    DEFAULT_THEME,
    FORMATS,
    QUALITIES,
    THEMES,
    output_folder,
)

__all__ = ["Outcome", "RenderRequest", "Status", "WorkerReply"]

#: How a request went: rendered, skipped (its last render is current), failed, or stopped by Ctrl-C.
Status = Literal["ok", "skipped", "failed", "interrupted"]
#: What a worker may reply, by its JSON text.
_REPLY_STATUSES: dict[str, Status] = {"ok": "ok", "skipped": "skipped", "failed": "failed"}
_T = TypeVar("_T")


@dataclass(frozen=True, kw_only=True)
class RenderRequest:
    """Render ``topic`` of a lesson into ``media_dir/example``.

    ``example`` names the output folder: the built-in example's name, or the
    lesson file's stem. ``lesson_file`` is the lesson file (an absolute path,
    so a worker in any folder finds it); None means the built-in example
    ``example``. A ``preview`` (or the ``png`` format) renders the last frame
    only; ``force`` renders even when the last render is current.
    ``narration`` speaks each step (MP4 and WebM only) with the Piper voice
    ``voice`` (its ``.onnx`` file; None: the bundled default voice).
    ``theme`` is the look (``dark`` or ``light``), ``aspect`` the frame's
    shape (``16:9``, ``4:3``, ``9:16``); a GIF is ``gif_width`` pixels wide
    (height to scale) at ``gif_fps`` frames per second.
    """

    topic: str
    example: str
    media_dir: Path
    lesson_file: Path | None = None
    quality: str = DEFAULT_QUALITY
    output_format: str = DEFAULT_FORMAT
    preview: bool = False
    force: bool = False
    narration: bool = True
    voice: Path | None = None
    theme: str = DEFAULT_THEME
    aspect: str = DEFAULT_ASPECT
    gif_width: int = DEFAULT_GIF_WIDTH
    gif_fps: int = DEFAULT_GIF_FPS

    def __post_init__(self) -> None:
        if self.topic not in TOPICS:
            raise ValueError(f"unknown topic {self.topic!r}; valid topics: {', '.join(TOPICS)}")
        if self.quality not in QUALITIES:
            raise ValueError(f"unknown quality {self.quality!r}; choose from {', '.join(QUALITIES)}")
        if self.output_format not in FORMATS:
            raise ValueError(f"unknown format {self.output_format!r}; choose from {', '.join(FORMATS)}")
        if self.theme not in THEMES:
            raise ValueError(f"unknown theme {self.theme!r}; choose from {', '.join(THEMES)}")
        if self.aspect not in ASPECTS:
            raise ValueError(f"unknown aspect {self.aspect!r}; choose from {', '.join(ASPECTS)}")
        gif = (("gif_width", self.gif_width, 16, 7680), ("gif_fps", self.gif_fps, 1, 60))
        for name, value, low, high in gif:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
        if (
            not self.example
            or self.example.startswith(".")
            or any(separator in self.example for separator in ("/", "\\", "\0"))
        ):
            raise ValueError(f"an output name is one plain folder name, not {self.example!r}")
        media = Path(self.media_dir).resolve()
        if not (media / self.example).resolve().is_relative_to(media):
            raise ValueError(f"output {self.example!r} would be outside the media folder {media}")

    @property
    def out_dir(self) -> Path:
        """Where the topic's files go: a still (preview, PNG) in its own folder, beside no video's files."""
        return output_folder(
            self.media_dir, self.example, still=not self.cacheable, theme=self.theme, aspect=self.aspect
        )

    @property
    def narrated(self) -> bool:
        """Whether the render speaks: narration on, and a video format that carries sound (MP4, WebM)."""
        return self.narration and not self.preview and self.output_format in ("mp4", "webm")

    @property
    def look(self) -> dict[str, object]:
        """The settings of the picture beyond the quality, for the cache key: theme, shape, GIF size."""
        gif = [self.gif_width, self.gif_fps] if self.output_format == "gif" else None
        return {"theme": self.theme, "aspect": self.aspect, "gif": gif}

    @property
    def cacheable(self) -> bool:
        """Previews are not cached: they are the fast path already."""
        return not self.preview and self.output_format != "png"

    @property
    def label(self) -> str:
        """``example/topic``: the request as the batch's messages name it."""
        return f"{self.example}/{self.topic}"

    def load_lesson(self) -> Lesson:
        """The lesson this request names: its lesson file, or the built-in example.

        Raises :class:`attention_math.LessonError` when the file cannot be read.
        """
        return load_lesson(self.lesson_file) if self.lesson_file else load_example(self.example)

    def to_json(self) -> str:
        """This request as one line of JSON, for a worker's command line."""
        return json.dumps(
            {
                "topic": self.topic,
                "example": self.example,
                "media_dir": str(self.media_dir),
                "lesson_file": None if self.lesson_file is None else str(self.lesson_file),
                "quality": self.quality,
                "output_format": self.output_format,
                "preview": self.preview,
                "force": self.force,
                "narration": self.narration,
                "voice": None if self.voice is None else str(self.voice),
                "theme": self.theme,
                "aspect": self.aspect,
                "gif_width": self.gif_width,
                "gif_fps": self.gif_fps,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> RenderRequest:
        """The request :meth:`to_json` wrote; ValueError naming the problem if ``text`` is not one."""
        data = _object(text, "render request")
        lesson_file = data.get("lesson_file")
        return cls(
            topic=_field(data, "topic", str),
            example=_field(data, "example", str),
            media_dir=Path(_field(data, "media_dir", str)),
            lesson_file=None if lesson_file is None else Path(_field(data, "lesson_file", str)),
            quality=_field(data, "quality", str),
            output_format=_field(data, "output_format", str),
            preview=_field(data, "preview", bool),
            force=_field(data, "force", bool),
            narration=_field(data, "narration", bool),
            voice=None if data.get("voice") is None else Path(_field(data, "voice", str)),
            theme=_field(data, "theme", str),
            aspect=_field(data, "aspect", str),
            gif_width=_field(data, "gif_width", int),
            gif_fps=_field(data, "gif_fps", int),
        )


@dataclass(frozen=True, kw_only=True)
class WorkerReply:
    """What a worker process reports: ``status`` ok, skipped or failed; the main file or why not."""

    status: Status
    output: Path | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if self.status not in _REPLY_STATUSES:
            raise ValueError(f"a worker replies ok, skipped or failed, not {self.status!r}")

    def to_json(self) -> str:
        output = None if self.output is None else str(self.output)
        return json.dumps({"status": self.status, "output": output, "message": self.message})

    @classmethod
    def from_json(cls, text: str) -> WorkerReply:
        """The reply :meth:`to_json` wrote (``output`` and ``message`` may be left out)."""
        data = _object(text, "worker reply")
        named = _field(data, "status", str)
        status = _REPLY_STATUSES.get(named)
        if status is None:
            raise ValueError(f"worker reply: unknown status {named!r}")
        output = data.get("output")
        return cls(
            status=status,
            output=Path(_field(data, "output", str)) if output else None,
            message=_field(data, "message", str) if "message" in data else "",
        )


@dataclass(frozen=True)
class Outcome:
    """How a request went, and for how long; ``result`` when it ran in this process."""

    request: RenderRequest
    status: Status
    seconds: float
    output: Path | None = None
    message: str = ""
    log: str = ""
    result: RenderResult | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in ("ok", "skipped")


def _object(text: str, what: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{what}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _field(data: dict[str, object], name: str, kind: type[_T]) -> _T:
    value = data.get(name)
    if not isinstance(value, kind):
        raise ValueError(f"{name}: expected {kind.__name__}, got {value!r}")
    return value
