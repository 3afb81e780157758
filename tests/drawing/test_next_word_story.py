"""Next word tells the truth about its prediction.

The built-in examples' vocabularies make a plausible new word win clearly (not the
sentence's last word again), worked out here by hand from the block's output and
the vocabulary written in the lesson file; and whatever a lesson's numbers decide,
a tie, no choice at all or a repeat of the last word, the scene says so on screen.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from manim import Mobject, SurroundingRectangle, Text

from attention_math import compute, example_names, load_lesson
from attention_math.examples import example_path
from scenes.kit.widgets import TracedText
from support.scene_harness import build_dry

#: The probability the predicted word must lead the next best word by, in every built-in example.
CLEAR_MARGIN = 0.2

WEIGHTS_MADE_UP = "These weights are made up for the lesson, not learned by a trained model"
SENTENCE_WORDS = "The candidate words are the sentence's own words, with their embedding rows"
LESSON_WORDS = "The candidate words are the lesson's own vocabulary, with embeddings it chose"
EVERY_WORD_EVEN = "Every word is equally likely: these numbers predict nothing; the first is shown"
TIE_AT_TOP = "A tie at the top: no single word wins; the first of them is shown"
CLEAR_WINNER = "The prediction: the most probable word comes next"
REPEATS = "It repeats the sentence's last word: nothing here was trained to avoid that"
#: Beside the sentence and its "predicted" word when words tie, on the last frame too.
TIE_NOTE = "a tie: the first is shown"

#: Seed 000's "I love coding": 2 numbers per word, weights as the text gives them.
TWO_WIDE = {
    "tokens": ["I", "love", "coding"],
    "embeddings": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
    "w_q": [[0.1, 0.2], [0.3, 0.4]],
    "w_k": [[0.5, 0.6], [0.7, 0.8]],
    "w_v": [[0.9, 1.0], [1.1, 1.2]],
    "scale": False,
    "decimals": 4,
}


def _file(name: str) -> dict:
    with example_path(name).open("rb") as file:
        return tomllib.load(file)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()


def _lesson(tmp_path: Path, name: str, data: dict):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return load_lesson(path)


def _boxed(scene, mob: Mobject) -> bool:
    """Whether a highlight box on screen surrounds ``mob``'s centre."""
    x, y, _ = mob.get_center()
    return any(
        box.get_left()[0] <= x <= box.get_right()[0] and box.get_bottom()[1] <= y <= box.get_top()[1]
        for top in scene.mobjects
        for box in top.get_family()
        if isinstance(box, SurroundingRectangle)
    )


def _drawn_texts(scene) -> set[str]:
    """Every text on the last frame, spaces dropped (as Manim keeps a Text's text)."""
    return {
        mob.text.replace(" ", "")
        for top in scene.mobjects
        for mob in top.get_family()
        if isinstance(mob, Text)
    }


def _word_labels(scene) -> dict[int, TracedText]:
    """The bar chart's word labels on the last frame, by vocabulary index."""
    labels = {}
    for top in scene.mobjects:
        for mob in top.get_family():
            path = getattr(mob, "trace_path", "")
            if isinstance(mob, TracedText) and path.startswith("vocab["):
                labels[int(path[len("vocab[") : -1])] = mob
    return labels


# -- the built-in examples' vocabularies ------------------------------------------------------


@pytest.mark.parametrize("name", example_names())
def test_each_example_predicts_a_new_word_and_wins_clearly(name, traces):
    data = _file(name)
    words = data["vocabulary"]["words"]
    vocabulary = np.array(data["vocabulary"]["embeddings"], dtype=float)
    last_row = traces(name).norm_2[-1]
    # A word's score is the last token's row dotted with the word's embedding; softmax by hand.
    probabilities = _softmax(np.array([float(np.dot(last_row, row)) for row in vocabulary]))
    second, best = np.argsort(probabilities)[-2:]
    assert words[best] != data["tokens"][-1]
    assert probabilities[best] - probabilities[second] >= CLEAR_MARGIN
    assert traces(name).predicted_word == words[best]


