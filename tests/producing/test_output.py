"""Post-processing into lesson-ready files, on small videos made here (no Manim, seconds in all)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from production.output import (
    Cue,
    collect_sections,
    mp4_boxes,
    palette_gif,
    step_cues,
    vtt_text,
    web_video,
    webm_segment_elements,
    write_srt,
)
from scenes.kit import palette

BACKGROUND = tuple(int(palette.BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))
QUERY = tuple(int(palette.QUERY[i : i + 2], 16) for i in (1, 3, 5))


def frames(count: int, size: tuple[int, int] = (96, 64)) -> list[np.ndarray]:
    """The palette's background with a query-yellow square sliding across, like a scene."""
    width, height = size
    out = []
    for n in range(count):
        image = np.empty((height, width, 3), dtype=np.uint8)
        image[:] = BACKGROUND
        x = 4 + 3 * n
        image[20:44, x : x + 24] = QUERY
        out.append(image)
    return out


def encode(path: Path, images: list[np.ndarray], codec: str, rate: int = 15, start_pts: int = 0) -> None:
    """Encode like Manim does: frames at pts 0, 1, 2 ... in 1/rate, moov written last."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, options={"crf": "23"} if codec == "libx264" else {})
        stream.width, stream.height = images[0].shape[1], images[0].shape[0]
        stream.pix_fmt = "yuv420p"
        for n, image in enumerate(images):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = start_pts + n, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_mp4_as_manim_writes_it_has_its_index_last(tmp_path):
    video = tmp_path / "manim.mp4"
    encode(video, frames(20), "libx264")
    boxes = mp4_boxes(video)
    assert boxes.index("mdat") < boxes.index("moov")


def test_web_mp4_has_moov_before_mdat_and_keeps_h264_yuv420p_and_every_frame(tmp_path):
    source, target = tmp_path / "manim.mp4", tmp_path / "web.mp4"
    encode(source, frames(20), "libx264")
    web_video(source, target, frame_rate=15)
    boxes = mp4_boxes(target)
    assert boxes.index("moov") < boxes.index("mdat")
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert stream.average_rate == 15
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(decoded) == 20
    with av.open(str(source)) as container:
        original = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert all(np.array_equal(a, b) for a, b in zip(decoded, original, strict=True))  # a stream copy


def test_web_mp4_puts_timestamps_back_on_the_frame_grid(tmp_path):
    # Manim's concatenation leaves timestamps a few ticks off the grid.
    source, target = tmp_path / "manim.mp4", tmp_path / "web.mp4"
    encode(source, frames(12), "libx264")
    web_video(source, target, frame_rate=15)
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        ticks = 1 / (15 * stream.time_base)
        pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
    assert ticks.denominator == 1
    assert pts == [n * int(ticks) for n in range(12)]


def test_web_webm_is_vp9_with_its_seek_index_before_the_clusters(tmp_path):
    source, target = tmp_path / "manim.webm", tmp_path / "web.webm"
    encode(source, frames(10), "libvpx-vp9")
    assert webm_segment_elements(source).index("Cues") > webm_segment_elements(source).index("Cluster")
    web_video(source, target, frame_rate=15)
    elements = webm_segment_elements(target)
    assert elements.index("Cues") < elements.index("Cluster")
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("vp9", "yuv420p")
        assert sum(1 for _ in container.decode(stream)) == 10


def test_gif_loops_forever_keeps_the_timing_and_the_palette_colours(tmp_path):
    source, target = tmp_path / "manim.mp4", tmp_path / "topic.gif"
    images = frames(30)
    encode(source, images, "libx264")
    palette_gif(source, target, frame_rate=15)
    data = target.read_bytes()
    assert b"NETSCAPE2.0\x03\x01\x00\x00" in data  # application extension: loop count 0 = forever
    with Image.open(target) as gif:
        assert gif.info["loop"] == 0
        assert gif.n_frames == 30
        delays = []
        for n in range(gif.n_frames):
            gif.seek(n)
            delays.append(gif.info["duration"])
        gif.seek(15)
        shown = np.asarray(gif.convert("RGB")).astype(int)
    assert abs(sum(delays) - 2000) <= 10  # 30 frames at 15 fps, in centisecond steps
    # The background and the query colour come through (Manim's fixed rgb8 palette
    # turned the background into purple dither), within the H.264 round trip.
    assert np.abs(shown[2, 2] - BACKGROUND).max() <= 6
    assert np.abs(shown[32, 4 + 45 + 12] - QUERY).max() <= 12
    assert np.abs(shown - images[15].astype(int)).mean() < 3


SRT = """1
00:00:00,000 --> 00:00:01,200
Each token's embedding is one row of X

