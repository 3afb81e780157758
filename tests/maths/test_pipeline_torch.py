"""The pipeline agrees with PyTorch (float64) on generated lessons.

Every expected number here comes from torch: F.scaled_dot_product_attention,
nn.MultiheadAttention with the lesson's weights copied in, F.layer_norm and
torch.softmax. Tolerance 1e-10.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_math.lesson import FeedForward, Lesson, Vocabulary
from attention_math.pipeline import compute, layer_norm, softmax, softmax_parts

TOLERANCE = {"rtol": 1e-10, "atol": 1e-10}
SETTINGS = settings(max_examples=60, deadline=None)

NUMBERS = st.floats(-3, 3, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def matrix(draw: st.DrawFn, rows: int, cols: int, elements: st.SearchStrategy[float] = NUMBERS) -> np.ndarray:
    return draw(arrays(np.float64, (rows, cols), elements=elements))


def assert_close(actual: np.ndarray, expected: torch.Tensor) -> None:
    np.testing.assert_allclose(actual, expected.detach().numpy(), **TOLERANCE)


def causal_keep(n: int) -> torch.Tensor:
    """True where token i may look at token j (j <= i)."""
    return torch.ones(n, n, dtype=torch.bool).tril()


@st.composite
def attention_lessons(draw: st.DrawFn) -> Lesson:
    """Any shapes the pipeline accepts: d_qk and d_v need only be multiples of heads."""
    n = draw(st.integers(1, 6))
    d_model = draw(st.integers(1, 8))
    heads = draw(st.integers(1, 3))
    d_k = draw(st.integers(1, 3))
    d_h = draw(st.integers(1, 3))
    with_w_o = draw(st.booleans())
    return Lesson(
        name="generated",
        description="",
        tokens=tuple(f"t{i}" for i in range(n)),
        embeddings=matrix(draw, n, d_model),
        w_q=matrix(draw, d_model, heads * d_k),
        w_k=matrix(draw, d_model, heads * d_k),
        w_v=matrix(draw, d_model, heads * d_h),
        w_o=matrix(draw, heads * d_h, d_model) if with_w_o else None,
        heads=heads,
        scale=draw(st.booleans()),
        causal=draw(st.booleans()),
    )


@st.composite
def block_lessons(draw: st.DrawFn) -> Lesson:
    """Square lessons nn.MultiheadAttention can run: d_qk = d_v = d_model, heads divide it."""
    n = draw(st.integers(1, 6))
    d_model = draw(st.integers(1, 8))
    heads = draw(st.sampled_from([h for h in range(1, d_model + 1) if d_model % h == 0]))
    feed_forward = None
    if draw(st.booleans()):
        d_ff = draw(st.integers(1, 6))
        feed_forward = FeedForward(
            w_1=matrix(draw, d_model, d_ff),
            b_1=matrix(draw, 1, d_ff)[0],
            w_2=matrix(draw, d_ff, d_model),
            b_2=matrix(draw, 1, d_model)[0],
        )
    vocabulary = None
    if draw(st.booleans()):
        size = draw(st.integers(1, 5))
        vocabulary = Vocabulary(
            words=tuple(f"w{i}" for i in range(size)), embeddings=matrix(draw, size, d_model)
        )
    # Tokens may repeat, so the default vocabulary has to de-duplicate them.
    tokens = tuple(draw(st.lists(st.sampled_from(["the", "cat", "sat", "on"]), min_size=n, max_size=n)))
    return Lesson(
        name="generated block",
        description="",
        tokens=tokens,
        embeddings=matrix(draw, n, d_model),
        w_q=matrix(draw, d_model, d_model),
        w_k=matrix(draw, d_model, d_model),
        w_v=matrix(draw, d_model, d_model),
        w_o=matrix(draw, d_model, d_model) if draw(st.booleans()) else None,
        heads=heads,
        causal=draw(st.booleans()),
        residual=True,
        feed_forward=feed_forward,
        vocabulary=vocabulary,
    )


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(n, heads * w) -> (heads, n, w)."""
    n, width = x.shape
    return x.reshape(n, heads, width // heads).transpose(0, 1)


@SETTINGS
@given(lesson=attention_lessons(), explicit_mask=st.booleans())
def test_each_head_equals_torch_scaled_dot_product_attention(lesson: Lesson, explicit_mask: bool) -> None:
    trace = compute(lesson)
    x = torch.from_numpy(np.array(lesson.embeddings))
    q = split_heads(x @ torch.from_numpy(np.array(lesson.w_q)), lesson.heads)
    k = split_heads(x @ torch.from_numpy(np.array(lesson.w_k)), lesson.heads)
    v = split_heads(x @ torch.from_numpy(np.array(lesson.w_v)), lesson.heads)
    n, d_k = lesson.n_tokens, q.shape[-1]
    factor = None if lesson.scale else 1.0  # None: torch's own default 1 / sqrt(d_k)

    if lesson.causal and explicit_mask:
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=causal_keep(n), scale=factor)
    else:
        context = F.scaled_dot_product_attention(q, k, v, is_causal=lesson.causal, scale=factor)

    scores = q @ k.transpose(-1, -2)
    scaled = scores * (1 / math.sqrt(d_k) if lesson.scale else 1.0)
    if lesson.causal:
        scaled_masked = scaled.masked_fill(~causal_keep(n), float("-inf"))
    else:
        scaled_masked = scaled
    weights = torch.softmax(scaled_masked, dim=-1)

    assert trace.scale == (math.sqrt(d_k) if lesson.scale else 1.0)
    for h, head in enumerate(trace.heads):
        assert_close(head.scores, scores[h])
        assert_close(head.scaled, scaled[h])
        assert_close(head.weights, weights[h])
        assert_close(head.context, context[h])
    concat = context.transpose(0, 1).reshape(n, -1)
    assert_close(trace.concat, concat)
    w_o = torch.from_numpy(np.array(lesson.w_o)) if lesson.w_o is not None else None
    assert_close(trace.output, concat if w_o is None else concat @ w_o)


