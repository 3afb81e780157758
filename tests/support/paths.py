"""Where things are, for every test: the project root and the test lesson folders."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ACCEPTED_LESSONS", "BAD_LESSONS", "EXAMPLES", "LESSONS", "ROOT", "TESTS"]

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
#: Lessons made for the tests (``largest.toml``: the biggest lesson the scenes draw).
LESSONS = TESTS / "lessons"
#: One file per mistake a person makes writing a lesson.
BAD_LESSONS = TESTS / "bad_lessons"
#: Odd lessons that must be accepted.
ACCEPTED_LESSONS = BAD_LESSONS / "accepted"
#: The built-in examples' lesson files.
EXAMPLES = ROOT / "attention_math" / "examples"
