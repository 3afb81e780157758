"""The narration track's loudness and peak limiter (production.audio), against direct computations.

The module saves time (the filter designed once, the limiter's gain worked out
only around peaks, a gain's effect on the peak not measured again); each test
computes the same thing the plain way, written here, and compares.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from production import audio


def _speech_like(seconds: float = 6.0, seed: int = 3) -> np.ndarray:
    """Bursts of tones over a quiet hum, peaking at full scale, as Piper's speech does."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * audio.RATE)) / audio.RATE
    track = 0.15 * np.sin(2 * np.pi * 97 * t)  # a quiet hum under the bursts: no sample is silent
    for start in np.arange(0.2, seconds - 0.6, 0.7):
        burst = (t >= start) & (t < start + 0.45)
        tone = np.sin(2 * np.pi * rng.uniform(120, 900) * t) + 0.5 * np.sin(
            2 * np.pi * rng.uniform(1000, 3000) * t
        )
        track[burst] += tone[burst] * rng.uniform(0.3, 1.0)
    return (track / np.max(np.abs(track))).astype(np.float32)


def test_oversampling_is_scipys_default_four_times():
    samples = np.random.default_rng(1).standard_normal(3000)
    assert np.array_equal(audio._oversampled(samples), resample_poly(samples, 4, 1))


def test_the_true_peak_is_the_peak_of_the_whole_track_oversampled():
    track = _speech_like()
    plain = 20 * np.log10(np.max(np.abs(resample_poly(track.astype(np.float64), 4, 1))))
    assert abs(audio.true_peak_db(track) - plain) < 1e-9


def test_the_limiter_gives_the_gain_of_the_whole_track_worked_out_at_once():
    track = _speech_like()
    ceiling_db = -6.0
    ceiling = 10 ** (ceiling_db / 20)
    # The limiter written plainly: per-sample peaks of the oversampled track, the needed gain
    # everywhere, held over 5 ms each side and smoothed over 2.5 ms.
    over = np.abs(resample_poly(track.astype(np.float64), 4, 1)).reshape(-1, 4).max(axis=1)
    over = np.maximum(over, np.abs(track))
    needed = np.minimum(1.0, ceiling / np.maximum(over, 1e-12))
    width = round(0.005 * audio.RATE)
    gain = uniform_filter1d(minimum_filter1d(needed, 2 * width + 1), width + 1)
    gain = np.minimum(gain, minimum_filter1d(needed, width + 1))
    expected = (track * gain).astype(np.float32)
    limited = audio._limit(track, audio.RATE, ceiling_db)
    assert np.max(np.abs(limited - expected)) < 1e-6
    assert audio.true_peak_db(limited) <= ceiling_db + 0.05


def test_normalising_reaches_the_loudness_and_stays_under_the_peak_ceiling():
    track = _speech_like(12.0) * 0.05  # quiet: the gain must raise it and the limiter hold its peaks
    out = audio.normalise(track)
    loudness = pyloudnorm.Meter(audio.RATE).integrated_loudness(out.astype(np.float64))
    assert abs(loudness - audio.TARGET_LUFS) <= 0.5
    assert audio.true_peak_db(out) <= audio.PEAK_DBTP - 0.5 + 1e-6
    silent = np.zeros(audio.RATE, dtype=np.float32)
    assert np.array_equal(audio.normalise(silent), silent)
