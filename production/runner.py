"""Render one topic of a trace through Manim's Python API.

Output for topic T of example E goes to ``<media>/<E>/``:

* ``T.<format>``: the video. MP4 (H.264, yuv420p) and WebM (VP9) with their
  index first, so a browser starts playing before the download ends; GIF with
  its own palette, looping forever (see :mod:`production.output`).
* ``T.png``: poster, the scene's last frame (the topic's result).
* ``T.numbers.json``: every number the scene draws, by trace path, and its steps.
* ``T.srt`` and ``T.vtt``: the step captions, each lasting its step.
* ``T.sections/``: one clip per step and ``index.json`` (paths relative to it).

Files are written in a private work folder and moved into place only when
all of them are complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from attention_math.trace import Trace
from scenes import topic_class

from . import output

__all__ = ["FORMATS", "QUALITIES", "RenderResult", "build_scene", "manim_config", "render_topic"]

QUALITIES = {
    "low": "low_quality",
    "medium": "medium_quality",
    "high": "high_quality",
    "4k": "fourk_quality",
}
FORMATS = ("mp4", "webm", "gif", "png")


@dataclass(frozen=True)
class RenderResult:
    """Where a render put its files (a preview has only ``poster`` and ``manifest``)."""

    topic: str
    video: Path | None
    poster: Path
    manifest: Path
    duration: float
    subtitles: Path | None = None  # .srt
    captions: Path | None = None  # .vtt
    sections: Path | None = None  # folder of per-step clips with index.json

    @property
    def files(self) -> list[Path]:
        """Every file the render wrote (the clips of ``sections`` one by one)."""
        paths = [p for p in (self.video, self.poster, self.manifest, self.subtitles, self.captions) if p]
        if self.sections is not None and self.sections.is_dir():
            paths += sorted(p for p in self.sections.rglob("*") if p.is_file())
        return paths


def manim_config(
    media_dir: Path, *, quality: str, output_format: str, progress: bool, sections: bool = False
) -> dict[str, object]:
    """The Manim settings every render uses, for ``tempconfig``.

    ``sections`` also writes one clip per section (each step starts one).
    """
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
        "save_sections": sections,
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

    ``preview`` (or ``output_format="png"``) renders only the last frame (the
    poster) and the manifest, skipping animation.
    """
    from manim import tempconfig  # imported here: the CLI's --help and --list stay fast

    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; choose from {', '.join(QUALITIES)}")
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    preview = preview or output_format == "png"
    out_dir = Path(media_dir) / example
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{topic}-", dir=out_dir))
    try:
        # GIF: Manim's own uses a fixed palette; we render MP4 and convert it.
        manim_format = "png" if preview else ("mp4" if output_format == "gif" else output_format)
        settings = manim_config(
            work, quality=quality, output_format=manim_format, progress=progress, sections=not preview
        )
        with tempconfig(settings):
            from manim import config

            frame_rate = config.frame_rate
            scene = build_scene(topic, trace)
            if on_start:
                on_start()
            scene.render()  # type: ignore[attr-defined]
            poster_image = scene.renderer.camera.get_image()  # type: ignore[attr-defined]
            writer = scene.renderer.file_writer  # type: ignore[attr-defined]
            video_src = None if preview else Path(writer.movie_file_path)
            sections_src = None if preview else writer.output_plan.section_index
            duration = float(scene.renderer.time)  # type: ignore[attr-defined]

        done = work / "done"  # finished files, named as they will be published
        done.mkdir()
        poster_image.save(done / f"{topic}.png")
        manifest = _manifest_json(topic, example, trace, scene)
        (done / f"{topic}.numbers.json").write_text(manifest, encoding="utf-8")
        if video_src is not None:
            _finish_video(topic, video_src, done, output_format, frame_rate)
            srt = video_src.with_suffix(".srt")
            if srt.exists():
                cues = output.step_cues(srt.read_text(encoding="utf-8"), duration, frame_rate)
                output.write_srt(cues, done / f"{topic}.srt")
                output.write_vtt(cues, done / f"{topic}.vtt")
            if sections_src is not None and sections_src.exists():
                steps = list(scene.steps)  # type: ignore[attr-defined]
                output.collect_sections(sections_src, done / f"{topic}.sections", steps, frame_rate)

        # The video last: a new video is never seen beside its previous captions or clips.
        video_name = f"{topic}.{output_format}"
        finished = sorted(done.iterdir(), key=lambda path: (path.name == video_name, path.name))
        published = {path.name: _publish(path, out_dir / path.name) for path in finished}
        return RenderResult(
            topic=topic,
            video=published.get(video_name),
            poster=published[f"{topic}.png"],
            manifest=published[f"{topic}.numbers.json"],
            duration=duration,
            subtitles=published.get(f"{topic}.srt"),
            captions=published.get(f"{topic}.vtt"),
            sections=published.get(f"{topic}.sections"),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _finish_video(topic: str, rendered: Path, done: Path, output_format: str, frame_rate: float) -> None:
    """The web-ready video of ``rendered`` (Manim's file) in ``done``."""
    target = done / f"{topic}.{output_format}"
    if output_format == "gif":
        output.palette_gif(rendered, target, frame_rate)
    elif output_format in ("mp4", "webm"):
        output.web_video(rendered, target, frame_rate)
    else:
        os.replace(rendered, target)


def _publish(source: Path, target: Path) -> Path:
    """Move a finished file or folder to ``target``, replacing what is there."""
    if source.is_dir() and target.is_dir():
        # A folder cannot be replaced in one step: swap the old one out first.
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(source, target)
    return target


def _manifest_json(topic: str, example: str, trace: Trace, scene: object) -> str:
    numbers = scene.numbers  # type: ignore[attr-defined]
    payload = {
        "topic": topic,
        "example": example,
        "lesson_source": trace.lesson.source,
        "decimals": numbers.decimals,
        "steps": list(scene.steps),  # type: ignore[attr-defined]
        "numbers": {entry.path: {"value": entry.value, "text": entry.text} for entry in numbers.registry},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
