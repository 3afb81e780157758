"""A held picture encoded once per frame, converted once: Manim's still frames made cheaper.

Manim 0.22 writes a still picture (a ``wait``, the hold while the narration
finishes) as one RGBA frame with a repeat count; its segment encoder
(``manim.scene.video_segment_encoder.VideoSegmentEncoder.write_frame``) then
builds a new video frame from the array and converts it from RGBA to the
stream's pixel format for every repeat. A narrated video holds still for
much of its length, so that conversion is repeated thousands of times for
nothing. :func:`install_still_frame_encoding` makes the encoder build and
convert the picture once per call and hand the encoder the same converted
frame at each consecutive time stamp. The encoder receives the same pixels
at the same time stamps, so the stream is byte for byte the one Manim writes
(``tests/producing/test_encoding.py`` compares them).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

__all__ = ["install_still_frame_encoding"]

_INSTALLED = "_attention_video_still_frames"


def install_still_frame_encoding() -> None:
    """Make Manim's segment encoder convert a repeated frame once (idempotent)."""
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    if getattr(VideoSegmentEncoder, _INSTALLED, False):
        return
    VideoSegmentEncoder.write_frame = _write_frame  # type: ignore[method-assign]
    setattr(VideoSegmentEncoder, _INSTALLED, True)


def _write_frame(self: Any, pixels: Any, *, repeat: int = 1) -> None:
    """``VideoSegmentEncoder.write_frame``, converting the picture once for all its repeats."""
    import av

    self._validate_frame(pixels, repeat)
    time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
    try:
        frame = av.VideoFrame.from_ndarray(pixels, format="rgba")
        if repeat > 1:
            stream = self._stream
            frame = frame.reformat(format=stream.codec_context.pix_fmt)
        for _ in range(repeat):
            frame.pts = self._next_pts
            frame.time_base = time_base
            self._next_pts += 1
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
    except BaseException as error:
        raise self._operation_error("encode", error) from error
