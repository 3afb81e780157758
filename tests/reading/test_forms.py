"""Each form a lesson text writes numbers in, read from a fixture.

The fixtures (``tests/reading/fixtures/``) all tell one small example, worked
by hand here so every expected number is independent of the reader:

    tokens cat, sat;  X = [[1, 0], [0, 1]]  (the identity)
    W_q = [[1, 2], [3, 4]],  W_k = [[0, 1], [1, 0]],  W_v = [[2, 0], [0, 2]]
    Q = X W_q = [[1, 2], [3, 4]];  K = X W_k = [[0, 1], [1, 0]];  V = [[2, 0], [0, 2]]
    Q Kᵀ = [[1·0 + 2·1, 1·1 + 2·0], [3·0 + 4·1, 3·1 + 4·0]] = [[2, 1], [4, 3]]
    unscaled softmax of [2, 1]: 1 / (1 + e^-1) = 0.7311, so [0.73, 0.27]
    scaled by √2: [1.4142, 0.7071], differ by 0.7071: 1 / (1 + e^-0.7071) = 0.6698,
        so [0.67, 0.33]; row sat [2.8284, 2.1213] differs by the same, [0.67, 0.33]
    unscaled context of cat: 0.7311·[2, 0] + 0.2689·[0, 2] = [1.46, 0.54]
    residual of cat: [1, 0] + [1.46, 0.54] = [2.46, 0.54]
"""

from __future__ import annotations

import numpy as np
import pytest

from attention_math import check_claims, compute, load_lesson
from attention_math.reading.forms import FormError, parse_value, split_comment
from attention_math.reading.names import classify, resolve_token
from attention_math.reading.text import repair_mojibake
from support.paths import TESTS

FIXTURES = TESTS / "reading" / "fixtures"

X = [[1, 0], [0, 1]]
W_Q = [[1, 2], [3, 4]]
W_K = [[0, 1], [1, 0]]
W_V = [[2, 0], [0, 2]]


def results(name):
    lesson = load_lesson(FIXTURES / name)
    return lesson, {r.path: r for r in check_claims(lesson, compute(lesson))}


def assert_inputs(lesson):
    assert lesson.tokens == ("cat", "sat")
    np.testing.assert_array_equal(lesson.embeddings, X)
    np.testing.assert_array_equal(lesson.w_q, W_Q)
    np.testing.assert_array_equal(lesson.w_k, W_K)
    np.testing.assert_array_equal(lesson.w_v, W_V)


# ----------------------------------------------------------------- token lists with vectors


def test_arrow_lines_give_tokens_and_python_lists_give_weights():
    lesson, found = results("arrows.txt")
    assert_inputs(lesson)
    # Q_sat is stated as [3, 5]; by hand it is [0, 1] W_q = [3, 4].
    assert not found["q[1][1]"].agrees and found["q[1][1]"].source == "line 12"
    assert found["q[1][1]"].stated == 5 and found["q[1][1]"].computed == 4
    assert all(r.agrees for path, r in found.items() if path != "q[1][1]")


def test_arrow_text_that_does_not_say_is_read_unscaled_because_its_softmax_agrees():
    lesson, found = results("arrows.txt")
    # softmax([2, 1]) = [0.73, 0.27] holds only for the plain dot products (see the module docstring).
    assert lesson.scale is False
    assert found["weights[0][0]"].agrees and found["weights[0][0]"].stated == 0.73
    assert any(note.startswith("scale: the text does not say") for note in lesson.reading_notes)


def test_a_dot_product_with_its_products_states_the_score_and_its_terms():
    _, found = results("arrows.txt")
    # (1 * 1) + (2 * 0) = 1 + 0 = 1: Q_cat · K_sat.
    assert found["scores[0][1]"].stated == 1 and found["scores[0][1]"].agrees
    assert [found[f"heads[0].score_terms[0][1][{m}]"].stated for m in (0, 1)] == [1, 0]


def test_bullets_with_colons_and_np_array_in_a_code_block():
    lesson, found = results("bullets.md")
    assert_inputs(lesson)
    assert lesson.scale is True  # "We divide the scores by √d_k"
    # "cat is 67% similar to itself and 33% similar to sat": the scaled weights.
    assert found["weights[0][0]"].stated == 0.67 and found["weights[0][0]"].agrees
    assert found["weights[0][1]"].stated == 0.33 and found["weights[0][1]"].agrees
    assert found["weights[0][0]"].source == "line 23"


# ----------------------------------------------------------------- matrices


