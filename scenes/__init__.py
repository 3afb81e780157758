"""Manim scenes, one topic each, that draw only numbers taken from a trace.

``TOPICS`` maps each topic's CLI name to a one-line summary, in the order of
the pipeline; ``topic_class`` imports a scene lazily so listing topics does not
load Manim; ``lesson_for`` gives the lesson a topic draws (the masking topic
always shows causal attention).
"""

from __future__ import annotations

import dataclasses
from importlib import import_module

from attention_math.lesson import Lesson

__all__ = ["TOPICS", "DEFAULT_TOPIC", "MAX_TOKENS", "MAX_DIMENSIONS", "topic_class", "lesson_for", "drawable_problem"]

# The largest lesson whose matrices fit a 16:9 frame with readable numbers at 480p.
MAX_TOKENS = 6
MAX_DIMENSIONS = 8

# name -> (module, class, one-line summary), in pipeline order.
_REGISTRY: dict[str, tuple[str, str, str]] = {
    "projection": (
        "scenes.projection",
        "ProjectionScene",
        "Q, K and V as X times W: one row-times-column product with running sums, then all",
    ),
}

TOPICS: dict[str, str] = {name: summary for name, (_, _, summary) in _REGISTRY.items()}
DEFAULT_TOPIC = "projection"


def topic_class(name: str) -> type:
    """The scene class of topic ``name`` (KeyError lists the valid names)."""
    try:
        module, cls, _ = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; valid topics: {', '.join(_REGISTRY)}") from None
    return getattr(import_module(module), cls)


def lesson_for(topic: str, lesson: Lesson) -> Lesson:
    """The lesson topic ``topic`` draws: the masking topic is causal by definition."""
    if topic == "masking" and not lesson.causal:
        return dataclasses.replace(lesson, causal=True)
    return lesson


def drawable_problem(lesson: Lesson) -> str | None:
    """Why the scenes cannot draw ``lesson`` legibly, or None when they can."""
    widths = {"embeddings": lesson.d_model, "w_q": lesson.w_q.shape[1], "w_v": lesson.w_v.shape[1]}
    if lesson.n_tokens > MAX_TOKENS:
        return f"tokens: {lesson.n_tokens} tokens is more than the {MAX_TOKENS} a frame can show legibly"
    for key, width in widths.items():
        if width > MAX_DIMENSIONS:
            return f"{key}: {width} columns is more than the {MAX_DIMENSIONS} a frame can show legibly"
    return None
