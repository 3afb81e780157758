"""Sinusoidal positional encoding, checked against the formula of
"Attention Is All You Need" written out with math.sin and math.cos."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attention_math.positional import sinusoidal


def test_position_one_of_width_four_by_hand() -> None:
    # 10000 ** (0 / 4) = 1 and 10000 ** (2 / 4) = 100.
    expected = [math.sin(1.0), math.cos(1.0), math.sin(0.01), math.cos(0.01)]
    np.testing.assert_allclose(sinusoidal(2, 4)[1], expected, rtol=1e-15, atol=1e-15)


def test_position_three_of_odd_width_five_by_hand() -> None:
    # Columns 2i and 2i + 1 share 10000 ** (2i / 5); column 4 is a sine without a cosine.
    pos = 3.0
    expected = [
        math.sin(pos),
        math.cos(pos),
        math.sin(pos / 10000 ** (2 / 5)),
        math.cos(pos / 10000 ** (2 / 5)),
        math.sin(pos / 10000 ** (4 / 5)),
    ]
    np.testing.assert_allclose(sinusoidal(4, 5)[3], expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("d_model", [1, 2, 3, 6, 7, 8])
def test_every_entry_matches_the_formula(d_model: int) -> None:
    table = sinusoidal(6, d_model)
    assert table.shape == (6, d_model)
    assert table.dtype == np.float64
    for pos in range(6):
        for col in range(d_model):
            angle = pos / 10000 ** ((col - col % 2) / d_model)
            expected = math.sin(angle) if col % 2 == 0 else math.cos(angle)
            assert table[pos, col] == pytest.approx(expected, rel=1e-13, abs=1e-15)


def test_position_zero_is_sin_zero_cos_one() -> None:
    assert sinusoidal(1, 5).tolist() == [[0.0, 1.0, 0.0, 1.0, 0.0]]


def test_each_sine_cosine_pair_lies_on_the_unit_circle() -> None:
    table = sinusoidal(10, 8)
    np.testing.assert_allclose(table[:, 0::2] ** 2 + table[:, 1::2] ** 2, 1.0, rtol=1e-15)
    assert np.all(np.abs(table) <= 1.0)


def test_moving_k_positions_rotates_each_pair_by_a_fixed_angle() -> None:
    # The paper's reason for sinusoids: PE[pos + k] is a linear function of PE[pos]:
    # (sin(a + b), cos(a + b)) = (sin a cos b + cos a sin b, cos a cos b - sin a sin b).
    d_model, k = 6, 3
    table = sinusoidal(12, d_model)
    for i in range(d_model // 2):
        step = k / 10000 ** (2 * i / d_model)
        rotation = np.array([[math.cos(step), -math.sin(step)], [math.sin(step), math.cos(step)]])
        for pos in range(12 - k):
            pair = table[pos, 2 * i : 2 * i + 2]
            np.testing.assert_allclose(pair @ rotation, table[pos + k, 2 * i : 2 * i + 2], atol=1e-12)


def test_no_tokens_gives_an_empty_table() -> None:
    assert sinusoidal(0, 4).shape == (0, 4)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        sinusoidal(2, 0)
    with pytest.raises(ValueError):
        sinusoidal(-1, 4)
