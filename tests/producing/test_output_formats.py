"""Slow tier: a real topic rendered as WebM and as GIF at low quality comes out right."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
from PIL import Image

from production.output import webm_segment_elements
from production.runner import render_topic
from scenes.kit import palette

pytestmark = pytest.mark.render

TOPIC = "embeddings"  # the shortest topic
BACKGROUND = np.array([int(palette.BACKGROUND[i : i + 2], 16) for i in (1, 3, 5)])


def render(tmp_path, trace, output_format):
    return render_topic(
        TOPIC, trace, example="default", media_dir=tmp_path, quality="low", output_format=output_format
    )


def test_webm_is_vp9_yuv420p_seekable_from_its_start_with_webm_step_clips(tmp_path, traces):
    result = render(tmp_path, traces("default"), "webm")
    assert result.video == tmp_path / "default" / f"{TOPIC}.webm"
    elements = webm_segment_elements(result.video)
    assert elements.index("Cues") < elements.index("Cluster")
    with av.open(str(result.video)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("vp9", "yuv420p")
        assert (stream.codec_context.width, stream.codec_context.height) == (854, 480)
        assert container.duration / 1e6 == pytest.approx(result.duration, abs=0.1)
    clips = json.loads((result.sections / "index.json").read_text())
    assert clips and all(clip["video"].endswith(".webm") for clip in clips)
    assert result.captions.read_text().startswith("WEBVTT")


def test_gif_loops_forever_with_a_palette_of_its_own_and_the_videos_timing(tmp_path, traces):
    result = render(tmp_path, traces("default"), "gif")
    assert result.video == tmp_path / "default" / f"{TOPIC}.gif"
    assert b"NETSCAPE2.0\x03\x01\x00\x00" in result.video.read_bytes()
    with Image.open(result.video) as gif:
        assert gif.info["loop"] == 0
        assert gif.size == (640, 360)  # --gif-width's default: 854 x 480 scaled to 640 across
        total = 0
        for n in range(gif.n_frames):
            gif.seek(n)
            total += gif.info["duration"]
        frames = gif.n_frames
        last = np.asarray(gif.convert("RGB")).astype(int)
    assert abs(frames - result.duration * 10) <= 1  # --gif-fps's default: 10 frames a second
    assert total / 1000 == pytest.approx(result.duration, abs=0.1)
    # The flat background stays flat (Manim's own GIF dithers it with a fixed palette).
    corner = last[:40, :40].reshape(-1, 3)
    assert np.abs(corner - BACKGROUND).max() <= 4
    with Image.open(result.poster) as image:
        poster = np.asarray(image.convert("RGB").resize((640, 360), Image.Resampling.LANCZOS)).astype(int)
    assert np.abs(last - poster).mean() < 3  # the GIF ends on the poster frame
    clips = json.loads((result.sections / "index.json").read_text())
    assert all(clip["video"].endswith(".mp4") for clip in clips)


def test_poster_shows_the_topics_result_not_an_empty_frame(tmp_path, traces):
    result = render_topic(
        TOPIC, traces("default"), example="default", media_dir=tmp_path, quality="low", preview=True
    )
    poster = np.asarray(Image.open(result.poster).convert("RGB")).astype(int)
    drawn = np.abs(poster - BACKGROUND).max(axis=2) > 40
    assert drawn.mean() > 0.02  # numbers and labels cover a good part of the frame
    assert result.video is None and result.sections is None
