"""Post-processing of a rendered topic into lesson-ready files, with PyAV only.

What Manim 0.22 writes, and what this module changes:

* MP4 (H.264, yuv420p): the ``moov`` index comes after the media data, so a
  browser must download the whole file before it can start. :func:`web_video`
  remuxes it (stream copy) with ``movflags=+faststart`` and snaps timestamps
  to the frame grid (Manim's segment concatenation leaves sub-millisecond
  gaps, so the average frame rate reads 4807680/320497 instead of 15).
* WebM (VP9, yuv420p): the ``Cues`` seek index comes last; the same remux puts
  it before the clusters, so a browser can seek without fetching the end.
* GIF: Manim encodes it with the fixed 3-3-2 ``rgb8`` palette, which dithers
  the flat background into a purple grain. :func:`palette_gif` re-encodes from
  the MP4 with a palette computed from the video (``palettegen``/``paletteuse``)
  and loops forever (``NETSCAPE2.0`` loop count 0).
* Captions: Manim's subtitle for a step lasts ``read_time``; the caption on
  screen stays until the next step. :func:`step_cues` makes each cue last its
  whole step, and :func:`write_srt` / :func:`write_vtt` write the same cues.
* Sections (``save_sections``): :func:`collect_sections` renames the per-step
  clips after their steps, makes them web-ready and writes an ``index.json``
  whose paths are relative to it.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import av.filter
    from av.packet import Packet

__all__ = [
    "Cue",
    "collect_sections",
    "mp4_boxes",
    "palette_gif",
    "sections_name",
    "step_cues",
    "vtt_text",
    "web_video",
    "webm_segment_elements",
    "write_srt",
    "write_vtt",
]


# --------------------------------------------------------------------------- video


def web_video(
    source: Path, target: Path, frame_rate: float | Fraction | None = None, track: np.ndarray | None = None
) -> None:
    """Copy the MP4 or WebM ``source`` to ``target`` with its index first.

    A stream copy: no frame is re-encoded. The format follows ``target``'s
    suffix. ``frame_rate`` (the rate the video was rendered at; guessed from
    the stream when None) sets the grid the timestamps are snapped to.
    ``track`` (mono samples at :data:`production.audio.RATE`) is encoded beside
    the video: AAC in MP4, Opus in WebM.
    """
    import av

    from .audio import add_audio_stream, encode_track

    fmt = target.suffix.lstrip(".")
    if fmt == "mp4":
        options = {"movflags": "+faststart"}
    elif fmt == "webm":
        options = {"cues_to_front": "1"}
    else:
        raise ValueError(f"web_video: {target.name}: only .mp4 and .webm are remuxed")
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        packets = [packet for packet in container.demux(stream) if packet.dts is not None]
        _snap_to_frame_grid(
            packets, stream.time_base, _rate(frame_rate or stream.average_rate or stream.guessed_rate)
        )
        with av.open(str(target), "w", format=fmt, options=options) as output:
            output.metadata.update(container.metadata)
            out_stream = output.add_stream_from_template(stream)
            out_audio = add_audio_stream(output, fmt) if track is not None else None
            for packet in packets:
                packet.stream = out_stream
                output.mux(packet)
            if out_audio is not None and track is not None:
                encode_track(output, out_audio, track)


def _rate(value: float | Fraction | None) -> Fraction | None:
    """A frame rate as an exact fraction (30000/1001 stays exact)."""
    return Fraction(value).limit_denominator(1001) if value else None


def _snap_to_frame_grid(
    packets: Sequence[Packet[Any]], time_base: Fraction | None, rate: Fraction | None
) -> None:
    """Round each packet's pts and dts to whole frames, when that is exact and safe.

    Only when a frame is a whole number of time-base ticks, and only if the
    rounded timestamps keep their order (dts strictly rising, dts <= pts, pts
    unique); otherwise the packets keep the timestamps they have.
    """
    if not packets or time_base is None or not rate:
        return
    frame = 1 / (rate * Fraction(time_base))
    if frame.denominator != 1 or frame <= 0:
        return
    ticks = int(frame)
    stamps = [(p.pts, p.dts) for p in packets]
    snapped = [
        (round(pts / ticks) * ticks, round(dts / ticks) * ticks)
        for pts, dts in stamps
        if pts is not None and dts is not None
    ]
    if len(snapped) != len(stamps):  # a packet without a timestamp
        return
    dts = [d for _, d in snapped]
    pts = [p for p, _ in snapped]
    if any(b <= a for a, b in pairwise(dts)) or len(set(pts)) != len(pts):
        return
    if any(p < d for p, d in snapped):
        return
    for packet, (p, d) in zip(packets, snapped, strict=True):
        packet.pts, packet.dts, packet.duration = p, d, ticks


def palette_gif(
    source: Path,
    target: Path,
    frame_rate: float | Fraction | None = None,
    *,
    width: int | None = None,
    fps: int | None = None,
) -> None:
    """Encode the video ``source`` as a GIF that loops forever, with its own palette.

    One 256-colour palette from the whole video (the background and each
    colour of the palette module get an exact entry), ordered dithering for
    fades, and only the changed rectangle re-coded per frame. With ``width``
    the GIF is that many pixels wide (never wider than the video; height to
    scale, even), with ``fps`` it has that many frames per second.
    """
    import av

    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        rate = _rate(frame_rate or stream.average_rate or stream.guessed_rate)
        if rate is None:
            raise ValueError(f"palette_gif: {source.name}: the video has no frame rate")
        graph = av.filter.Graph()
        buffer = graph.add_buffer(template=stream)
        resized = [graph.add("fps", f"fps={fps}")] if fps else []
        if width and width < stream.codec_context.width:
            resized.append(graph.add("scale", f"w={width}:h=-2:flags=lanczos"))
        for before, after in zip([buffer, *resized], resized, strict=False):
            before.link_to(after)
        rate = Fraction(fps) if fps else rate
        split = graph.add("split")
        palettegen = graph.add("palettegen", "stats_mode=full:reserve_transparent=0")
        paletteuse = graph.add("paletteuse", "dither=bayer:bayer_scale=5:diff_mode=rectangle")
        sink = graph.add("buffersink")
        (resized[-1] if resized else buffer).link_to(split)
        split.link_to(palettegen, 0, 0)
        split.link_to(paletteuse, 1, 0)
        palettegen.link_to(paletteuse, 0, 1)
        paletteuse.link_to(sink)
        graph.configure()
        # palettegen sees every frame before paletteuse emits the first one.
        for frame in container.decode(stream):
            graph.push(frame)
        graph.push(None)

        with av.open(str(target), "w", format="gif", options={"loop": "0"}) as output:
            out_stream = output.add_stream("gif", rate=rate)
            frames = _pulled(graph)
            first = next(frames)  # its size is the GIF's (the video's, or scaled)
            out_stream.width = first.width
            out_stream.height = first.height
            out_stream.pix_fmt = "pal8"
            for index, paletted in enumerate(chain([first], frames)):
                paletted.pts = index
                paletted.time_base = 1 / rate
                output.mux(out_stream.encode(paletted))
            output.mux(out_stream.encode(None))


def _pulled(graph: av.filter.Graph) -> Iterator[av.VideoFrame]:
    """The frames a configured filter graph gives, until it has no more."""
    import av

    while True:
        try:
            frame = graph.pull()
        except (av.error.EOFError, av.error.BlockingIOError):
            return
        assert isinstance(frame, av.VideoFrame)  # the graphs here have video only
        yield frame


def mp4_boxes(path: Path) -> list[str]:
    """The top-level box types of an MP4 file, in file order (``moov`` before ``mdat``: fast start)."""
    boxes = []
    with open(path, "rb") as file:
        while header := file.read(8):
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            boxes.append(kind.decode("latin-1"))
            if size == 1:
                size = struct.unpack(">Q", file.read(8))[0]
                file.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                file.seek(size - 8, 1)
    return boxes


_EBML_NAMES = {
    0x114D9B74: "SeekHead",
    0xEC: "Void",
    0x1549A966: "Info",
    0x1654AE6B: "Tracks",
    0x1254C367: "Tags",
    0x1C53BB6B: "Cues",
    0x1F43B675: "Cluster",
    0x1941A469: "Attachments",
    0x1043A770: "Chapters",
}


def webm_segment_elements(path: Path) -> list[str]:
    """The WebM Segment's child elements in file order, runs of Clusters as one ``Cluster``."""
    data = Path(path).read_bytes()

    def vint(i: int, keep_marker: bool) -> tuple[int, int]:
        first, length, mask = data[i], 1, 0x80
        while not first & mask:
            mask >>= 1
            length += 1
        value = first if keep_marker else first & (mask - 1)
        for k in range(1, length):
            value = (value << 8) | data[i + k]
        return value, length

    i, elements = 0, list[str]()
    in_segment = False
    while i < len(data):
        element, n = vint(i, True)
        size, m = vint(i + n, False)
        if element == 0x18538067:  # Segment: descend
            in_segment = True
            i += n + m
            continue
        if in_segment:
            name = _EBML_NAMES.get(element, hex(element))
            if not (elements and elements[-1] == name == "Cluster"):
                elements.append(name)
        i += n + m + size
    return elements


