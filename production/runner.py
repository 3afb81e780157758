"""Render one topic of a trace through Manim's Python API.

Output for topic T of example E goes to ``<media>/<E>/``:

* ``T.<format>``: the video. MP4 (H.264, yuv420p) and WebM (VP9) with their
  index first, so a browser starts playing before the download ends; GIF with
  its own palette, looping forever (see :mod:`production.output`).
* ``T.png``: poster, the scene's last frame (the topic's result).
* ``T.numbers.json``: every number the scene draws, by trace path, and its steps.
* ``T.srt`` and ``T.vtt``: the step captions, each lasting its step.
* ``T.sections/`` (``T.webm.sections/`` for a WebM): one clip per step and
  ``index.json`` (paths relative to it).

Files are written in a private work folder and moved into place
(:func:`production.files.publish`) only when all of them are complete. The
quality name becomes Manim's setting here, through
:data:`production.settings.QUALITIES`. Built text and formula shapes are kept
between renders in :mod:`production.shape_store`.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attention_math.trace import Trace
from scenes import HEADINGS, topic_class
from scenes.kit.narration import use_voice

from . import narration, output
from .encoding import install_still_frame_encoding
from .files import publish
from .parts import render_in_parts
from .settings import (
    DEFAULT_ASPECT,
    DEFAULT_FORMAT,
    DEFAULT_GIF_FPS,
    DEFAULT_GIF_WIDTH,
    DEFAULT_QUALITY,
    DEFAULT_THEME,
    FORMATS,
    QUALITIES,
    frame_settings,
    output_folder,
)
from .shape_store import install_shape_store

if TYPE_CHECKING:
    from scenes.kit.stage import TopicScene

    from .voice import Voice

__all__ = ["RenderResult", "build_scene", "manim_config", "render_topic"]

#: Paths Manim's movie joining handles: no quote, backslash or line break.
_PLAIN_PATH = re.compile(r"[^'\"\\\n\r]*")


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
    transcript: Path | None = None  # .transcript.md, when narrated

    @property
    def files(self) -> list[Path]:
        """Every file the render wrote (the clips of ``sections`` one by one)."""
        paths = [
            p
            for p in (self.video, self.poster, self.manifest, self.subtitles, self.captions, self.transcript)
            if p
        ]
        if self.sections is not None and self.sections.is_dir():
            paths += sorted(p for p in self.sections.rglob("*") if p.is_file())
        return paths


def manim_config(
    media_dir: Path,
    *,
    quality: str,
    output_format: str,
    progress: bool,
    sections: bool = False,
    aspect: str = DEFAULT_ASPECT,
) -> dict[str, object]:
    """The Manim settings every render uses, for ``tempconfig``.

    ``quality`` names a row of :data:`production.settings.QUALITIES`; Manim
    gets its ``manim_key``, then the frame of the shape ``aspect``
    (:func:`production.settings.frame_settings`). ``sections`` also writes
    one clip per section (each step starts one).
    """
    return {
        "media_dir": str(media_dir),
        "quality": QUALITIES[quality].manim_key,
        "format": output_format,
        "disable_caching": True,
        "notify_outdated_version": False,
        "verbosity": "WARNING",
        "progress_bar": "display" if progress else "none",
        "output_file": "scene",
        "write_subcaption_file": True,
        "save_sections": sections,
        **frame_settings(quality, aspect),
    }


def build_scene(topic: str, trace: Trace, *, theme: str = DEFAULT_THEME) -> TopicScene:
    """Construct the topic's scene, shown in ``theme`` (call inside ``tempconfig``)."""
    scene: TopicScene = topic_class(topic)(trace, theme=theme)
    return scene


