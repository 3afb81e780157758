"""Every topic × every built-in example × the largest lesson drawn: numbers traced, frame tidy.

Each scene is built with Manim's dry_run (no video written) and the screen is
checked after every animation, once per topic and source: the ``built`` fixture
(tests/conftest.py) keeps it for every test here that checks it, and those tests
run on one xdist worker.
"""

from __future__ import annotations

import pytest

from scenes import HEADINGS, TOPICS
from support.lessons import DRAWN_SOURCES
from support.teaching import measure_scene

SOURCES = DRAWN_SOURCES


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


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_step_can_be_read_and_holds_still_before_the_next(built, topic, source):
    # Measured from the scene's own clock: caption words per second of each step,
    # stillness after each step's last animation, title and end cards under 3 s.
    scene, log = built(topic, source)
    measures = measure_scene(scene, log.screen)
    assert len(measures.timeline) == len(scene.steps)
    assert measures.pace_problems() == []


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_text_reads_at_four_and_a_half_to_one_on_what_is_behind_it(built, topic, source):
    _, log = built(topic, source)
    assert log.screen.texts_seen > 0
    assert log.low_contrast == []


@pytest.mark.parametrize("topic", list(TOPICS))
def test_the_video_opens_on_a_title_card_naming_the_topic_and_the_lesson(built, topic):
    scene, _ = built(topic, "default")
    paths = {entry.path for entry in scene.numbers.registry}
    assert {"title", "description", "token_labels[0]"} <= paths
    assert scene.steps[0] == HEADINGS[topic]
    assert scene.steps[-1].startswith(HEADINGS[topic])
