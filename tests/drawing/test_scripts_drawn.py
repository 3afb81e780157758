"""Words in any script are drawn as Pango shapes them, and said by their place when the voice cannot.

The lesson ``tests/lessons/scripts.toml`` has one token each in Arabic, Hebrew,
Hindi, Chinese, Japanese and an emoji. Each drawn token label is compared with
the same word laid out by a second route, Manim's ``MarkupText`` (Pango's
markup path, which lays a right-to-left paragraph out without the fix the kit
needs for ``Text``): the same glyphs, as wide.
"""

from __future__ import annotations

import pytest
from manim import MarkupText, tempconfig

from attention_math import compute
from attention_math.speech import sayable
from production.runner import manim_config
from scenes.kit.widgets import LABEL_SIZE, NUMBER_FONT, TracedText
from support.lessons import load_source
from support.scene_harness import build_dry

SOURCE = "lessons/scripts.toml"
# As written in the lesson, in token order.
WORDS = ["مرحبا", "שלום", "नमस्ते", "猫", "こんにちは", "🍕"]


@pytest.fixture(scope="module")
def softmax_scene(tmp_path_factory):
    trace = compute(load_source(SOURCE))
    return build_dry("softmax", trace, tmp_path_factory.mktemp("media"))


def _labels(scene) -> dict[int, TracedText]:
    found = {}
    for mob in scene.mobjects:
        for member in mob.get_family():
            if isinstance(member, TracedText) and member.trace_path.startswith("token_labels["):
                found.setdefault(int(member.trace_path[len("token_labels[") : -1]), member)
    return found


def test_the_lesson_holds_the_six_words():
    assert list(load_source(SOURCE).tokens) == WORDS


def test_every_word_is_drawn_with_the_glyphs_pango_lays_out_for_it(softmax_scene, tmp_path):
    scene, _ = softmax_scene
    labels = _labels(scene)
    assert sorted(labels) == list(range(len(WORDS)))
    with tempconfig(manim_config(tmp_path, quality="low", output_format="mp4", progress=False)):
        for index, word in enumerate(WORDS):
            drawn = labels[index]
            assert drawn.text == word
            reference = MarkupText(word, font=NUMBER_FONT, font_size=LABEL_SIZE)
            glyphs = drawn.family_members_with_points()
            assert len(glyphs) == len(reference.family_members_with_points()) >= 1, word
            # As wide as Pango makes the word (the label may have been scaled with its matrix).
            scale = drawn.height / reference.height
            assert drawn.width == pytest.approx(reference.width * scale, rel=0.02), word


def test_the_scene_with_these_words_passes_the_layout_checks(softmax_scene):
    _, log = softmax_scene
    assert log.plays > 0
    assert not (log.untraced or log.mismatched or log.off_frame or log.overlaps or log.caption_overlaps)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cat", True),
        ("the\u2032", True),
        ("café", True),
        ("token 3", True),
        ("שלום", False),
        ("مرحبا", False),
        ("नमस्ते", False),
        ("猫", False),
        ("🍕", False),
    ],
)
def test_the_english_voice_says_latin_words_only(word, expected):
    assert sayable(word) is expected


def test_a_word_the_voice_cannot_read_is_said_by_its_place_and_shown_as_written(softmax_scene):
    scene, _ = softmax_scene
    named = 0
    for step in scene.narration:
        for sentence in step.sentences:
            for word in WORDS:
                if f"\u201c{word}\u201d" in sentence.display:
                    assert word not in sentence.speech
                    named += 1
            assert all(sayable(piece) for piece in sentence.speech.split()), sentence.speech
    assert named > 0  # the softmax narration names tokens ("... attends most to ...")
    spoken = " ".join(s.speech for step in scene.narration for s in step.sentences)
    # Token two (Hebrew) or another is named by place, in words.
    assert "token " in spoken
