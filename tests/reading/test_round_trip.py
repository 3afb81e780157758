"""Random lessons written in each style a teacher uses, read back to the same lesson.

Each example draws tokens, embeddings and weights, writes them as a lesson
text (arrow lines with Python lists, Markdown with LaTeX matrices, a code
block with ``np.array`` and row comments, a Jupyter notebook), states ``Q``
(worked out by NumPy in the test, rounded as a teacher would) and one score
row, and says whether scores are scaled. Reading the text must give back the
same tokens, matrices, setting and stated numbers; writing the lesson as TOML
and loading that must give the same lesson again.
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attention_math import load_lesson
from attention_math.reading import lesson_toml, read_text_lesson
from support.cli import run

WORDS = [
    "cat",
    "sat",
    "on",
    "the",
    "mat",
    "dog",
    "runs",
    "fast",
    "I",
    "love",
    "coding",
    "write",
    "poem",
    "hello",
]
STYLES = ["arrows", "latex", "numpy", "notebook"]


@st.composite
def lessons(draw):
    n = draw(st.integers(2, 4))
    d = draw(st.integers(1, 3))
    d_qk = draw(st.integers(1, 3))
    tokens = draw(st.lists(st.sampled_from(WORDS), min_size=n, max_size=n, unique=True))
    number = st.integers(-30, 30).map(lambda k: k / 10)

    def matrix(rows, cols):
        return np.array(
            draw(st.lists(st.lists(number, min_size=cols, max_size=cols), min_size=rows, max_size=rows))
        )

    return {
        "tokens": tokens,
        "x": matrix(n, d),
        "w_q": matrix(d, d_qk),
        "w_k": matrix(d, d_qk),
        "w_v": matrix(d, d),
        "scale": draw(st.booleans()),
        "style": draw(st.sampled_from(STYLES)),
    }


def num(x: float) -> str:
    return repr(float(x))


def py_list(m: np.ndarray) -> str:
    if m.ndim == 1:
        return "[" + ", ".join(num(x) for x in m) + "]"
    return "[" + ", ".join(py_list(row) for row in m) + "]"


def bmatrix(m: np.ndarray) -> str:
    return (
        r"\begin{bmatrix} " + r" \\ ".join(" & ".join(num(x) for x in row) for row in m) + r" \end{bmatrix}"
    )


def stated(lesson) -> tuple[np.ndarray, np.ndarray]:
    q = np.round(lesson["x"] @ lesson["w_q"], 4)
    k = lesson["x"] @ lesson["w_k"]
    scores = np.round(q[0] @ k.T, 4) if not lesson["scale"] else None
    return q, scores


def write(lesson, folder):
    tokens, x = lesson["tokens"], lesson["x"]
    q, scores = stated(lesson)
    saying = (
        "We divide the scores by √d_k." if lesson["scale"] else "We do not scale the scores (no scaling)."
    )
    style = lesson["style"]
    if style == "arrows":
        lines = [f"{t} → {py_list(row)}" for t, row in zip(tokens, x, strict=True)]
        lines += [
            "",
            *(
                f"{name} = {py_list(lesson[key])}"
                for name, key in (("W_q", "w_q"), ("W_k", "w_k"), ("W_v", "w_v"))
            ),
        ]
        lines += ["", saying, "", f"Q = {py_list(q)}"]
        if scores is not None:
            lines.append(f"For '{tokens[0]}', the attention scores are {py_list(scores)}.")
        path = folder / "lesson.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    if style == "latex":
        lines = [f"The tokens: `tokens = {json.dumps(tokens)}`.", "", f"$$X = {bmatrix(x)}$$", ""]
        lines += [
            f"$$W^{letter} = {bmatrix(lesson[key])}$$\n"
            for letter, key in (("Q", "w_q"), ("K", "w_k"), ("V", "w_v"))
        ]
        lines += [saying, "", f"$$Q = XW^Q = {bmatrix(q)}$$"]
        if scores is not None:
            lines.append(f"\nFor '{tokens[0]}', the attention scores are {py_list(scores)}.")
        path = folder / "lesson.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    code = ["import numpy as np", "X = np.array(["]
    code += [f"    {py_list(row)},  # {t}" for t, row in zip(tokens, x, strict=True)]
    code += ["])"]
    code += [
        f"{name} = np.array({py_list(lesson[key])})"
        for name, key in (("W_q", "w_q"), ("W_k", "w_k"), ("W_v", "w_v"))
    ]
    printed = "Queries:\n" + np.array2string(q, separator=" ", floatmode="unique") + "\n"
    if style == "numpy":
        text = "\n".join(
            ["# Attention", "", "```python", *code, "```", "", saying, "", "```", printed, "```"]
        )
        if scores is not None:
            text += f"\nFor '{tokens[0]}', the attention scores are {py_list(scores)}.\n"
        path = folder / "lesson.md"
        path.write_text(text, encoding="utf-8")
        return path
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(saying),
        nbformat.v4.new_code_cell(
            "\n".join([*code, "Q = X @ W_q", 'print("Queries:")', "print(Q)"]),
            outputs=[nbformat.v4.new_output("stream", name="stdout", text=printed)],
        ),
    ]
    if scores is not None:
        notebook.cells.append(
            nbformat.v4.new_markdown_cell(f"For '{tokens[0]}', the attention scores are {py_list(scores)}.")
        )
    path = folder / "lesson.ipynb"
    nbformat.write(notebook, str(path))
    return path


def assert_same_inputs(lesson, expected):
    assert lesson.tokens == tuple(expected["tokens"])
    np.testing.assert_array_equal(lesson.embeddings, expected["x"])
    np.testing.assert_array_equal(lesson.w_q, expected["w_q"])
    np.testing.assert_array_equal(lesson.w_k, expected["w_k"])
    np.testing.assert_array_equal(lesson.w_v, expected["w_v"])
    assert lesson.scale is expected["scale"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lesson=lessons())
def test_a_random_lesson_in_each_style_reads_back_the_same(tmp_path_factory, lesson):
    folder = tmp_path_factory.mktemp(lesson["style"])
    path = write(lesson, folder)
    read = read_text_lesson(path).lesson
    assert_same_inputs(read, lesson)
    q, scores = stated(lesson)
    assert set(read.claims) == {"q"} | ({"scores[0]"} if scores is not None else set())
    np.testing.assert_array_equal(read.claims["q"], q)
    if scores is not None:
        np.testing.assert_array_equal(read.claims["scores[0]"], scores)

    toml = folder / "lesson.toml"
    toml.write_text(lesson_toml(read), encoding="utf-8")
    again = load_lesson(toml)
    assert_same_inputs(again, lesson)
    for name in ("causal", "residual", "decimals", "description", "heads"):
        assert getattr(again, name) == getattr(read, name)
    assert again.claims.keys() == read.claims.keys()
    for key in read.claims:
        np.testing.assert_array_equal(again.claims[key], read.claims[key])


def test_import_writes_a_toml_beside_the_text_and_refuses_to_overwrite(tmp_path):
    text = tmp_path / "lesson.md"
    text.write_text(
        "cat → [1, 0]\nsat → [0, 1]\n\n"
        "W_q = [[1, 2], [3, 4]]\nW_k = [[0, 1], [1, 0]]\nW_v = [[2, 0], [0, 2]]\n\n"
        "Q_sat = [3, 5]\n",
        encoding="utf-8",
    )
    result = run("import", str(text))
    assert result.exit_code == 0, result.output
    assert "W_q" in result.output and "line 4" in result.output
    assert "q[1]" in result.output and "line 8: Q_sat" in result.output
    written = tmp_path / "lesson.toml"
    lesson = load_lesson(written)
    assert lesson.tokens == ("cat", "sat")
    np.testing.assert_array_equal(lesson.claims["q[1]"], [3, 5])
    assert '"q[1]" = [3, 5]  # line 8: Q_sat' in written.read_text(encoding="utf-8")

    again = run("import", str(text))
    assert again.exit_code == 2 and "exists; use --force" in again.output
    forced = run("import", str(text), "--force", "--output", str(tmp_path / "other.toml"))
    assert forced.exit_code == 0 and (tmp_path / "other.toml").exists()
    checked = run("check", str(written))
    assert checked.exit_code == 1  # Q_sat is [3, 4] by hand: [0, 1] @ W_q


def test_import_of_a_text_without_an_example_writes_nothing(tmp_path):
    text = tmp_path / "notes.md"
    text.write_text("# Attention\n\nQueries meet keys; softmax makes weights.\n", encoding="utf-8")
    result = run("import", str(text))
    assert result.exit_code == 2 and "no worked numbers" in result.output
    assert not (tmp_path / "notes.toml").exists()