@SETTINGS
@given(lesson=block_lessons())
def test_multi_head_output_equals_torch_multihead_attention_with_the_same_weights(lesson: Lesson) -> None:
    trace = compute(lesson)
    d_model, n = lesson.d_model, lesson.n_tokens
    w_o = np.eye(d_model) if lesson.w_o is None else np.array(lesson.w_o)
    attention = torch.nn.MultiheadAttention(
        embed_dim=d_model, num_heads=lesson.heads, bias=False, batch_first=True, dtype=torch.float64
    ).eval()
    with torch.no_grad():
        attention.in_proj_weight.copy_(
            torch.from_numpy(np.concatenate([lesson.w_q.T, lesson.w_k.T, lesson.w_v.T]))
        )
        attention.out_proj.weight.copy_(torch.from_numpy(w_o.T))
        x = torch.from_numpy(np.array(lesson.embeddings)).unsqueeze(0)
        hidden = ~causal_keep(n) if lesson.causal else None  # MHA: True = may not attend
        output, weights = attention(x, x, x, attn_mask=hidden, need_weights=True, average_attn_weights=False)

    assert_close(trace.output, output[0])
    for h, head in enumerate(trace.heads):
        assert_close(head.weights, weights[0, h])


@SETTINGS
@given(lesson=block_lessons())
def test_each_step_of_the_transformer_block_equals_torch_on_the_previous_step(lesson: Lesson) -> None:
    # Step by step, not end to end: layer norm divides by sqrt(var + 1e-5), so on
    # a row of (nearly) equal numbers it multiplies a last-bit rounding difference
    # by up to 316, and two of them in a row by 1e5. Feeding torch the trace's
    # previous step checks every operation at 1e-10 without that amplification.
    trace = compute(lesson)
    t = lambda array: torch.from_numpy(np.array(array))  # noqa: E731
    d_model = lesson.d_model

    if lesson.feed_forward is None:  # the documented default: relu(x @ I + 0) @ I + 0
        w_1 = w_2 = torch.eye(d_model, dtype=torch.float64)
        b_1 = b_2 = torch.zeros(d_model, dtype=torch.float64)
    else:
        ffn = lesson.feed_forward
        w_1, b_1, w_2, b_2 = t(ffn.w_1), t(ffn.b_1), t(ffn.w_2), t(ffn.b_2)
    assert trace.ffn_is_default == (lesson.feed_forward is None)
    for used, expected in ((trace.w_1, w_1), (trace.b_1, b_1), (trace.w_2, w_2), (trace.b_2, b_2)):
        assert_close(used, expected)

    add_1 = t(lesson.embeddings) + t(trace.output)
    assert_close(trace.residual, add_1)
    assert_close(trace.add_1, add_1)
    assert_close(trace.norm_1, F.layer_norm(t(trace.add_1), (d_model,), eps=1e-5))
    assert_close(trace.ffn_hidden, F.relu(F.linear(t(trace.norm_1), w_1.T, b_1)))
    assert_close(trace.ffn_out, F.linear(t(trace.ffn_hidden), w_2.T, b_2))
    assert_close(trace.add_2, t(trace.norm_1) + t(trace.ffn_out))
    assert_close(trace.norm_2, F.layer_norm(t(trace.add_2), (d_model,), eps=1e-5))

    if lesson.vocabulary is None:  # tied embeddings: the lesson's own distinct tokens
        words = list(dict.fromkeys(lesson.tokens))
        vocab_embeddings = t(lesson.embeddings)[[lesson.tokens.index(word) for word in words]]
    else:
        words = list(lesson.vocabulary.words)
        vocab_embeddings = t(lesson.vocabulary.embeddings)
    assert list(trace.vocab) == words
    assert_close(trace.vocab_embeddings, vocab_embeddings)
    logits = t(trace.norm_2)[-1] @ vocab_embeddings.T
    probs = torch.softmax(t(trace.logits), dim=-1)
    assert_close(trace.logits, logits)
    assert_close(trace.probs, probs)
    assert trace.logit_sum == pytest.approx(float(torch.exp(logits - logits.max()).sum()), rel=1e-12)
    top_two = torch.sort(probs, descending=True).values[:2]
    if len(words) == 1 or top_two[0] - top_two[1] > 1e-9:  # a near tie could go either way
        assert trace.predicted == int(torch.argmax(probs))
        assert trace.predicted_word == words[trace.predicted]


