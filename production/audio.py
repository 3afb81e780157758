"""The narration track: speech placed at its steps, loudness-normalised, muxed beside the video.

* :func:`narration_track` lays each sentence's speech at the second it is said
  (the scene's timing: a step's speech starts with its section), at
  :data:`RATE` Hz, silence elsewhere, as long as the video.
* :func:`normalise` brings the track to :data:`TARGET_LUFS` integrated
  loudness (ITU-R BS.1770, measured with ``pyloudnorm``) with its true peak
  (4× oversampled) at most :data:`PEAK_DBTP`, using a look-ahead limiter where
  the gain alone would push peaks over it. Piper's output peaks at full scale,
  so this always runs.
* :func:`add_audio_stream` and :func:`encode_track` put the track beside a
  video (:func:`production.output.web_video`): AAC in MP4, Opus in WebM.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "PEAK_DBTP",
    "RATE",
    "TARGET_LUFS",
    "add_audio_stream",
    "encode_track",
    "encoded_peak_db",
    "integrated_loudness",
    "narration_track",
    "normalise",
    "true_peak_db",
]

#: Sample rate of the track (Opus works at 48 kHz; AAC is fine with it too).
RATE = 48_000
TARGET_LUFS = -16.0
PEAK_DBTP = -1.0
#: The limiter aims a little under the ceiling, so encoding does not push a peak over it.
_PEAK_AIM = PEAK_DBTP - 0.5
_OVERSAMPLE = 4


def resample(samples: np.ndarray, rate: int, target: int = RATE) -> np.ndarray:
    """``samples`` at ``rate`` Hz resampled to ``target`` Hz (polyphase, anti-aliased)."""
    if rate == target:
        return samples.astype(np.float32)
    from scipy.signal import resample_poly

    ratio = Fraction(target, rate)
    return np.asarray(resample_poly(samples, ratio.numerator, ratio.denominator), dtype=np.float32)


def narration_track(
    pieces: Sequence[tuple[float, np.ndarray, int]], seconds: float, rate: int = RATE
) -> np.ndarray:
    """A mono track ``seconds`` long with each ``(start, samples, samples_rate)`` placed at ``start``.

    Speech that would run past the end is kept whole: the caller makes the
    video long enough (a voice is never cut), so that is a bug, and raises.
    """
    track = np.zeros(round(seconds * rate), dtype=np.float32)
    for start, samples, samples_rate in pieces:
        speech = resample(samples, samples_rate, rate)
        first = round(start * rate)
        last = first + len(speech)
        if last > len(track) + rate // 50:  # 20 ms of slack for rounding
            raise ValueError(
                f"speech at {start:.3f} s runs {last / rate - seconds:.3f} s past the video's end"
            )
        track[first : min(last, len(track))] += speech[: len(track) - first]
    return track


def integrated_loudness(samples: np.ndarray, rate: int = RATE) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4, gated), by ``pyloudnorm``."""
    import pyloudnorm  # type: ignore[import-untyped]  # ships no type hints

    meter = pyloudnorm.Meter(rate)
    return float(meter.integrated_loudness(samples.astype(np.float64)))


def true_peak_db(samples: np.ndarray, rate: int = RATE) -> float:
    """The true peak in dBTP: the sample peak of the signal oversampled four times."""
    if not len(samples):
        return float("-inf")
    peak = float(np.max(np.abs(samples)))
    if peak == 0:
        return float("-inf")
    top = float(np.max(_sample_peaks(samples, peak * _NEAR)))
    return float(20 * np.log10(top))


#: Between samples a band-limited signal rises at most this far above them in practice
#: (about 3 dB for speech at 4× oversampling): only samples this close to a level can reach it.
_NEAR = 10 ** (-4.0 / 20)
_MARGIN = 64  # samples of context each side, for the interpolation filter
#: Oversample the whole track at once when more than one sample in this many is loud.
_WHOLE_TRACK_SHARE = 20


@functools.cache
def _oversampling_filter() -> np.ndarray:
    """The low-pass filter ``resample_poly`` designs for 4× (its default), designed once.

    A speech track has thousands of loud windows; designing the filter for
    each cost more than filtering.
    """
    from scipy.signal import firwin

    half_len = 10 * _OVERSAMPLE
    taps: np.ndarray = firwin(2 * half_len + 1, 1.0 / _OVERSAMPLE, window=("kaiser", 5.0))
    taps.flags.writeable = False
    return taps


def _oversampled(samples: np.ndarray) -> np.ndarray:
    """``samples`` (float64) oversampled 4×, as ``resample_poly(samples, 4, 1)`` gives them."""
    from scipy.signal import resample_poly

    return np.asarray(resample_poly(samples, _OVERSAMPLE, 1, window=_oversampling_filter()))


