"""The render cache: is a topic's last render still what a new one would make?

The key (:func:`render_key`) covers what shapes the output and nothing else:

* the lesson's arrays and settings as the topic draws them (its claims are left
  out: the checker reads them, the scenes do not);
* the code that draws and computes and post-processes (:func:`code_version`:
  every ``scenes/**.py`` and ``attention_math/**.py``, and of ``production/``
  only :data:`OUTPUT_MODULES`: the runner and the output post-processing).
  Editing the page, the progress lines, the scheduler, the request, the quality
  descriptions or the command line renders nothing again;
* the render settings (the quality with Manim's name and the frame it gives,
  the format) and the versions of the libraries that draw and encode
  (:data:`LIBRARIES`).

A :class:`RenderRecord` of the last render, in
``MEDIA/.cache/<example>/<topic>.<format>.json``, is the render's manifest of
files: written last (atomically, flushed to disk) once every file is in place,
it holds the key and each output file's size and SHA-256, and it is the only
thing a reader trusts. A render interrupted while its files were moved into
place (a new manifest beside an old video) writes no record, and its files no
longer match the old one: the next run renders the topic again. Content, not
modification times, is compared: a file that another render rewrote with the
same bytes (the poster, captions and transcript an MP4 and a WebM of one
lesson share) still matches, so alternating formats renders nothing again,
and a file changed by anything else (a hand edit, a copy over it) is noticed.
A render holds the topic's lock (``flock`` on ``<topic>.lock`` beside the
record, :func:`topic_lock`) from the cache check to the record, so two renders
of one topic never interleave their files and the second finds the first's record.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from attention_math.lesson import Lesson
from scenes import lesson_for

from .files import write_text_atomically
from .request import RenderRequest
from .runner import RenderResult
from .settings import QUALITIES, look_folder

__all__ = [
    "CACHE_DIR",
    "LIBRARIES",
    "OUTPUT_MODULES",
    "RECORD_SCHEMA",
    "RenderRecord",
    "cached_result",
    "code_version",
    "last_render_seconds",
    "lesson_inputs",
    "lock_is_free",
    "read_record",
    "record_path",
    "remove_work_folders",
    "render_key",
    "topic_lock",
    "write_record",
]

CACHE_DIR = ".cache"
RECORD_SCHEMA = 2
#: Packages whose every ``.py`` file shapes what a video shows.
CODE_PACKAGES = ("scenes", "attention_math")
#: The modules of ``production/`` that shape the files a render writes.
OUTPUT_MODULES = ("production/runner.py", "production/output.py")
#: Libraries whose version is part of the key: they draw, typeset or encode.
LIBRARIES = ("manim", "av", "manimpango", "typst", "numpy", "pycairo")
_PROJECT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------- the key


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 of the sources that decide what a render writes (see the module's docstring)."""
    paths = [path for package in CODE_PACKAGES for path in sorted((_PROJECT / package).rglob("*.py"))]
    paths += [_PROJECT / name for name in OUTPUT_MODULES if (_PROJECT / name).is_file()]
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path.relative_to(_PROJECT).as_posix()}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _plain(value: object) -> object:
    """``value`` as JSON data, exactly: floats keep every digit (``repr``)."""
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "shape": list(value.shape), "data": value.ravel().tolist()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def lesson_inputs(topic: str, lesson: Lesson) -> dict[str, object]:
    """What the trace of ``topic`` is computed from: the lesson's arrays and settings, not its claims."""
    drawn = lesson_for(topic, lesson)
    inputs = {f.name: _plain(getattr(drawn, f.name)) for f in dataclasses.fields(drawn) if f.name != "claims"}
    if drawn.source:
        # The file, not the way its path was typed: "lesson.toml" and "/home/me/lesson.toml" are one lesson.
        inputs["source"] = str(Path(drawn.source).resolve())
    return inputs


