"""Tokens in any script: drawn when a font has their glyphs, refused in one line otherwise.

Chinese, Japanese, Hindi, Hebrew, Arabic and emoji are drawn (the set-up
installs Noto and Symbola; tests/drawing/test_scripts_drawn.py looks at the
glyphs); a character no installed font has is refused before rendering;
`check` reads them all.
"""

from __future__ import annotations

import pytest

from production.preflight import uncovered_characters
from support.cli import run

SCRIPTS = {
    "Chinese": "猫",
    "Japanese": "こんにちは",
    "Hindi": "नमस्ते",
    "emoji": "🍕",
    "Hebrew": "שלום",
    "Arabic": "مرحبا",
}


def _lesson(tmp_path, tokens):
    path = tmp_path / "words.toml"
    rows = ", ".join(f"[{i % 2}.0, {(i + 1) % 2}.0]" for i in range(len(tokens)))
    quoted = ", ".join(f'"{token}"' for token in tokens)
    path.write_text(
        f"tokens = [{quoted}]\nembeddings = [{rows}]\n"
        "w_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_the_set_up_installs_a_font_for_every_script_the_seeds_write(script):
    assert uncovered_characters([SCRIPTS[script]]) == []


def test_a_character_no_font_has_is_reported():
    assert uncovered_characters(["a\ue000b"]) == ["\ue000"]  # a private-use character


@pytest.mark.render
def test_tokens_in_six_scripts_render(tmp_path):
    lesson = _lesson(tmp_path, list(SCRIPTS.values()))
    result = run(
        "--lesson", str(lesson), "--scene", "softmax", "--preview", "--media-dir", str(tmp_path / "m")
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "words" / "preview" / "softmax.png").stat().st_size > 0
    assert run("check", str(lesson)).exit_code == 0


def test_a_token_no_font_draws_stops_the_render_before_it_starts(tmp_path):
    # U+1FAE0 (melting face, Unicode 14) is newer than the set-up's emoji font.
    lesson = _lesson(tmp_path, ["\U0001fae0", "and"])
    media = tmp_path / "m"
    result = run("--lesson", str(lesson), "--preview", "--media-dir", str(media))
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: no installed font draws \U0001fae0 (U+1FAE0)")
    assert not (media / "words").exists()


def test_a_word_too_long_to_label_a_row_is_refused_up_front(tmp_path):
    lesson = _lesson(tmp_path, ["a" * 17, "b"])
    result = run("--lesson", str(lesson), "--preview", "--media-dir", str(tmp_path / "m"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: tokens[0]: 17 characters is more than the 16 a row label can show legibly; shorten the word"
    )
    assert run("check", str(lesson)).exit_code == 0


def test_a_feed_forward_wider_than_the_frame_shows_is_refused_up_front(tmp_path):
    lesson = _lesson(tmp_path, ["a", "b"])
    wide = 50
    w_1 = [[0.1] * wide, [0.2] * wide]
    w_2 = [[0.1, 0.2]] * wide
    lesson.write_text(
        lesson.read_text(encoding="utf-8")
        + f"[feed_forward]\nw_1 = {w_1}\nb_1 = {[0.0] * wide}\nw_2 = {w_2}\nb_2 = [0.0, 0.0]\n",
        encoding="utf-8",
    )
    result = run("--lesson", str(lesson), "--scene", "block", "--preview", "--media-dir", str(tmp_path / "m"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: feed_forward.w_1: 50 columns (d_ff) is more than the 8 a frame can show legibly"
    )
