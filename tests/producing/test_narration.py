"""Slow tier: a narrated render speaks in step with its sections, at the loudness targets, from the cache.

One real render of a short topic (positional, of i-love-coding, which has no
encoding: six steps) at low quality with the bundled voice, synthesised into a
cache folder of the test's own; then the same topic again with a new voice
object on the same cache, which must synthesise nothing. What is measured here
is read back from the written files (decoded with PyAV), and loudness and true
peak are measured with pyloudnorm and SciPy's resampler, not with the code that
set them.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from attention_math import compute, load_example
from production.output import mp4_boxes
from production.runner import render_topic
from production.voice import load_voice

TOPIC, EXAMPLE = "positional", "i-love-coding"
pytestmark = pytest.mark.render


def _audio(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        chunks = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
    return np.concatenate(chunks).astype(np.float64), rate


def _seconds(path: Path, kind: str) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.video[0] if kind == "video" else container.streams.audio[0]
        return float(stream.duration * stream.time_base)


@pytest.fixture(scope="module")
def narrated(tmp_path_factory):
    root = tmp_path_factory.mktemp("narrated")
    cache = root / "cache"
    media = root / "media"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATTENTION_VIDEO_CACHE", str(cache))
        voice = load_voice()
        trace = compute(load_example(EXAMPLE))
        first = render_topic(TOPIC, trace, example=EXAMPLE, media_dir=media, quality="low", voice=voice)
        again_voice = load_voice()
        again = render_topic(
            TOPIC, trace, example=EXAMPLE, media_dir=root / "again", quality="low", voice=again_voice
        )
    return first, voice, again, again_voice


def test_the_video_has_an_aac_track_as_long_as_the_video_and_starts_playing_early(narrated):
    result = narrated[0]
    assert mp4_boxes(result.video)[:2] == ["ftyp", "moov"]
    with av.open(str(result.video)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        frame = 1 / float(container.streams.video[0].average_rate)
    assert abs(_seconds(result.video, "audio") - _seconds(result.video, "video")) <= frame + 1e-6


def test_every_step_speaks_and_its_speech_starts_with_its_section(narrated):
    result = narrated[0]
    samples, rate = _audio(result.video)
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    index = json.loads((result.sections / "index.json").read_text(encoding="utf-8"))
    frame = 1 / 15
    steps = [entry for entry in index if entry["step"]]
    assert len(steps) == len(manifest["narration"])
    window = round(0.005 * rate)
    for entry, spoken in zip(steps, manifest["narration"], strict=True):
        assert spoken["sentences"], f"step {entry['step']} says nothing"
        first, last = round(entry["start"] * rate), round(entry["end"] * rate)
        part = samples[first:last]
        levels = np.sqrt(np.convolve(part**2, np.ones(window) / window, mode="valid"))
        loud = np.flatnonzero(levels > 10 ** (-40 / 20))
        assert len(loud), f"step {entry['step']} is silent"
        onset = loud[0] / rate
        assert onset <= frame + 0.03, f"step {entry['step']}: speech starts {onset:.3f} s after its section"
        # The first sentence is timed from the section start, within a frame.
        assert abs(spoken["sentences"][0]["start"] - entry["start"]) <= frame


def test_loudness_is_minus_sixteen_lufs_and_the_true_peak_at_most_minus_one(narrated):
    import pyloudnorm
    from scipy.signal import resample_poly

    samples, rate = _audio(narrated[0].video)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
    assert -17.0 <= loudness <= -15.0
    peak = 20 * np.log10(np.max(np.abs(resample_poly(samples, 4, 1))))
    assert peak <= -1.0


def test_the_clips_carry_their_part_of_the_speech(narrated):
    result = narrated[0]
    for clip in sorted(result.sections.glob("*.mp4")):
        samples, _ = _audio(clip)
        assert np.max(np.abs(samples)) > 0.05, clip.name


def test_captions_and_transcript_are_the_narration(narrated):
    result = narrated[0]
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    said = " ".join(s["text"] for step in manifest["narration"] for s in step["sentences"])
    srt = result.subtitles.read_text(encoding="utf-8")
    cue_lines = [line for line in srt.splitlines() if line and not line.isdigit() and "-->" not in line]
    assert " ".join(cue_lines) == said
    assert all(len(line) <= 44 for line in cue_lines)
    transcript = result.transcript.read_text(encoding="utf-8")
    for step in manifest["narration"]:
        assert step["caption"] in transcript
        for sentence in step["sentences"]:
            assert sentence["text"] in transcript


def test_a_second_render_of_an_unchanged_topic_synthesises_nothing(narrated):
    _, voice, again, again_voice = narrated
    assert voice.synthesised > 0
    assert again_voice.synthesised == 0
    assert again.duration == narrated[0].duration


def test_a_narrated_webm_carries_opus_and_a_gif_stays_silent(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTENTION_VIDEO_CACHE", str(tmp_path / "cache"))
    voice = load_voice()
    trace = compute(load_example("i-love-coding"))
    webm = render_topic(
        "embeddings",
        trace,
        example=EXAMPLE,
        media_dir=tmp_path,
        quality="low",
        output_format="webm",
        voice=voice,
    )
    with av.open(str(webm.video)) as container:
        assert [(s.type, s.codec_context.name) for s in container.streams] == [
            ("video", "vp9"),
            ("audio", "opus"),
        ]
    gif = render_topic(
        "embeddings",
        trace,
        example=EXAMPLE,
        media_dir=tmp_path,
        quality="low",
        output_format="gif",
        voice=voice,
    )
    with av.open(str(gif.video)) as container:
        assert [s.type for s in container.streams] == ["video"]
    assert gif.transcript is None