@pytest.mark.parametrize("name", example_names())
def test_each_example_keeps_its_sentence_words_embeddings_and_says_the_vocabulary_is_ours(name):
    data = _file(name)
    vocabulary = data["vocabulary"]
    for token, row in zip(data["tokens"], data["embeddings"], strict=True):
        assert vocabulary["embeddings"][vocabulary["words"].index(token)] == row
    lines = [line.strip() for line in example_path(name).read_text().splitlines()]
    comments = " ".join(line.lstrip("# ") for line in lines if line.startswith("#"))
    assert "[vocabulary]" in comments and "we chose" in comments


@pytest.mark.scene("next_word", "i-love-coding")
def test_the_example_says_its_weights_are_made_up_and_its_words_are_its_vocabulary(built):
    scene, _ = built("next_word", "i-love-coding")
    assert WEIGHTS_MADE_UP in scene.steps
    assert LESSON_WORDS in scene.steps and SENTENCE_WORDS not in scene.steps
    assert CLEAR_WINNER in scene.steps
    assert REPEATS not in scene.steps
    assert TIE_NOTE.replace(" ", "") not in _drawn_texts(scene)


# -- hand-made lessons: a tie, no choice, a repeat ----------------------------------------------


def test_a_three_way_tie_is_said_and_every_bar_is_boxed(tmp_path):
    # Seed 000 as the text gives it, the sentence's own words as the vocabulary. The layer
    # norm of a row of two numbers is (a, -a) with a close to one, so a word's score is
    # a * (e[0] - e[1]): -0.1 * a for all three words. Every word gets one third.
    trace = compute(_lesson(tmp_path, "seed-tie", TWO_WIDE))
    assert abs(abs(trace.norm_2[-1][0]) - 1) < 1e-3 and trace.norm_2[-1][0] == -trace.norm_2[-1][1]
    scene, log = build_dry("next_word", trace, tmp_path)
    assert log.untraced == [] and log.mismatched == []
    assert SENTENCE_WORDS in scene.steps and WEIGHTS_MADE_UP in scene.steps
    assert EVERY_WORD_EVEN in scene.steps
    assert CLEAR_WINNER not in scene.steps and TIE_AT_TOP not in scene.steps
    labels = _word_labels(scene)
    assert sorted(labels) == [0, 1, 2]
    assert all(_boxed(scene, label) for label in labels.values())
    assert TIE_NOTE.replace(" ", "") in _drawn_texts(scene)


def test_a_tie_at_the_top_is_said_and_only_the_tied_bars_are_boxed(tmp_path):
    # Two words with e[1] - e[0] = 0.4 and two with -0.4: whichever sign the last row
    # (a, -a) has, one pair scores 0.4 * |a| and ties at the top, the other pair below.
    data = TWO_WIDE | {
        "vocabulary": {
            "words": ["tea", "cake", "code", "sleep"],
            "embeddings": [[0.1, 0.5], [0.3, 0.7], [0.5, 0.1], [0.7, 0.3]],
        }
    }
    trace = compute(_lesson(tmp_path, "top-tie", data))
    tied = [0, 1] if trace.norm_2[-1][1] > 0 else [2, 3]
    scene, log = build_dry("next_word", trace, tmp_path)
    assert log.untraced == [] and log.mismatched == []
    assert LESSON_WORDS in scene.steps
    assert TIE_AT_TOP in scene.steps and EVERY_WORD_EVEN not in scene.steps
    labels = _word_labels(scene)
    assert sorted(w for w, label in labels.items() if _boxed(scene, label)) == tied
    assert TIE_NOTE.replace(" ", "") in _drawn_texts(scene)


def test_a_prediction_that_repeats_the_last_word_says_so(tmp_path):
    # The default example with the sentence's own words as its vocabulary.
    data = _file("default")
    del data["vocabulary"]
    trace = compute(_lesson(tmp_path, "repeat", data))
    scores = np.array(data["embeddings"]) @ trace.norm_2[-1]
    probabilities = _softmax(scores)
    second, best = np.argsort(probabilities)[-2:]
    assert best == len(data["tokens"]) - 1  # "down" after "the cat sat down", clearly
    assert probabilities[best] - probabilities[second] >= CLEAR_MARGIN
    scene, _ = build_dry("next_word", trace, tmp_path)
    assert CLEAR_WINNER in scene.steps and REPEATS in scene.steps
    assert scene.steps.index(REPEATS) == scene.steps.index(CLEAR_WINNER) + 1
