"""Render one topic of a trace through Manim's Python API.

Output for topic T of example E goes to ``<media>/<E>/``: ``T.<format>`` (the
video), ``T.png`` (poster: the scene's last frame) and ``T.numbers.json``
(every number the scene draws, by trace path). Files are written in a private
work folder and moved into place only when complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from attention_math.trace import Trace

from . import topic_class

__all__ = ["QUALITIES", "FORMATS", "RenderResult", "render_topic", "build_scene", "manim_config"]

QUALITIES = {
    "low": "low_quality",
    "medium": "medium_quality",
    "high": "high_quality",
    "4k": "fourk_quality",
}
FORMATS = ("mp4", "webm", "gif", "png")


@dataclass(frozen=True)
class RenderResult:
    """Where a render put its files (``video`` is None for a preview)."""

    topic: str
    video: Path | None
    poster: Path
    manifest: Path
    duration: float


def manim_config(media_dir: Path, *, quality: str, output_format: str, progress: bool) -> dict[str, object]:
    """The Manim settings every render uses, for ``tempconfig``."""
    return {
        "media_dir": str(media_dir),
        "quality": QUALITIES[quality],
        "format": output_format,
        "disable_caching": True,
        "notify_outdated_version": False,
        "verbosity": "WARNING",
        "progress_bar": "display" if progress else "none",
        "output_file": "scene",
        "write_subcaption_file": True,
    }


def build_scene(topic: str, trace: Trace) -> object:
    """Construct the topic's scene (call inside ``tempconfig``)."""
    return topic_class(topic)(trace)


def render_topic(
    topic: str,
    trace: Trace,
    *,
    example: str,
    media_dir: Path,
    quality: str = "low",
    output_format: str = "mp4",
    preview: bool = False,
    progress: bool = False,
    on_start: Callable[[], None] | None = None,
) -> RenderResult:
    """Render ``topic`` of ``trace`` and move its files into ``media_dir/example``.

    ``preview`` renders only the last frame (the poster), skipping animation.
    """
    from manim import tempconfig  # imported here: the CLI's --help and --list stay fast

    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; choose from {', '.join(QUALITIES)}")
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    out_dir = Path(media_dir) / example
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{topic}-", dir=out_dir))
    try:
        fmt = "png" if preview else output_format
        with tempconfig(manim_config(work, quality=quality, output_format=fmt, progress=progress)):
            scene = build_scene(topic, trace)
            if on_start:
                on_start()
            scene.render()  # type: ignore[attr-defined]
            poster_image = scene.renderer.camera.get_image()  # type: ignore[attr-defined]
            writer = scene.renderer.file_writer  # type: ignore[attr-defined]
            video_src = None if preview else Path(writer.movie_file_path)
            duration = float(scene.renderer.time)  # type: ignore[attr-defined]

        poster_tmp = work / "poster.png"
        poster_image.save(poster_tmp)
        manifest_tmp = work / "numbers.json"
        manifest_tmp.write_text(_manifest_json(topic, example, trace, scene), encoding="utf-8")

        poster = out_dir / f"{topic}.png"
        manifest = out_dir / f"{topic}.numbers.json"
        video = None
        if video_src is not None:
            video = out_dir / f"{topic}.{output_format}"
            os.replace(video_src, video)
            srt = video_src.with_suffix(".srt")
            if srt.exists():
                os.replace(srt, out_dir / f"{topic}.srt")
        os.replace(poster_tmp, poster)
        os.replace(manifest_tmp, manifest)
        return RenderResult(topic=topic, video=video, poster=poster, manifest=manifest, duration=duration)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _manifest_json(topic: str, example: str, trace: Trace, scene: object) -> str:
    numbers = scene.numbers  # type: ignore[attr-defined]
    payload = {
        "topic": topic,
        "example": example,
        "lesson_source": trace.lesson.source,
        "decimals": numbers.decimals,
        "steps": list(scene.steps),  # type: ignore[attr-defined]
        "numbers": {
            entry.path: {"value": entry.value, "text": entry.text} for entry in numbers.registry
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
