"""Write a lesson as a lesson TOML file that `load_lesson` reads back to the same lesson.

Numbers are written so that they parse back to the same float64 (whole
numbers without a point, others as Python's shortest ``repr``). The source
line of each claim and the reading notes become comments. What a TOML lesson
cannot hold is said in the header: its claims are compared at the lesson's
``decimals`` rather than at the decimals each was stated with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np

from ..lesson import Lesson

__all__ = ["lesson_toml"]


def lesson_toml(lesson: Lesson, labels: dict[str, str] | None = None, header: Sequence[str] = ()) -> str:
    """The lesson as the text of a lesson TOML file.

    Parameters
    ----------
    lesson
        A lesson without feed-forward layer or vocabulary (as a text import makes).
    labels
        Claim path -> how the text names it, written after the source line.
    header
        Comment lines for the top of the file (without ``#``).
    """
    labels = labels or {}
    lines = [f"# {line}".rstrip() for line in header]
    for note in lesson.reading_notes:
        lines.append(f"#   - {note}")
    if lesson.claim_sources:
        lines.append("# Claims are compared here at `decimals`; read from the text, each was compared")
        lines.append("# at the decimals it is stated with.")
    if lines:
        lines.append("")
    lines.append(f"description = {_string(lesson.description)}")
    lines.append("")
    lines.append("tokens = [" + ", ".join(_string(token) for token in lesson.tokens) + "]")
    lines.append(f"embeddings = {_matrix(lesson.embeddings)}")
    if isinstance(lesson.positional, np.ndarray):
        lines.append(f"positional = {_matrix(lesson.positional)}")
    elif lesson.positional != "none":
        lines.append(f"positional = {_string(lesson.positional)}")
    for key in ("w_q", "w_k", "w_v", "w_o"):
        value = getattr(lesson, key)
        if value is not None:
            lines.append(f"{key} = {_matrix(value)}")
    if lesson.heads != 1:
        lines.append(f"heads = {lesson.heads}")
    for key in ("scale", "causal", "residual"):
        lines.append(f"{key} = {'true' if getattr(lesson, key) else 'false'}")
    lines.append(f"decimals = {lesson.decimals}")
    if lesson.claims:
        lines += ["", "[claims]"]
        for path, value in lesson.claims.items():
            comment = ""
            stated_at = lesson.claim_sources.get(path)
            if stated_at is not None:
                label = labels.get(path, "")
                comment = f"  # {stated_at.where}" + (f": {label}" if label else "")
            lines.append(f"{_string(path)} = {_nested(np.asarray(value))}{comment}")
    return "\n".join(lines) + "\n"


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for what json.dumps writes)."""
    return json.dumps(text, ensure_ascii=False)


def _number(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _nested(value: np.ndarray) -> str:
    if value.ndim == 0:
        return _number(float(value))
    return "[" + ", ".join(_nested(item) for item in value) + "]"


def _matrix(value: np.ndarray) -> str:
    if value.ndim == 2 and value.shape[0] > 1:
        return "[\n" + "".join(f"    {_nested(row)},\n" for row in value) + "]"
    return _nested(value)
