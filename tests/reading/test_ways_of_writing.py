"""Round three of ways of writing a worked example, each read from a fixture in ``tests/reading/fixtures/``.

Every expected number comes from `attention` (``tests/support/reading.py``: NumPy, written out,
the causal mask and the residual included) or from a hand derivation in a
test's comment, never from the reader. Each fixture states its numbers rounded
as a teacher would, with one or two slips put in on purpose.

* ``other.txt``: ``dogs:  0.2  0.4`` rows apart by spaces, "We don't scale";
* ``tuples.md``: ``x_red = (1, −1)``, ``x_fox = (0, +2)``, ``q('red')``, quoted tokens;
* ``next_line.txt``: ``X =`` and ``Q = X·W_q =`` with the matrix on the next lines,
  "the dot product of q1 and k2 is 3", ``z_1 = [...]``;
* ``causal_residual.md``: "the second word cannot see the third", "add the input back";
* ``tabs.txt``: plain text in columns apart by tabs, tables of scores and weights;
* ``numpy_at.ipynb``: ``X = np.array(...)``, ``Q = X @ W_q``, ``print(Q)`` outputs;
* ``capitals.md``: tokens ``The``, ``Cat``, ``Sat`` named in lower case, ``[+1.62, 0.78]``.
"""

from __future__ import annotations

import numpy as np
import pytest

from attention_math import check_claims, compute, load_lesson
from attention_math.reading.forms import parse_value
from attention_math.reading.names import classify
from attention_math.reading.scan import clauses, scan
from attention_math.reading.text import text_lines
from support.cli import run
from support.reading import FIXTURES, assert_slip, assert_states, attention, not_read, read, slips

# ----------------------------------------------------------------- the lead's failure: rows apart by spaces


OTHER = ([[0.2, 0.4], [0.6, 0.0], [0.2, 0.8]], np.eye(2), [[0, 1], [1, 0]], [[1, 1], [0, 1]])


def test_rows_apart_by_spaces_under_a_heading_are_the_embeddings():
    lesson, found = read("other.txt")
    assert lesson.tokens == ("dogs", "chase", "cats")
    np.testing.assert_array_equal(lesson.embeddings, OTHER[0])
    np.testing.assert_array_equal(lesson.w_k, OTHER[2])
    assert lesson.scale is False  # "We don't scale in this example."
    expected = attention(*OTHER, scale=False)
    # By hand: K_dogs = [0.2, 0.4] W_k = [0.4, 0.2]; Q_dogs = X_dogs;
    # Q_dogs · K_cats = 0.2·0.8 + 0.4·0.2 = 0.24.
    np.testing.assert_allclose(expected["k"], [[0.4, 0.2], [0, 0.6], [0.8, 0.2]])
    np.testing.assert_allclose(expected["scores"][0], [0.16, 0.24, 0.24])
    np.testing.assert_allclose(expected["weights"][0], [0.3158, 0.3421, 0.3421], atol=1e-4)
    np.testing.assert_allclose(expected["context"][0], [0.3368, 0.7368], atol=1e-4)
    assert_states(found, "k", expected["k"], 1, "line 13")
    assert found["scores[0][2]"].source == "lines 15, 17"  # "Raw score of dogs with cats" and the softmax
    assert_states(found, "scores[0]", expected["scores"][0], 2)
    assert_states(found, "weights[0]", expected["weights"][0], 2, "line 17")
    # "Output for dogs = ... = [0.33, 0.92]": 0.3368 rounds to 0.34 and 0.7368 to 0.74, two slips.
    assert_slip(found, "context[0][0]", 0.33, expected["context"][0][0], "line 18")
    assert_slip(found, "context[0][1]", 0.92, expected["context"][0][1], "line 18")
    assert slips(found) == ["context[0][0]", "context[0][1]"]
    assert len(found) == 14 and not_read(lesson) == []


def test_the_check_command_lists_the_two_slips_of_other_txt_and_exits_1():
    result = run("check", str(FIXTURES / "other.txt"))
    assert result.exit_code == 1, result.output
    assert "2 of 14 claims disagree" in result.output
    wrong = [line for line in result.output.splitlines() if line.endswith("✗")]
    assert len(wrong) == 2 and all(line.startswith("line 18") for line in wrong)