2
00:00:02,733 --> 00:00:03,933
Multiply X by the query weights W_q to get Q

3
00:00:06,666 --> 00:00:07,866
Q, K & V: <three> views
"""


def test_each_caption_lasts_its_whole_step_and_the_last_to_the_end():
    cues = step_cues(SRT, video_seconds=9.4, frame_rate=15)
    assert [c.text for c in cues][:2] == [
        "Each token's embedding is one row of X",
        "Multiply X by the query weights W_q to get Q",
    ]
    assert [c.start for c in cues] == [0.0, 41 / 15, 100 / 15]  # Manim's milliseconds, back on their frames
    assert [c.end for c in cues] == [41 / 15, 100 / 15, 9.4]


def test_vtt_and_srt_state_the_same_cues_in_their_own_time_formats(tmp_path):
    cues = step_cues(SRT, video_seconds=9.4, frame_rate=15)
    vtt = vtt_text(cues)
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:02.733 --> 00:00:06.667\nMultiply X" in vtt
    assert "Q, K &amp; V: &lt;three&gt; views" in vtt
    write_srt(cues, tmp_path / "t.srt")
    srt_text = (tmp_path / "t.srt").read_text()
    assert "00:00:02,733 --> 00:00:06,667\nMultiply X" in srt_text
    assert step_cues(srt_text, 9.4, 15) == cues


def test_cue_times_format_hours_and_round_to_milliseconds():
    assert "01:02:03.457 --> 01:02:04.000" in vtt_text([Cue(3723.4567, 3724.0, "a")])


def test_sections_become_named_web_ready_clips_with_a_relative_index(tmp_path):
    manim = tmp_path / "manim" / "sections"
    manim.mkdir(parents=True)
    entries = []
    for n, count in enumerate((6, 9)):
        clip = manim / f"scene_{n:04d}_{n + 1:02d}-step-{n + 1}.mp4"
        encode(clip, frames(count), "libx264")
        entries.append(
            {
                "name": f"{n + 1:02d}-step-{n + 1}",
                "type": "default.normal",
                "video": clip.name,
                "nb_frames": str(count),
                "duration": "0.4",
                "avg_frame_rate": "209920/13993",
            }
        )
    (manim / "scene.json").write_text(json.dumps(entries))
    target = tmp_path / "projection.sections"
    index = collect_sections(manim / "scene.json", target, ["First step", "Second step"], frame_rate=15)

    assert json.loads((target / "index.json").read_text()) == index
    assert [e["video"] for e in index] == ["01-step-1.mp4", "02-step-2.mp4"]
    assert [e["caption"] for e in index] == ["First step", "Second step"]
    assert [(e["start"], e["end"]) for e in index] == [(0.0, 0.4), (0.4, 1.0)]
    assert [e["avg_frame_rate"] for e in index] == ["15/1", "15/1"]
    for entry in index:
        clip = target / entry["video"]
        boxes = mp4_boxes(clip)
        assert boxes.index("moov") < boxes.index("mdat")


@pytest.mark.parametrize("suffix", [".mov", ".gif"])
def test_only_mp4_and_webm_are_remuxed(tmp_path, suffix):
    with pytest.raises(ValueError, match=r"only \.mp4 and \.webm"):
        web_video(tmp_path / "a.mp4", tmp_path / f"b{suffix}")
