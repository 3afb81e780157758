"""The four seed lessons, read as written (copies in ``tests/reading/fixtures/seeds/``).

Expected numbers are the seed texts' own, or the built-in examples' claims,
which were transcribed from the seeds by hand; none comes from the reader.
"""

from __future__ import annotations

import re

from attention_math import check_claims, compute, load_example
from support.cli import run
from support.paths import TESTS

SEEDS = TESTS / "reading" / "fixtures" / "seeds"
SEED_000 = SEEDS / "000_155eb5928b508fd0.txt"
SEED_001 = SEEDS / "001_1e6706d49bf0632d.txt"
SEED_002 = SEEDS / "002_ecc1f8e6e9bc5a22.txt"
SEED_004 = SEEDS / "004_2cb0e836ec02c836.txt"


def report_rows(output: str) -> dict[str, tuple[str, str, str, str]]:
    """claim path -> (where, stated, computed, mark) from a report with a where column."""
    rows = {}
    for line in output.splitlines():
        match = re.match(r"^(lines? [\d, ]+?)\s{2,}(\S+)\s.*?(\S+)\s+(\S+)\s+([✓✗]\*?)$", line)
        if match:
            where, path, stated, computed, mark = match.groups()
            rows[path] = (where, stated, computed, mark)
    return rows


def test_seed_000_has_the_15_disagreements_of_the_built_in_example_each_with_its_line():
    result = run("check", str(SEED_000))
    assert result.exit_code == 1
    rows = report_rows(result.output)
    built_in = load_example("i-love-coding")
    expected_wrong = {r.path for r in check_claims(built_in, compute(built_in)) if not r.agrees}
    assert len(expected_wrong) == 15
    wrong = {path for path, row in rows.items() if row[3] == "✗"}
    assert wrong == expected_wrong
    assert "15 of 27 claims disagree" in result.output
    lines = SEED_000.read_text(encoding="utf-8").splitlines()
    for path in wrong:
        where, stated, _, _ = rows[path]
        number = int(re.findall(r"\d+", where)[0])
        assert stated in lines[number - 1], (path, where)  # the stated number is on that line
    # By hand, V_I = [0.1, 0.2] @ W_v = [0.1*0.9 + 0.2*1.1, 0.1*1.0 + 0.2*1.2] = [0.31, 0.34]
    assert rows["v[0][0]"] == ("line 47", "0.37", "0.31", "✗")
    assert rows["scores[0][2]"][0] == "lines 75, 85"


def test_seed_000_says_why_its_scores_are_read_unscaled():
    result = run("check", str(SEED_000))
    assert "scale: the text says scores are divided by √d_k (line 67)" in result.output
    assert "read as not scaled" in result.output


def test_seed_002_everything_agrees_residual_included():
    result = run("check", str(SEED_002))
    assert result.exit_code == 0, result.output
    rows = report_rows(result.output)
    assert all(row[3].startswith("✓") for row in rows.values())
    # "X1 + Attention = [6, 1, 4, 4] + [68, 53, 63, 58] = [74, 54, 67, 62]" (line 84-85)
    assert [rows[f"residual[0][{i}]"][1] for i in range(4)] == ["74", "54", "67", "62"]
    assert rows["residual[0][0]"][0] == "line 84"
    # 2505.5 is stated "after /√d_k"; 3574 is Q1·K2 = 7148 divided by √4 = 2 though the line does not say.
    assert rows["scaled[0][0]"][1] == "2505.5" and rows["scaled[0][1]"][1] == "3574"
    assert "line 63:" in result.output and "7148" in result.output


def test_seed_001_finds_the_embeddings_and_says_the_weights_are_missing():
    result = run("check", str(SEED_001))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "found embeddings for 3 tokens but no W_q, W_k or W_v" in lines[0]
    assert "images" in lines[0]


def test_seed_001_embeddings_are_the_texts_bullets():
    from attention_math.reading.scan import scan
    from attention_math.reading.text import text_lines

    found = scan(text_lines(SEED_001.read_text(encoding="utf-8")))
    run_of_tokens = [s for s in found.statements if s.separator == ":" and s.literal is not None]
    assert [s.subject.strip("* ") for s in run_of_tokens] == ["Write", "A", "Poem"]
    assert [s.literal.value.tolist() for s in run_of_tokens if s.literal] == [
        [1.16, 0.23],
        [0.57, 1.36],
        [4.41, -2.16],
    ]


def test_seed_004_has_no_worked_numbers():
    result = run("check", str(SEED_004))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no worked numbers" in lines[0]