# ----------------------------------------------------------------- tuples, quoted tokens, signed numbers


TUPLES = ([[1, -1], [0, 2], [1, 1]], [[1, 0], [1, 1]], [[0, 1], [1, 0]], [[2, 0], [0, 1]])


def test_tuples_with_a_unicode_minus_and_a_leading_plus():
    lesson, found = read("tuples.md")
    assert lesson.tokens == ("red", "fox", "runs")
    np.testing.assert_array_equal(lesson.embeddings, TUPLES[0])  # (1, −1), (0, +2), (1, 1)
    assert lesson.scale is True  # "We divide every score by √2."
    expected = attention(*TUPLES)
    # By hand: q('red') = [1, −1] W_q = [1 − 1, 0 − 1] = [0, −1]; k('red') = [−1, 1]; k('fox') = [2, 0].
    assert_states(found, "q[0]", [0, -1], 0, "line 13")
    assert_states(found, "k[0]", [-1, 1], 0, "line 13")  # not given to q('red'): each name keeps its own
    assert_states(found, "k[1]", [2, 0], 0, "line 14")
    assert_states(found, "k[2]", [1, 1], 0, "line 14")
    # score('red', 'fox') = 0 / √2 = 0.00; score('red', 'runs') = −1 / √2 = −0.71.
    assert_states(found, "scaled[0][1]", expected["scaled"][0][1], 2, "line 18")
    assert_states(found, "scaled[0][2]", expected["scaled"][0][2], 2, "line 19")
    assert_states(found, "weights[0]", expected["weights"][0], 2, "line 20")
    assert_states(found, "context[0]", expected["context"][0], 2, "line 21")
    # "Context for 'fox' = (1.03, 1.34)": 1.4282 rounds to 1.43.
    assert_slip(found, "context[1][1]", 1.34, expected["context"][1][1], "line 22")
    assert slips(found) == ["context[1][1]"]
    assert len(found) == 17 and not_read(lesson) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(0.2, 0.4)", [0.2, 0.4]),
        ("(−1, +2)", [-1, 2]),
        ("( 1 , 2 , )", [1, 2]),
        ("0.2  0.4", [0.2, 0.4]),
        ("0.2\t−0.4\t+1", [0.2, -0.4, 1]),
    ],
)
def test_tuples_and_numbers_apart_by_spaces_are_vectors(text, expected):
    literal = parse_value(text)
    assert literal is not None
    np.testing.assert_array_equal(literal.value, expected)


@pytest.mark.parametrize("text", ["(after /√d_k)", "(0.2)", "0.2 0.4 apples", "(0.2 × 0.4)", "3 of 4"])
def test_what_is_not_a_tuple_or_a_row(text):
    assert parse_value(text) is None


def test_a_tuple_ends_a_clause_like_a_bracketed_list():
    assert clauses("q('red') = (0, −1) and its key is k('red') = (−1, 1)") == [
        "q('red') = (0, −1)",
        "and its key is k('red') = (−1, 1)",
    ]


# ----------------------------------------------------------------- a matrix on the lines after "="


NEXT = (
    [[1, 0, 1], [0, 1, 1], [1, 1, 0]],
    [[1, 0], [0, 1], [1, 1]],
    [[1, 1], [0, 1], [1, 0]],
    [[1, 0], [0, 2], [1, 1]],
)


