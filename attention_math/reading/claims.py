"""Stated results as claims: each statement becomes candidate trace paths.

A statement such as ``Q_love = ... = [0.21, 0.28]`` names one trace path
(``q[1]``); others can be read more than one way: ``scores for token 1 are
[2505.5, 3574.0]`` may be the plain dot products (``scores[0]``) or the
scaled ones (``scaled[0]``). A `Stated` claim lists its readings, the text's
most likely first; the importer keeps the first that agrees with the
computed numbers and reports when that is not the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .forms import NUMBER, FormError, number_places, parse_number, parse_value
from .names import Name, classify, clean_subject, resolve_token
from .scan import Percent, Statement

__all__ = ["Stated", "stated_claims"]


@dataclass(frozen=True)
class Stated:
    """One stated value and the trace paths it may be a claim about.

    Attributes
    ----------
    paths
        Candidate trace paths, the text's most likely reading first.
    value
        The stated number(s).
    places
        Decimals the text writes them with.
    where
        Source line, e.g. ``"line 48"``.
    order
        Position in the text (for sorting).
    label
        How the text names it (``"Q_love"``), for notes.
    needs
        A setting the path needs to exist (``"residual"``), or ``""``.
    """

    paths: tuple[str, ...]
    value: np.ndarray
    places: int
    where: str
    order: int
    label: str
    needs: str = ""


def stated_claims(
    statements: Sequence[Statement],
    percents: Sequence[Percent],
    tokens: Sequence[str],
    d_qk: int,
    has_w_o: bool,
    notes: list[str],
    unread: list[Statement] | None = None,
) -> list[Stated]:
    """Turn the stated results of a text into candidate claims.

    Statements the importer used as inputs (tokens, weights) must be left
    out by the caller. A statement whose token cannot be found is noted in
    ``notes`` and skipped. A statement that states numbers but names nothing
    this reader can tie them to (or not unambiguously) makes no claim; it is
    added to ``unread`` so the caller can say so.
    """
    one_based = _one_based(statements)
    claims: list[Stated] = []
    for statement in statements:
        if statement.literal is None:
            continue
        name = classify(statement.subject, statement.middle, statement.literal.rest)
        if name is not None and (name.kind.startswith("w_") or name.kind == "embeddings"):
            continue
        noted = len(notes)
        made = (
            [] if name is None else _from_statement(statement, name, tokens, d_qk, has_w_o, one_based, notes)
        )
        if not made and len(notes) == noted and unread is not None:
            unread.append(statement)
        claims.extend(made)
    for percent in percents:
        row = resolve_token(percent.row, tokens, one_based)
        col = (
            row
            if percent.col.lower() in ("itself", "himself", "herself")
            else resolve_token(percent.col, tokens)
        )
        if row is None or col is None:
            continue
        claims.append(
            Stated(
                (f"weights[{row}][{col}]",),
                np.array(percent.value),
                percent.places,
                percent.where,
                percent.order,
                f"{percent.value:.0%} of {tokens[row]}'s attention on {tokens[col]}",
            )
        )
    return sorted(claims, key=lambda claim: claim.order)


def _one_based(statements: Sequence[Statement]) -> bool:
    """Numbered tokens (``Q1``, ``token 2``) count from 1 unless the text names a 0th."""
    for statement in statements:
        if re.search(r"\b(?:[QKVXqkvx]_?0|token\s*0)\b", statement.subject + " " + statement.text):
            return False
    return True


def _from_statement(
    statement: Statement,
    name: Name,
    tokens: Sequence[str],
    d_qk: int,
    has_w_o: bool,
    one_based: bool,
    notes: list[str],
) -> list[Stated]:
    assert statement.literal is not None
    value = statement.literal.value
    if value.ndim == 2 and 1 in value.shape and (name.row is not None or statement.context_row):
        value = value.reshape(-1)  # a row or column vector written as a matrix
    places = statement.literal.places
    label = _label(statement.subject)
    here = (statement.where, statement.order, label)
    row = resolve_token(name.row, tokens, one_based) if name.row else None
    listed = statement.separator in ("list", "pairs")
    if (
        name.row is None
        and statement.context_row
        and (name.kind in ("scores", "softmax", "context", "residual") or (listed and name.kind == "weights"))
    ):
        row = resolve_token(statement.context_row, tokens, one_based)
    if listed and row is None and value.ndim == 1:
        return []  # a bare list of numbers whose token the text does not name: not read
    if statement.col_labels:
        return _labelled(statement, name, row, tokens, one_based, notes)
    if name.row is not None and row is None:
        notes.append(
            f"{statement.where}: '{label}' names '{name.row}', which is not one of the tokens; not checked"
        )
        return []

    def one(paths: Sequence[str], needs: str = "") -> list[Stated]:
        return [Stated(tuple(paths), value, places, *here, needs=needs)]

    if name.kind in ("q", "k", "v"):
        if row is not None and value.ndim == 1:
            return one([f"{name.kind}[{row}]"])
        if value.ndim == 2:
            order = _labelled_order(statement.row_labels, tokens, one_based)
            if order is not None:
                value = value[np.argsort(order)]  # rows labelled "← sat", "← cat": put them in token order
                return [Stated((name.kind,), value, places, *here)]
            return one([name.kind])
        return []
    if name.kind == "context":
        kind = "output" if has_w_o else "context"
        if row is not None and value.ndim == 1:
            return one([f"{kind}[{row}]"])
        return one([kind]) if value.ndim == 2 else []
    if name.kind == "residual":
        if row is not None and value.ndim == 1:
            return one([f"residual[{row}]"], needs="residual")
        return one(["residual"], needs="residual") if value.ndim == 2 else []
    if name.kind == "weights":
        col = resolve_token(name.col, tokens, one_based) if name.col else None
        if name.col is not None and col is None:
            notes.append(
                f"{statement.where}: '{label}' names '{name.col}', which is not one of the tokens; "
                "not checked"
            )
            return []
        if row is not None and col is not None and value.ndim == 0:
            return one([f"weights[{row}][{col}]"])
        if row is not None and value.ndim == 1:
            return one([f"weights[{row}]"])
        return one(["weights"]) if value.ndim == 2 else []
    if name.kind == "softmax":
        return _softmax(statement, row, len(tokens), notes)
    if name.kind == "scores":
        return _scores(statement, name, row, tokens, d_qk, one_based)
    return []


def _labelled(
    statement: Statement,
    name: Name,
    row: int | None,
    tokens: Sequence[str],
    one_based: bool,
    notes: list[str],
) -> list[Stated]:
    """Numbers each named by a token: ``the: 0.40, cat: 0.40`` (one row) or a table (rows and columns)."""
    assert statement.literal is not None
    value = statement.literal.value
    label = _label(statement.subject)
    kind = {"softmax": "weights"}.get(name.kind, name.kind)
    if kind not in ("weights", "scores"):
        return []
    cols = [resolve_token(text, tokens, one_based) for text in statement.col_labels]
    rows: list[int | None] = [row]
    if value.ndim == 2:
        rows = [resolve_token(text, tokens, one_based) for text in statement.row_labels]
    unknown = [
        text
        for text, index in zip([*statement.col_labels, *statement.row_labels], [*cols, *rows], strict=False)
        if index is None
    ]
    if unknown or len(set(cols)) != len(cols):
        notes.append(
            f"{statement.where}: '{label}' names {', '.join(repr(t) for t in unknown) or 'a token twice'}, "
            "not the lesson's tokens; not checked"
        )
        return []
    if value.ndim == 2 and sorted(i for i in rows if i is not None) != list(range(len(tokens))):
        return []
    claims = []
    grid = value.reshape(len(rows), len(cols))
    first_line = re.fullmatch(r"line (\d+)", statement.where)
    for r, row_index in enumerate(rows):
        # A table's row r is row_gap + r lines under its header (after the rule row, if any).
        where = (
            f"line {int(first_line.group(1)) + statement.row_gap + r}"
            if first_line and value.ndim == 2
            else statement.where
        )
        for c, col_index in enumerate(cols):
            index = f"[{row_index}][{col_index}]"
            paths = [f"weights{index}"] if kind == "weights" else _score_paths(index, name)
            claims.append(
                Stated(
                    tuple(paths),
                    np.array(grid[r, c]),
                    statement.literal.places,
                    where,
                    statement.order,
                    label,
                )
            )
    return claims


def _labelled_order(labels: Sequence[str], tokens: Sequence[str], one_based: bool) -> list[int] | None:
    """The token of each row, from row comments (``← K1``, ``# love``), when they name every token once."""
    if len(labels) != len(tokens) or not all(labels):
        return None
    order = []
    for label in labels:
        text = label.strip(" '\"‘’“”:")
        index = resolve_token(text, tokens, one_based)
        if index is None:
            stripped = re.sub(r"^(?:[QKVqkvXxZz]|token|row)\s*_?", "", text)
            index = resolve_token(stripped, tokens, one_based)
        if index is None:
            return None
        order.append(index)
    return order if sorted(order) == list(range(len(tokens))) else None


def _label(subject: str) -> str:
    """How the text names a statement, short: ``Q_love``, ``softmax([2505.5, 3574.0])``."""
    text = clean_subject(subject)
    return text if len(text) <= 40 else text[:37] + "..."


def _score_paths(index: str, name: Name) -> list[str]:
    if name.scaled:
        return [f"scaled{index}"]
    if name.dot:
        return [f"scores{index}", f"scaled{index}"]
    return [f"scaled{index}", f"scores{index}"]


def _scores(
    statement: Statement, name: Name, row: int | None, tokens: Sequence[str], d_qk: int, one_based: bool
) -> list[Stated]:
    assert statement.literal is not None
    value = statement.literal.value
    places = statement.literal.places
    label = _label(statement.subject)
    col = resolve_token(name.col, tokens, one_based) if name.col else None
    claims: list[Stated] = []
    if row is not None and col is not None and value.ndim == 0:
        claims.append(
            Stated(
                tuple(_score_paths(f"[{row}][{col}]", name)),
                value,
                places,
                statement.where,
                statement.order,
                label,
            )
        )
        terms = _terms(statement.middle, d_qk)
        if terms is not None and name.dot:
            claims.append(
                Stated(
                    (f"heads[0].score_terms[{row}][{col}]",),
                    terms[0],
                    terms[1],
                    statement.where,
                    statement.order,
                    label + " (its products)",
                )
            )
    elif row is not None and value.ndim == 1 and len(value) == len(tokens):
        claims.append(
            Stated(
                tuple(_score_paths(f"[{row}]", name)), value, places, statement.where, statement.order, label
            )
        )
    elif value.ndim == 2:
        claims.append(
            Stated(tuple(_score_paths("", name)), value, places, statement.where, statement.order, label)
        )
    return claims


def _terms(middle: Sequence[str], d_qk: int) -> tuple[np.ndarray, int] | None:
    """The products of a dot product when the working lists them: ``... = 0.0133 + 0.022 = 0.0353``."""
    if not middle:
        return None
    last = middle[-1].strip()
    if not re.fullmatch(rf"\s*{NUMBER.pattern}(?:\s*\+\s*{NUMBER.pattern})+\s*", last):
        return None
    numbers = NUMBER.findall(last.replace(" ", ""))
    numbers = [n.lstrip("+") for n in re.findall(rf"{NUMBER.pattern}", last)]
    if len(numbers) != d_qk:
        return None
    return np.array([parse_number(n) for n in numbers]), max(number_places(n) for n in numbers)


def _softmax(statement: Statement, row: int | None, n: int, notes: list[str]) -> list[Stated]:
    """``softmax([2505.5, 3574.0]) = [0.0, 1.0]``: a claim on the input row and one on the weights."""
    assert statement.literal is not None
    inner = re.sub(r"^[^(]*?softmax\s*\(", "", statement.subject, count=1, flags=re.IGNORECASE)
    try:
        given = parse_value(inner)
    except FormError:
        given = None
    rows = [row] if row is not None else list(range(n))
    if row is not None and given is not None:
        # The softmax states its input: the row whose scores those are may differ from the token
        # the text spoke of last; the row named first, then the others.
        rows += [i for i in range(n) if i != row]
    output = statement.literal.value
    label = _label(statement.subject)
    claims = []
    if given is not None and given.value.ndim == 1 and len(given.value) == n:
        paths = [p for i in rows for p in (f"scaled[{i}]", f"scores[{i}]")]
        claims.append(
            Stated(tuple(paths), given.value, given.places, statement.where, statement.order, label)
        )
    if output.ndim == 1 and len(output) == n:
        claims.append(
            Stated(
                tuple(f"weights[{i}]" for i in rows),
                output,
                statement.literal.places,
                statement.where,
                statement.order,
                label,
            )
        )
    elif output.ndim == 2:
        claims.append(
            Stated(("weights",), output, statement.literal.places, statement.where, statement.order, label)
        )
    if row is None and n > 1 and claims and output.ndim == 1:
        notes.append(
            f"{statement.where}: '{label}' does not say whose row it is; matched against every token's row"
        )
    return claims