def test_space_separated_rows_with_arrow_comments_name_the_tokens():
    lesson, found = results("rows.md")
    assert_inputs(lesson)  # W_query, Wk, W_value; rows "← cat", "← sat"
    assert lesson.scale is False  # "Without scaling"
    assert lesson.residual is True
    assert [found[f"k[{i}][{j}]"].stated for i in (0, 1) for j in (0, 1)] == [0, 1, 1, 0]
    assert found["context[0][0]"].stated == 1.46 and found["context[0][0]"].agrees
    # The text's residual [2.46, 0.64]: by hand [1, 0] + [1.46, 0.54] = [2.46, 0.54].
    assert found["residual[0][0]"].agrees
    assert not found["residual[0][1]"].agrees and found["residual[0][1]"].source == "line 27"


def test_latex_bmatrix_and_a_token_list():
    lesson, found = results("latex.md")
    assert_inputs(lesson)
    assert lesson.scale is True
    assert [found[f"scores[{i}][{j}]"].stated for i in (0, 1) for j in (0, 1)] == [2, 1, 4, 3]
    assert [found[f"weights[{i}][{j}]"].stated for i in (0, 1) for j in (0, 1)] == [0.67, 0.33, 0.67, 0.33]
    assert all(r.agrees for r in found.values())


def test_notebook_code_cells_and_their_printed_outputs():
    lesson, found = results("notebook.ipynb")
    assert_inputs(lesson)
    assert lesson.scale is True  # "/ np.sqrt(2)"
    assert found["q[1][1]"].source == "cell 2 output, line 1"  # "Queries:\n [[1 2]\n [3 4]]"
    assert found["scaled[0][0]"].stated == pytest.approx(1.41421356)
    # The shown weights say 0.31 for sat → sat; by hand it is 0.33.
    assert not found["weights[1][1]"].agrees
    assert found["weights[1][1]"].source == "cell 3 output, line 3"


# ----------------------------------------------------------------- the small parsers


@pytest.mark.parametrize(
    ("text", "expected", "places"),
    [
        ("[[0.1, 0.2], [0.3, 0.4]]", [[0.1, 0.2], [0.3, 0.4]], 1),
        ("np.array([[1, 2],\n [3, 4]], dtype=float)", [[1, 2], [3, 4]], 0),
        ("[[6 1 4 4]\n [8 4 6 3]]", [[6, 1, 4, 4], [8, 4, 6, 3]], 0),
        (r"\begin{bmatrix} 1 & -2.5 \\ −3 & 4 \end{bmatrix}", [[1, -2.5], [-3, 4]], 1),
        ("1.16, 0.23", [1.16, 0.23], 2),
        ("2505.5 (after /√d_k)", 2505.5, 1),
        ("torch.tensor([0.0353, 0.0801])", [0.0353, 0.0801], 4),
    ],
)
def test_literals(text, expected, places):
    literal = parse_value(text)
    assert literal is not None
    np.testing.assert_array_equal(literal.value, expected)
    assert literal.places == places


@pytest.mark.parametrize("text", ["[0.10.1 + 0.20.3]", "23*40 + 49*39", "Query", "0.5 * V1", "[a, b]"])
def test_what_is_not_a_literal(text):
    assert parse_value(text) is None


def test_ragged_rows_are_a_form_error():
    with pytest.raises(FormError, match="row 1 has 1 number, expected 2 like row 0"):
        parse_value("[[1, 2], [3]]")


def test_row_comments():
    assert split_comment("[[6 1 4 4]   ← token 1", code=True) == ("[[6 1 4 4]   ", "token 1")
    assert split_comment("[0.1, 0.2],  # love", code=True) == ("[0.1, 0.2],  ", "love")
    assert split_comment("# Step 1", code=False) == ("# Step 1", "")


def test_mojibake_of_arrows_and_signs_is_read_as_written():
    # UTF-8 read as Mac Roman: ← is E2 86 90, which Mac Roman shows as ‚ Ü ê.
    assert repair_mojibake("token 1 ‚Üê") == "token 1 ←"
    assert repair_mojibake("I ‚Üí [0.1]") == "I → [0.1]"
    assert repair_mojibake("/‚àöd_k") == "/√d_k"
    assert repair_mojibake("Q1¬∑Kj") == "Q1·Kj"
    assert repair_mojibake("café, naïve") == "café, naïve"  # real accents stay


@pytest.mark.parametrize(
    ("subject", "kind", "row"),
    [
        ("W_q", "w_q", None),
        ("W_Q", "w_q", None),
        ("W_query", "w_q", None),
        ("Wq", "w_q", None),
        ("W^{K}", "w_k", None),
        (r"\mathbf{W}_v", "w_v", None),
        ("Q_I", "q", "I"),
        ("Q1", "q", "1"),
        ("K_love", "k", "love"),
        ("queries", "q", None),
        ("K", "k", None),
        ("X", "embeddings", None),
        ("Attention for token 1", "context", "1"),
        ("X1 + Attention", "residual", "1"),
    ],
)
def test_names(subject, kind, row):
    name = classify(subject)
    assert name is not None and (name.kind, name.row) == (kind, row)