def test_matrices_on_the_lines_after_their_equals_sign_and_dot_products_in_words():
    lesson, found = read("next_line.txt")
    assert lesson.tokens == ("I", "see", "you")  # tokens = ["I", "see", "you"]
    np.testing.assert_array_equal(lesson.embeddings, NEXT[0])  # "X =" then three rows
    expected = attention(*NEXT)
    # By hand: Q = X W_q: [1, 0, 1] W_q = [1 + 1, 0 + 1] = [2, 1]; K row 1 = [1 + 1, 1 + 0] = [2, 1].
    assert_states(found, "q", expected["q"], 0, "line 14")
    assert_states(found, "k", expected["k"], 0, "line 19")
    # "The dot product of q1 and k2 is 3": [2, 1]·[1, 1] = 3; q2·k3 = [1, 2]·[1, 2] = 5.
    assert found["scores[0][1]"].stated == 3 and found["scores[0][1]"].agrees
    assert found["scores[1][2]"].stated == 5 and found["scores[1][2]"].agrees
    # "q3 and k1 is 4": [1, 1]·[2, 1] = 3, a slip.
    assert_slip(found, "scores[2][0]", 4, 3, "line 26")
    assert lesson.scale is True  # "We divide the scores by √2"
    assert_states(found, "weights[0]", expected["weights"][0], 2, "line 30")  # "of token 1 are 0.58, ..."
    assert_states(found, "context[0]", expected["context"][0], 2, "line 31")  # z_1
    assert_states(found, "context[2]", expected["context"][2], 2, "line 32")  # z_3
    assert slips(found) == ["scores[2][0]"]
    assert len(found) == 22 and not_read(lesson) == []


@pytest.mark.parametrize(
    ("subject", "row", "col"),
    [
        ("The dot product of q1 and k2", "1", "2"),
        ("the score between Q_cat and K_sat", "cat", "sat"),
        ("the score between the and sat", "the", "sat"),
        ("Raw score of dogs with cats", "dogs", "cats"),
        ("the scaled score of cat with the key of sat", "cat", "sat"),
    ],
)
def test_scores_named_in_words(subject, row, col):
    name = classify(subject)
    assert name is not None and name.kind == "scores"
    assert (name.row, name.col) == (row, col)


# ----------------------------------------------------------------- causal masking and a residual in words


CAUSAL = ([[1, 0], [0, 1], [1, 1]], [[1, 1], [0, 1]], [[1, 0], [1, 1]], [[0.5, 0], [0, 0.5]])


def test_a_mask_said_in_words_and_the_input_added_back():
    lesson, found = read("causal_residual.md")
    assert lesson.tokens == ("cats", "sleep", "well")
    assert lesson.causal is True  # "the second word cannot see the third"
    assert lesson.residual is True  # "Add the input back for 'sleep': ..."
    assert lesson.scale is True
    expected = attention(*CAUSAL, causal=True)
    # By hand: the first word sees only itself, weights [1, 0, 0]; "sleep" sees cats and itself:
    # scores [0·1 + 1·0, 0·1 + 1·1] / √2 = [0, 0.71], softmax [0.33, 0.67].
    np.testing.assert_allclose(expected["weights"][1], [0.3302, 0.6698, 0], atol=1e-4)
    assert_states(found, "weights[0]", [1, 0, 0], 0, "line 16")
    assert_states(found, "weights[1]", expected["weights"][1], 2, "line 17")
    assert_states(found, "weights[2][0]", expected["weights"][2][0], 2, "line 18")
    assert_states(found, "weights[2][1]", expected["weights"][2][1], 2, "line 18")
    # "Weights for well: ... well: 0.60": 0.6200 rounds to 0.62.
    assert_slip(found, "weights[2][2]", 0.60, expected["weights"][2][2], "line 18")
    assert_states(found, "context[1]", expected["context"][1], 2, "line 20")
    assert_states(found, "residual[1]", expected["residual"][1], 2, "line 22")  # [0, 1] + [0.17, 0.33]
    assert_states(found, "residual[2]", expected["residual"][2], 2, "line 23")
    assert slips(found) == ["weights[2][2]"]
    assert len(found) == 15 and not_read(lesson) == []
    assert any(note.startswith("causal:") and "only with the mask" in note for note in lesson.reading_notes)


# ----------------------------------------------------------------- plain text in columns apart by tabs


TABS = (
    [[2, 0, 1], [0, 1, 0], [1, 1, 1]],
    [[1, 0], [0, 1], [1, 1]],
    [[0, 1], [1, 0], [1, 1]],
    [[1, 0], [0, 1], [1, 1]],
)


