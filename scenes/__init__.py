"""Manim scenes, one topic each, that draw only numbers taken from a trace.

This is the registry of topics, the one place each is named and summed up:
``TOPICS`` maps each topic's CLI name to its one-line summary, in the order of
the pipeline (a scene's ``summary`` reads it from here); ``topic_class``
imports a scene lazily so listing topics does not load Manim; ``lesson_for``
gives the lesson a topic draws (the masking topic always shows causal
attention).

Each topic module (``scenes/<topic>.py``) draws with the kit
(``scenes/kit``) and imports no other topic; nothing here touches files,
processes or signals.
"""

from __future__ import annotations

import dataclasses
from importlib import import_module
from typing import TYPE_CHECKING

from attention_math.lesson import Lesson
from attention_math.trace import Trace

if TYPE_CHECKING:
    from scenes.kit.stage import TopicScene

__all__ = [
    "DEFAULT_TOPIC",
    "HEADINGS",
    "MAX_DIMENSIONS",
    "MAX_TOKENS",
    "MAX_VOCABULARY",
    "MAX_WORD_LENGTH",
    "TOPICS",
    "drawable_problem",
    "drawn_words",
    "lesson_for",
    "topic_class",
    "topic_problem",
]

# The largest lesson whose matrices fit a 16:9 frame with readable numbers at 480p.
MAX_TOKENS = 6
MAX_DIMENSIONS = 8
#: The longest token or vocabulary word drawn (a longer one squeezes every matrix it labels).
MAX_WORD_LENGTH = 16
MAX_VOCABULARY = 8

# name -> (module, class, heading for the title card, one-line summary), in pipeline order.
_REGISTRY: dict[str, tuple[str, str, str, str]] = {
    "embeddings": (
        "scenes.embeddings",
        "EmbeddingsScene",
        "Embeddings",
        "Tokens become rows of X: one token's embedding row, then all stacked; a dimension is one column",
    ),
    "positional": (
        "scenes.positional",
        "PositionalScene",
        "Positional encoding",
        "Why order matters, and the lesson's positional encoding added to the embeddings to give X",
    ),
    "projection": (
        "scenes.projection",
        "ProjectionScene",
        "Queries, keys and values",
        "Q, K and V as X times W: one row-times-column product with running sums, then all",
    ),
    "scores": (
        "scenes.scores",
        "ScoresScene",
        "Attention scores",
        "Scores Q·Kᵀ as query-key dot products: one cell with its products in full, then all, then ÷ √d_k",
    ),
    "softmax": (
        "scenes.softmax",
        "SoftmaxScene",
        "Softmax",
        (
            "Softmax: one row of scores in full (exp, sum, shares as bars), "
            "then every row of weights sums to one"
        ),
    ),
    "weighted_sum": (
        "scenes.weighted_sum",
        "WeightedSumScene",
        "Weighting the values",
        (
            "Context = weights times V: one token's value rows scaled by its weights and summed, "
            "then every token"
        ),
    ),
    "single_query": (
        "scenes.single_query",
        "SingleQueryScene",
        "One query, start to finish",
        (
            "One token start to finish: its query against every key, softmax, weighted values, "
            "context and residual"
        ),
    ),
    "multihead": (
        "scenes.multihead",
        "MultiheadScene",
        "Multi-head attention",
        (
            "Multi-head attention: Q, K, V split into heads, one attention pattern each, "
            "concatenated and projected by W_o"
        ),
    ),
    "masking": (
        "scenes.masking",
        "MaskingScene",
        "Causal masking",
        "Causal masking: scores of later tokens become −∞ before the softmax, so their weights are zero",
    ),
    "next_word": (
        "scenes.next_word",
        "NextWordScene",
        "Next-word prediction",
        "Next word: the last token's block output scored against every word's embedding, softmax, prediction",
    ),
    "block": (
        "scenes.block",
        "BlockScene",
        "The transformer block",
        "The transformer block: attention, Add & Norm, feed-forward, Add & Norm, with the lesson's numbers",
    ),
    "overview": (
        "scenes.overview",
        "OverviewScene",
        "The attention formula",
        "softmax(Q·Kᵀ/√d_k)·V built symbol by symbol, each symbol linked to its matrix",
    ),
}

