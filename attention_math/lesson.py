"""The lesson: a user's worked example of attention, as validated, immutable data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

__all__ = ["PRIME", "FeedForward", "Lesson", "StatedAt", "Vocabulary", "token_labels"]

PRIME = "\u2032"
"""Marks a repeated token's label: the second "the" is drawn as "the′" (U+2032)."""


@dataclass(frozen=True)
class FeedForward:
    """Position-wise feed-forward layer ``relu(x @ w_1 + b_1) @ w_2 + b_2``."""

    w_1: np.ndarray  # (d_model, d_ff)
    b_1: np.ndarray  # (d_ff,)
    w_2: np.ndarray  # (d_ff, d_model)
    b_2: np.ndarray  # (d_model,)


@dataclass(frozen=True)
class Vocabulary:
    """Words the next-token step scores, each with its (tied) embedding row."""

    words: tuple[str, ...]
    embeddings: np.ndarray  # (len(words), d_model)


@dataclass(frozen=True)
class StatedAt:
    """Where a lesson text states a claim, and how precisely.

    Attributes
    ----------
    where
        The source line(s) as a report names them: ``"line 48"``,
        ``"lines 71, 85"``, ``"cell 4, line 2"``.
    places
        The decimals the text writes the number(s) with; the checker compares
        at this precision (None: at the lesson's ``decimals``).
    """

    where: str
    places: int | None = None


@dataclass(frozen=True)
class Lesson:
    """A validated lesson. Arrays are float64 and read-only.

    Shapes: ``embeddings`` (n, d_model); ``w_q``, ``w_k`` (d_model, d_qk);
    ``w_v`` (d_model, d_v); ``w_o`` (d_v, d_model) or None; ``heads`` divides
    d_qk and d_v. ``positional`` is ``"none"``, ``"sinusoidal"`` or an (n, d_model)
    array. ``claims`` maps a trace path (``"q"``, ``"q[2]"``, ``"scores[0][2]"``)
    to the number(s) the lesson text states there; ``claim_sources`` says,
    for a lesson read from a text (Markdown, notebook, plain text), where the
    text states each claim, and ``reading_notes`` how the text was read
    (settings chosen, ambiguities).
    """

    name: str
    description: str
    tokens: tuple[str, ...]
    embeddings: np.ndarray
    w_q: np.ndarray
    w_k: np.ndarray
    w_v: np.ndarray
    w_o: np.ndarray | None = None
    heads: int = 1
    scale: bool = True
    causal: bool = False
    residual: bool = False
    positional: str | np.ndarray = "none"
    decimals: int = 2
    feed_forward: FeedForward | None = None
    vocabulary: Vocabulary | None = None
    claims: Mapping[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    claim_sources: Mapping[str, StatedAt] = field(default_factory=dict)
    reading_notes: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, object]:
        """For pickling (a video rendered in several processes sends its lesson): read-only maps as dicts."""
        return {
            name: dict(value) if isinstance(value, MappingProxyType) else value
            for name, value in vars(self).items()
        }

    def __setstate__(self, state: dict[str, object]) -> None:
        """The lesson as pickled, its maps read-only again and its arrays too."""
        for name, value in state.items():
            if name in ("claims", "claim_sources") and isinstance(value, dict):
                value = MappingProxyType(value)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def d_model(self) -> int:
        return int(self.embeddings.shape[1])


def token_labels(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Labels that tell the tokens apart on screen, one per token.

    A token's first occurrence is labelled with the token itself; each later
    occurrence gets primes (``PRIME``), as few as make the label differ from
    every token and every label before it: ``("the", "cat", "the", "the")``
    gives ``("the", "cat", "the′", "the′′")``.
    """
    taken = set(tokens)
    seen: set[str] = set()
    labels = []
    for token in tokens:
        label = token
        if token in seen:
            primes = 1
            while (label := token + PRIME * primes) in taken:
                primes += 1
            taken.add(label)
        seen.add(token)
        labels.append(label)
    return tuple(labels)
