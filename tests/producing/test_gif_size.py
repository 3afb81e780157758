"""A GIF's width and frame rate (``--gif-width``, ``--gif-fps``), on a small video made here."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from production.output import palette_gif
from production.request import RenderRequest
from production.settings import DEFAULT_GIF_FPS, DEFAULT_GIF_WIDTH

BACKGROUND = (15, 17, 23)
SQUARE = (240, 218, 124)


def video(path: Path, count: int = 30, size: tuple[int, int] = (192, 128), rate: int = 15) -> None:
    """``count`` frames at ``rate`` fps: a square on the left half, on a dark background."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate, options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for n in range(count):
            image = np.empty((height, width, 3), dtype=np.uint8)
            image[:] = BACKGROUND
            image[32:96, 16:80] = SQUARE
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = n, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def shown(gif: Path) -> tuple[tuple[int, int], int, int, np.ndarray]:
    """Size, number of frames, total duration in ms and the first frame as RGB."""
    with Image.open(gif) as image:
        size = image.size
        durations = []
        for n in range(image.n_frames):
            image.seek(n)
            durations.append(image.info["duration"])
        image.seek(0)
        first = np.asarray(image.convert("RGB")).astype(int)
        return size, len(durations), sum(durations), first


def test_a_gif_is_scaled_to_its_width_and_resampled_to_its_frame_rate(tmp_path):
    source, target = tmp_path / "topic.mp4", tmp_path / "topic.gif"
    video(source)  # 192 x 128, 30 frames at 15 fps: 2 s
    palette_gif(source, target, frame_rate=15, width=96, fps=5)
    size, frames, milliseconds, first = shown(target)
    assert size == (96, 64)  # half as wide, height to scale
    assert frames == 10  # 2 s at 5 frames per second
    assert abs(milliseconds - 2000) <= 20
    # The square (x 16..80, y 32..96 at full size) is at x 8..40, y 16..48 now.
    assert np.abs(first[32, 24] - SQUARE).max() <= 12
    assert np.abs(first[32, 70] - BACKGROUND).max() <= 8


def test_a_gif_is_never_made_wider_than_its_video(tmp_path):
    source, target = tmp_path / "topic.mp4", tmp_path / "topic.gif"
    video(source, count=6)
    palette_gif(source, target, frame_rate=15, width=640)
    size, frames, _, _ = shown(target)
    assert size == (192, 128) and frames == 6


def test_the_default_gif_is_640_wide_at_10_frames_per_second(tmp_path):
    assert (DEFAULT_GIF_WIDTH, DEFAULT_GIF_FPS) == (640, 10)
    request = RenderRequest(topic="softmax", example="default", media_dir=tmp_path, output_format="gif")
    assert (request.gif_width, request.gif_fps) == (640, 10)
    assert RenderRequest.from_json(request.to_json()) == request


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"gif_width": 8}, "gif_width must be a whole number from 16 to 7680, not 8"),
        ({"gif_fps": 0}, "gif_fps must be a whole number from 1 to 60, not 0"),
        ({"gif_fps": True}, "gif_fps must be a whole number from 1 to 60, not True"),
    ],
)
def test_a_gif_size_out_of_range_is_refused_in_one_line(tmp_path, change, problem):
    with pytest.raises(ValueError, match=problem):
        RenderRequest(topic="softmax", example="default", media_dir=tmp_path, **change)


def test_only_a_gif_s_size_enters_the_cache_key(tmp_path):
    from attention_math import load_example
    from production.cache import render_key

    lesson = load_example("default")

    def key(**settings: object) -> str:
        return render_key(
            RenderRequest(topic="softmax", example="default", media_dir=tmp_path, **settings), lesson
        )  # type: ignore[arg-type]

    assert key(output_format="gif") != key(output_format="gif", gif_width=320)
    assert key(output_format="gif") != key(output_format="gif", gif_fps=12)
    assert key() == key(gif_width=320)  # an MP4 does not depend on it