TOPICS: dict[str, str] = {name: summary for name, (_, _, _, summary) in _REGISTRY.items()}
#: Each topic's heading, as its title card names it (no digits: it is drawn untraced).
HEADINGS: dict[str, str] = {name: heading for name, (_, _, heading, _) in _REGISTRY.items()}
DEFAULT_TOPIC = "multihead"


def topic_class(name: str) -> type[TopicScene]:
    """The scene class of topic ``name`` (KeyError lists the valid names)."""
    from scenes.kit.stage import TopicScene  # Manim, loaded only when a scene is wanted

    try:
        module, cls, _, _ = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; valid topics: {', '.join(_REGISTRY)}") from None
    scene = getattr(import_module(module), cls)
    if not (isinstance(scene, type) and issubclass(scene, TopicScene)):
        raise TypeError(f"{module}.{cls} is not a TopicScene")
    return scene


def lesson_for(topic: str, lesson: Lesson) -> Lesson:
    """The lesson topic ``topic`` draws: the masking topic is causal by definition."""
    if topic == "masking" and not lesson.causal:
        return dataclasses.replace(lesson, causal=True)
    return lesson


def drawn_words(lesson: Lesson) -> list[tuple[str, str]]:
    """The lesson's words the scenes draw, each with its key: its tokens, then its vocabulary's words."""
    words = [(f"tokens[{i}]", token) for i, token in enumerate(lesson.tokens)]
    if lesson.vocabulary is not None:
        words += [(f"vocabulary.words[{i}]", word) for i, word in enumerate(lesson.vocabulary.words)]
    return words


def drawable_problem(lesson: Lesson) -> str | None:
    """Why the scenes cannot draw ``lesson`` legibly, or None when they can."""
    widths = {"embeddings": lesson.d_model, "w_q": lesson.w_q.shape[1], "w_v": lesson.w_v.shape[1]}
    if lesson.n_tokens > MAX_TOKENS:
        return f"tokens: {lesson.n_tokens} tokens is more than the {MAX_TOKENS} a frame can show legibly"
    for key, width in widths.items():
        if width > MAX_DIMENSIONS:
            return f"{key}: {width} columns is more than the {MAX_DIMENSIONS} a frame can show legibly"
    if lesson.feed_forward is not None and lesson.feed_forward.w_1.shape[1] > MAX_DIMENSIONS:
        width = lesson.feed_forward.w_1.shape[1]
        return (
            f"feed_forward.w_1: {width} columns (d_ff) is more than the {MAX_DIMENSIONS} "
            "a frame can show legibly"
        )
    words = drawn_words(lesson)
    for key, word in words:
        if len(word) > MAX_WORD_LENGTH:
            return (
                f"{key}: {len(word)} characters is more than the {MAX_WORD_LENGTH} a row label can show "
                "legibly; shorten the word"
            )
    if lesson.vocabulary is not None and len(lesson.vocabulary.words) > MAX_VOCABULARY:
        count = len(lesson.vocabulary.words)
        return f"vocabulary.words: {count} words is more than the {MAX_VOCABULARY} a frame can show legibly"
    return None


def topic_problem(topic: str, trace: Trace) -> str | None:
    """Why ``topic`` cannot be drawn from ``trace``, or None when it can.

    The block and next-word topics need the attention output to be as wide as
    the embeddings (the residual adds them); other topics draw any lesson.
    """
    if topic in ("block", "next_word") and trace.norm_2 is None:
        width, d_model = trace.output.shape[1], trace.x.shape[1]
        return (
            f"{topic}: the attention output is {width} wide but the embeddings are {d_model}; "
            "give w_o (d_v × d_model) so the residual can add them"
        )
    return None
