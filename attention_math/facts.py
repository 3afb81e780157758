"""Statements about a lesson's numbers, derived from its trace.

The narration says things like "'cat' attends most to 'sat'" or "head two
looks mostly at the previous token". Such a sentence must hold for *any*
lesson, ties and one-token lessons included, so it is never typed: a function
here reads the trace and returns a :class:`Fact`: what kind of statement, the
trace paths it rests on and what it found. The narration phrases the fact;
the numbers manifest records it; the tests re-check each recorded fact
against the trace with their own arithmetic.

Comparisons are made at the lesson's display precision: two weights that
show as the same number are a tie, since the viewer cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .formatting import fmt
from .trace import Trace

__all__ = ["NEAR_TIE", "Fact", "focus", "head_habit", "masked_future", "prediction"]

#: Two probabilities closer than this (after rounding) make a near-tie.
NEAR_TIE = 0.05


@dataclass(frozen=True)
class Fact:
    """One statement about the trace.

    ``kind`` names the statement; ``paths`` are the trace paths it rests on;
    ``found`` is what it says, as plain values (indices, counts, flags), for
    the phrasing and the manifest.
    """

    kind: str
    paths: tuple[str, ...]
    found: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "paths": list(self.paths), **self.found}


def _shown(values: np.ndarray, decimals: int) -> list[str]:
    return [fmt(float(v), decimals) for v in values]


def _top(values: np.ndarray, decimals: int) -> list[int]:
    """Indices of the largest values as shown (a tie when several show the same)."""
    texts = _shown(values, decimals)
    best = max(range(len(values)), key=lambda j: values[j])
    return [j for j, text in enumerate(texts) if text == texts[best]]


def focus(trace: Trace, head: int, row: int) -> Fact:
    """Where token ``row`` of head ``head`` puts its attention.

    ``kind`` is ``"only"`` (it can see a single token: one-token lessons, the
    first row of a causal mask), ``"even"`` (every visible token gets the same
    weight as shown), ``"tie"`` (several share the largest weight) or
    ``"most"`` (one token gets the most). ``found``: ``row``, ``head``,
    ``targets`` (the token indices with the largest weight), ``visible``.
    """
    weights = trace.heads[head].weights[row]
    mask = trace.heads[head].mask
    visible = [j for j in range(len(weights)) if mask is None or not mask[row][j]]
    decimals = trace.lesson.decimals
    top = _top(weights[visible], decimals)
    targets = [visible[j] for j in top]
    if len(visible) == 1:
        kind = "only"
    elif len(targets) == len(visible):
        kind = "even"
    elif len(targets) > 1:
        kind = "tie"
    else:
        kind = "most"
    paths = tuple(f"heads[{head}].weights[{row}][{j}]" for j in visible)
    return Fact(kind, paths, {"head": head, "row": row, "targets": targets, "visible": visible})


def masked_future(trace: Trace, head: int, row: int) -> Fact:
    """Which tokens after ``row`` the causal mask hides (``kind`` ``"masked"``; ``hidden`` may be empty)."""
    mask = trace.heads[head].mask
    n = len(trace.tokens)
    hidden = [j for j in range(n) if mask is not None and bool(mask[row][j])]
    paths = tuple(f"heads[{head}].weights[{row}][{j}]" for j in hidden)
    return Fact("masked", paths, {"head": head, "row": row, "hidden": hidden})


_HABITS = ("itself", "previous", "first")


def head_habit(trace: Trace, head: int) -> Fact:
    """What head ``head`` mostly looks at: ``habit`` is "itself", "previous", "first" or "varied".

    A habit holds when, in more than half of the rows that have a choice (more
    than one visible token), the habit's token is among the row's most
    weighted tokens as shown. ``rows`` is how many rows have it, ``of`` how
    many rows were counted.
    """
    counted = 0
    hits = dict.fromkeys(_HABITS, 0)
    paths: list[str] = []
    for row in range(len(trace.tokens)):
        fact = focus(trace, head, row)
        if fact.kind == "only":
            continue
        counted += 1
        paths += fact.paths
        targets = fact.found["targets"]
        if fact.kind == "even":
            continue
        hits["itself"] += row in targets
        hits["previous"] += row > 0 and (row - 1) in targets
        hits["first"] += 0 in targets
    best = max(_HABITS, key=lambda habit: hits[habit])
    habit = best if counted and hits[best] * 2 > counted else "varied"
    return Fact(
        "habit",
        tuple(paths),
        {"head": head, "habit": habit, "rows": hits.get(habit, 0) if habit != "varied" else 0, "of": counted},
    )


def prediction(trace: Trace) -> Fact:
    """The next-word prediction: ``kind`` ``"clear"``, ``"near"`` (within :data:`NEAR_TIE`) or ``"tie"``.

    ``found``: ``winners`` (vocabulary indices with the top probability as
    shown), ``runner_up`` (the best of the rest, or None) and ``margin`` (the
    shown gap between them, as a float).
    """
    if trace.probs is None:
        raise ValueError("this lesson has no next-word prediction (the block needs d_out == d_model)")
    probs = trace.probs
    decimals = trace.lesson.decimals
    winners = _top(probs, decimals)
    rest = [j for j in range(len(probs)) if j not in winners]
    runner_up = max(rest, key=lambda j: probs[j]) if rest else None
    shown = [float(text.replace("\u2212", "-")) for text in _shown(probs, decimals)]
    margin = shown[winners[0]] - shown[runner_up] if runner_up is not None else 0.0
    if len(winners) > 1:
        kind = "tie"
    elif runner_up is not None and margin < NEAR_TIE:
        kind = "near"
    else:
        kind = "clear"
    paths = tuple(f"probs[{j}]" for j in range(len(probs)))
    return Fact(kind, paths, {"winners": winners, "runner_up": runner_up, "margin": round(margin, 10)})