# ------------------------------------------------------------------------ captions


@dataclass(frozen=True)
class Cue:
    """One caption: ``text`` from ``start`` to ``end`` seconds of the video."""

    start: float
    end: float
    text: str


def step_cues(srt_text: str, video_seconds: float, frame_rate: float | Fraction | None = None) -> list[Cue]:
    """The captions of Manim's subtitle file, each lasting until the next step begins.

    The last lasts to the end of the video. Start times are Manim's (the start
    of the step's section; Manim cuts them to whole milliseconds, so with
    ``frame_rate`` they are put back on the frame they belong to), so cues and
    per-step clips line up.
    """
    import srt  # type: ignore[import-untyped]  # srt ships no type hints

    subtitles = sorted(srt.parse(srt_text), key=lambda s: s.start)
    starts = [s.start.total_seconds() for s in subtitles]
    rate = _rate(frame_rate)
    if rate:
        starts = [float(round(start * rate) / rate) for start in starts]
    cues = []
    for i, subtitle in enumerate(subtitles):
        end = starts[i + 1] if i + 1 < len(starts) else max(video_seconds, subtitle.end.total_seconds())
        cues.append(Cue(start=starts[i], end=end, text=subtitle.content.strip()))
    return cues


def write_srt(cues: Sequence[Cue], path: Path) -> None:
    """Write ``cues`` as SubRip (``HH:MM:SS,mmm``)."""
    blocks = [
        f"{i}\n{_time(c.start, ',')} --> {_time(c.end, ',')}\n{c.text}\n" for i, c in enumerate(cues, 1)
    ]
    path.write_text("\n".join(blocks), encoding="utf-8")


