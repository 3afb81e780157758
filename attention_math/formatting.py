"""The one place numbers become text.

The screen, the numbers manifest (JSON) and the subtitles all format numbers
with :func:`fmt` and :func:`fmt_percent`, so the three always agree.

The rule is the one a person uses when rounding by hand: take the shortest
decimal that prints the float (``repr``), round half away from zero, drop
trailing zeros. Negative numbers use the Unicode minus sign ``"−"`` (U+2212),
which typesets at the width of a plus sign.
"""

from __future__ import annotations

import decimal
import math
import operator

__all__ = ["INFINITY", "MINUS", "fmt", "fmt_percent"]

MINUS = "\u2212"
"""The minus sign used for negative numbers (U+2212, not the ASCII hyphen)."""

INFINITY = "\u221e"
"""The infinity sign, e.g. for masked scores shown as ``"−∞"``."""


def fmt(value: float, decimals: int) -> str:
    """Format a number for a person to read.

    Parameters
    ----------
    value : float
        The number (anything ``float()`` accepts: Python or NumPy scalars).
    decimals : int
        Number of decimal places to round to, at least 0.

    Returns
    -------
    str
        The value rounded half away from zero at ``decimals`` places, working
        on the shortest decimal that represents the float, so ``2.675`` gives
        ``"2.68"`` (not the ``"2.67"`` binary rounding would give). Trailing
        zeros and a trailing point are dropped (``23.0`` gives ``"23"``,
        ``0.10`` gives ``"0.1"``). Negative numbers start with ``"−"``
        (U+2212). A value that rounds to zero is ``"0"``, never ``"−0"``.
        Infinities are ``"∞"`` and ``"−∞"``.

    Raises
    ------
    ValueError
        If ``value`` is NaN or ``decimals`` is negative.
    TypeError
        If ``decimals`` is not an integer.

    Examples
    --------
    >>> fmt(2.675, 2)
    '2.68'
    >>> fmt(-0.5, 0)
    '−1'
    >>> fmt(-0.004, 2)
    '0'
    """
    return _format_decimal(_exact_decimal(value), _places(decimals))


def fmt_percent(value: float, decimals: int) -> str:
    """Format a fraction (e.g. an attention weight) as a percentage.

    Parameters
    ----------
    value : float
        The fraction; ``1.0`` is ``"100%"``.
    decimals : int
        The lesson's decimal places for plain numbers. A weight shown as
        ``0.25`` at 2 decimals carries as much precision as ``25%``, so the
        percentage keeps ``max(decimals - 2, 0)`` decimal places.

    Returns
    -------
    str
        ``fmt(value * 100, max(decimals - 2, 0)) + "%"``, with one refinement:
        the multiplication by 100 is done in decimal, not in binary floating
        point, so ``0.285`` at 2 decimals gives ``"29%"`` as by hand (the
        float product ``28.499999999999996`` would give ``"28%"``).

    Raises
    ------
    ValueError
        If ``value`` is NaN or ``decimals`` is negative.

    Examples
    --------
    >>> fmt_percent(0.125, 3)
    '12.5%'
    >>> fmt_percent(1.0, 2)
    '100%'
    """
    places = max(_places(decimals) - 2, 0)
    return _format_decimal(_exact_decimal(value).scaleb(2), places) + "%"


def _places(decimals: int) -> int:
    """Validate a number of decimal places."""
    if isinstance(decimals, bool):
        raise TypeError(f"decimals must be an integer, got {decimals!r}")
    places = operator.index(decimals)
    if places < 0:
        raise ValueError(f"decimals must be at least 0, got {places}")
    return places


def _exact_decimal(value: float) -> decimal.Decimal:
    """The shortest decimal that round-trips to ``float(value)``."""
    number = float(value)
    if math.isnan(number):
        raise ValueError("cannot format NaN: a number shown must be a number")
    if math.isinf(number):
        return decimal.Decimal("-Infinity" if number < 0 else "Infinity")
    return decimal.Decimal(repr(number))


def _format_decimal(number: decimal.Decimal, places: int) -> str:
    """Round ``number`` half away from zero and write it with ``MINUS``."""
    if number.is_infinite():
        return (MINUS if number.is_signed() else "") + INFINITY
    # Enough precision for every digit left of the point plus ``places`` right of it
    # (a float can be as large as 1.8e308), so quantize never raises.
    precision = max(number.adjusted(), 0) + places + 2
    context = decimal.Context(prec=max(precision, 28), rounding=decimal.ROUND_HALF_UP)
    rounded = number.quantize(decimal.Decimal(1).scaleb(-places), context=context)
    if rounded.is_zero():
        return "0"
    text = format(abs(rounded), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (MINUS if rounded.is_signed() else "") + text
