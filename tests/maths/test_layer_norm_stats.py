"""The block's shown arithmetic: layer norm's mean and std, ReLU's input, W_o's products.

A one-token lesson worked by hand (with one token the attention weight is 1,
so the context is the token's value row and every later number is simple
arithmetic), then PyTorch on generated rows: ``torch.var_mean(unbiased=False)``
and ``F.layer_norm``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_math.lesson import FeedForward, Lesson
from attention_math.pipeline import compute, layer_norm, layer_norm_parts

EPS = 1e-5


def frozen(rows: object) -> np.ndarray:
    array = np.array(rows, dtype=np.float64)
    array.setflags(write=False)
    return array


@pytest.fixture(scope="module")
def one_token():
    """x = [1, 2, 3, 6]; W_v = I; W_o's first column [1, -1, 2, 0.5], the rest zero."""
    w_o = np.zeros((4, 4))
    w_o[:, 0] = [1.0, -1.0, 2.0, 0.5]
    w_1 = np.zeros((4, 2))
    w_1[0, 0] = w_1[1, 1] = 1.0
    w_2 = np.zeros((2, 4))
    w_2[0, 0] = 1.0
    lesson = Lesson(
        name="one token",
        description="",
        tokens=("a",),
        embeddings=frozen([[1.0, 2.0, 3.0, 6.0]]),
        w_q=frozen(np.eye(4)),
        w_k=frozen(np.eye(4)),
        w_v=frozen(np.eye(4)),
        w_o=frozen(w_o),
        feed_forward=FeedForward(
            w_1=frozen(w_1), b_1=frozen([0.0, 0.5]), w_2=frozen(w_2), b_2=frozen(np.zeros(4))
        ),
    )
    return compute(lesson)


def test_the_output_entry_is_the_concat_row_times_a_w_o_column_term_by_term(one_token):
    # concat = x = [1, 2, 3, 6]; products 1·1, 2·(−1), 3·2, 6·0.5 = 1, −2, 6, 3.
    assert one_token.output_terms[0][0].tolist() == [1.0, -2.0, 6.0, 3.0]
    assert one_token.output_partial[0][0].tolist() == [1.0, -1.0, 5.0, 8.0]
    assert one_token.get("output[0][0]") == 8.0
    assert one_token.output_terms[0][1].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_the_first_norm_shows_the_rows_mean_and_standard_deviation(one_token):
    # add_1 = x + output = [9, 2, 3, 6]: mean 20 / 4 = 5; deviations 4, −3, −2, 1;
    # squares 16 + 9 + 4 + 1 = 30, biased variance 30 / 4 = 7.5.
    assert one_token.add_1[0].tolist() == [9.0, 2.0, 3.0, 6.0]
    assert one_token.get("norm_1_mean[0]") == 5.0
    assert one_token.get("norm_1_std[0]") == pytest.approx(math.sqrt(7.5 + EPS), rel=1e-15)
    std = math.sqrt(7.5 + EPS)
    np.testing.assert_allclose(one_token.norm_1[0], [4 / std, -3 / std, -2 / std, 1 / std], rtol=1e-15)


def test_relu_input_keeps_the_negative_that_the_hidden_layer_sets_to_zero(one_token):
    # ffn_pre = norm_1 · W_1 + b_1 = [4/s, −3/s + 0.5] with s ≈ 2.739: the second is negative.
    s = math.sqrt(7.5 + EPS)
    np.testing.assert_allclose(one_token.ffn_pre[0], [4 / s, -3 / s + 0.5], rtol=1e-15)
    assert one_token.get("ffn_pre[0][1]") < 0
    assert one_token.ffn_hidden[0].tolist() == [one_token.ffn_pre[0][0], 0.0]


def test_the_second_norm_shows_its_mean_and_standard_deviation(one_token):
    # ffn_out = [4/s, 0, 0, 0]; add_2 = norm_1 + ffn_out = [8, −3, −2, 1] / s: mean 1/s,
    # deviations [7, −4, −3, 0] / s, squares 74 / s², variance 18.5 / s².
    s = math.sqrt(7.5 + EPS)
    assert one_token.get("norm_2_mean[0]") == pytest.approx(1 / s, rel=1e-14)
    assert one_token.get("norm_2_std[0]") == pytest.approx(math.sqrt(18.5 / s**2 + EPS), rel=1e-14)


