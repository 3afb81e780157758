"""The lessons the tests draw, each named by a *source*: a built-in example or a file under ``tests/``.

``"default"`` or ``"token-residual"`` is a built-in example;
``"lessons/largest.toml"`` or ``"bad_lessons/accepted/large-scores.toml"`` is a
lesson file, relative to ``tests/``. Test ids and xdist groups use these names.
"""

from __future__ import annotations

from attention_math import example_names, load_example, load_lesson
from attention_math.lesson import Lesson

from .paths import TESTS

__all__ = ["DRAWN_SOURCES", "LARGEST", "LARGE_SCORES", "load_source"]

#: The biggest lesson the scenes draw (6 tokens, 8 dimensions).
LARGEST = "lessons/largest.toml"
#: Scores far beyond what a naive softmax survives, and a repeated token.
LARGE_SCORES = "bad_lessons/accepted/large-scores.toml"
#: What every topic is drawn for in tests/drawing: every built-in example and the largest lesson.
DRAWN_SOURCES = [*example_names(), LARGEST]


def load_source(source: str) -> Lesson:
    """The lesson ``source`` names (loaded and validated, as ``render.py`` would)."""
    if source.endswith((".toml", ".json")):
        return load_lesson(TESTS / source)
    return load_example(source)