def test_a_score_between_two_quoted_tokens():
    name = classify("Attention Score for 'I' and 'love'", ["Q_I . K_love"])
    assert name is not None and (name.kind, name.row, name.col, name.dot) == ("scores", "I", "love", True)


def test_token_references():
    tokens = ("I", "love", "coding")
    assert resolve_token("love", tokens) == 1
    assert resolve_token("'coding'", tokens) == 2
    assert resolve_token("1", tokens) == 0  # "Q1": counted from 1
    assert resolve_token("0", tokens, one_based=False) == 0
    assert resolve_token("LOVE", tokens) == 1
    assert resolve_token("hate", tokens) is None


def test_causal_mask_rows_of_x_with_comments_and_a_weight_named_in_prose():
    # W_q = W_k = W_v = I, so Q = K = V = X = [[1, 0], [0, 1], [1, 1]] and the plain scores
    # are X Xᵀ: row "the" [1, 0, 1], row "cat" [0, 1, 1]. With the causal mask "the" sees
    # only itself: [1, 0, 0]; "cat" sees the, cat: softmax([0, 1]) = [1, e] / (1 + e)
    # = [0.27, 0.73], then 0 for "sat". Without the mask "the" would be [0.42, 0.16, 0.42].
    lesson, found = results("causal.md")
    assert lesson.tokens == ("the", "cat", "sat")  # x_1 = [1, 0]   # the
    np.testing.assert_array_equal(lesson.embeddings, [[1, 0], [0, 1], [1, 1]])
    np.testing.assert_array_equal(lesson.w_q, np.eye(2))  # "The query weight matrix W_q is [[1, 0], [0, 1]]"
    assert lesson.causal is True and lesson.scale is False
    assert [found[f"weights[0][{j}]"].stated for j in range(3)] == [1, 0, 0]
    assert [found[f"weights[1][{j}]"].stated for j in range(3)] == [0.27, 0.73, 0]
    assert all(r.agrees for r in found.values())
    assert any("causal" in note and "agree only with the mask" in note for note in lesson.reading_notes)


def test_a_markdown_table_of_tokens_and_weights_under_labels():
    # X = [[1, 0, 1], [0, 2, 0], [1, 1, 1]]; W_q = I so Q = X; W_k swaps the first two
    # columns, so K_am = [2, 0, 0] and Q_I · K_am = 1·2 + 0·0 + 1·0 = 2, as the text says.
    lesson, found = results("table.md")
    assert lesson.tokens == ("I", "am", "happy")
    np.testing.assert_array_equal(lesson.embeddings, [[1, 0, 1], [0, 2, 0], [1, 1, 1]])
    np.testing.assert_array_equal(lesson.w_q, np.eye(3))  # "Query weights:" then a code block
    np.testing.assert_array_equal(lesson.w_k, [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(lesson.w_v, [[1, 1, 0], [0, 1, 1], [1, 0, 1]])
    assert found["scores[0][1]"].stated == 2 and found["scores[0][1]"].agrees
    assert found["q[1][1]"].stated == 2 and found["q[1][1]"].source == "line 32"
    # Nothing in the text says whether scores are scaled, and no stated number tells: said so.
    assert any("does not say" in note and "do not tell" in note for note in lesson.reading_notes)


def test_a_python_dictionary_of_embeddings_and_key_rows_labelled_out_of_order(tmp_path):
    text = tmp_path / "dict.md"
    text.write_text(
        "```python\n"
        'embeddings = {"cat": [1, 0], "sat": [0, 1]}\n'
        "W_q = [[1, 2], [3, 4]]\nW_k = [[0, 1], [1, 0]]\nW_v = [[2, 0], [0, 2]]\n"
        "K = [[1, 0],   # sat\n"
        "     [0, 1]]   # cat\n"
        "```\n",
        encoding="utf-8",
    )
    lesson = load_lesson(text)
    assert_inputs(lesson)
    # K_cat = [1, 0] W_k = [0, 1] and K_sat = [1, 0]: the rows are given sat first.
    np.testing.assert_array_equal(lesson.claims["k"], [[0, 1], [1, 0]])
    found = {r.path: r for r in check_claims(lesson, compute(lesson))}
    assert all(r.agrees for r in found.values()) and found["k[0][1]"].source == "line 6"
