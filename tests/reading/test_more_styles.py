"""More ways of writing a worked example, each read from a fixture in ``tests/reading/fixtures/``.

Every expected number here comes from `attention` (``tests/support/reading.py``), a NumPy
calculation written out there (or from a hand derivation in a test's comment), never
from the reader. Each fixture states its numbers rounded as a teacher would; a
stated number is compared with ours rounded the same way.

* ``mine.md``: several statements on one line, a bare list of weights;
* ``pairs.txt``: plain text, ``Attention weights for I: I: 0.40, like: 0.20, ...``;
* ``score_table.md``: tables of scores and weights with a token on each row and column;
* ``printed.ipynb``: a notebook printing ``print("weights", w.round(2))``;
* ``spanish.md``: four Spanish tokens, d_model 4, Spanish prose;
* ``slip.md``: ``score(red, fox) = 3``, a slip (it is 2), among correct numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from attention_math.reading.scan import clauses
from support.reading import FIXTURES, assert_states, attention, not_read, read

#: Tokens p, r with X = I and three weight matrices, as a text writes them.
SMALL = (
    "- p → [1, 0]\n- r → [0, 1]\n\nW_q = [[1, 2], [3, 4]]\nW_k = [[0, 1], [1, 0]]\nW_v = [[1, 0], [0, 1]]\n"
)


# ----------------------------------------------------------------- the lead's failure


MINE_X = [[1, 0, 1], [0, 2, 0], [1, 1, 0]]
MINE_W_Q = [[1, 0], [0, 1], [1, 1]]
MINE_W_K = [[0, 1], [1, 0], [1, 1]]
MINE_W_V = [[1, 1], [0, 1], [1, 0]]


def test_several_statements_on_one_line_each_keep_their_own_value():
    # By hand: Q_the = [1, 0, 1] W_Q = [1 + 1, 0 + 1] = [2, 1]; K_the = [0 + 1, 1 + 1] = [1, 2];
    # K_cat = [0, 2, 0] W_K = [2, 0]; K_sat = [1, 1, 0] W_K = [1, 1].
    lesson, found = read("mine.md")
    assert lesson.tokens == ("the", "cat", "sat")
    np.testing.assert_array_equal(lesson.embeddings, MINE_X)
    np.testing.assert_array_equal(lesson.w_q, MINE_W_Q)
    assert_states(found, "q[0]", [2, 1], 0, "line 15")
    assert_states(found, "k[0]", [1, 2], 0, "line 15")
    assert_states(found, "k[1]", [2, 0], 0, "line 16")
    assert_states(found, "k[2]", [1, 1], 0, "line 16")


def test_three_dot_products_on_one_line_and_a_bare_list_of_weights():
    # Q_the · K = [2·1 + 1·2, 2·2 + 1·0, 2·1 + 1·1] = [4, 4, 3]; / √2 = [2.83, 2.83, 2.12].
    lesson, found = read("mine.md")
    expected = attention(MINE_X, MINE_W_Q, MINE_W_K, MINE_W_V)
    np.testing.assert_array_equal(expected["scores"][0], [4, 4, 3])
    assert lesson.scale is True
    assert_states(found, "scores[0]", expected["scores"][0], 0, "line 18")
    assert_states(found, "scaled[0]", expected["scaled"][0], 2, "line 19")
    # "Softmax gives weights of about 0.40, 0.40 and 0.20": "the" is the token of lines 18-19.
    assert_states(found, "weights[0]", expected["weights"][0], 2, "line 21")
    assert len(found) == 17 and all(r.agrees for r in found.values())
    assert not_read(lesson) == []


def test_a_bare_list_whose_token_is_not_said_is_listed_as_not_read(tmp_path):
    # Without lines 18-19 nothing says whose weights "0.40, 0.40 and 0.20" are.
    text = tmp_path / "no_row.md"
    lines = (FIXTURES / "mine.md").read_text(encoding="utf-8").splitlines()
    text.write_text("\n".join(lines[:17] + lines[19:]) + "\n", encoding="utf-8")
    lesson, found = read(text)
    assert not any(path.startswith("weights") for path in found)
    assert any(note.startswith("line 19:") and "0.4" in note for note in not_read(lesson))


@pytest.mark.parametrize(
    "joint", [", ", "; ", " and ", " while ", " and its key is ", " y su clave es ", ". Then "]
)
def test_clauses_split_at_each_name_whatever_joins_them(joint, tmp_path):
    # tokens p, r with X = I: Q_p = W_q[0] = [1, 2], K_p = W_k[0] = [0, 1], Q_r = [3, 4], K_r = [1, 0].
    text = tmp_path / "joints.md"
    text.write_text(
        SMALL + f"\nQ_p = [1, 2]{joint}K_p = [0, 1]{joint}Q_r = [3, 4]{joint}K_r = [1, 0].\n",
        encoding="utf-8",
    )
    _, found = read(text)
    assert {path: r.stated for path, r in found.items()} == {
        "q[0][0]": 1, "q[0][1]": 2, "k[0][0]": 0, "k[0][1]": 1,
        "q[1][0]": 3, "q[1][1]": 4, "k[1][0]": 1, "k[1][1]": 0,
    }  # fmt: skip
    assert all(r.agrees for r in found.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q_a = [1, 2] and K_a = [3, 4]", ["Q_a = [1, 2]", "and K_a = [3, 4]"]),
        ("A · B = 4, A · C = 3", ["A · B = 4", ", A · C = 3"]),
        # Working stays one statement: a product, a sum, a chain of "=".
        ("Q_love = [0.3, 0.4] @ W_q = [0.21, 0.28]", ["Q_love = [0.3, 0.4] @ W_q = [0.21, 0.28]"]),
        ("score = 0.0133 + 0.022 = 0.0353", ["score = 0.0133 + 0.022 = 0.0353"]),
        ("Q_a = [0.3, 0.4] times W_q = [0.21, 0.28]", ["Q_a = [0.3, 0.4] times W_q = [0.21, 0.28]"]),
        ("Q = X W_q = [[1, 2], [3, 4]]", ["Q = X W_q = [[1, 2], [3, 4]]"]),
    ],
)
def test_clauses(text, expected):
    assert clauses(text) == expected


# ----------------------------------------------------------------- plain text: token: number pairs


def test_plain_text_with_numbers_named_by_tokens():
    x, w_q, w_k, w_v = [[1, 0], [0, 1], [1, 1]], [[1, 0], [0, 1]], [[1, 1], [0, 1]], [[2, 0], [0, 2]]
    expected = attention(x, w_q, w_k, w_v)
    lesson, found = read("pairs.txt")
    assert lesson.tokens == ("I", "like", "tea")
    np.testing.assert_array_equal(lesson.embeddings, x)
    np.testing.assert_array_equal(lesson.w_k, w_k)
    assert lesson.scale is True  # "We then divide each score by sqrt(2)"
    assert_states(found, "k", expected["k"], 0, "line 16")
    # "Dot-product scores for I: I: 1, like: 0, tea: 1": the plain scores (scaled they are 0.71, 0, 0.71).
    assert_states(found, "scores[0]", expected["scores"][0], 0, "line 18")
    assert not any(path.startswith("scaled") for path in found)
    assert_states(found, "weights[0]", expected["weights"][0], 2, "line 21")
    assert_states(found, "weights[2]", expected["weights"][2], 2, "line 22")
    assert_states(found, "context[0]", expected["context"][0], 2, "line 24")
    assert len(found) == 17 and not_read(lesson) == []


def test_pairs_naming_a_word_that_is_no_token_are_not_checked(tmp_path):
    text = tmp_path / "pairs.txt"
    source = (FIXTURES / "pairs.txt").read_text(encoding="utf-8")
    text.write_text(source.replace("like: 0.20, tea: 0.40", "like: 0.20, milk: 0.40"), encoding="utf-8")
    lesson, found = read(text)
    assert "weights[0][0]" not in found and "weights[2][0]" in found
    assert any(note.startswith("line 21:") and "'milk'" in note for note in lesson.reading_notes)


# ----------------------------------------------------------------- Markdown tables of scores and weights


TABLE_X = [[1, 0, 1], [0, 1, 1], [1, 1, 1]]
TABLE_W_Q = [[1, 0], [0, 1], [1, 0]]
TABLE_W_K = [[0, 1], [1, 0], [1, 1]]
TABLE_W_V = [[1, 0], [0, 1], [1, 1]]


def test_tables_with_a_token_on_each_row_and_column():
    expected = attention(TABLE_X, TABLE_W_Q, TABLE_W_K, TABLE_W_V, scale=False)
    # By hand, row dogs: Q_dogs = [2, 0], K = [[1, 2], [2, 1], [2, 2]]: scores [2, 4, 4].
    np.testing.assert_array_equal(expected["scores"][0], [2, 4, 4])
    lesson, found = read("score_table.md")
    assert lesson.tokens == ("dogs", "chase", "cats")  # the first table: a token and its vector
    np.testing.assert_array_equal(lesson.embeddings, TABLE_X)
    assert lesson.scale is False  # "We skip the scaling"
    for row in range(3):
        assert_states(found, f"scores[{row}]", expected["scores"][row], 0, f"line {23 + row}")
        assert_states(found, f"weights[{row}]", expected["weights"][row], 2, f"line {31 + row}")
    assert len(found) == 18 and not_read(lesson) == []


def test_a_table_in_another_order_is_read_by_its_labels(tmp_path):
    expected = attention(TABLE_X, TABLE_W_Q, TABLE_W_K, TABLE_W_V, scale=False)["scores"]
    source = (FIXTURES / "score_table.md").read_text(encoding="utf-8")
    start = source.index("| Q \\ K")
    end = source.index("\n\n", start)
    order = [2, 0, 1]  # cats, dogs, chase
    names = ["dogs", "chase", "cats"]
    table = ["| Q \\ K | " + " | ".join(names[j] for j in order) + " |", "|---|---|---|---|"]
    table += [f"| {names[i]} | " + " | ".join(str(int(expected[i][j])) for j in order) + " |" for i in order]
    text = tmp_path / "shuffled.md"
    text.write_text(source[:start] + "\n".join(table) + source[end:], encoding="utf-8")
    _, found = read(text)
    for i in range(3):
        assert_states(found, f"scores[{i}]", expected[i], 0)
    assert found["scores[2][0]"].source == "line 23"  # cats is the table's first row


# ----------------------------------------------------------------- a notebook printing arrays


def test_a_notebook_that_prints_labelled_numpy_arrays():
    x = [[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]]
    w_q, w_k = [[1, 0], [0, 1], [1, 1], [0, 0]], [[0, 1], [1, 0], [0, 1], [1, 1]]
    w_v = [[1, 1], [0, 1], [1, 0], [0, 2]]
    expected = attention(x, w_q, w_k, w_v)
    lesson, found = read("printed.ipynb")
    assert lesson.tokens == ("we", "eat", "rice")  # X's rows carry "# we" comments
    np.testing.assert_array_equal(lesson.w_v, w_v)
    assert_states(found, "q", expected["q"], 0, "cell 3 output, line 1")  # print("Q", Q)
    assert_states(found, "scaled", expected["scaled"], 2, "cell 3 output, line 4")
    assert_states(found, "weights", expected["weights"], 2, "cell 4 output, line 1")  # print("weights", ...)
    assert_states(found, "context", expected["context"], 2, "cell 5 output, line 1")  # out.round(2)
    assert len(found) == 30 and not_read(lesson) == []


# ----------------------------------------------------------------- four Spanish tokens, d_model 4


def test_a_lesson_in_spanish_with_four_tokens_and_four_dimensions():
    x = [[1, 0, 2, 0], [0, 1, 0, 1], [1, 1, 0, 0], [0, 2, 1, 0]]
    w_q, w_k = [[1, 0], [0, 1], [1, 0], [0, 1]], [[0, 1], [1, 0], [0, 1], [1, 1]]
    w_v = [[1, 0], [0, 1], [1, 1], [0, 2]]
    expected = attention(x, w_q, w_k, w_v)
    lesson, found = read("spanish.md")
    assert lesson.tokens == ("el", "gato", "come", "pescado")
    assert lesson.embeddings.shape == (4, 4)
    assert lesson.scale is True  # "Dividimos entre √d_k"
    # "La consulta de «gato» es Q_gato = [0, 2] y su clave es K_gato = [2, 1]."
    assert_states(found, "q[1]", expected["q"][1], 0, "line 16")
    assert_states(found, "k[1]", expected["k"][1], 0, "line 16")
    assert_states(found, "q[0]", expected["q"][0], 0, "line 17")
    assert_states(found, "k[0]", expected["k"][0], 0, "line 17")
    # "score(gato, el) = 6, score(gato, come) = 2": Q_gato · K_el = [0, 2]·[0, 3] = 6.
    assert_states(found, "scores[1][0]", expected["scores"][1][0], 0, "line 19")
    assert_states(found, "scores[1][2]", expected["scores"][1][2], 0, "line 19")
    # "Los pesos de atención de «gato» son 0.85, 0.05, 0.05 y 0.05."
    assert_states(found, "weights[1]", expected["weights"][1], 2, "line 22")
    # softmax([2.12, 2.12, 1.41, 2.12]): those are the scaled scores of "come", not of "gato".
    assert_states(found, "scaled[2]", expected["scaled"][2], 2, "line 24")
    assert_states(found, "weights[2]", expected["weights"][2], 2, "line 24")
    assert_states(found, "context[3]", expected["context"][3], 2, "line 26")
    assert len(found) == 24 and not_read(lesson) == []


# ----------------------------------------------------------------- a slip among correct numbers


def test_a_slip_is_the_one_disagreement_and_is_shown_against_the_plain_score():
    x, w_q, w_k, w_v = [[1, 0], [0, 1], [1, 2]], [[1, 1], [0, 1]], [[1, 0], [1, 1]], np.eye(2)
    expected = attention(x, w_q, w_k, w_v)
    # By hand: Q_red = [0, 1]; K_fox = [1, 2] W_k = [1 + 2, 0 + 2] = [3, 2]; Q_red · K_fox = 2, not 3.
    assert expected["scores"][1][2] == 2
    lesson, found = read("slip.md")
    assert lesson.tokens == ("a", "red", "fox")  # "a" is a token here, not the weights' symbol
    wrong = {path: r for path, r in found.items() if not r.agrees}
    assert list(wrong) == ["scores[1][2]"]
    assert (wrong["scores[1][2]"].stated, wrong["scores[1][2]"].computed) == (3, 2)
    assert wrong["scores[1][2]"].source == "line 24"
    assert_states(found, "q", expected["q"], 0, "line 17")  # q(a) = [1, 1], q(red) = ..., q(fox) = ...
    assert_states(found, "k", expected["k"], 0, "line 18")
    assert_states(found, "weights[2]", expected["weights"][2], 2, "line 29")  # α(fox, a) = 0.00, ...
    assert_states(found, "weights[1][0]", expected["weights"][1][0], 2, "line 30")
    assert_states(found, "context[1]", expected["context"][1], 2, "line 32")
    assert len(found) == 22 and not_read(lesson) == []


# ----------------------------------------------------------------- numbers not read are listed


def test_stated_numbers_no_form_reads_are_listed_with_their_lines(tmp_path):
    text = tmp_path / "odd.md"
    text.write_text(
        SMALL + "d_model = 2\n\n"
        "The mystery vector is foo = [0.5, 0.25].\n"
        "Somehow we land on 0.73 and 0.27 here.\n",
        encoding="utf-8",
    )
    lesson, found = read(text)
    assert found == {}
    notes = not_read(lesson)
    assert any(note.startswith("line 9:") and "[0.5, 0.25]" in note for note in notes), notes
    assert any(note.startswith("line 10:") and "0.73 and 0.27" in note for note in notes), notes
    assert not any(note.startswith("line 7:") for note in notes)  # d_model = 2 is a size, not a result


def test_tokens_weights_and_inline_math_each_several_on_one_line(tmp_path):
    # The example of mine.md: Q_the = [2, 1], K_the = [1, 2], K_cat = [2, 0] (derived above).
    text = tmp_path / "one_line.md"
    text.write_text(
        "Tokens: the → [1, 0, 1], cat → [0, 2, 0], sat → [1, 1, 0]\n\n"
        r"$$W_Q = \begin{bmatrix} 1 & 0 \\ 0 & 1 \\ 1 & 1 \end{bmatrix}, "
        r"W_K = \begin{bmatrix} 0 & 1 \\ 1 & 0 \\ 1 & 1 \end{bmatrix}, "
        r"W_V = \begin{bmatrix} 1 & 1 \\ 0 & 1 \\ 1 & 0 \end{bmatrix}$$"
        "\n\nSo $Q_{the} = [2, 1]$ and $K_{the} = [1, 2]$, **K_cat = [2, 0]**.\n",
        encoding="utf-8",
    )
    lesson, found = read(text)
    assert lesson.tokens == ("the", "cat", "sat")
    np.testing.assert_array_equal(lesson.embeddings, MINE_X)
    np.testing.assert_array_equal(lesson.w_q, MINE_W_Q)
    np.testing.assert_array_equal(lesson.w_k, MINE_W_K)
    np.testing.assert_array_equal(lesson.w_v, MINE_W_V)
    assert_states(found, "q[0]", [2, 1], 0, "line 5")
    assert_states(found, "k[0]", [1, 2], 0, "line 5")
    assert_states(found, "k[1]", [2, 0], 0, "line 5")
    assert len(found) == 6


def test_weights_named_by_token_but_for_no_token_are_not_read(tmp_path):
    text = tmp_path / "whose.md"
    text.write_text(SMALL + "\nAttention weights: p: 0.50, r: 0.50\n", encoding="utf-8")
    lesson, found = read(text)
    assert found == {}  # whose row is it? The text does not say: no claim, and a note
    assert any(note.startswith("line 8:") and "[0.5, 0.5]" in note for note in not_read(lesson))
