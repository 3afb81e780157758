"""What must hold for every lesson, whatever its numbers (no reference implementation needed)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_math.lesson import FeedForward, Lesson
from attention_math.pipeline import compute, softmax, softmax_parts
from attention_math.trace import HeadTrace, Trace

SETTINGS = settings(max_examples=40, deadline=None)
NUMBERS = st.floats(-5, 5, allow_nan=False, allow_subnormal=False)


@st.composite
def lessons(draw: st.DrawFn) -> Lesson:
    n = draw(st.integers(1, 6))
    d_model = draw(st.integers(1, 8))
    heads = draw(st.integers(1, 3))
    d_k, d_h = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    square = draw(st.booleans())  # output width d_model, so the block and logits exist
    d_v = heads * d_h
    w_o = None
    if square:
        w_o = draw(arrays(np.float64, (d_v, d_model), elements=NUMBERS))
    return Lesson(
        name="generated",
        description="",
        tokens=tuple(draw(st.lists(st.sampled_from(["I", "love", "NLP", "so"]), min_size=n, max_size=n))),
        embeddings=draw(arrays(np.float64, (n, d_model), elements=NUMBERS)),
        w_q=draw(arrays(np.float64, (d_model, heads * d_k), elements=NUMBERS)),
        w_k=draw(arrays(np.float64, (d_model, heads * d_k), elements=NUMBERS)),
        w_v=draw(arrays(np.float64, (d_model, d_v), elements=NUMBERS)),
        w_o=w_o,
        heads=heads,
        scale=draw(st.booleans()),
        causal=draw(st.booleans()),
        residual=square and draw(st.booleans()),
        positional=draw(st.sampled_from(["none", "sinusoidal"])),
    )


def simple_lesson(**changes: object) -> Lesson:
    rng = np.random.default_rng(7)
    fields: dict[str, object] = dict(
        name="simple",
        description="",
        tokens=("I", "love", "NLP", "love"),
        embeddings=rng.normal(size=(4, 4)),
        w_q=rng.normal(size=(4, 4)),
        w_k=rng.normal(size=(4, 4)),
        w_v=rng.normal(size=(4, 4)),
    )
    fields.update(changes)
    return Lesson(**fields)  # type: ignore[arg-type]


@SETTINGS
@given(lesson=lessons())
def test_every_row_of_attention_weights_sums_to_one(lesson: Lesson) -> None:
    for head in compute(lesson).heads:
        np.testing.assert_allclose(head.weights.sum(axis=-1), 1.0, rtol=1e-12)
        np.testing.assert_allclose(head.row_sums, head.exp.sum(axis=-1), rtol=1e-12)
        assert np.all(head.weights >= 0)


@SETTINGS
@given(
    row=arrays(np.float64, st.integers(1, 8), elements=st.floats(-50, 50, allow_subnormal=False)),
    shift=st.floats(-1000, 1000, allow_subnormal=False),
)
def test_adding_a_constant_to_a_score_row_leaves_softmax_unchanged(row: np.ndarray, shift: float) -> None:
    np.testing.assert_allclose(softmax(row + shift), softmax(row), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(lesson=lessons())
def test_heads_contexts_reassemble_into_concat(lesson: Lesson) -> None:
    trace = compute(lesson)
    np.testing.assert_array_equal(np.concatenate([h.context for h in trace.heads], axis=1), trace.concat)
    d_k = trace.d_k
    d_h = trace.v.shape[1] // len(trace.heads)
    for h, head in enumerate(trace.heads):
        assert head.index == h
        np.testing.assert_array_equal(head.q, trace.q[:, h * d_k : (h + 1) * d_k])
        np.testing.assert_array_equal(head.k, trace.k[:, h * d_k : (h + 1) * d_k])
        np.testing.assert_array_equal(head.v, trace.v[:, h * d_h : (h + 1) * d_h])


@SETTINGS
@given(lesson=lessons())
def test_running_sums_of_products_end_at_q_k_and_v(lesson: Lesson) -> None:
    trace = compute(lesson)
    for name, weight in (("q", trace.w_q), ("k", trace.w_k), ("v", trace.w_v)):
        product = getattr(trace, name)
        terms = getattr(trace, f"{name}_terms")
        partial = getattr(trace, f"{name}_partial")
        # terms[i][j][m] = x[i][m] * w[m][j], one multiplication each: exact to check.
        np.testing.assert_array_equal(terms, trace.x[:, None, :] * weight.T[None, :, :])
        np.testing.assert_array_equal(partial[..., 0], terms[..., 0])
        # The last running sum is the product, up to the order numpy adds in.
        size = np.abs(terms).sum(axis=-1)
        assert np.all(np.abs(partial[..., -1] - product) <= 1e-12 * size + 1e-300)


@SETTINGS
@given(lesson=lessons())
def test_score_and_context_terms_add_up_to_scores_and_context(lesson: Lesson) -> None:
    for head in compute(lesson).heads:
        np.testing.assert_allclose(head.score_terms.sum(axis=-1), head.scores, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(head.context_terms.sum(axis=1), head.context, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(lesson=lessons())
def test_a_causal_mask_makes_weights_above_the_diagonal_exactly_zero(lesson: Lesson) -> None:
    lesson = dataclasses.replace(lesson, causal=True)
    n = lesson.n_tokens
    above = np.triu(np.ones((n, n), dtype=bool), k=1)
    for head in compute(lesson).heads:
        np.testing.assert_array_equal(head.mask, above)
        assert np.all(head.masked[above] == -np.inf)
        assert np.all(head.exp[above] == 0.0)
        assert np.all(head.weights[above] == 0.0)
        np.testing.assert_array_equal(head.masked[~above], head.scaled[~above])
        # The first token can only look at itself.
        assert head.weights[0, 0] == 1.0


@SETTINGS
@given(lesson=lessons())
def test_without_a_mask_masked_equals_scaled(lesson: Lesson) -> None:
    lesson = dataclasses.replace(lesson, causal=False)
    for head in compute(lesson).heads:
        assert head.mask is None
        np.testing.assert_array_equal(head.masked, head.scaled)


@SETTINGS
@given(lesson=lessons())
def test_scaled_scores_are_scores_divided_by_sqrt_of_the_head_width(lesson: Lesson) -> None:
    trace = compute(lesson)
    assert trace.scale == (np.sqrt(trace.d_k) if lesson.scale else 1.0)
    for head in trace.heads:
        np.testing.assert_array_equal(head.scaled, head.scores / trace.scale)


def all_arrays(trace: Trace) -> list[tuple[str, np.ndarray]]:
    found = []
    for node, prefix in [(trace, "")] + [(head, f"heads[{head.index}].") for head in trace.heads]:
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if isinstance(value, np.ndarray):
                found.append((prefix + field.name, value))
    return found


@SETTINGS
@given(lesson=lessons())
def test_every_trace_array_is_read_only_float64(lesson: Lesson) -> None:
    trace = compute(lesson)
    arrays_found = all_arrays(trace)
    assert {"x", "q", "heads[0].weights", "concat", "output"} <= {name for name, _ in arrays_found}
    for name, array in arrays_found:
        assert not array.flags.writeable, name
        assert array.dtype == (bool if name.endswith(".mask") else np.float64), name
        with pytest.raises(ValueError):
            array.flat[0] = 1.0
    assert isinstance(trace.heads, tuple) and isinstance(trace.tokens, tuple)
    assert isinstance(trace.vocab, tuple)


def test_the_trace_and_its_heads_are_frozen() -> None:
    trace = compute(simple_lesson())
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.q = np.zeros((4, 4))  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.heads[0].weights = np.zeros((4, 4))  # type: ignore[misc]


def test_changing_the_lesson_input_afterwards_does_not_change_the_trace() -> None:
    embeddings = np.ones((4, 4))
    trace = compute(simple_lesson(embeddings=embeddings))
    embeddings[0, 0] = 99.0
    assert trace.embeddings[0, 0] == 1.0
    assert trace.x[0, 0] == 1.0


def test_softmax_of_the_seed_scores_is_exactly_zero_and_one_without_warnings() -> None:
    with np.errstate(all="raise"):
        weights = softmax([2505.5, 3574.0])
        exp, sums, parts_weights = softmax_parts([2505.5, 3574.0])
    assert weights.tolist() == [0.0, 1.0]
    assert exp.tolist() == [0.0, 1.0]
    assert sums == 1.0
    assert parts_weights.tolist() == [0.0, 1.0]


def test_softmax_of_minus_infinity_is_exactly_zero() -> None:
    with np.errstate(all="raise"):
        assert softmax([1.0, -np.inf, 1.0]).tolist() == [0.5, 0.0, 0.5]


@pytest.mark.parametrize("row", [[np.nan, 1.0], [np.inf, 1.0], [-np.inf, -np.inf], []])
def test_softmax_refuses_rows_without_an_answer(row: list[float]) -> None:
    with pytest.raises(ValueError):
        softmax(row)


def test_one_head_exposes_its_arrays_at_the_top_level() -> None:
    trace = compute(simple_lesson())
    for name in ("scores", "scaled", "masked", "exp", "row_sums", "weights", "context"):
        assert getattr(trace, name) is getattr(trace.heads[0], name)


def test_several_heads_leave_the_top_level_attention_names_empty() -> None:
    trace = compute(simple_lesson(heads=2))
    assert len(trace.heads) == 2
    for name in ("scores", "scaled", "masked", "exp", "row_sums", "weights", "context"):
        assert getattr(trace, name) is None


def test_without_a_feed_forward_layer_the_block_uses_relu_of_identity() -> None:
    trace = compute(simple_lesson(residual=True))
    assert trace.ffn_is_default
    np.testing.assert_array_equal(trace.w_1, np.eye(4))
    np.testing.assert_array_equal(trace.w_2, np.eye(4))
    np.testing.assert_array_equal(trace.b_1, np.zeros(4))
    np.testing.assert_array_equal(trace.b_2, np.zeros(4))
    np.testing.assert_array_equal(trace.ffn_hidden, np.maximum(trace.norm_1, 0.0))
    np.testing.assert_array_equal(trace.ffn_out, trace.ffn_hidden)
    np.testing.assert_array_equal(trace.residual, trace.add_1)


def test_a_lesson_feed_forward_layer_is_used_and_recorded() -> None:
    ffn = FeedForward(w_1=np.ones((4, 2)), b_1=np.array([0.0, -1.0]), w_2=np.ones((2, 4)), b_2=np.zeros(4))
    trace = compute(simple_lesson(feed_forward=ffn))
    assert not trace.ffn_is_default
    assert trace.ffn_hidden.shape == (4, 2)
    np.testing.assert_array_equal(trace.w_1, ffn.w_1)


def test_without_residual_the_residual_is_none_but_the_block_still_adds() -> None:
    trace = compute(simple_lesson(residual=False))
    assert trace.residual is None
    np.testing.assert_array_equal(trace.add_1, trace.x + trace.output)


def test_an_output_narrower_than_d_model_has_no_block_and_no_next_token() -> None:
    rng = np.random.default_rng(3)
    trace = compute(simple_lesson(w_v=rng.normal(size=(4, 2)), w_o=None, residual=True))
    assert trace.output.shape == (4, 2)
    for name in (
        "residual",
        "add_1",
        "norm_1",
        "w_1",
        "ffn_hidden",
        "ffn_out",
        "add_2",
        "norm_2",
        "logits",
        "logit_exp",
        "logit_sum",
        "probs",
        "predicted",
        "predicted_word",
    ):
        assert getattr(trace, name) is None, name
    assert trace.ffn_is_default is False


def test_the_default_vocabulary_is_the_distinct_tokens_with_their_embeddings() -> None:
    lesson = simple_lesson(tokens=("I", "love", "NLP", "love"))
    trace = compute(lesson)
    assert trace.vocab == ("I", "love", "NLP")
    np.testing.assert_array_equal(trace.vocab_embeddings, lesson.embeddings[[0, 1, 2]])
    np.testing.assert_allclose(trace.logits, lesson.embeddings[[0, 1, 2]] @ trace.norm_2[-1], rtol=1e-12)
    assert trace.predicted_word == trace.vocab[int(np.argmax(trace.probs))]
    np.testing.assert_allclose(trace.probs.sum(), 1.0, rtol=1e-12)
    assert trace.logit_sum == pytest.approx(trace.logit_exp.sum(), rel=1e-15)


def test_sinusoidal_positions_are_added_to_the_embeddings() -> None:
    trace = compute(simple_lesson(positional="sinusoidal"))
    assert trace.positional_kind == "sinusoidal"
    np.testing.assert_array_equal(trace.x, trace.embeddings + trace.positional)
    # The vocabulary keeps the bare embeddings (tied input/output embeddings).
    np.testing.assert_array_equal(trace.vocab_embeddings, trace.embeddings[[0, 1, 2]])


def test_given_positions_are_used_as_given() -> None:
    positions = np.arange(16.0).reshape(4, 4)
    trace = compute(simple_lesson(positional=positions))
    assert trace.positional_kind == "given"
    np.testing.assert_array_equal(trace.positional, positions)


def test_no_positions_means_zeros() -> None:
    trace = compute(simple_lesson())
    assert trace.positional_kind == "none"
    np.testing.assert_array_equal(trace.positional, np.zeros((4, 4)))
    np.testing.assert_array_equal(trace.x, trace.embeddings)


def test_head_trace_and_trace_have_short_reprs() -> None:
    trace = compute(simple_lesson(heads=2))
    assert repr(trace) == "Trace(lesson='simple', n=4, d_model=4, heads=2, d_k=2)"
    assert isinstance(trace.heads[1], HeadTrace)
    assert repr(trace.heads[1]) == "HeadTrace(index=1, n=4, d_k=2, d_h=2)"
