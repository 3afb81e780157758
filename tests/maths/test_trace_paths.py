"""Scenes and claims read numbers by path: "q[0][1]", "heads[1].weights[2][0]"."""

from __future__ import annotations

import numpy as np
import pytest

from attention_math.errors import LessonError
from attention_math.lesson import Lesson
from attention_math.pipeline import compute
from attention_math.trace import HeadTrace, TracePathError

X = np.array([[6.0, 1, 4, 4], [8, 4, 6, 3], [1, 0, 2, 5]])
W = np.arange(16.0).reshape(4, 4) / 10


def lesson(**changes: object) -> Lesson:
    fields: dict[str, object] = dict(
        name="paths",
        description="",
        tokens=("I", "love", "NLP"),
        embeddings=X,
        w_q=W,
        w_k=W.T,
        w_v=W + 1,
        residual=True,
    )
    fields.update(changes)
    return Lesson(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def trace():
    return compute(lesson())


@pytest.fixture(scope="module")
def two_heads():
    return compute(lesson(heads=2, causal=True))


def test_a_single_element_is_a_python_float(trace) -> None:
    value = trace.get("q[0][1]")
    assert type(value) is float
    assert value == trace.q[0, 1]


def test_a_row_is_a_read_only_array(trace) -> None:
    row = trace.get("q[0]")
    assert isinstance(row, np.ndarray)
    assert row.shape == (4,)
    assert not row.flags.writeable
    np.testing.assert_array_equal(row, trace.q[0])
    np.testing.assert_array_equal(trace.get("q"), trace.q)


def test_head_fields_are_reached_through_heads(two_heads) -> None:
    assert two_heads.get("heads[1].weights[2][0]") == two_heads.heads[1].weights[2, 0]
    assert isinstance(two_heads.get("heads[1]"), HeadTrace)
    assert two_heads.get("heads[0].mask[0][1]") is True
    assert two_heads.get("heads[0].index") == 0


def test_scalars_words_and_vocabulary(trace) -> None:
    assert trace.get("scale") == 2.0
    assert trace.get("d_k") == 4 and type(trace.get("d_k")) is int
    assert trace.get("tokens[2]") == "NLP"
    assert trace.get("predicted_word") in ("I", "love", "NLP")
    assert type(trace.get("predicted")) is int
    assert trace.get("logits[2]") == trace.logits[2]
    assert trace.get("positional_kind") == "none"
    assert trace.get(" q[0][1] ") == trace.q[0, 1]


def test_a_field_the_lesson_did_not_produce_is_none(two_heads) -> None:
    assert two_heads.get("weights") is None
    with pytest.raises(KeyError, match="None"):
        two_heads.get("weights[0]")


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("qq", "valid names: lesson, tokens"),
        ("q[9]", "past the end"),
        ("q[0][1][2]", "single value"),
        ("scale[0]", "single value"),
        ("q[-1]", "not a trace path"),
        ("q.", "not a trace path"),
        ("q[0]x", "not a trace path"),
        ("heads[0].nope", "valid names: index, q, k"),
        ("q.weights", "not a head"),
        ("", "not a trace path"),
    ],
)
def test_a_bad_path_is_a_key_error_naming_the_path(trace, path: str, hint: str) -> None:
    with pytest.raises(KeyError) as caught:
        trace.get(path)
    assert isinstance(caught.value, TracePathError)
    message = str(caught.value)
    assert repr(path.strip()) in message
    assert hint in message


def test_paths_enumerates_every_element_in_row_major_order(trace) -> None:
    paths = trace.paths("q")
    assert paths[:5] == ["q[0][0]", "q[0][1]", "q[0][2]", "q[0][3]", "q[1][0]"]
    assert len(paths) == 12
    assert [trace.get(p) for p in paths] == trace.q.ravel().tolist()


def test_paths_of_rows_heads_words_and_scalars(two_heads) -> None:
    assert two_heads.paths("q[1]") == ["q[1][0]", "q[1][1]", "q[1][2]", "q[1][3]"]
    assert two_heads.paths("heads[1].row_sums") == [
        "heads[1].row_sums[0]",
        "heads[1].row_sums[1]",
        "heads[1].row_sums[2]",
    ]
    assert two_heads.paths("tokens") == ["tokens[0]", "tokens[1]", "tokens[2]"]
    assert two_heads.paths("scale") == ["scale"]
    assert two_heads.paths("weights") == []
    with pytest.raises(KeyError):
        two_heads.paths("heads")
    with pytest.raises(KeyError):
        two_heads.paths("nope")


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"w_q": np.ones((3, 4))}, "w_q"),
        ({"w_k": np.ones((4, 2))}, "w_k"),
        ({"heads": 3}, "heads"),
        ({"tokens": ("a", "b")}, "embeddings"),
        ({"positional": "learned"}, "positional"),
        ({"positional": np.zeros((2, 4))}, "positional"),
        ({"embeddings": np.full((3, 4), np.nan)}, "embeddings"),
        ({"w_o": np.ones((3, 4))}, "w_o"),
    ],
)
def test_a_lesson_whose_shapes_do_not_fit_is_a_lesson_error(changes: dict, key: str) -> None:
    with pytest.raises(LessonError) as caught:
        compute(lesson(**changes))
    assert caught.value.key == key