@SETTINGS
@given(lesson=block_lessons())
def test_whole_block_equals_torch_end_to_end_on_well_conditioned_rows(lesson: Lesson) -> None:
    t = lambda array: torch.from_numpy(np.array(array))  # noqa: E731
    d_model = lesson.d_model
    x = t(lesson.embeddings)
    q, k, v = (split_heads(x @ t(w), lesson.heads) for w in (lesson.w_q, lesson.w_k, lesson.w_v))
    context = F.scaled_dot_product_attention(q, k, v, is_causal=lesson.causal)
    output = context.transpose(0, 1).reshape(lesson.n_tokens, d_model)
    if lesson.w_o is not None:
        output = output @ t(lesson.w_o)
    add_1 = x + output
    ffn = lesson.feed_forward
    if ffn is None:
        w_1 = w_2 = torch.eye(d_model, dtype=torch.float64)
        b_1 = b_2 = torch.zeros(d_model, dtype=torch.float64)
    else:
        w_1, b_1, w_2, b_2 = t(ffn.w_1), t(ffn.b_1), t(ffn.w_2), t(ffn.b_2)
    norm_1 = F.layer_norm(add_1, (d_model,), eps=1e-5)
    add_2 = norm_1 + F.linear(F.relu(F.linear(norm_1, w_1.T, b_1)), w_2.T, b_2)
    # Only rows whose spread keeps layer norm well conditioned (see the test above).
    assume(bool((add_1.std(dim=-1, correction=0) > 0.1).all()))
    assume(bool((add_2.std(dim=-1, correction=0) > 0.1).all()))
    norm_2 = F.layer_norm(add_2, (d_model,), eps=1e-5)

    trace = compute(lesson)
    assert_close(trace.norm_1, norm_1)
    assert_close(trace.add_2, add_2)
    assert_close(trace.norm_2, norm_2)


