"""Random lesson tables: the loader accepts them or says why in one line, nothing else.

Two kinds of input: arbitrary JSON-like values under the lesson keys (mostly
refused), and lessons of consistent shapes whose numbers range over everything a
file can hold (NaN, ±inf, 1e300, huge integers, subnormals), then mutated a
little (a key dropped, a row cut, a number turned into text, a key misspelt).
Whatever ``lesson_from_dict`` accepts must compute: every number of the trace
finite (masked scores aside), without a floating-point overflow on the way.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attention_math import LessonError, compute, fmt, lesson_from_dict
from attention_math.loading import LESSON_KEYS, MAX_MAGNITUDE
from attention_math.trace import Trace
from scenes import drawable_problem

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every kind of number a TOML or JSON file can hold, weighted towards the edges.
EDGE_NUMBERS = st.sampled_from(
    [
        0,
        1,
        -1,
        0.5,
        1e12,
        -1e12,
        1e12 * (1 + 1e-15),
        1e13,
        1e300,
        -1e300,
        10**400,
        -(10**400),
        float("nan"),
        float("inf"),
        float("-inf"),
        5e-324,
        2.2250738585072014e-308,
        3574.0,
        2**63,
    ]
)
# Numbers a lesson may hold: up to 1e12 in size, subnormals included.
VALID_NUMBERS = st.one_of(
    st.floats(-MAX_MAGNITUDE, MAX_MAGNITUDE),
    st.floats(-10, 10),
    st.integers(-(10**12), 10**12),
    st.sampled_from([0, 1e12, -1e12, 5e-324, 3574.0, -2505.5]),
)
# Finite, but large enough that products overflow float64 unless refused.
LARGE_NUMBERS = st.one_of(VALID_NUMBERS, st.floats(-1e300, 1e300), st.sampled_from([1e13, 1e80, -1e160]))
NUMBERS = st.one_of(
    VALID_NUMBERS,
    st.floats(),  # anything, NaN and infinities included
    st.integers(-(10**15), 10**15),
    EDGE_NUMBERS,
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=8))
JSON_LIKE = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=6), children, max_size=3),
    ),
    max_leaves=12,
)
VALID_WORDS = st.sampled_from(["the", "cat", "sat", "the", "I", "love", "coding", "the′", "New York"])
WORDS = st.one_of(VALID_WORDS, st.text(min_size=0, max_size=6))  # blanks, control characters


def any_matrix(
    rows: int, cols: int, numbers: st.SearchStrategy[Any] = NUMBERS
) -> st.SearchStrategy[list[list[Any]]]:
    return st.lists(st.lists(numbers, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@st.composite
def shaped_lessons(draw: st.DrawFn) -> dict[str, Any]:
    """A lesson whose shapes fit together (unless a mutation breaks them)."""
    # Most lessons draw only valid numbers and words, so that a good share of
    # them reaches the pipeline; the rest may hold anything.
    kind = draw(st.sampled_from(["valid", "valid", "large", "any"]))
    numbers = {"valid": VALID_NUMBERS, "large": LARGE_NUMBERS, "any": NUMBERS}[kind]
    words_of = WORDS if kind == "any" else VALID_WORDS

    def matrix(rows: int, cols: int) -> st.SearchStrategy[list[list[Any]]]:
        return any_matrix(rows, cols, numbers)

    n = draw(st.integers(1, 5))
    d_model = draw(st.integers(1, 5))
    heads = draw(st.integers(1, 3))
    d_qk = heads * draw(st.integers(1, 2))
    d_v = heads * draw(st.integers(1, 2))
    data: dict[str, Any] = {
        "tokens": draw(st.lists(words_of, min_size=n, max_size=n)),
        "embeddings": draw(matrix(n, d_model)),
        "w_q": draw(matrix(d_model, d_qk)),
        "w_k": draw(matrix(d_model, d_qk)),
        "w_v": draw(matrix(d_model, d_v)),
    }
    if heads > 1 or draw(st.booleans()):
        data["heads"] = heads
    square = draw(st.booleans())
    if square:
        data["w_o"] = draw(matrix(d_v, d_model))
        if draw(st.booleans()):
            d_ff = draw(st.integers(1, 4))
            data["feed_forward"] = {
                "w_1": draw(matrix(d_model, d_ff)),
                "w_2": draw(matrix(d_ff, d_model)),
                **(
                    {"b_1": draw(st.lists(numbers, min_size=d_ff, max_size=d_ff))}
                    if draw(st.booleans())
                    else {}
                ),
                **(
                    {"b_2": draw(st.lists(numbers, min_size=d_model, max_size=d_model))}
                    if draw(st.booleans())
                    else {}
                ),
            }
        if draw(st.booleans()):
            words = draw(st.lists(words_of, min_size=1, max_size=4, unique=True))
            data["vocabulary"] = {"words": words, "embeddings": draw(matrix(len(words), d_model))}
        data["residual"] = draw(st.booleans())
    for flag in ("scale", "causal"):
        if draw(st.booleans()):
            data[flag] = draw(st.booleans())
    positional = draw(st.sampled_from(["absent", "none", "sinusoidal", "matrix"]))
    if positional == "matrix":
        data["positional"] = draw(matrix(n, d_model))
    elif positional != "absent":
        data["positional"] = positional
    if draw(st.booleans()):
        data["decimals"] = draw(st.integers(-1, 8))
    if draw(st.booleans()):
        data["claims"] = draw(
            st.dictionaries(
                st.sampled_from(["q", "q[0]", "scores[0][0]", "heads[0].weights", "x y"]),
                JSON_LIKE,
                max_size=2,
            )
        )
    return draw(mutated(data))


@st.composite
def mutated(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` unchanged, or with one thing a person might get wrong."""
    kind = draw(
        st.sampled_from(
            ["none", "none", "none", "none", "none", "drop", "replace", "cut row", "text", "misspell"]
        )
    )
    key = draw(st.sampled_from(sorted(data)))
    if kind == "drop":
        del data[key]
    elif kind == "replace":
        data[key] = draw(JSON_LIKE)
    elif kind == "cut row" and isinstance(data[key], list) and data[key] and isinstance(data[key][-1], list):
        data[key][-1] = data[key][-1][:-1]
    elif (
        kind == "text"
        and isinstance(data[key], list)
        and data[key]
        and isinstance(data[key][0], list)
        and data[key][0]
    ):
        data[key][0][0] = str(data[key][0][0])
    elif kind == "misspell":
        data[key.upper() if draw(st.booleans()) else key[:-1]] = data.pop(key)
    return data


