"""Bad lesson texts: one line, exit status 2, through ``render.py check`` and ``--lesson``."""

from __future__ import annotations

import json

import pytest

from support.cli import run


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.md", b"", "is empty"),
        ("blank.txt", b"  \n\n ", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        ("latin.md", "W_q = [[1, 2]] caf\xe9".encode("latin-1"), "not UTF-8"),
        ("broken.ipynb", b'{"cells": [', "not a notebook: invalid JSON at line 1"),
        ("list.ipynb", b"[1, 2, 3]", "not a notebook"),
        (
            "ragged.md",
            "I → [1, 0]\nlove → [0, 1]\n\nW_q = [[1, 2], [3]]\n"
            "W_k = [[1, 0], [0, 1]]\nW_v = [[1, 0], [0, 1]]\n".encode(),
            "line 4: W_q: row 1 has 1 number, expected 2 like row 0",
        ),
        (
            "no-w_k.md",
            "I → [1, 0]\nlove → [0, 1]\nyou → [1, 1]\n\n"
            "W_q = [[1, 2], [3, 4]]\nW_v = [[1, 0], [0, 1]]\n".encode(),
            "found embeddings for 3 tokens but no W_k",
        ),
        (
            "wrong-shape.md",
            "I → [1, 0]\nlove → [0, 1]\n\nW_q = [[1, 2], [3, 4]]\nW_k = [[1, 0, 1], [0, 1, 1], [1, 1, 1]]\n"
            "W_v = [[1, 0], [0, 1]]\n".encode(),
            "line 5: W_k: has 3 rows, expected 2",
        ),
    ],
)
def test_bad_text_gets_one_line_and_status_2(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    for args in (
        ["check", str(path)],
        ["--lesson", str(path), "--preview", "--media-dir", str(tmp_path / "m")],
    ):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert lines[0].startswith("error: ") and expected in lines[0], lines[0]
        assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_a_notebook_that_is_json_but_not_a_notebook(tmp_path):
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps({"cells": "none"}), encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
