"""The command line: listing, errors a user can act on, the checker, and a real render."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest

from attention_math import EXAMPLES, load_example
from attention_math.formatting import fmt
from scenes import TOPICS
from support.cli import run


def test_list_names_every_topic_and_example():
    result = run("--list")
    assert result.exit_code == 0
    for name in [*TOPICS, *EXAMPLES]:
        assert name in result.output


def test_unknown_topic_is_refused_with_the_valid_names():
    result = run("--scene", "atention")
    assert result.exit_code == 2
    assert "atention" in result.output and "projection" in result.output


def test_unknown_example_is_refused_with_the_valid_names():
    result = run("--example", "nope")
    assert result.exit_code == 2
    assert "token-residual" in result.output


def test_lesson_and_example_together_are_refused():
    result = run("--lesson", "x.toml", "--example", "default")
    assert result.exit_code == 2
    assert "either --lesson or --example" in result.output


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (
            'tokens = ["a", "b"]\nembeddings = [[1, 2], [3]]\nw_q = [[1, 0], [0, 1]]\nw_k = [[1, 0], [0, 1]]\nw_v = [[1, 0], [0, 1]]\n',
            "embeddings",
        ),
        ('tokens = ["a"]\nembeddings = [[1, 2]]\nw_q = [[1, 0], [0, 1]]\nw_k = [[1, 0], [0, 1]]\n', "w_v"),
        (
            'tokens = ["a"]\nembeddings = [[1, 2]]\nw_q = [[1, 0], [0, 1]]\nw_k = [[1, 0], [0, 1]]\nw_v = [[1, 0], [0, 1]]\nheads = 3\n',
            "heads",
        ),
        (
            'tokens = ["a"]\nembeddings = [[1, 2]]\nw_q = [[1, 0, 1], [0, 1, 1]]\nw_k = [[1, 0], [0, 1]]\nw_v = [[1, 0], [0, 1]]\n',
            "w_k",
        ),
    ],
)
def test_bad_lesson_gets_one_line_naming_the_key_and_status_2(tmp_path, content, key):
    lesson = tmp_path / "bad.toml"
    lesson.write_text(content)
    media = tmp_path / "media"
    result = run("--lesson", str(lesson), "--media-dir", str(media), "--preview")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert key in lines[0] and lines[0].startswith("error:")
    assert "Traceback" not in result.output
    assert not media.exists()


def test_missing_lesson_file_is_one_line_status_2(tmp_path):
    result = run("--lesson", str(tmp_path / "nowhere.toml"), "--preview")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_check_reports_the_slips_of_seed_000():
    result = run("check", "i-love-coding")
    assert result.exit_code == 1
    # Q for 'coding' is stated [0.21, 0.28]; by hand 0.5*0.1 + 0.6*0.3 = 0.23.
    row = next(line for line in result.output.splitlines() if "q[2][0]" in line)
    assert "0.21" in row and "0.23" in row


def test_check_agrees_with_seed_002():
    result = run("check", "token-residual")
    assert result.exit_code == 0, result.output
    assert "residual[0][0]" in result.output


@pytest.mark.render
def test_render_projection_writes_a_playable_video_whose_numbers_equal_the_manifest(tmp_path):
    result = run(
        "--scene",
        "projection",
        "--example",
        "token-residual",
        "--quality",
        "low",
        "--narration",
        "off",
        "--media-dir",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "token-residual"
    video, poster, manifest = out / "projection.mp4", out / "projection.png", out / "projection.numbers.json"
    assert poster.stat().st_size > 0
    with av.open(str(video)) as container:
        assert not container.streams.audio  # --narration off: a silent video, as before narration
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > 15 * 5  # more than five seconds at 15 fps
    numbers = json.loads(manifest.read_text())["numbers"]
    lesson = load_example("token-residual")
    q = np.asarray(lesson.embeddings) @ np.asarray(lesson.w_q)  # Q1 = [23, 49, 45, 28] as published
    for (i, j), value in np.ndenumerate(q):
        assert numbers[f"q[{i}][{j}]"] == {"value": value, "text": fmt(value, lesson.decimals)}
    assert [p for p in out.iterdir() if p.name.startswith(".")] == []  # no work folders left behind
    assert not (out / "projection.transcript.md").exists()


@pytest.mark.render
def test_a_video_speaks_by_default_and_says_what_its_transcript_and_captions_say(tmp_path):
    result = run(
        "--scene",
        "positional",
        "--example",
        "i-love-coding",
        "--quality",
        "low",
        "--media-dir",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "i-love-coding"
    with av.open(str(out / "positional.mp4")) as container:
        assert [stream.type for stream in container.streams] == ["video", "audio"]
    manifest = json.loads((out / "positional.numbers.json").read_text(encoding="utf-8"))
    said = [s["text"] for step in manifest["narration"] for s in step["sentences"]]
    assert len(said) >= len(manifest["steps"])  # every step says something
    transcript = (out / "positional.transcript.md").read_text(encoding="utf-8")
    captions = (out / "positional.vtt").read_text(encoding="utf-8")
    for sentence in said:
        assert sentence in transcript
        assert sentence.split()[0] in captions
    assert "transcript" in result.output


def test_block_refuses_a_lesson_whose_output_is_narrower_than_the_embeddings(tmp_path):
    lesson = tmp_path / "narrow.toml"
    lesson.write_text(
        'tokens = ["a", "b"]\nembeddings = [[1, 0], [0, 1]]\n'
        "w_q = [[1], [0]]\nw_k = [[1], [0]]\nw_v = [[1], [1]]\n"
    )
    result = run("--scene", "block", "--lesson", str(lesson), "--preview", "--media-dir", str(tmp_path / "m"))
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: block:") and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()