ANY_TABLES = st.dictionaries(st.sampled_from([*LESSON_KEYS, "colour", "W_Q", ""]), JSON_LIKE, max_size=8)


def accepted_or_refused_in_one_line(data: object) -> None:
    try:
        lesson = lesson_from_dict(data, name="fuzz")  # type: ignore[arg-type]
    except LessonError as error:
        message = str(error)
        assert message and len(message.splitlines()) == 1, repr(message)
        if error.key is not None:
            assert message.startswith(f"{error.key}: ")
        return
    # Accepted: the whole pipeline runs, without an overflow anywhere on the way.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        trace = compute(lesson)
    for name, array in trace_arrays(trace):
        if array.dtype == bool:
            continue
        if name.endswith("masked"):
            assert not np.isnan(array).any() and not np.isposinf(array).any(), name
        else:
            assert np.isfinite(array).all(), name
    for head in trace.heads:
        np.testing.assert_allclose(head.weights.sum(axis=-1), 1.0, rtol=1e-9)
    assert len(set(trace.token_labels)) == len(trace.tokens)  # repeated tokens drawn apart
    problem = drawable_problem(lesson)
    assert problem is None or len(problem.splitlines()) == 1
    for value in trace.q.ravel():
        fmt(float(value), lesson.decimals)


def trace_arrays(trace: Trace) -> list[tuple[str, np.ndarray]]:
    found = []
    for node, prefix in [(trace, "")] + [(head, f"heads[{head.index}].") for head in trace.heads]:
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, np.ndarray):
                found.append((prefix + field.name, value))
    return found


@SETTINGS
@given(data=shaped_lessons())
def test_a_lesson_of_any_numbers_is_accepted_and_computes_or_refused_in_one_line(data):
    accepted_or_refused_in_one_line(data)


@SETTINGS
@given(data=st.one_of(ANY_TABLES, JSON_LIKE))
def test_any_table_or_value_is_refused_in_one_line_never_with_another_error(data):
    accepted_or_refused_in_one_line(data)


def test_the_fuzzer_reaches_both_outcomes():
    """The shaped lessons are not all refused: some get as far as the pipeline."""
    outcomes = {"accepted": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, database=None)
    @given(data=shaped_lessons())
    def count(data):
        try:
            lesson_from_dict(data, name="fuzz")
            outcomes["accepted"] += 1
        except LessonError:
            outcomes["refused"] += 1

    count()
    assert outcomes["accepted"] >= 10 and outcomes["refused"] >= 10, outcomes
