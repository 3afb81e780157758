"""Check the numbers a lesson states (its ``claims``) against the computed trace.

A claim is compared element by element at the lesson's display precision: the
stated and computed numbers agree when `fmt` writes them the same way at
``lesson.decimals`` places, i.e. when a reader of the video would see the
number the lesson text states. At large magnitudes float64 itself cannot hold
the decimals (a score of exactly 0 between rows of size 1e12 computes as
−16777216): there, numbers within :data:`RELATIVE_TOLERANCE` of the largest
magnitude of the claimed matrix also agree, and the report marks them so.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import LessonError
from .formatting import fmt
from .lesson import Lesson
from .loading import _shape_text
from .trace import HeadTrace, Trace

__all__ = ["RELATIVE_TOLERANCE", "ClaimResult", "check_claims", "format_report"]

#: Two numbers agree when they differ by at most this fraction of the claimed
#: matrix's largest magnitude (float64 keeps about 16 digits; sums lose a few).
RELATIVE_TOLERANCE = 1e-12

# Trace names whose first index is a token (row) position ...
_TOKEN_ROWS = frozenset(
    "embeddings positional x q k v q_terms q_partial k_terms k_partial v_terms v_partial "
    "scores score_terms scaled mask masked exp row_sums weights context context_terms "
    "concat output output_terms output_partial residual add_1 norm_1 norm_1_mean norm_1_std ffn_pre "
    "ffn_hidden ffn_out add_2 norm_2 norm_2_mean norm_2_std".split()
)
# ... and those whose second index is a token too: the one a row attends to.
_TOKEN_PAIRS = frozenset("scores score_terms scaled mask masked exp weights context_terms".split())


@dataclass(frozen=True)
class ClaimResult:
    """One stated number next to the computed one.

    Attributes
    ----------
    path
        Element-level trace path, e.g. ``"q[2][0]"``.
    stated, computed
        The lesson's number and the trace's number.
    stated_text, computed_text
        Both written by `fmt` at the lesson's ``decimals``.
    agrees
        ``stated_text == computed_text``, or ``by_tolerance``.
    source
        Where the lesson text states the number (``"line 48"``); ``""`` for a
        lesson file's ``[claims]``.
    by_tolerance
        The texts differ, but only by float64 rounding at this magnitude:
        ``|stated - computed| <= RELATIVE_TOLERANCE * scale``, ``scale`` the
        largest magnitude in the claimed matrix.
    """

    path: str
    stated: float
    computed: float
    stated_text: str
    computed_text: str
    agrees: bool
    by_tolerance: bool = False
    source: str = ""


def check_claims(lesson: Lesson, trace: Trace) -> list[ClaimResult]:
    """Compare every claimed number of ``lesson`` with ``trace``.

    Parameters
    ----------
    lesson
        The lesson whose ``claims`` are checked; its ``decimals`` sets the
        precision of the comparison.
    trace
        ``compute(lesson)``.

    Returns
    -------
    list of ClaimResult
        One per stated number, in claim order, array claims expanded in
        row-major order (``"q[2]"`` gives ``"q[2][0]"``, ``"q[2][1]"``, ...).
        A claim read from a lesson text (``lesson.claim_sources``) carries its
        source line and is compared at the decimals the text states it with.

    Raises
    ------
    LessonError
        Keyed ``"claims.<path>"`` when the path names nothing in the trace, a
        word or a step this lesson does not compute, or when the stated
        shape differs from the computed one.
    """
    results: list[ClaimResult] = []
    for path, stated in lesson.claims.items():
        computed = _computed(trace, path)
        stated = np.asarray(stated, dtype=np.float64)
        if stated.shape != computed.shape:
            raise LessonError(
                f"claims.{path}",
                f"states {_shape_text(stated.shape)} but the trace has {_shape_text(computed.shape)} there",
            )
        scale = _scale(trace, path, computed)
        stated_at = lesson.claim_sources.get(path)
        places = lesson.decimals if stated_at is None or stated_at.places is None else stated_at.places
        for index in np.ndindex(computed.shape):
            result = _result(
                path + "".join(f"[{i}]" for i in index),
                float(stated[index]),
                float(computed[index]),
                places,
                scale,
            )
            if stated_at is not None:
                result = dataclasses.replace(result, source=stated_at.where)
            results.append(result)
    return results


def _scale(trace: Trace, path: str, computed: np.ndarray) -> float:
    """The largest magnitude in the matrix a claim is part of (its path without the last indices)."""
    whole = re.sub(r"(\[\d+\])+$", "", path.strip())
    try:
        values = np.asarray(trace.get(whole), dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        values = computed
    finite = values[np.isfinite(values)]
    return float(np.max(np.abs(finite))) if finite.size else 0.0


def format_report(results: Sequence[ClaimResult], lesson: Lesson) -> str:
    """A plain-text table of the claims, then a one-line summary.

    Parameters
    ----------
    results
        From `check_claims`.
    lesson
        The checked lesson: names its tokens and gives the precision.

    Returns
    -------
    str
        Columns: claim path, the token(s) it is about, stated, computed and
        ``✓`` (agrees) or ``✗`` (disagrees); last line e.g.
        ``"3 of 20 claims disagree"``. No trailing newline. A lesson read
        from a text gets a first column, ``where`` (the source line), and its
        ``reading_notes`` after the summary.
    """
    places = "decimal" if lesson.decimals == 1 else "decimals"
    title = f"Claims of lesson '{lesson.name}', compared at {lesson.decimals} {places}"
    sourced = any(r.source for r in results)
    if sourced:
        title = f"Numbers stated in '{lesson.name}', each compared at the decimals it is stated with"
    notes = [f"- {note}" for note in lesson.reading_notes]
    if notes:
        notes = ["", "How the text was read:", *notes]
    if not results:
        return "\n".join([title, "the lesson states no numbers to check", *notes])
    header = ("claim", "about", "stated", "computed", "")
    rows = [
        (
            r.path,
            _about(r.path, lesson.tokens),
            r.stated_text,
            r.computed_text,
            ("✓*" if r.by_tolerance else "✓") if r.agrees else "✗",
        )
        for r in results
    ]
    widths = [max(len(row[c]) for row in (header, *rows)) for c in range(4)]
    where_width = max(len("where"), *(len(r.source) for r in results))
    lines = [title, ""]
    for number, row in enumerate((header, *rows)):
        cells = [
            row[0].ljust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].rjust(widths[2]),
            row[3].rjust(widths[3]),
            row[4],
        ]
        if sourced:
            cells.insert(0, ("where" if number == 0 else results[number - 1].source).ljust(where_width))
        lines.append("  ".join(cells).rstrip())
    bad = sum(not r.agrees for r in results)
    verb = "disagrees" if bad == 1 else "disagree"
    noun = "claim" if len(results) == 1 else "claims"
    lines += ["", f"{bad} of {len(results)} {noun} {verb}"]
    if any(r.by_tolerance for r in results):
        lines.append(
            f"* agrees up to float64 rounding: differs by at most {RELATIVE_TOLERANCE:g} of the largest "
            "number in its matrix (at this magnitude the computer cannot hold the decimals)"
        )
    return "\n".join(lines + notes)


def _computed(trace: Trace, path: str) -> np.ndarray:
    key = f"claims.{path}"
    try:
        value = trace.get(path)
    except KeyError as error:
        raise LessonError(key, _problem(path, error)) from None
    if value is None:
        raise LessonError(key, "this lesson does not compute that step, so it has no numbers to check")
    if isinstance(value, str) or (isinstance(value, tuple) and value and isinstance(value[0], str)):
        raise LessonError(key, "names words, not numbers; claims state numbers")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise LessonError(key, f"names a {type(value).__name__}, not numbers") from None


def _problem(path: str, error: KeyError) -> str:
    """Say why ``path`` failed: a misspelt name (with a suggestion) or the trace's reason."""
    known = {field.name for node in (Trace, HeadTrace) for field in dataclasses.fields(node)}
    for name in re.findall(r"[A-Za-z_]\w*", path):
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return f"the trace has nothing called '{name}'{hint}"
    problem = getattr(error, "problem", None) or (error.args[0] if error.args else "")
    return "names nothing in the trace: " + " ".join(str(problem).split())


def _result(path: str, stated: float, computed: float, decimals: int, scale: float = 0.0) -> ClaimResult:
    stated_text = fmt(stated, decimals)
    computed_text = fmt(computed, decimals)
    same = stated_text == computed_text
    close = (
        not same
        and np.isfinite(stated)
        and np.isfinite(computed)
        and abs(stated - computed) <= RELATIVE_TOLERANCE * max(scale, abs(stated), abs(computed))
    )
    return ClaimResult(
        path=path,
        stated=stated,
        computed=computed,
        stated_text=stated_text,
        computed_text=computed_text,
        agrees=same or bool(close),
        by_tolerance=bool(close),
    )


def _about(path: str, tokens: Sequence[str]) -> str:
    """The token(s) a claim is about: "coding" for q[2][0], "I → coding" for weights[0][2]."""
    last = path.rpartition(".")[2]
    name = last.partition("[")[0]
    indices = [int(index) for index in re.findall(r"\[(\d+)\]", last)]
    if name not in _TOKEN_ROWS or not indices or indices[0] >= len(tokens):
        return ""
    about = tokens[indices[0]]
    if name in _TOKEN_PAIRS and len(indices) > 1 and indices[1] < len(tokens):
        about += f" → {tokens[indices[1]]}"
    return about