@st.composite
def score_rows(draw: st.DrawFn) -> np.ndarray:
    """Score matrices with some -inf (hidden) entries, at least one visible per row."""
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    values = st.one_of(st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False), st.just(-math.inf))
    scores = matrix(draw, rows, cols, values)
    visible = draw(arrays(np.int64, (rows,), elements=st.integers(0, cols - 1)))
    scores[np.arange(rows), visible] = draw(st.floats(-1e3, 1e3, allow_subnormal=False))
    return scores


@SETTINGS
@given(scores=score_rows())
def test_softmax_equals_torch_softmax(scores: np.ndarray) -> None:
    expected = torch.softmax(torch.from_numpy(scores), dim=-1)
    assert_close(softmax(scores), expected)
    assert_close(softmax(scores.T, axis=0), expected.T)
    exp, sums, weights = softmax_parts(scores)
    np.testing.assert_array_equal(weights[np.isneginf(scores)], 0.0)
    assert_close(exp / sums[:, None], expected)


@SETTINGS
@given(
    rows=st.integers(1, 6).flatmap(
        lambda n: st.integers(1, 8).flatmap(
            lambda d: arrays(np.float64, (n, d), elements=st.floats(-100, 100, allow_subnormal=False))
        )
    )
)
def test_layer_norm_equals_torch_layer_norm(rows: np.ndarray) -> None:
    expected = F.layer_norm(torch.from_numpy(rows), (rows.shape[1],), eps=1e-5)
    assert_close(layer_norm(rows), expected)


@pytest.mark.parametrize("n_heads", [1, 2, 4])
def test_sinusoidal_positions_are_added_before_the_projections(n_heads: int) -> None:
    # With positional encoding the attention input is embeddings + PE; torch gets x directly.
    rng = np.random.default_rng(n_heads)
    n, d_model = 5, 8
    embeddings = rng.normal(size=(n, d_model))
    weights = [rng.normal(size=(d_model, d_model)) for _ in range(4)]
    lesson = Lesson(
        name="positions",
        description="",
        tokens=tuple("abcde"),
        embeddings=embeddings,
        w_q=weights[0],
        w_k=weights[1],
        w_v=weights[2],
        w_o=weights[3],
        heads=n_heads,
        positional="sinusoidal",
    )
    trace = compute(lesson)
    position = torch.arange(n, dtype=torch.float64)[:, None]
    column = torch.arange(d_model)
    angle = position / torch.pow(10000.0, (column - column % 2).double() / d_model)
    pe = torch.where(column % 2 == 0, torch.sin(angle), torch.cos(angle))
    assert trace.positional_kind == "sinusoidal"
    assert_close(trace.positional, pe)
    x = torch.from_numpy(embeddings) + pe
    attention = torch.nn.MultiheadAttention(d_model, n_heads, bias=False, dtype=torch.float64)
    with torch.no_grad():
        attention.in_proj_weight.copy_(torch.from_numpy(np.concatenate([w.T for w in weights[:3]])))
        attention.out_proj.weight.copy_(torch.from_numpy(weights[3].T))
        output, _ = attention(x, x, x, need_weights=False)
    assert_close(trace.output, output)