@cache
def _library_versions() -> dict[str, str]:
    versions = {}
    for package in LIBRARIES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def render_key(request: RenderRequest, lesson: Lesson) -> str:
    """The cache key of ``request`` drawn from ``lesson``: inputs, code, settings, libraries."""
    quality = QUALITIES[request.quality]
    payload = {
        "schema": RECORD_SCHEMA,
        "topic": request.topic,
        "example": request.example,
        "lesson": lesson_inputs(request.topic, lesson),
        "code": code_version(),
        "settings": {
            "quality": request.quality,
            "manim_quality": quality.manim_key,
            "frame": [quality.width, quality.height, quality.fps],
            "format": request.output_format,
            "narration": _voice_identity(request) if request.narrated else None,
            **request.look,
        },
        "libraries": _library_versions(),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _voice_identity(request: RenderRequest) -> str:
    """The voice a narrated render speaks with: the model's name, size and modification time."""
    from .voice import VoiceError, default_voice_path

    try:
        model = request.voice or default_voice_path()
        stat = model.stat()
    except (OSError, VoiceError):
        return str(request.voice)
    return f"{model.name}:{stat.st_size}:{stat.st_mtime_ns}"


# ------------------------------------------------------------------------ records


@dataclass(frozen=True, kw_only=True)
class RenderRecord:
    """The last render of a topic: its key, its files and how long it took.

    ``files`` maps each file (relative to the output folder, the clips of the
    sections folder one by one) to its size and SHA-256 (hex).
    """

    key: str
    topic: str
    example: str
    quality: str
    output_format: str
    code_version: str
    render_seconds: float
    result: RenderResult
    files: dict[str, tuple[int, str]]

    @classmethod
    def of(cls, request: RenderRequest, key: str, result: RenderResult, seconds: float) -> RenderRecord:
        """The record of ``result``, just rendered for ``request`` with key ``key``."""
        files = {}
        for path in result.files:
            files[path.relative_to(request.out_dir).as_posix()] = _stamp(path)
        return cls(
            key=key,
            topic=request.topic,
            example=request.example,
            quality=request.quality,
            output_format=request.output_format,
            code_version=code_version(),
            render_seconds=round(seconds, 3),
            result=result,
            files=files,
        )

    def to_json(self, out_dir: Path) -> str:
        """The record as JSON, paths relative to ``out_dir``."""

        def relative(path: Path | None) -> str | None:
            return None if path is None else path.relative_to(out_dir).as_posix()

        result = self.result
        data = {
            "schema": RECORD_SCHEMA,
            "key": self.key,
            "topic": self.topic,
            "example": self.example,
            "quality": self.quality,
            "format": self.output_format,
            "code_version": self.code_version,
            "render_seconds": self.render_seconds,
            "result": {
                "video": relative(result.video),
                "poster": relative(result.poster),
                "manifest": relative(result.manifest),
                "subtitles": relative(result.subtitles),
                "captions": relative(result.captions),
                "sections": relative(result.sections),
                "transcript": relative(result.transcript),
                "duration": result.duration,
            },
            "files": {name: list(stamp) for name, stamp in self.files.items()},
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, out_dir: Path) -> RenderRecord:
        """The record :meth:`to_json` wrote; ValueError (or KeyError, TypeError) if it is not one."""
        data = json.loads(text)
        if data["schema"] != RECORD_SCHEMA:
            raise ValueError(f"record schema {data['schema']!r}, not {RECORD_SCHEMA}")
        saved = data["result"]

        def path(name: str) -> Path | None:
            value = saved.get(name)
            return None if value is None else out_dir / _text(value)

        poster, manifest = path("poster"), path("manifest")
        if poster is None or manifest is None:
            raise ValueError("a record names its poster and manifest")
        files = {}
        for name, stamp in data["files"].items():
            size, digest = stamp
            files[_text(name)] = (_whole(size), _text(digest))
        return cls(
            key=_text(data["key"]),
            topic=_text(data["topic"]),
            example=_text(data["example"]),
            quality=_text(data["quality"]),
            output_format=_text(data["format"]),
            code_version=_text(data["code_version"]),
            render_seconds=_number(data["render_seconds"]),
            result=RenderResult(
                topic=_text(data["topic"]),
                video=path("video"),
                poster=poster,
                manifest=manifest,
                duration=_number(saved["duration"]),
                subtitles=path("subtitles"),
                captions=path("captions"),
                sections=path("sections"),
                transcript=path("transcript"),
            ),
            files=files,
        )


def _stamp(path: Path) -> tuple[int, str]:
    """A file's size and SHA-256: what its record pins."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        return size, hashlib.file_digest(file, "sha256").hexdigest()


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _whole(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _number(value: object) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _cache_dir(request: RenderRequest) -> Path:
    folder = request.media_dir / CACHE_DIR / request.example
    look = look_folder(request.theme, request.aspect)
    return folder / look if look else folder


def record_path(request: RenderRequest) -> Path:
    """Where the record of ``request``'s last render is kept."""
    return _cache_dir(request) / f"{request.topic}.{request.output_format}.json"


def write_record(request: RenderRequest, record: RenderRecord) -> Path:
    """Write ``record`` as ``request``'s last render, atomically: readers see the old or the new one."""
    return write_text_atomically(record_path(request), record.to_json(request.out_dir), durable=True)


def read_record(request: RenderRequest) -> RenderRecord | None:
    """The record of ``request``'s last render, or None if there is none or it cannot be read."""
    try:
        text = record_path(request).read_text(encoding="utf-8")
        return RenderRecord.from_json(text, request.out_dir)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def last_render_seconds(request: RenderRequest) -> float:
    """How long the topic's last render took; infinite if unknown."""
    record = read_record(request)
    return record.render_seconds if record is not None else float("inf")


def cached_result(request: RenderRequest, key: str) -> RenderResult | None:
    """The files of ``request``'s last render if its key is ``key`` and every file is untouched."""
    record = read_record(request)
    if record is None or record.key != key:
        return None
    for name, stamp in record.files.items():
        try:
            path = request.out_dir / name
            if path.stat().st_size != stamp[0] or _stamp(path) != stamp:  # a new size needs no hash
                return None
        except OSError:
            return None
    # A file added to the sections folder since is not in the record: recount.
    found = sorted(path.relative_to(request.out_dir).as_posix() for path in record.result.files)
    if found != sorted(record.files):
        return None
    return record.result


# ----------------------------------------------------------------------- the lock


@contextmanager
def topic_lock(request: RenderRequest, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``request``'s topic (per output folder) while the block runs.

    ``on_wait`` is called once if another render holds it, before waiting for it.
    """
    import fcntl

    path = _cache_dir(request) / f"{request.topic}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(file, fcntl.LOCK_EX)
        _HELD.append(file.fileno())
        try:
            yield
        finally:
            _HELD.remove(file.fileno())
            fcntl.flock(file, fcntl.LOCK_UN)


#: The open files of the topic locks this process holds (see :func:`held_lock_files`).
_HELD: list[int] = []


def held_lock_files() -> tuple[int, ...]:
    """The file descriptors of the topic locks held now, for the processes a render starts to inherit.

    A process rendering part of a video (:mod:`production.parts`) keeps its
    render's lock while it lives: if the render is killed outright, the next
    render of the topic waits for the part's process to stop before it clears
    the work folder that process may still be writing in.
    """
    return tuple(_HELD)


def lock_is_free(request: RenderRequest) -> bool:
    """Whether no render holds ``request``'s topic lock just now."""
    import fcntl

    path = _cache_dir(request) / f"{request.topic}.lock"
    if not path.exists():
        return True
    with open(path, "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(file, fcntl.LOCK_UN)
        return True


def remove_work_folders(request: RenderRequest) -> None:
    """Remove the topic's work folders and the old folders a publish swapped out.

    Only with the topic's lock held, or seen free: they are a killed render's.
    """
    out_dir = request.out_dir
    for pattern in (f".{request.topic}-*", f".{request.topic}.*.old-*"):
        for folder in out_dir.glob(pattern):
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
