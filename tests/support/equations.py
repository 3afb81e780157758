"""Redo a drawn equation by hand, from its drawn texts, independently of scenes.kit.equations.

A person checking an equation on screen reads the numbers as printed, does the
arithmetic exactly and rounds it the way every number on screen is rounded
(half away from zero at the lesson's decimals; a percentage at two places
fewer). :func:`holds` says whether that gives the drawn result, comparing
numbers (not strings), so it does not lean on the project's formatter.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = ["holds", "number"]

_EXACT = Context(prec=60)


def number(text: str) -> Decimal:
    """The value a drawn text shows: "−1.5" (U+2212 minus), "36%", "one"."""
    if text == "one":
        return Decimal(1)
    text = text.replace("\u2212", "-")
    if text.endswith("%"):
        return Decimal(text[:-1]) / 100
    return Decimal(text)


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_EXACT)


def holds(kind: str, operand_texts: tuple[str, ...], result_text: str, decimals: int) -> bool:
    """Whether the drawn operands, combined by ``kind`` and rounded as drawn, give the drawn result.

    ``kind`` is the equation kind's value: "sum", "product", "quotient",
    "square root" or "adds up to one" (which must come to exactly one).
    """
    ops = [number(t) for t in operand_texts]
    if kind in ("sum", "adds up to one"):
        exact = sum(ops, Decimal(0))
    elif kind == "product":
        (a, b) = ops
        exact = _EXACT.multiply(a, b)
    elif kind == "quotient":
        (a, b) = ops
        exact = _EXACT.divide(a, b)
    elif kind == "dot product":
        half = len(ops) // 2
        exact = sum((_EXACT.multiply(a, b) for a, b in zip(ops[:half], ops[half:], strict=True)), Decimal(0))
    elif kind == "square root":
        (a,) = ops
        exact = _EXACT.sqrt(a)
    else:
        raise ValueError(f"unknown equation kind {kind!r}")
    if kind == "adds up to one":
        return exact == 1
    result = number(result_text)
    if result_text.endswith("%"):
        return _rounded(exact * 100, max(decimals - 2, 0)) == result * 100
    return _rounded(exact, decimals) == result