def test_the_normalised_row_is_the_centred_row_divided_by_the_shown_std(one_token):
    for i in range(1):
        for add, norm, name in (
            (one_token.add_1, one_token.norm_1, "norm_1"),
            (one_token.add_2, one_token.norm_2, "norm_2"),
        ):
            mean = one_token.get(f"{name}_mean[{i}]")
            std = one_token.get(f"{name}_std[{i}]")
            np.testing.assert_allclose(norm[i], (add[i] - mean) / std, rtol=1e-13)


def test_without_w_o_there_are_no_output_products():
    lesson = Lesson(
        name="no w_o",
        description="",
        tokens=("a", "b"),
        embeddings=frozen([[1.0, 0.0], [0.0, 1.0]]),
        w_q=frozen(np.eye(2)),
        w_k=frozen(np.eye(2)),
        w_v=frozen(np.eye(2)),
    )
    trace = compute(lesson)
    assert trace.output_terms is None and trace.output_partial is None
    assert trace.norm_1_mean is not None  # the output is still as wide as X: a block follows


ROWS = arrays(
    np.float64,
    st.tuples(st.integers(1, 6), st.integers(2, 8)),
    elements=st.floats(-5, 5, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)


@settings(max_examples=80, deadline=None)
@given(rows=ROWS)
def test_mean_and_std_equal_torch_var_mean_without_bessel_correction(rows: np.ndarray) -> None:
    parts = layer_norm_parts(rows)
    variance, mean = torch.var_mean(torch.from_numpy(rows), dim=-1, unbiased=False)
    np.testing.assert_allclose(parts.mean, mean.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(parts.std, torch.sqrt(variance + EPS).numpy(), rtol=1e-12, atol=1e-12)
    expected = F.layer_norm(torch.from_numpy(rows), rows.shape[-1:], eps=EPS).numpy()
    np.testing.assert_allclose(parts.normalised, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(layer_norm(rows), parts.normalised)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), d=st.integers(2, 8), heads=st.sampled_from([1, 2])
)
def test_block_statistics_and_products_equal_torch(seed: int, n: int, d: int, heads: int) -> None:
    rng = np.random.default_rng(seed)
    d_v = 2 * heads
    lesson = Lesson(
        name="generated",
        description="",
        tokens=tuple(f"t{i}" for i in range(n)),
        embeddings=frozen(rng.normal(size=(n, d))),
        w_q=frozen(rng.normal(size=(d, 2 * heads))),
        w_k=frozen(rng.normal(size=(d, 2 * heads))),
        w_v=frozen(rng.normal(size=(d, d_v))),
        w_o=frozen(rng.normal(size=(d_v, d))),
        heads=heads,
        feed_forward=FeedForward(
            w_1=frozen(rng.normal(size=(d, 3))),
            b_1=frozen(rng.normal(size=3)),
            w_2=frozen(rng.normal(size=(3, d))),
            b_2=frozen(rng.normal(size=d)),
        ),
    )
    trace = compute(lesson)
    t = torch.from_numpy
    concat, w_o = t(np.array(trace.concat)), t(np.array(lesson.w_o))
    terms = concat[:, None, :] * w_o.T[None, :, :]  # [i][j][m] = concat[i][m] * w_o[m][j]
    np.testing.assert_allclose(trace.output_terms, terms.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(trace.output_partial[..., -1], (concat @ w_o).numpy(), rtol=1e-10, atol=1e-10)
    for add, name in ((trace.add_1, "norm_1"), (trace.add_2, "norm_2")):
        variance, mean = torch.var_mean(t(np.array(add)), dim=-1, unbiased=False)
        np.testing.assert_allclose(getattr(trace, f"{name}_mean"), mean.numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(
            getattr(trace, f"{name}_std"), torch.sqrt(variance + EPS).numpy(), rtol=1e-10, atol=1e-10
        )
    ffn = lesson.feed_forward
    assert ffn is not None
    pre = F.linear(t(np.array(trace.norm_1)), t(np.array(ffn.w_1)).T, t(np.array(ffn.b_1)))
    np.testing.assert_allclose(trace.ffn_pre, pre.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(trace.ffn_hidden, np.maximum(trace.ffn_pre, 0.0))
