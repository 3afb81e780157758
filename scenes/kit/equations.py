"""Every equation a scene draws, recorded with the trace paths of its operands and result.

Numbers on screen are rounded to the lesson's decimals, so an equation that is
true of the trace's floats can be visibly false of the texts drawn: ``0.03 +
0.59 + 0.04 + 0.33`` under "adds up to one", ``0.3 ÷ 1.3 = 0.3``. Honest
arithmetic means a viewer who redoes the sum with the numbers on screen gets
the number on screen, or the scene says it does not quite, with ``≈``.

- :func:`relation` decides the sign: ``"="`` when the operation, done on the
  drawn (rounded) operand texts and rounded like every number on screen
  (:func:`attention_math.formatting.fmt` at the lesson's decimals), gives the
  drawn result text; ``"≈"`` otherwise.
- :class:`EquationLog` (``scene.equations``) records each equation drawn:
  its :class:`Kind`, operand and result trace paths (or :data:`ONE`), the texts
  as drawn and the sign drawn. Widgets that draw an equation ask the log for
  its sign (:meth:`EquationLog.record`, passing the traced texts they draw)
  and draw that sign.

Several equations may share one drawn sign (a row of products under one
``=``): they carry the same ``group`` and the sign is ``"="`` only when every
one of them holds (:meth:`EquationLog.record_group`).

Nothing here draws or reads a file; the arithmetic is on decimal texts, not floats.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from attention_math.formatting import INFINITY, MINUS, fmt, fmt_percent

__all__ = [
    "APPROX",
    "EQUALS",
    "ONE",
    "Drawn",
    "Equation",
    "EquationLog",
    "Kind",
    "evaluate",
    "parse",
    "relation",
]

EQUALS = "="
APPROX = "≈"
#: The result of an "adds up to one" equation: a constant, drawn as a word or a whole bar.
ONE = "one"


class Kind(Enum):
    """What an equation does to its operands."""

    SUM = "sum"
    """operands added: ``a + b + ... = result``"""
    PRODUCT = "product"
    """two factors multiplied: ``a × b = result``"""
    QUOTIENT = "quotient"
    """the first operand divided by the second: ``a ÷ b = result``"""
    SQUARE_ROOT = "square root"
    """the square root of one operand: ``√a = result``"""
    DOT_PRODUCT = "dot product"
    """the first half of the operands times the second half, entry by entry, added: one entry of A · B"""
    ADDS_UP_TO_ONE = "adds up to one"
    """operands added give one (the result is :data:`ONE`)"""


@dataclass(frozen=True)
class Equation:
    """One equation as drawn: what it does, where its numbers come from, what they read and the sign."""

    kind: Kind
    operands: tuple[str, ...]
    """Trace paths of the operands, in drawn order."""
    operand_texts: tuple[str, ...]
    """The operands as drawn (the formatter applied to the trace values)."""
    result: str
    """Trace path of the result, or :data:`ONE`."""
    result_text: str
    """The result as drawn (:data:`ONE` for "adds up to one")."""
    relation: str
    """The sign drawn: :data:`EQUALS` or :data:`APPROX`."""
    group: str
    """Names the equations that share one drawn sign (its own name when it has a sign of its own)."""


def parse(text: str) -> decimal.Decimal:
    """The number a drawn text shows: ``"−0.25"`` is -0.25, ``"36%"`` 0.36, ``"−∞"`` minus infinity,
    :data:`ONE` is 1."""
    if text == ONE:
        return decimal.Decimal(1)
    cleaned = text.replace(MINUS, "-").replace(INFINITY, "Infinity").strip()
    if cleaned.endswith("%"):
        return decimal.Decimal(cleaned[:-1]).scaleb(-2)
    return decimal.Decimal(cleaned)


def evaluate(kind: Kind, operands: Sequence[decimal.Decimal]) -> decimal.Decimal:
    """The exact result of ``kind`` on decimal operands (a quotient to 40 significant digits)."""
    context = decimal.Context(prec=40)
    if kind in (Kind.SUM, Kind.ADDS_UP_TO_ONE):
        total = decimal.Decimal(0)
        for value in operands:
            total = context.add(total, value)
        return total
    if kind is Kind.DOT_PRODUCT:
        half, odd = divmod(len(operands), 2)
        if odd or not half:
            raise ValueError(f"a dot product takes pairs of operands, got {len(operands)}")
        total = decimal.Decimal(0)
        for a, b in zip(operands[:half], operands[half:], strict=True):
            total = context.add(total, context.multiply(a, b))
        return total
    if kind is Kind.SQUARE_ROOT:
        if len(operands) != 1:
            raise ValueError(f"a square root takes one operand, got {len(operands)}")
        return context.sqrt(operands[0])
    if len(operands) != 2:
        raise ValueError(f"a {kind.value} takes two operands, got {len(operands)}")
    first, second = operands
    if kind is Kind.PRODUCT:
        return context.multiply(first, second)
    return context.divide(first, second)


def relation(kind: Kind, operand_texts: Sequence[str], result_text: str, decimals: int) -> str:
    """``"="`` if redoing the equation on the drawn texts gives the drawn result, else ``"≈"``.

    The operation is done exactly on the operands as drawn, then rounded at
    ``decimals`` places by the rule every number on screen is rounded by
    (:func:`~attention_math.formatting.fmt`). "Adds up to one" holds only when
    the drawn operands add up to exactly one.
    """
    exact = evaluate(kind, [parse(t) for t in operand_texts])
    if kind is Kind.ADDS_UP_TO_ONE:
        return EQUALS if exact == 1 else APPROX
    if not exact.is_finite():
        return EQUALS if exact == parse(result_text) else APPROX
    # The result rounded as it is drawn: a percentage (a share) or a plain number.
    rounded = fmt_percent if result_text.endswith("%") else fmt
    return EQUALS if rounded(float(exact), decimals) == result_text else APPROX


class EquationLog:
    """The equations drawn so far, in the order drawn (a scene's ``equations``).

    Widgets record an equation as they build it, passing the traced texts they
    draw (:class:`~scenes.kit.widgets.TracedText`: a trace path and the text
    drawn for it), and draw the sign the log returns.
    """

    def __init__(self) -> None:
        self.entries: list[Equation] = []

    def record(
        self,
        kind: Kind,
        operands: Sequence[Drawn],
        result: Drawn | None,
        *,
        decimals: int,
        group: str | None = None,
    ) -> str:
        """Record one equation with a sign of its own; returns the sign to draw.

        ``result`` is None for "adds up to one" (the result is :data:`ONE`);
        ``decimals`` is the precision the numbers are drawn at.
        """
        return self.record_group([(kind, operands, result)], decimals=decimals, group=group)

    def record_group(
        self,
        equations: Sequence[tuple[Kind, Sequence[Drawn], Drawn | None]],
        *,
        decimals: int,
        group: str | None = None,
    ) -> str:
        """Record equations drawn under one shared sign; returns it: ``"="`` only if every one holds."""
        if not equations:
            raise ValueError("a group of equations needs at least one")
        name = group if group is not None else f"#{len(self.entries)}"
        made = [
            (kind, tuple(_drawn(m) for m in ops), (ONE, ONE) if res is None else _drawn(res))
            for kind, ops, res in equations
        ]
        signs = [relation(kind, [t for _, t in ops], res[1], decimals) for kind, ops, res in made]
        sign = EQUALS if all(s == EQUALS for s in signs) else APPROX
        for kind, ops, res in made:
            self.entries.append(
                Equation(
                    kind=kind,
                    operands=tuple(p for p, _ in ops),
                    operand_texts=tuple(t for _, t in ops),
                    result=res[0],
                    result_text=res[1],
                    relation=sign,
                    group=name,
                )
            )
        return sign

    def groups(self) -> dict[str, list[Equation]]:
        """The recorded equations by the sign they share, in the order first drawn."""
        out: dict[str, list[Equation]] = {}
        for entry in self.entries:
            out.setdefault(entry.group, []).append(entry)
        return out


class Drawn(Protocol):
    """A traced number as drawn (a :class:`~scenes.kit.widgets.TracedText`): its path and its text."""

    @property
    def trace_path(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Reading:
    """A traced number as it will be drawn, before its text exists (``NumberFactory.text(path)``)."""

    trace_path: str
    text: str


def _drawn(mob: Drawn) -> tuple[str, str]:
    """(trace path, drawn text) of a traced number; its text without the spaces Pango may keep."""
    return mob.trace_path, mob.text.replace(" ", "")
