"""What the tests of lessons as written share: fixtures, a NumPy attention, reading, asserting claims.

Every expected number in those tests comes from :func:`attention` (NumPy, written
out here, the causal mask and the residual included) or from a hand derivation
in a test's comment, never from the reader.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attention_math import check_claims, compute, load_lesson
from support.paths import TESTS

__all__ = ["FIXTURES", "assert_slip", "assert_states", "attention", "not_read", "read", "slips"]

FIXTURES = TESTS / "reading" / "fixtures"


def attention(x, w_q, w_k, w_v, scale=True, causal=False):
    """Single-head self-attention written out: Q, K, V, scores, scaled, weights, context, residual."""
    x, w_q, w_k, w_v = (np.asarray(m, dtype=float) for m in (x, w_q, w_k, w_v))
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.T
    scaled = scores / np.sqrt(w_k.shape[1]) if scale else scores
    if causal:  # a token sees itself and the tokens before it: the upper triangle is -inf
        scaled = np.where(np.triu(np.ones_like(scaled), k=1) > 0, -np.inf, scaled)
    exp = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    weights = exp / exp.sum(axis=1, keepdims=True)
    context = weights @ v
    residual = x + context if x.shape == context.shape else None
    return {"q": q, "k": k, "v": v, "scores": scores, "scaled": scaled, "weights": weights,
            "context": context, "residual": residual}  # fmt: skip


def read(name_or_path: str | Path):
    """The lesson read from a fixture (by name) or a file, and its checked claims by path."""
    path = FIXTURES / name_or_path if isinstance(name_or_path, str) else name_or_path
    lesson = load_lesson(path)
    return lesson, {r.path: r for r in check_claims(lesson, compute(lesson))}


def not_read(lesson):
    """The reading notes that list stated numbers the reader did not tie to a name."""
    return [note for note in lesson.reading_notes if "not read" in note or "not tied" in note]


def assert_states(found, path, expected, places, where=None):
    """``found[path...]`` states ``expected`` rounded to ``places``, agrees, and comes from ``where``."""
    expected = np.asarray(expected, dtype=float)
    for index in np.ndindex(expected.shape):
        key = path + "".join(f"[{i}]" for i in index)
        assert key in found, (key, sorted(found))
        assert found[key].stated == pytest.approx(round(float(expected[index]), places), abs=1e-9), key
        assert found[key].agrees, key
        if where is not None:
            assert found[key].source == where, (key, found[key].source)


def assert_slip(found, path, stated, computed, where):
    """``found[path]`` is a slip: the text states ``stated``, the lesson computes ``computed``."""
    assert path in found, (path, sorted(found))
    assert not found[path].agrees, path
    assert found[path].stated == pytest.approx(stated)
    assert found[path].computed == pytest.approx(computed)
    assert found[path].source == where


def slips(found):
    """The paths of the claims that disagree, in order."""
    return sorted(path for path, r in found.items() if not r.agrees)
