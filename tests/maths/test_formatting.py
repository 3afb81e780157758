"""Numbers become text one way: rounded half away from zero, trailing zeros dropped,
a real minus sign. Every expectation here is rounded by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attention_math.formatting import fmt, fmt_percent

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        # 2.675 is stored as 2.67499999999999982236431605997495353221893310546875;
        # a person reads "2.675" and rounds the 5 up.
        (2.675, 2, "2.68"),
        (1.005, 2, "1.01"),
        (0.125, 2, "0.13"),
        (0.5, 0, "1"),
        (1.5, 0, "2"),
        (2.5, 0, "3"),  # half away from zero, not half to even
        (2505.5, 2, "2505.5"),
        (3574.0, 2, "3574"),
        (23.0, 2, "23"),
        (0.10, 2, "0.1"),
        (0.0, 2, "0"),
        (100.0, 0, "100"),  # zeros left of the point stay
        (1200.0, 2, "1200"),
        (0.123456, 4, "0.1235"),
        (0.99999, 2, "1"),
        (7, 2, "7"),
        (1.5e-7, 8, "0.00000015"),
        (1e21, 0, "1000000000000000000000"),
    ],
)
def test_positive_numbers_round_like_by_hand(value: float, decimals: int, text: str) -> None:
    assert fmt(value, decimals) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (-2.675, 2, MINUS + "2.68"),
        (-0.5, 0, MINUS + "1"),
        (-2.5, 0, MINUS + "3"),
        (-23.0, 2, MINUS + "23"),
        (-0.10, 3, MINUS + "0.1"),
    ],
)
def test_negative_numbers_use_the_unicode_minus(value: float, decimals: int, text: str) -> None:
    result = fmt(value, decimals)
    assert result == text
    assert "-" not in result


@pytest.mark.parametrize("value", [-0.0, -0.004, -1e-300, 0.004, -0.0049999])
def test_a_value_that_rounds_to_zero_is_plain_zero(value: float) -> None:
    assert fmt(value, 2) == "0"


def test_infinities_are_shown_with_the_infinity_sign() -> None:
    assert fmt(-math.inf, 2) == MINUS + "\u221e"
    assert fmt(math.inf, 0) == "\u221e"


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        fmt(math.nan, 2)
    with pytest.raises(ValueError):
        fmt_percent(math.nan, 2)


def test_numpy_scalars_format_like_python_floats() -> None:
    assert fmt(np.float64(2.675), 2) == "2.68"
    assert fmt(np.float32(0.5), 0) == "1"
    assert fmt(np.int64(-3), 2) == MINUS + "3"


def test_negative_decimal_places_are_refused() -> None:
    with pytest.raises(ValueError):
        fmt(1.0, -1)
    with pytest.raises(TypeError):
        fmt(1.0, 2.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1.0, 2, "100%"),
        (0.0, 2, "0%"),
        (0.25, 2, "25%"),
        (0.125, 2, "13%"),
        (0.125, 3, "12.5%"),
        (0.12345, 4, "12.35%"),
        (0.285, 2, "29%"),  # 0.285 * 100 in binary is 28.499999999999996; by hand it is 28.5
        (0.004, 2, "0%"),
        (0.005, 2, "1%"),
        (0.5, 0, "50%"),  # decimals below 2 keep 0 places
        (-0.25, 2, MINUS + "25%"),
    ],
)
def test_percentages_keep_two_fewer_places(value: float, decimals: int, text: str) -> None:
    assert fmt_percent(value, decimals) == text
