"""Every topic × every built-in example × the largest lesson drawn: numbers traced, frame tidy.

Each scene is built with Manim's dry_run (no video written) and the screen is
checked after every animation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attention_math import compute, example_names, load_example, load_lesson
from scenes import TOPICS, lesson_for
from support.paths import LESSONS
from support.scene_harness import build_dry

SOURCES = [*example_names(), "lessons/largest.toml"]


def _lesson(source: str):
    return load_lesson(LESSONS / Path(source).name) if source.endswith(".toml") else load_example(source)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cache: dict[tuple[str, str], object] = {}

    def build(topic: str, source: str):
        if (topic, source) not in cache:
            trace = compute(lesson_for(topic, _lesson(source)))
            cache[(topic, source)] = build_dry(topic, trace, tmp_path_factory.mktemp("media"))
        return cache[(topic, source)]

    return build


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_drawn_number_comes_from_its_trace_path(built, topic, source):
    scene, log = built(topic, source)
    assert log.plays >= 3
    assert log.untraced == []
    assert log.mismatched == []
    assert len(scene.numbers.registry) > 0


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_nothing_leaves_the_frame_and_no_numbers_overlap(built, topic, source):
    _, log = built(topic, source)
    assert log.off_frame == []
    assert log.overlaps == []
    assert log.caption_overlaps == []


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_topic_tells_its_story_in_captioned_steps(built, topic):
    scene, _ = built(topic, "default")
    assert len(scene.steps) >= 3
