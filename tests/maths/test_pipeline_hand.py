"""Seed lesson 002 ("Self-Attention for Token i"), worked by hand.

The published numbers are integers or halves, so float64 reproduces them
exactly and the test asserts equality, not closeness.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from attention_math.formatting import fmt
from attention_math.lesson import Lesson
from attention_math.pipeline import compute, layer_norm

X = [[6, 1, 4, 4], [8, 4, 6, 3]]
W_Q = [[1, 4, 3, 1], [1, 1, 3, 2], [3, 4, 4, 3], [1, 2, 2, 2]]
W_K = [[2, 1, 2, 1], [4, 1, 4, 2], [3, 4, 4, 1], [3, 4, 1, 2]]
W_V = [[4, 2, 4, 4], [3, 4, 1, 2], [2, 2, 4, 1], [4, 3, 1, 4]]


def matrix(rows: list[list[int]]) -> np.ndarray:
    array = np.array(rows, dtype=np.float64)
    array.setflags(write=False)
    return array


@pytest.fixture(scope="module")
def seed_002():
    lesson = Lesson(
        name="seed 002",
        description="Self-attention for token i, with a residual connection",
        tokens=("token 1", "token 2"),
        embeddings=matrix(X),
        w_q=matrix(W_Q),
        w_k=matrix(W_K),
        w_v=matrix(W_V),
        scale=True,
        residual=True,
    )
    return compute(lesson)


def test_queries_of_both_tokens(seed_002) -> None:
    # Q1[0] = 6*1 + 1*1 + 4*3 + 4*1 = 23;  Q1[1] = 6*4 + 1*1 + 4*4 + 4*2 = 49
    # Q1[2] = 6*3 + 1*3 + 4*4 + 4*2 = 45;  Q1[3] = 6*1 + 1*2 + 4*3 + 4*2 = 28
    assert seed_002.q[0].tolist() == [23, 49, 45, 28]
    # Q2 = [8+4+18+3, 32+4+24+6, 24+12+24+6, 8+8+18+6]
    assert seed_002.q[1].tolist() == [33, 66, 66, 40]


def test_keys_of_both_tokens(seed_002) -> None:
    # K1 = [12+4+12+12, 6+1+16+16, 12+4+16+4, 6+2+4+8]
    assert seed_002.k[0].tolist() == [40, 39, 36, 20]
    # K2 = [16+16+18+9, 8+4+24+12, 16+16+24+3, 8+8+6+6]
    assert seed_002.k[1].tolist() == [59, 48, 59, 28]


def test_values_of_both_tokens(seed_002) -> None:
    # V1 = [24+3+8+16, 12+4+8+12, 24+1+16+4, 24+2+4+16]
    assert seed_002.v[0].tolist() == [51, 36, 45, 46]
    # V2 = [32+12+12+12, 16+16+12+9, 32+4+24+3, 32+8+6+12]
    assert seed_002.v[1].tolist() == [68, 53, 63, 58]


def test_running_sum_for_q1_first_entry(seed_002) -> None:
    # 6*1 = 6, then + 1*1 = 7, then + 4*3 = 19, then + 4*1 = 23
    assert seed_002.q_terms[0][0].tolist() == [6, 1, 12, 4]
    assert seed_002.q_partial[0][0].tolist() == [6, 7, 19, 23]


def test_scores_of_token_1_before_and_after_scaling(seed_002) -> None:
    # Q1.K1 = 23*40 + 49*39 + 45*36 + 28*20 = 920 + 1911 + 1620 + 560 = 5011
    # Q1.K2 = 23*59 + 49*48 + 45*59 + 28*28 = 1357 + 2352 + 2655 + 784 = 7148
    assert seed_002.scores[0].tolist() == [5011, 7148]
    assert seed_002.heads[0].score_terms[0][0].tolist() == [920, 1911, 1620, 560]
    assert seed_002.heads[0].score_terms[0][1].tolist() == [1357, 2352, 2655, 784]
    # d_k = 4, so divide by sqrt(4) = 2: the lesson's [2505.5, 3574.0]
    assert seed_002.d_k == 4
    assert seed_002.scale == 2.0
    assert seed_002.scaled[0].tolist() == [2505.5, 3574.0]
    assert seed_002.get("scaled[0][0]") == 2505.5


def test_softmax_of_token_1_puts_all_weight_on_token_2(seed_002) -> None:
    # exp(2505.5 - 3574) = exp(-1068.5) is far below the smallest float64 (about e^-745).
    assert seed_002.exp[0].tolist() == [0.0, 1.0]
    assert seed_002.row_sums[0] == 1.0
    assert seed_002.weights[0].tolist() == [0.0, 1.0]


def test_context_of_token_1_is_v2(seed_002) -> None:
    # 0.0 * V1 + 1.0 * V2 = [68, 53, 63, 58]
    assert seed_002.context[0].tolist() == [68, 53, 63, 58]
    assert seed_002.output[0].tolist() == [68, 53, 63, 58]


def test_residual_of_token_1_adds_its_embedding(seed_002) -> None:
    # [6, 1, 4, 4] + [68, 53, 63, 58]
    assert seed_002.residual[0].tolist() == [74, 54, 67, 62]


def test_token_2_also_attends_only_to_itself(seed_002) -> None:
    # Q2.K1 = 1320 + 2574 + 2376 + 800 = 7070 -> 3535; Q2.K2 = 1947 + 3168 + 3894 + 1120 = 10129 -> 5064.5
    assert seed_002.scaled[1].tolist() == [3535.0, 5064.5]
    assert seed_002.weights[1].tolist() == [0.0, 1.0]
    # [8, 4, 6, 3] + [68, 53, 63, 58]
    assert seed_002.residual[1].tolist() == [76, 57, 69, 61]


def test_the_published_numbers_format_as_printed(seed_002) -> None:
    assert [fmt(value, 2) for value in seed_002.scaled[0]] == ["2505.5", "3574"]
    assert [fmt(value, 1) for value in seed_002.weights[0]] == ["0", "1"]


def test_two_heads_with_a_causal_mask_by_hand() -> None:
    # x = I (2 tokens, d_model 2), W_Q = W_K = W_V = I, two heads of width 1, so scale = sqrt(1) = 1.
    # Head 0 uses column 0: q = k = v = [1, 0]; scores = [[1, 0], [0, 0]];
    #   masked [[1, -inf], [0, 0]] -> weights [[1, 0], [1/2, 1/2]] -> context [[1], [1/2]].
    # Head 1 uses column 1: q = k = v = [0, 1]; scores = [[0, 0], [0, 1]];
    #   masked [[0, -inf], [0, 1]] -> weights [[1, 0], [1/(1+e), e/(1+e)]] -> context [[0], [e/(1+e)]].
    identity = matrix([[1, 0], [0, 1]])
    trace = compute(
        Lesson(
            name="two heads",
            description="",
            tokens=("a", "b"),
            embeddings=identity,
            w_q=identity,
            w_k=identity,
            w_v=identity,
            heads=2,
            causal=True,
        )
    )
    e = math.e
    assert trace.scale == 1.0
    assert trace.heads[0].masked.tolist() == [[1.0, -math.inf], [0.0, 0.0]]
    assert trace.heads[0].weights.tolist() == [[1.0, 0.0], [0.5, 0.5]]
    assert trace.heads[1].masked.tolist() == [[0.0, -math.inf], [0.0, 1.0]]
    np.testing.assert_allclose(trace.heads[1].weights, [[1, 0], [1 / (1 + e), e / (1 + e)]], rtol=1e-15)
    np.testing.assert_allclose(trace.concat, [[1, 0], [0.5, e / (1 + e)]], rtol=1e-15)
    assert trace.weights is None  # two heads: read heads[i].weights


def test_layer_norm_of_one_two_three_by_hand() -> None:
    # mean 2, biased variance ((1)^2 + 0 + 1^2) / 3 = 2/3
    denominator = math.sqrt(2 / 3 + 1e-5)
    np.testing.assert_allclose(
        layer_norm([[1.0, 2.0, 3.0]]), [[-1 / denominator, 0.0, 1 / denominator]], rtol=1e-15
    )
