"""The projection topic draws X·W_q from the trace (generic checks: tests/drawing/test_topics.py)."""

from __future__ import annotations

import numpy as np
import pytest

from attention_math.formatting import fmt

# One build of the projection scene for token-residual serves both tests (and test_topics.py's).
pytestmark = pytest.mark.scene("projection", "token-residual")


def test_final_frame_shows_q_as_x_times_w_q(lessons, built):
    lesson = lessons("token-residual")
    scene, _ = built("projection", "token-residual")
    # Independent of the pipeline: the published numbers of seed lesson 002.
    published_q = np.array([[23, 49, 45, 28], [33, 66, 66, 40]], dtype=float)
    assert np.array_equal(np.asarray(lesson.embeddings) @ np.asarray(lesson.w_q), published_q)
    registry = {entry.path: entry for entry in scene.numbers.registry}
    for i in range(2):
        for j in range(4):
            entry = registry[f"q[{i}][{j}]"]
            assert entry.value == published_q[i, j]
            assert entry.text == fmt(published_q[i, j], lesson.decimals)


def test_running_sums_of_one_entry_count_up_to_it(built):
    scene, _ = built("projection", "token-residual")
    registry = {entry.path: entry.value for entry in scene.numbers.registry}
    # Hand derivation from the lesson: Q1[0] = 6*1 + 1*1 + 4*3 + 4*1 = 6, 7, 19, 23.
    assert [registry[f"q_partial[0][0][{m}]"] for m in range(4)] == [6.0, 7.0, 19.0, 23.0]
    assert [registry[f"q_terms[0][0][{m}]"] for m in range(4)] == [6.0, 1.0, 12.0, 4.0]