def vtt_text(cues: Sequence[Cue]) -> str:
    """``cues`` as WebVTT, for an HTML ``<track>``."""
    blocks = [
        f"{i}\n{_time(c.start, '.')} --> {_time(c.end, '.')}\n{_vtt_escape(c.text)}\n"
        for i, c in enumerate(cues, 1)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def write_vtt(cues: Sequence[Cue], path: Path) -> None:
    """Write ``cues`` as WebVTT (``HH:MM:SS.mmm``)."""
    path.write_text(vtt_text(cues), encoding="utf-8")


def _time(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    # WebVTT cue text is markup: &, < and > must be escaped, and "-->" may not occur.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.replace("-->", "->").splitlines())


# ------------------------------------------------------------------------ sections

_STEP_NAME = re.compile(r"^(\d+)-")


def sections_name(topic: str, output_format: str) -> str:
    """The folder of a video's per-step clips: ``T.sections`` (MP4 clips), ``T.webm.sections`` (WebM).

    A GIF's clips are MP4 (a GIF cannot carry a step's sound or be seeked), so
    they share the MP4's folder; a WebM's have their own, so an MP4 and a WebM
    of one topic keep both sets.
    """
    return f"{topic}.sections" if output_format in ("mp4", "gif") else f"{topic}.{output_format}.sections"


def collect_sections(
    manim_index: Path,
    target_dir: Path,
    steps: Sequence[str],
    frame_rate: float | Fraction | None = None,
    track: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Move Manim's per-section clips into ``target_dir`` as ``NN-step-slug.<ext>``.

    Writes ``target_dir/index.json``: Manim's section entries (``name``,
    ``video``, ``duration``, ...) with ``video`` relative to the index, plus
    ``step`` (1-based, or None for a section before the first step),
    ``caption`` (the step's text), and ``start``/``end`` in seconds of the
    whole video. MP4 and WebM clips are made web-ready like the whole video.
    With ``frame_rate`` (the render's), a section lasts its frame count over
    it, and ``duration``/``avg_frame_rate`` are restated from it. With
    ``track`` (the whole video's narration), each clip carries its part of it.
    Returns the entries.
    """
    from .audio import RATE

    target_dir.mkdir(parents=True, exist_ok=True)
    entries = json.loads(manim_index.read_text(encoding="utf-8"))
    clock = 0.0
    index = []
    for entry in entries:
        source = manim_index.parent / entry["video"]
        name = entry.get("name") or source.stem
        match = _STEP_NAME.match(name)
        step = int(match.group(1)) if match else None
        caption = steps[step - 1] if step is not None and 0 < step <= len(steps) else ""
        clip = target_dir / f"{_safe_name(name)}{source.suffix}"
        rate = _rate(frame_rate)
        seconds = _seconds(entry, rate)
        if source.suffix in (".mp4", ".webm"):
            part = None
            if track is not None:
                part = track[round(clock * RATE) : round((clock + seconds) * RATE)]
            web_video(source, clip, frame_rate, part)
        else:
            source.replace(clip)
        restated = {}
        if rate:
            restated = {
                "duration": f"{seconds:.6f}",
                "avg_frame_rate": f"{rate.numerator}/{rate.denominator}",
            }
        index.append(
            {
                **entry,
                **restated,
                "video": clip.name,
                "step": step,
                "caption": caption,
                "start": round(clock, 6),
                "end": round(clock + seconds, 6),
            }
        )
        clock += seconds
    (target_dir / "index.json").write_text(
        json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return index


def _seconds(entry: dict[str, Any], rate: Fraction | None) -> float:
    """A section's length: its frames over the render's frame rate when known, else its duration."""
    try:
        if rate:
            return float(int(entry["nb_frames"]) / rate)
    except (KeyError, ValueError):
        pass
    return float(entry.get("duration", 0.0))


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w-]+", "-", name).strip("-_")
    return cleaned or "section"
