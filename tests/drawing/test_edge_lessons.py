"""Every topic draws, and narrates truthfully, a lesson of one token and a lesson of one dimension.

Such lessons leave some steps with nothing to animate (no other token, no other
column); they once crashed embeddings, masking and projection. Each is built with
the dry-run harness, so every number drawn is checked against its trace path, and
every narrated fact is re-checked by tests/drawing/test_narration_script.py's
independent checks.
"""

from __future__ import annotations

import pytest

from attention_math import compute, load_lesson
from scenes import TOPICS, lesson_for
from support.narration_checks import check_stated_fact
from support.paths import TESTS
from support.scene_harness import build_dry

EDGE_LESSONS = ("one-token.toml", "one-dimension.toml")


@pytest.mark.parametrize("lesson_file", EDGE_LESSONS)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_a_tiny_lesson_draws_and_narrates_every_topic(tmp_path, topic, lesson_file):
    lesson = load_lesson(TESTS / "lessons" / lesson_file)
    trace = compute(lesson_for(topic, lesson))
    scene, log = build_dry(topic, trace, tmp_path)
    assert log.untraced == [] and log.mismatched == []
    assert log.off_frame == [] and log.overlaps == []
    for step in scene.narration:
        for sentence in step.sentences:
            for fact in sentence.facts:
                check_stated_fact(scene.trace, fact)
