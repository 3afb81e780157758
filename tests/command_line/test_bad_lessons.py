"""A corpus of bad lessons: each gets its one exact line, status 2, and nothing written.

``tests/bad_lessons/`` holds one file per mistake a person makes writing a
lesson (the first line of a TOML file says which); ``EXPECTED`` below is the
exact message for each, as ``render.py`` prints it after ``error: ``.
``{path}`` stands for the path as given on the command line. Three cases are
not files in the corpus: a path that does not exist, and a file (or a folder)
the user may not read, made by the test.

``tests/bad_lessons/accepted/`` holds lessons that look risky but are fine:
scores far beyond what a naive softmax survives, and repeated tokens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from attention_math import LessonError, compute, load_lesson
from attention_math.lesson import PRIME
from render import cli
from support.paths import BAD_LESSONS, ROOT

CORPUS = BAD_LESSONS
ACCEPTED = CORPUS / "accepted"

_FINITE = "numbers must be between -1e12 and 1e12 so every step stays finite"

EXPECTED: dict[str, str] = {
    # missing keys
    "missing-tokens.toml": "tokens: missing; every lesson needs tokens, a list of words",
    "missing-w_v.toml": "w_v: missing; every lesson needs w_v, the value weights: a d_model × d_v matrix",
    "missing-embeddings.json": "embeddings: missing; every lesson needs embeddings, a matrix (a list of rows, "
    "each a list of numbers) with one row per token",
    "empty-file.toml": "{path}: has no lesson keys; a lesson needs at least tokens, embeddings, w_q, w_k and w_v",
    "empty-file.json": "{path}: is empty; a lesson needs at least tokens, embeddings, w_q, w_k and w_v",
    # wrong types
    "tokens-as-one-string.toml": 'tokens: expected a list of words, got the string "the cat"',
    "token-is-a-number.toml": "tokens[1]: expected a word (a string), got the number 3",
    "heads-as-text.toml": 'heads: expected a whole number, got the string "2"',
    "causal-as-yes.toml": 'causal: expected true or false, got the string "yes"',
    "positional-misspelt.toml": 'positional: expected "none", "sinusoidal" or a matrix with one row per token, '
    'got "sinusoid"; did you mean "sinusoidal"?',
    "boolean-in-matrix.toml": "w_k[1][0]: expected a number, got true (a boolean)",
    # strings where numbers belong
    "number-as-text.toml": 'embeddings[0][1]: expected a number, got the string "0.2"',
    "weights-as-a-word.json": "w_q: expected a matrix (a list of rows, each a list of numbers), "
    'got the string "identity"',
    # ragged rows
    "ragged-embeddings.toml": "embeddings: row 1 has 1 number, expected 2 like row 0",
    "ragged-w_k.json": "w_k: row 1 has 3 numbers, expected 2 like row 0",
    # shapes that do not fit together
    "fewer-embeddings-than-tokens.toml": "embeddings: has 2 rows, expected 3 (one per token; tokens has 3)",
    "w_q-rows-not-d_model.toml": "w_q: has 3 rows, expected 2 (d_model, the width of embeddings)",
    "w_k-narrower-than-w_q.toml": "w_k: has 1 column, expected 2 (d_qk, the width of w_q)",
    "w_o-wrong-shape.toml": "w_o: has 3 rows, expected 2 (d_v, the width of w_v)",
    "residual-without-w_o.toml": "residual: needs the attention output to be 2 wide (d_model, the width of "
    "embeddings) but it is 3 wide (d_v, the width of w_v, with no w_o); add a 3 × 2 w_o or give w_v 2 columns",
    # heads
    "heads-do-not-divide.toml": "heads: 3 heads do not divide 2 (d_qk, the width of w_q); each head takes an "
    "equal share of the columns",
    "heads-zero.toml": "heads: is 0; expected a whole number of at least 1",
    # not finite, or so large that products would overflow
    "nan.toml": "embeddings[0][1]: is NaN; numbers must be finite",
    "nan.json": "embeddings[1][0]: is NaN; numbers must be finite",
    "inf.toml": "w_v[1][1]: is infinite; numbers must be finite",
    "minus-infinity.json": "w_q[1][1]: is infinite; numbers must be finite",
    "too-large.toml": f"w_q[0][0]: is 1e+300; {_FINITE}",
    "huge-integer.json": f"embeddings[0][0]: is too large; {_FINITE}",
    # tokens
    "no-tokens.toml": "tokens: is empty; expected at least one word",
    "blank-token.toml": "tokens[1]: is blank; expected a word",
    "token-with-line-break.toml": "tokens[1]: contains a line break or control character ('\\n'); "
    "a word is drawn on one line",
    # more than a frame can show
    "seven-tokens.toml": "tokens: 7 tokens is more than the 6 a frame can show legibly",
    "nine-dimensions.toml": "embeddings: 9 columns is more than the 8 a frame can show legibly",
    # unknown keys
    "unknown-key-typo.toml": "embedings: unknown key; did you mean 'embeddings'?",
    "unknown-key.toml": "colour: unknown key; known keys are description, tokens, embeddings, positional, "
    "w_q, w_k, w_v, w_o, heads, scale, causal, residual, feed_forward, vocabulary, decimals, claims",
    "unknown-feed-forward-key.toml": "feed_forward.w1: unknown key; did you mean 'feed_forward.w_1'?",
    # other values
    "decimals-too-many.toml": "decimals: is 9; expected a whole number from 0 to 6",
    "vocabulary-repeats-a-word.toml": 'vocabulary.words[1]: "cat" is listed twice; each candidate word appears once',
    "claim-not-a-path.toml": "claims.q[first]: is not a trace path; write a name followed by [index] and .name "
    'parts, e.g. q, "q[2]", "scores[0][2]" or "heads[1].weights[0]"',
    # files that are not lessons
    "invalid-toml.toml": "{path}: invalid TOML: Invalid value (at line 3, column 7)",
    "unclosed-list.toml": "{path}: invalid TOML: Unclosed array (at line 3, column 1)",
    "invalid-json.json": "{path}: invalid JSON at line 4, column 1: Expecting property name enclosed in double quotes",
    "not-an-object.json": "{path}: expected a JSON object of lesson keys, got a list",
    "duplicate-key.json": '{path}: invalid JSON: key "tokens" appears twice',
    "latin-1.toml": "{path}: not UTF-8 text (byte 44 cannot be decoded); save it as UTF-8",
    "lesson.yaml": "{path}: unsupported lesson file type '.yaml'; use .toml or .json",
    "a-folder.toml": "{path}: is a directory, not a lesson file",
    "does-not-exist.toml": "{path}: no such lesson file",
}
NOT_IN_THE_CORPUS = {"does-not-exist.toml"}


def expected_line(name: str, path: Path | str) -> str:
    return "error: " + EXPECTED[name].replace("{path}", str(path)) + "\n"


def render_cli(
    *args: str, media: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python render.py ARGS --media-dir MEDIA`` in a process of its own, from the project root."""
    return subprocess.run(
        [sys.executable, "render.py", *args, "--media-dir", str(media)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


# ---------------------------------------------------------------------- the corpus


def test_the_corpus_has_a_file_for_every_expected_message_and_no_other():
    files = {path.name for path in CORPUS.iterdir() if path.name != "accepted"}
    assert files == set(EXPECTED) - NOT_IN_THE_CORPUS
    assert len(EXPECTED) >= 30
    for name in NOT_IN_THE_CORPUS:
        assert not (CORPUS / name).exists()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_loader_gives_the_exact_message(name):
    path = CORPUS / name
    with pytest.raises(LessonError) as info:
        lesson = load_lesson(path)
        # Lessons the loader accepts but the scenes cannot draw are refused by render.py.
        from scenes import drawable_problem

        problem = drawable_problem(lesson)
        if problem:
            raise LessonError(None, problem)
    assert f"error: {info.value}\n" == expected_line(name, path)


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Every corpus file through ``python render.py --lesson FILE --preview``, a few at a time."""
    base = tmp_path_factory.mktemp("corpus")

    def run(name: str) -> tuple[str, Path, subprocess.CompletedProcess[str]]:
        media = base / name / "media"
        path = f"tests/bad_lessons/{name}"  # as a user types it, relative to the project
        return name, media, render_cli("--lesson", path, "--preview", media=media)

    with ThreadPoolExecutor(max_workers=6) as pool:
        return {name: (media, result) for name, media, result in pool.map(run, sorted(EXPECTED))}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_render_prints_one_line_exits_2_and_writes_nothing(cli_runs, name):
    media, result = cli_runs[name]
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == expected_line(name, f"tests/bad_lessons/{name}")
    assert not media.exists()


def test_check_refuses_a_bad_lesson_the_same_way():
    path = CORPUS / "ragged-embeddings.toml"
    result = CliRunner().invoke(cli, ["check", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.output == expected_line("ragged-embeddings.toml", path)


# --------------------------------------------------------------- files one may not read


def _run_as_nobody(path: Path, media: Path) -> subprocess.CompletedProcess[str]:
    """render.py run by a user who may not read ``path``: really, not by monkeypatching.

    Root reads any file, so as root the process drops to the unprivileged user
    ``nobody`` (uid 65534) once Python and the project are imported (the
    interpreter itself may live under a folder only root can enter).
    """
    args = ["render.py", "--lesson", str(path), "--preview", "--media-dir", str(media)]
    if os.geteuid() != 0:
        return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    program = (
        "import os, sys, render\n"
        "try:\n"
        "    os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "except OSError as error:\n"
        "    print('cannot drop privileges:', error, file=sys.stderr); sys.exit(77)\n"
        f"sys.argv = {args!r}\n"
        "render.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    if result.returncode == 77:
        pytest.skip(f"running as root and cannot become another user: {result.stderr.strip()}")
    return result


@pytest.fixture
def open_folder(tmp_path_factory):
    """A folder anyone may enter (pytest's own temporary folders are root's alone)."""
    folder = tmp_path_factory.mktemp("readable")
    folder.chmod(0o755)
    return folder


def test_a_file_one_may_not_read_is_one_line_status_2(open_folder, tmp_path):
    path = open_folder / "secret.toml"
    path.write_text((CORPUS / "nan.toml").read_text(encoding="utf-8").replace("nan", "0.5"), encoding="utf-8")
    path.chmod(0o000)
    result = _run_as_nobody(path, tmp_path / "media")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: {path}: cannot read the file (permission denied)\n"
    assert not (tmp_path / "media").exists()


def test_a_file_in_a_folder_one_may_not_enter_is_one_line_status_2(open_folder, tmp_path):
    locked = open_folder / "locked"
    locked.mkdir()
    path = locked / "lesson.toml"
    path.write_text("tokens = []\n", encoding="utf-8")
    locked.chmod(0o700)  # root's alone
    result = _run_as_nobody(path, tmp_path / "media")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: {path}: cannot read the file (permission denied)\n"


# ------------------------------------------------- more files that are not lessons


def test_a_pipe_is_refused_without_waiting_for_it(tmp_path):
    pipe = tmp_path / "lesson.toml"
    os.mkfifo(pipe)  # reading it would block forever
    with pytest.raises(LessonError) as info:
        load_lesson(pipe)
    assert str(info.value) == f"{pipe}: is not a regular file (a pipe or a device?)"


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(50_000_000)  # sparse: takes no disk
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    assert str(info.value) == f"{path}: is 50 MB; a lesson file is at most 10 MB"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", "[" * 10_000 + "]" * 10_000, "invalid JSON: nested too deeply"),
        ("deep.toml", "x = " + "[" * 10_000 + "]" * 10_000, "invalid TOML: nested too deeply"),
        (
            "deep-claim.toml",
            'tokens = ["a"]\nembeddings = [[1]]\nw_q = [[1]]\nw_k = [[1]]\nw_v = [[1]]\n'
            "[claims]\nq = [[[[1]]]]\n",
            "",
        ),
    ],
)
def test_deeply_nested_files_are_refused_in_one_line(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    if message:
        assert str(info.value) == f"{path}: {message}"
    else:
        assert str(info.value) == (
            "claims.q[0][0][0]: expected a number, got a list: claims nest lists at most 3 deep, "
            "as no trace array has more than 3 axes"
        )


def test_a_path_with_a_line_break_is_named_on_one_line(tmp_path):
    path = tmp_path / "two\nlines.toml"
    with pytest.raises(LessonError) as info:
        load_lesson(path)
    assert str(info.value) == f"{tmp_path}/two\\nlines.toml: no such lesson file"


# ------------------------------------------------------------ risky-looking but fine


def test_scores_a_naive_softmax_overflows_on_are_accepted_and_computed_finite():
    lesson = load_lesson(ACCEPTED / "large-scores.toml")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        trace = compute(lesson)
    with np.errstate(over="ignore"):
        assert np.isinf(np.exp(trace.scaled)).any()  # what exp(score) / sum would meet
    for name in ("scaled", "exp", "row_sums", "weights", "context", "output", "norm_2", "probs"):
        assert np.isfinite(getattr(trace, name)).all(), name
    np.testing.assert_allclose(trace.weights.sum(axis=1), 1.0, rtol=1e-12)
    # Row "row" attends to itself: its score (977.5) beats the others by hundreds.
    assert trace.weights[0].tolist() == [1.0, 0.0, 0.0]


@pytest.mark.render
def test_scores_a_naive_softmax_overflows_on_render_with_finite_numbers(tmp_path):
    result = render_cli(
        "--scene", "softmax", "--lesson", str(ACCEPTED / "large-scores.toml"), "--preview", media=tmp_path
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads(
        (tmp_path / "large-scores" / "preview" / "softmax.numbers.json").read_text(encoding="utf-8")
    )
    trace = compute(load_lesson(ACCEPTED / "large-scores.toml"))
    values = [entry["value"] for entry in manifest["numbers"].values() if not isinstance(entry["value"], str)]
    assert values and all(np.isfinite(values))
    assert "heads[0].weights[0][0]" in manifest["numbers"] and "heads[0].scaled[0][0]" in manifest["numbers"]
    for path, entry in manifest["numbers"].items():
        assert entry["value"] == trace.get(path), path


def test_repeated_tokens_are_accepted_and_labelled_apart():
    lesson = load_lesson(ACCEPTED / "repeated-tokens.toml")
    trace = compute(lesson)
    assert trace.tokens == ("the", "cat", "saw", "the", "cat")
    assert trace.token_labels == ("the", "cat", "saw", f"the{PRIME}", f"cat{PRIME}")
    assert trace.get("token_labels[3]") == "the′"
    # The words themselves are unchanged where they mean words: the vocabulary.
    assert trace.vocab == ("the", "cat", "saw")


def test_labels_stay_apart_when_a_primed_word_is_itself_a_token():
    from attention_math.lesson import token_labels

    assert token_labels(("the", "the", "the′")) == ("the", "the′′", "the′")
    assert token_labels(("a", "a", "a")) == ("a", "a′", "a′′")