def test_plain_text_in_columns_apart_by_tabs():
    assert "\t" in (FIXTURES / "tabs.txt").read_text(encoding="utf-8")
    lesson, found = read("tabs.txt")
    assert lesson.tokens == ("the", "sun", "rose")  # the header "word x1 x2 x3" is no token
    np.testing.assert_array_equal(lesson.embeddings, TABS[0])
    assert lesson.scale is False  # "raw scores (no scaling)"
    expected = attention(*TABS, scale=False)
    # By hand: Q_the = [2, 0, 1] W_q = [2 + 1, 0 + 1] = [3, 1]; K_rose = [1, 1, 1] W_k = [2, 2];
    # their dot product is 3·2 + 1·2 = 8.
    assert expected["scores"][0][2] == 8
    assert_states(found, "scores[0]", expected["scores"][0], 0, "line 16")  # a row under its header
    assert_states(found, "scores[1][0]", expected["scores"][1][0], 0, "line 17")
    assert_states(found, "scores[1][1]", expected["scores"][1][1], 0, "line 17")
    # "sun ... 3": Q_sun = [0, 1], K_rose = [2, 2]: 0·2 + 1·2 = 2, a slip.
    assert_slip(found, "scores[1][2]", 3, 2, "line 17")
    assert_states(found, "scores[2]", expected["scores"][2], 0, "line 18")
    for row in range(3):
        assert_states(found, f"weights[{row}]", expected["weights"][row], 2, f"line {22 + row}")
    assert_states(found, "context[2]", expected["context"][2], 2, "line 26")  # "Output for rose:<TAB>2.50..."
    assert slips(found) == ["scores[1][2]"]
    assert len(found) == 20 and not_read(lesson) == []


# ----------------------------------------------------------------- a notebook computing with @ and print(Q)


NOTEBOOK = ([[1, 0], [0, 1], [1, 1]], [[1, 2], [0, 1]], [[1, 0], [1, 1]], [[1, 1], [2, 0]])


def test_a_notebook_that_computes_with_the_at_operator_and_prints_unlabelled_arrays():
    lesson, found = read("numpy_at.ipynb")
    assert lesson.tokens == ("one", "two", "three")
    np.testing.assert_array_equal(lesson.embeddings, NOTEBOOK[0])
    expected = attention(*NOTEBOOK)
    assert_states(found, "q", expected["q"], 0, "cell 3 output, line 1")  # print(Q)
    assert_states(found, "scaled", expected["scaled"], 2, "cell 4 output, line 1")  # print(scores.round(2))
    assert_states(found, "weights", expected["weights"], 3, "cell 5 output, line 1")  # weights.round(3)
    assert_states(found, "context", expected["context"], 2, "cell 6 output, line 1")  # print(out.round(2))
    # The last cell, in words: "The keys are K = [[1, 0], [1, 1], [2, 2]]": K = X W_k, row 3 is
    # [1, 1] W_k = [1 + 1, 0 + 1] = [2, 1], so its 2 is a slip.
    assert_states(found, "k[0]", expected["k"][0], 0, "cell 7, line 1")
    assert_slip(found, "k[2][1]", 2, 1, "cell 7, line 1")
    assert slips(found) == ["k[2][1]"]
    assert len(found) == 36 and not_read(lesson) == []


# ----------------------------------------------------------------- capitalised tokens named in lower case


CAPITALS = ([[0.5, 1], [1, 0], [1, 1]], np.eye(2), [[2, 0], [0, 1]], [[1, 0], [1, 1]])


