"""Slow tier: every topic renders a real, playable MP4 at low quality."""

from __future__ import annotations

import json

import av
import pytest

from attention_math.formatting import fmt
from production.runner import render_topic
from scenes import TOPICS


@pytest.mark.render
@pytest.mark.parametrize("topic", list(TOPICS))
def test_topic_renders_a_playable_low_quality_mp4(topic, tmp_path, traces):
    trace = traces("default", topic)  # what the topic draws of the default example
    lesson = trace.lesson
    result = render_topic(topic, trace, example="default", media_dir=tmp_path, quality="low")
    with av.open(str(result.video)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height, stream.codec_context.name) == (854, 480, "h264")
        seconds = float(stream.duration * stream.time_base)
        frames = sum(1 for _ in container.decode(video=0))
    assert seconds >= 10 and frames >= 10 * 15
    assert result.poster.stat().st_size > 0
    manifest = json.loads(result.manifest.read_text())
    assert manifest["topic"] == topic and manifest["numbers"]
    for path, entry in manifest["numbers"].items():
        value = trace.get(path)
        expected = value if isinstance(value, str) else fmt(float(value), lesson.decimals)
        assert entry["text"] == expected, path