def _sample_peaks(samples: np.ndarray, floor: float) -> np.ndarray:
    """Per sample, the largest magnitude of the 4× oversampled signal around it.

    Computed where ``|x| >= floor`` (in windows with filter context); elsewhere
    the sample's own magnitude, which cannot be near a level ``floor`` is below.
    Oversampling only the loud parts costs a fraction of the whole track's.
    """
    values: np.ndarray = np.abs(samples).astype(np.float64)
    loud = np.flatnonzero(values >= floor)
    if not len(loud):
        return values
    if len(loud) * _WHOLE_TRACK_SHARE > len(samples):
        # Loud almost everywhere: one pass over the whole track costs less than many windows.
        whole = _oversampled(samples.astype(np.float64))
        per_sample = np.abs(whole[: len(samples) * _OVERSAMPLE]).reshape(len(samples), _OVERSAMPLE)
        peaks: np.ndarray = np.maximum(values, per_sample.max(axis=1))
        return peaks
    # Runs of loud samples closer than two margins are one window.
    breaks = np.flatnonzero(np.diff(loud) > 2 * _MARGIN)
    starts = np.concatenate(([loud[0]], loud[breaks + 1]))
    ends = np.concatenate((loud[breaks], [loud[-1]]))
    for first, last in zip(starts, ends, strict=True):
        lo, hi = max(0, int(first) - _MARGIN), min(len(samples), int(last) + _MARGIN + 1)
        segment = _oversampled(samples[lo:hi].astype(np.float64))
        per_sample = np.abs(segment[: (hi - lo) * _OVERSAMPLE]).reshape(hi - lo, _OVERSAMPLE).max(axis=1)
        values[lo:hi] = np.maximum(values[lo:hi], per_sample)
    return values


def _limit(samples: np.ndarray, rate: int, ceiling_db: float) -> np.ndarray:
    """Lower the gain around each peak that would exceed ``ceiling_db`` dBTP (5 ms look-ahead and release).

    The gain is worked out only around the peaks (where it is not 1), in runs
    with enough context that each run's filters see what the whole track's would.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    over = _sample_peaks(samples, ceiling * _NEAR)
    width = max(1, round(0.005 * rate))
    limited: np.ndarray = samples.astype(np.float32)
    peaks = np.flatnonzero(over > ceiling)
    if not len(peaks):
        return limited
    reach = 3 * width + 2  # beyond this, every filter below sees only gains of 1
    breaks = np.flatnonzero(np.diff(peaks) > 2 * reach)
    starts = np.concatenate(([peaks[0]], peaks[breaks + 1]))
    ends = np.concatenate((peaks[breaks], [peaks[-1]]))
    for first, last in zip(starts, ends, strict=True):
        lo, hi = max(0, int(first) - reach), min(len(samples), int(last) + reach + 1)
        needed = np.minimum(1.0, ceiling / np.maximum(over[lo:hi], 1e-12))
        # Every sample within `width` of a peak gets at most the peak's gain; the average over
        # half that width then stays at or below it at the peak, and smooths the gain.
        gain = uniform_filter1d(minimum_filter1d(needed, 2 * width + 1), width + 1)
        gain = np.minimum(gain, minimum_filter1d(needed, width + 1))
        limited[lo:hi] = (samples[lo:hi] * gain).astype(np.float32)
    return limited


def normalise(samples: np.ndarray, rate: int = RATE, *, ceiling: float = _PEAK_AIM) -> np.ndarray:
    """The track at :data:`TARGET_LUFS` (±0.5 LU) with its true peak at most ``ceiling`` dBTP.

    ``ceiling`` defaults a little under :data:`PEAK_DBTP`, as the encoder adds
    to peaks (:func:`encoded_peak_db` measures what it did). Silence (or a
    track too short to measure) is returned unchanged.

    Each round measures the loudness once and the true peak once: a gain
    moves the true peak by exactly the gain (oversampling is linear), so only
    the limiter's output is measured again.
    """
    track = samples.astype(np.float32)
    loudness = integrated_loudness(track, rate)
    if not np.isfinite(loudness):
        return track
    peak = true_peak_db(track, rate)
    for _ in range(6):
        gain_db = TARGET_LUFS - loudness
        track = (track * 10 ** (gain_db / 20)).astype(np.float32)
        peak += gain_db
        if peak > ceiling:
            track = _limit(track, rate, ceiling - 0.2)
            peak = true_peak_db(track, rate)
        loudness = integrated_loudness(track, rate)
        if not np.isfinite(loudness):
            return track
        if abs(loudness - TARGET_LUFS) <= 0.5 and peak <= ceiling:
            break
    return track


def encoded_peak_db(video: Path) -> float:
    """The true peak (dBTP) of ``video``'s sound as a player decodes it (the codec adds to peaks)."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        rate = stream.rate or RATE
    return true_peak_db(np.concatenate(chunks), rate) if chunks else float("-inf")


def add_audio_stream(output: Any, fmt: str) -> Any:
    """A mono audio stream at :data:`RATE` in ``output``: AAC for MP4, Opus for WebM."""
    import av

    if fmt not in ("mp4", "webm"):
        raise ValueError(f"only MP4 and WebM carry sound, not {fmt}")
    stream = output.add_stream("aac" if fmt == "mp4" else "libopus", rate=RATE, layout="mono")
    assert isinstance(stream, av.AudioStream)
    stream.bit_rate = 96_000 if fmt == "mp4" else 64_000
    return stream


def encode_track(output: Any, stream: Any, track: np.ndarray) -> None:
    """Encode the mono float ``track`` into ``stream`` in frames of the encoder's size."""
    import av

    size = stream.codec_context.frame_size or 960
    clipped = np.clip(track, -1.0, 1.0).astype(np.float32)
    for first in range(0, len(clipped), size):
        chunk = clipped[first : first + size]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = RATE
        frame.pts = first
        frame.time_base = Fraction(1, RATE)
        for packet in stream.encode(frame):
            output.mux(packet)
    for packet in stream.encode(None):
        output.mux(packet)
