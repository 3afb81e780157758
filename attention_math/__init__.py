"""Verified attention maths: every intermediate of self-attention, as a trace.

Pure Python + NumPy (float64); no drawing library is imported here.

>>> from attention_math import load_example, compute
>>> trace = compute(load_example("token-residual"))
>>> trace.get("scaled[0][1]")
3574.0
"""

from __future__ import annotations

from .check import ClaimResult, check_claims, format_report
from .errors import LessonError
from .examples import DEFAULT_EXAMPLE, EXAMPLES, example_names, load_example
from .formatting import fmt, fmt_percent
from .lesson import FeedForward, Lesson, Vocabulary
from .loading import lesson_from_dict, load_lesson
from .pipeline import compute
from .trace import HeadTrace, Trace

__all__ = [
    "DEFAULT_EXAMPLE",
    "EXAMPLES",
    "ClaimResult",
    "FeedForward",
    "HeadTrace",
    "Lesson",
    "LessonError",
    "Trace",
    "Vocabulary",
    "check_claims",
    "compute",
    "example_names",
    "fmt",
    "fmt_percent",
    "format_report",
    "lesson_from_dict",
    "load_example",
    "load_lesson",
]
