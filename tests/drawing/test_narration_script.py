"""The narration of every topic × example × the largest lesson: traced numbers, true facts.

Each sentence's numbers are re-read from the trace and formatted here; each fact
a sentence states is re-derived here with NumPy, independently of
``attention_math.facts`` (which the scenes use): the weights of a row as shown
at the lesson's decimals, their largest, ties, masks and the next-word winner.
"""

from __future__ import annotations

import pytest

from attention_math.formatting import fmt, fmt_percent
from scenes import TOPICS
from support.lessons import DRAWN_SOURCES
from support.narration_checks import check_stated_fact


@pytest.mark.parametrize("source", DRAWN_SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_spoken_number_is_the_screens_text_of_its_trace_value(built, topic, source):
    scene, _ = built(topic, source)
    trace = scene.trace
    decimals = scene.numbers.decimals
    assert len(scene.narration) == len(scene.steps)
    for step in scene.narration:
        for sentence in step.sentences:
            assert not any(ch.isdigit() for ch in sentence.speech), sentence.speech
            for number in sentence.numbers:
                value = float(trace.get(number.path))
                assert number.value == value
                assert number.text in (fmt(value, decimals), fmt_percent(value, decimals))
                assert number.text in sentence.display
                assert number.words in sentence.speech


@pytest.mark.parametrize("source", DRAWN_SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_stated_fact_holds_for_the_trace(built, topic, source):
    scene, _ = built(topic, source)
    for step in scene.narration:
        for sentence in step.sentences:
            for fact in sentence.facts:
                check_stated_fact(scene.trace, fact)


@pytest.mark.parametrize("source", DRAWN_SOURCES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_step_says_something_and_explains_more_than_its_caption(built, topic, source):
    scene, _ = built(topic, source)
    for step in scene.narration:
        assert step.sentences, f"step {step.step} {step.caption!r} says nothing"
    # The story's steps (not the cards) say more than their caption: on average at least twice its words.
    story = scene.narration[1:-1]
    said = sum(len(sentence.speech.split()) for step in story for sentence in step.sentences)
    shown = sum(len(step.caption.split()) for step in story)
    assert said >= 2 * shown