def render_topic(
    topic: str,
    trace: Trace,
    *,
    example: str,
    media_dir: Path,
    quality: str = DEFAULT_QUALITY,
    output_format: str = DEFAULT_FORMAT,
    preview: bool = False,
    progress: bool = False,
    on_start: Callable[[], None] | None = None,
    voice: Voice | None = None,
    theme: str = DEFAULT_THEME,
    aspect: str = DEFAULT_ASPECT,
    gif_width: int = DEFAULT_GIF_WIDTH,
    gif_fps: int = DEFAULT_GIF_FPS,
    parts: int = 1,
) -> RenderResult:
    """Render ``topic`` of ``trace`` and move its files into ``media_dir/example`` (stills: ``preview/``).

    ``preview`` (or ``output_format="png"``) renders only the last frame (the
    poster) and the manifest, skipping animation. With ``voice``, an MP4 or
    WebM is narrated: each step lasts as long as its narration, the video and
    its clips carry the speech, and the captions and ``T.transcript.md`` are
    the narration itself (GIF and PNG have no sound: ``voice`` is ignored).
    ``theme`` is the look (``dark``, ``light``) and ``aspect`` the frame's
    shape (:data:`production.settings.ASPECTS`); a GIF is ``gif_width`` pixels
    wide at ``gif_fps`` frames per second. With ``parts`` above 1, a video's
    steps are rendered by up to that many processes at once and joined
    (:mod:`production.parts`): the same files, sooner.
    """
    # Imported here: the CLI's --help and --list stay fast.
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; choose from {', '.join(QUALITIES)}")
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}; choose from {', '.join(FORMATS)}")
    preview = preview or output_format == "png"
    if preview or output_format not in ("mp4", "webm"):
        voice = None
    out_dir = output_folder(Path(media_dir), example, still=preview, theme=theme, aspect=aspect)
    out_dir.mkdir(parents=True, exist_ok=True)
    alias: Path | None = None
    # Ctrl-C or SIGTERM between making the work folder and the `try` below would leave it
    # behind: they wait until the folder is named, then arrive inside the `try`.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    work = Path(tempfile.mkdtemp(prefix=f".{topic}-", dir=out_dir))
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        # Manim joins its partial movies through an FFmpeg list file that an apostrophe
        # in the path breaks: Manim then works through a plain-named link to the folder.
        manim_dir = work
        if not _PLAIN_PATH.fullmatch(str(work)):
            alias = Path(tempfile.mkdtemp(prefix="attention-video-link-")) / "work"
            alias.symlink_to(work, target_is_directory=True)
            manim_dir = alias
        # GIF: Manim's own uses a fixed palette; we render MP4 and convert it.
        manim_format = "png" if preview else ("mp4" if output_format == "gif" else output_format)
        settings = manim_config(
            manim_dir,
            quality=quality,
            output_format=manim_format,
            progress=progress,
            sections=not preview,
            aspect=aspect,
        )
        joined = None
        video_src: Path | None
        sections_src: Path | None
        srt_src: Path | None
        if parts > 1 and not preview:
            install_shape_store()
            joined = render_in_parts(
                topic,
                trace,
                folder=manim_dir / "parts",
                settings=settings,
                theme=theme,
                parts=parts,
                voice_seconds=voice.seconds if voice is not None else None,
                on_start=on_start,
                # The sound is made while the other parts finish.
                meanwhile=(lambda story, seconds: narration.track(story.narration, voice, seconds))
                if voice is not None
                else None,
            )
        sound: np.ndarray | None = None
        if joined is not None:
            if isinstance(joined.meanwhile, np.ndarray):
                sound = joined.meanwhile
            scene, poster_image, duration = joined.scene, joined.poster, joined.duration
            frame_rate = joined.frame_rate
            video_src, sections_src, srt_src = joined.movie, joined.sections_index, joined.subtitles
        else:
            with tempconfig(settings):
                from manim import config

                frame_rate = config.frame_rate
                install_shape_store()
                install_still_frame_encoding()
                previous_voice = use_voice(voice.seconds if voice is not None else None)
                try:
                    scene = build_scene(topic, trace, theme=theme)
                    if on_start:
                        on_start()
                    scene.render()
                finally:
                    use_voice(previous_voice)
                renderer = scene.renderer
                if not isinstance(renderer, CairoRenderer):  # the poster is read from Cairo's camera
                    raise TypeError(f"{topic}: rendered with {type(renderer).__name__}, not Cairo")
                poster_image = renderer.camera.get_image()
                writer = renderer.file_writer
                video_src = None if preview else Path(writer.movie_file_path)
                sections_src = None if preview else writer.output_plan.section_index
                srt_src = None if video_src is None else video_src.with_suffix(".srt")
                duration = float(renderer.time)

        done = work / "done"  # finished files, named as they will be published
        done.mkdir()
        poster_image.save(done / f"{topic}.png")
        manifest = _manifest_json(topic, example, trace, scene)
        (done / f"{topic}.numbers.json").write_text(manifest, encoding="utf-8")
        if video_src is not None:
            if sound is None and voice is not None:
                sound = narration.track(scene.narration, voice, duration)
            _finish_video(topic, video_src, done, output_format, frame_rate, sound, gif=(gif_width, gif_fps))
            if voice is not None:
                sound = _keep_peaks_down(
                    topic, scene, voice, sound, duration, video_src, done, output_format, frame_rate
                )
            if voice is not None:
                cues = narration.cues(scene.narration)
                output.write_srt(cues, done / f"{topic}.srt")
                output.write_vtt(cues, done / f"{topic}.vtt")
                heading = f"{HEADINGS[topic]}"
                (done / f"{topic}.transcript.md").write_text(
                    narration.transcript(heading, trace.title, scene.narration), encoding="utf-8"
                )
            elif srt_src is not None and srt_src.exists():
                cues = output.step_cues(srt_src.read_text(encoding="utf-8"), duration, frame_rate)
                output.write_srt(cues, done / f"{topic}.srt")
                output.write_vtt(cues, done / f"{topic}.vtt")
            if sections_src is not None and sections_src.exists():
                steps = list(scene.steps)
                output.collect_sections(
                    sections_src, done / output.sections_name(topic, output_format), steps, frame_rate, sound
                )

        # The video last: a new video is never seen beside its previous captions or clips.
        video_name = f"{topic}.{output_format}"
        finished = sorted(done.iterdir(), key=lambda path: (path.name == video_name, path.name))
        published = {path.name: publish(path, out_dir / path.name) for path in finished}
        if video_src is not None and voice is None:
            # A silent render: the transcript of an earlier narrated one no longer describes the video.
            (out_dir / f"{topic}.transcript.md").unlink(missing_ok=True)
        return RenderResult(
            topic=topic,
            video=published.get(video_name),
            poster=published[f"{topic}.png"],
            manifest=published[f"{topic}.numbers.json"],
            duration=duration,
            subtitles=published.get(f"{topic}.srt"),
            captions=published.get(f"{topic}.vtt"),
            sections=published.get(output.sections_name(topic, output_format)),
            transcript=published.get(f"{topic}.transcript.md"),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if alias is not None:
            shutil.rmtree(alias.parent, ignore_errors=True)  # the link only, not what it points to


def _finish_video(
    topic: str,
    rendered: Path,
    done: Path,
    output_format: str,
    frame_rate: float,
    sound: np.ndarray | None,
    *,
    gif: tuple[int, int] = (DEFAULT_GIF_WIDTH, DEFAULT_GIF_FPS),
) -> None:
    """The web-ready video of ``rendered`` (Manim's file) in ``done``, with ``sound`` beside it if any.

    A GIF is ``gif`` (width in pixels, frames per second).
    """
    target = done / f"{topic}.{output_format}"
    if output_format == "gif":
        width, fps = gif
        output.palette_gif(rendered, target, frame_rate, width=width, fps=fps)
    else:
        output.web_video(rendered, target, frame_rate, sound)  # MP4 or WebM


def _keep_peaks_down(
    topic: str,
    scene: TopicScene,
    voice: Voice,
    sound: np.ndarray | None,
    duration: float,
    rendered: Path,
    done: Path,
    output_format: str,
    frame_rate: float,
) -> np.ndarray | None:
    """Encode the sound again, its peaks limited lower, while the encoder pushes them past the ceiling.

    The codec adds to a track's peaks (by up to 2 dB on speech): each attempt
    lowers the limiter by what the last one went over, keeping the loudness.
    Returns the track the video now carries.
    """
    from . import audio

    ceiling = audio.PEAK_DBTP - 0.5
    for _ in range(4):
        over = audio.encoded_peak_db(done / f"{topic}.{output_format}") - (audio.PEAK_DBTP - 0.1)
        if over <= 0:
            break
        ceiling -= over + 0.3
        sound = narration.track(scene.narration, voice, duration, ceiling=ceiling)
        _finish_video(topic, rendered, done, output_format, frame_rate, sound)
    return sound


def _manifest_json(topic: str, example: str, trace: Trace, scene: TopicScene) -> str:
    numbers = scene.numbers
    payload = {
        "topic": topic,
        "example": example,
        "lesson_source": trace.lesson.source,
        "decimals": numbers.decimals,
        "steps": list(scene.steps),
        # When each step starts, stops moving (its last animation ends) and ends, in seconds.
        "timeline": [
            {
                "caption": timing.caption,
                "start": round(timing.start, 6),
                "still_from": round(timing.still_from, 6),
                "end": round(timing.end, 6),
            }
            for timing in scene.timeline
        ],
        "numbers": {
            entry.path: {"value": entry.value, "text": entry.text}
            | ({"percent": entry.percent} if entry.percent is not None else {})
            for entry in numbers.registry
        },
        # What the voice says at each step, the numbers it speaks and the facts it states.
        "narration": narration.manifest_entries(scene.narration),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