def test_capitalised_tokens_named_in_lower_case():
    lesson, found = read("capitals.md")
    assert lesson.tokens == ("The", "Cat", "Sat")
    expected = attention(*CAPITALS)
    assert_states(found, "q[1]", expected["q"][1], 0, "line 11")  # Q_cat = [1, 0]
    assert_states(found, "k[1]", expected["k"][1], 0, "line 11")  # K_cat = [1, 0] W_K = [2, 0]
    # "The dot product of Q_cat and K_sat is 2": [1, 0]·[2, 1] = 2; "the score between the and sat
    # is 2": [0.5, 1]·[2, 1] = 2 (scaled it would be 1.41, so the plain score).
    assert found["scores[1][2]"].stated == 2 and found["scores[1][2]"].agrees
    assert found["scores[0][2]"].stated == 2 and found["scores[0][2]"].agrees
    assert_states(found, "scaled[1][2]", expected["scaled"][1][2], 2, "line 13")  # 2 / √2 = 1.41
    assert_states(found, "weights[1]", expected["weights"][1], 2, "line 14")  # "for cat: the: 0.20, ..."
    assert_states(found, "context[0]", expected["context"][0], 2, "line 15")  # [+1.62, 0.78]
    assert_states(found, "context[2][0]", expected["context"][2][0], 2, "line 16")
    # "z_sat = [1.63, 0.57]": 0.7517 rounds to 0.75.
    assert_slip(found, "context[2][1]", 0.57, expected["context"][2][1], "line 16")
    assert slips(found) == ["context[2][1]"]
    assert len(found) == 14 and not_read(lesson) == []


# ----------------------------------------------------------------- what is still not read is said


def test_numbers_after_a_name_that_no_form_reads_are_listed(tmp_path):
    text = tmp_path / "working.md"
    text.write_text(
        "- p → [1, 0]\n- r → [0, 1]\n\n"
        "W_q = [[1, 2], [3, 4]]\nW_k = [[0, 1], [1, 0]]\nW_v = [[1, 0], [0, 1]]\n\n"
        "The keys, K = X @ W_k, come out as [[0, 1], [1, 0]] here.\n",
        encoding="utf-8",
    )
    lesson = load_lesson(text)
    assert not lesson.claims
    assert any(note.startswith("line 8:") for note in not_read(lesson)), lesson.reading_notes


def test_a_score_with_itself_and_a_second_number_the_sentence_does_not_name(tmp_path):
    text = tmp_path / "itself.md"
    text.write_text(
        "Tokens:\n'dogs': (0.2, 0.4)\n'chase': (0.6, −0.1)\n'cats': (+0.2, 0.8)\n\n"
        "W_q = [[1, 0], [0, 1]]\nW_k = [[0, 1], [1, 0]]\nW_v = [[1, 1], [0, 1]]\n\n"
        "The score of 'dogs' with itself is 0.16, and with 'cats' it is 0.24.\n"
        "The similarity between dogs and chase is 0.22.\n",
        encoding="utf-8",
    )
    lesson = load_lesson(text)
    found = {r.path: r for r in check_claims(lesson, compute(lesson))}
    assert lesson.tokens == ("dogs", "chase", "cats")
    # By hand: K = X W_k swaps the columns: K_dogs = [0.4, 0.2], K_chase = [−0.1, 0.6].
    # dogs with itself: 0.2·0.4 + 0.4·0.2 = 0.16; dogs with chase: 0.2·(−0.1) + 0.4·0.6 = 0.22.
    assert found["scores[0][0]"].stated == 0.16 and found["scores[0][0]"].agrees
    assert found["scores[0][1]"].stated == 0.22 and found["scores[0][1]"].agrees
    assert len(found) == 2  # "and with 'cats' it is 0.24" names no score by itself: listed, not guessed
    notes = not_read(lesson)
    assert any(note.startswith("line 10:") and "0.24" in note for note in notes), lesson.reading_notes


@pytest.mark.parametrize(
    ("sentence", "what", "value"),
    [
        ("We don't scale in this example.", "scale", False),
        ("We do not divide by anything here.", "scale", False),
        ("The second word cannot see the third.", "causal", True),
        ("Each word looks only at itself and the words before it.", "causal", True),
        ("Finally we add the input back.", "residual", True),
    ],
)
def test_settings_said_in_other_words(sentence, what, value):
    mentions = scan(text_lines(sentence)).mentions
    assert [(m.what, m.value) for m in mentions] == [(what, value)]


def test_the_dot_product_of_q_and_k_in_words_is_the_whole_score_matrix():
    name = classify("The dot product of Q and K")
    assert name is not None and (name.kind, name.row, name.col) == ("scores", None, None)
