"""The attention pipeline: from a lesson to a trace of every intermediate.

Pure NumPy in float64. :func:`compute` is the only producer of a
:class:`~attention_math.trace.Trace`; :func:`softmax`, :func:`softmax_parts`,
:func:`layer_norm` and :func:`layer_norm_parts` are the building blocks it shares with tests and scenes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from attention_math.errors import LessonError
from attention_math.lesson import FeedForward, Lesson, Vocabulary, token_labels
from attention_math.positional import sinusoidal
from attention_math.trace import HeadTrace, Trace

__all__ = [
    "LayerNormParts",
    "SoftmaxParts",
    "compute",
    "default_feed_forward",
    "default_vocabulary",
    "layer_norm",
    "layer_norm_parts",
    "softmax",
    "softmax_parts",
]


# Trace fields that exist only when the attention output has width d_model.
_BLOCK_FIELDS = (
    "add_1",
    "norm_1",
    "norm_1_mean",
    "norm_1_std",
    "w_1",
    "b_1",
    "w_2",
    "b_2",
    "ffn_pre",
    "ffn_hidden",
    "ffn_out",
    "add_2",
    "norm_2",
    "norm_2_mean",
    "norm_2_std",
    "logits",
    "logit_exp",
    "logit_sum",
    "probs",
    "predicted",
    "predicted_word",
)


class LayerNormParts(NamedTuple):
    """The pieces of a layer norm a scene shows: ``normalised = (x - mean) / std``.

    ``mean`` and ``std`` have the input's shape without its last axis; ``std``
    is ``sqrt(var + eps)`` with the biased variance (divide by d), the number
    layer norm really divides by.
    """

    mean: np.ndarray
    std: np.ndarray
    normalised: np.ndarray


class SoftmaxParts(NamedTuple):
    """The pieces of a softmax a scene shows: ``weights = exp / sums``.

    ``exp`` has the input's shape; ``sums`` has the input's shape without the
    softmax axis.
    """

    exp: np.ndarray
    sums: np.ndarray
    weights: np.ndarray


def softmax_parts(values: ArrayLike, axis: int = -1) -> SoftmaxParts:
    """Numerically stable softmax along ``axis``, with its intermediate terms.

    Parameters
    ----------
    values : array_like
        Scores; finite numbers or ``-inf`` (a hidden, masked position).
    axis : int, optional
        The axis the weights sum to one along (default: the last).

    Returns
    -------
    SoftmaxParts
        ``exp = exp(values - max)`` (max along ``axis``, so the largest term is
        exactly 1 and nothing overflows), ``sums = exp.sum(axis)`` and
        ``weights = exp / sums``. A ``-inf`` entry gives exactly 0 in ``exp``
        and ``weights``; terms too small for float64 become 0 (or subnormal)
        silently, so ``softmax([2505.5, 3574.0])`` is exactly ``[0, 1]`` with
        no floating-point warning even under ``np.errstate(all="raise")``.

    Raises
    ------
    ValueError
        If an entry is NaN or ``+inf``, or a row has no finite entry (every
        position hidden: the weights would be 0 / 0).
    """
    scores = np.asarray(values, dtype=np.float64)
    if np.isnan(scores).any() or np.isposinf(scores).any():
        raise ValueError("softmax input must be finite numbers or -inf (hidden positions)")
    if scores.ndim == 0:
        raise ValueError("softmax needs at least one axis")
    if scores.shape[axis] == 0:
        raise ValueError("softmax of an empty row")
    row_max = np.max(scores, axis=axis, keepdims=True)
    if np.isneginf(row_max).any():
        raise ValueError("softmax row with every position hidden (-inf)")
    # exp of a very negative shifted score is 0 (or subnormal) by design, and
    # 0 / sum stays 0: underflow here is the correct answer, not an error.
    with np.errstate(under="ignore"):
        exp = np.exp(scores - row_max)
        sums = np.sum(exp, axis=axis, keepdims=True)
        weights = exp / sums
    return SoftmaxParts(exp=exp, sums=np.squeeze(sums, axis=axis), weights=weights)


def softmax(values: ArrayLike, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis``; see :func:`softmax_parts`.

    Parameters
    ----------
    values : array_like
        Scores; finite numbers or ``-inf``.
    axis : int, optional
        The axis the weights sum to one along (default: the last).

    Returns
    -------
    np.ndarray
        Float64 weights, same shape as ``values``; each slice along ``axis``
        sums to 1 and ``-inf`` entries give exactly 0.

    Examples
    --------
    >>> softmax([2505.5, 3574.0]).tolist()
    [0.0, 1.0]
    """
    return softmax_parts(values, axis).weights


def layer_norm(x: ArrayLike, eps: float = 1e-5) -> np.ndarray:
    """Layer normalisation over the last axis, without learnable gain or bias.

    Parameters
    ----------
    x : array_like
        Rows to normalise (one row per token).
    eps : float, optional
        Added to the variance before the square root (default ``1e-5``, as
        PyTorch's ``nn.LayerNorm``).

    Returns
    -------
    np.ndarray
        ``(x - mean) / sqrt(var + eps)`` with the mean and the biased variance
        (divide by d, not d - 1) of each row, as
        ``torch.nn.functional.layer_norm(x, x.shape[-1:], eps=eps)``; see
        :func:`layer_norm_parts` for the mean and the divisor.
    """
    return layer_norm_parts(x, eps).normalised


def layer_norm_parts(x: ArrayLike, eps: float = 1e-5) -> LayerNormParts:
    """Layer normalisation over the last axis, with each row's mean and standard deviation.

    Parameters
    ----------
    x : array_like
        Rows to normalise (one row per token).
    eps : float, optional
        Added to the variance before the square root (default ``1e-5``).

    Returns
    -------
    LayerNormParts
        ``mean`` of each row; ``std = sqrt(var + eps)`` with the biased
        variance ``var = mean((x - mean)**2)`` (as
        ``torch.var_mean(x, dim=-1, unbiased=False)``); and
        ``normalised = (x - mean) / std`` (:func:`layer_norm`).
    """
    rows = np.asarray(x, dtype=np.float64)
    # A second pass corrects the mean's rounding error; without it a row of
    # equal numbers can centre to ±1e-15 instead of 0, which dividing by
    # sqrt(eps) then blows up to a visible ±1e-9.
    mean = rows.mean(axis=-1, keepdims=True)
    mean = mean + (rows - mean).mean(axis=-1, keepdims=True)
    centred = rows - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    std = np.sqrt(variance + eps)
    return LayerNormParts(
        mean=np.squeeze(mean, axis=-1), std=np.squeeze(std, axis=-1), normalised=centred / std
    )


def default_feed_forward(d_model: int) -> FeedForward:
    """The feed-forward layer used when a lesson gives none.

    ``FFN(x) = relu(x @ I + 0) @ I + 0``: both weights are the ``d_model``
    identity and both biases zero, so the layer only clips negatives to zero.
    It keeps the block's shape visible without inventing numbers.

    Parameters
    ----------
    d_model : int
        Embedding width.

    Returns
    -------
    FeedForward
        Read-only float64 ``w_1 = w_2 = I``, ``b_1 = b_2 = 0``.
    """
    identity = np.eye(d_model)
    zeros = np.zeros(d_model)
    return FeedForward(w_1=_frozen(identity), b_1=_frozen(zeros), w_2=_frozen(identity), b_2=_frozen(zeros))


def default_vocabulary(tokens: tuple[str, ...], embeddings: np.ndarray) -> Vocabulary:
    """The vocabulary used when a lesson gives none: its own tokens.

    Parameters
    ----------
    tokens : tuple of str
        The lesson's tokens.
    embeddings : np.ndarray
        Their embeddings, shape ``(n, d_model)``, without positional encoding.

    Returns
    -------
    Vocabulary
        The tokens de-duplicated in order of first appearance, each with the
        embedding row of its first appearance (tied input/output embeddings).
    """
    first_rows: dict[str, int] = {}
    for row, token in enumerate(tokens):
        first_rows.setdefault(token, row)
    rows = list(first_rows.values())
    return Vocabulary(words=tuple(first_rows), embeddings=_frozen(np.asarray(embeddings, np.float64)[rows]))


def compute(lesson: Lesson) -> Trace:
    """Run the whole attention pipeline on a lesson and record every step.

    Parameters
    ----------
    lesson : Lesson
        A validated lesson (see :mod:`attention_math.lesson`).

    Returns
    -------
    Trace
        Immutable; every array float64 (``mask`` bool) and read-only. Field
        names and shapes are documented in :mod:`attention_math.trace`. In
        short: ``x = embeddings + positional``; ``q, k, v = x @ w_q, x @ w_k,
        x @ w_v``; per head, ``weights = softmax(mask(q_h @ k_h.T / scale))``
        and ``context = weights @ v_h``; ``output = concat(contexts) @ w_o``
        (as ``torch.nn.MultiheadAttention`` without biases). When ``output``
        has width d_model a transformer block follows (residual, layer norm,
        feed-forward, residual, layer norm; the default feed-forward of
        :func:`default_feed_forward` when the lesson has none) and the last
        token's ``norm_2`` row scores the vocabulary.

    Raises
    ------
    LessonError
        If the lesson's shapes do not fit together or a number is not finite
        (the loader normally catches these first).
    """
    _check(lesson)
    n_tokens, d_model = lesson.n_tokens, lesson.d_model
    n_heads = lesson.heads

    embeddings = _frozen(lesson.embeddings)
    positional_kind, positional = _positional(lesson)
    x = _frozen(embeddings + positional)

    w_q, w_k, w_v = _frozen(lesson.w_q), _frozen(lesson.w_k), _frozen(lesson.w_v)
    w_o = None if lesson.w_o is None else _frozen(lesson.w_o)
    q, q_terms, q_partial = _project(x, w_q)
    k, k_terms, k_partial = _project(x, w_k)
    v, v_terms, v_partial = _project(x, w_v)

    d_k = w_q.shape[1] // n_heads
    d_h = w_v.shape[1] // n_heads
    scale = math.sqrt(d_k) if lesson.scale else 1.0
    mask = None
    if lesson.causal:
        mask = _frozen(np.triu(np.ones((n_tokens, n_tokens), dtype=bool), k=1))
    heads = tuple(
        _head(
            index,
            q[:, index * d_k : (index + 1) * d_k],
            k[:, index * d_k : (index + 1) * d_k],
            v[:, index * d_h : (index + 1) * d_h],
            scale,
            mask,
        )
        for index in range(n_heads)
    )
    # With one head the top-level names are that head's arrays; with several
    # they are None, so a scene cannot silently show head 0 as "the" attention.
    aliases = {
        name: getattr(heads[0], name) if n_heads == 1 else None
        for name in ("scores", "scaled", "masked", "exp", "row_sums", "weights", "context")
    }

    concat = _frozen(np.concatenate([head.context for head in heads], axis=1))
    output_terms = output_partial = None
    if w_o is None:
        output = concat
    else:
        output, output_terms, output_partial = _project(concat, w_o)
    has_block = output.shape[1] == d_model
    residual = _frozen(x + output) if lesson.residual and has_block else None

    vocabulary = lesson.vocabulary
    if vocabulary is None:
        vocabulary = default_vocabulary(lesson.tokens, embeddings)
    vocab_embeddings = _frozen(vocabulary.embeddings)

    block: dict[str, object] = dict.fromkeys(_BLOCK_FIELDS)
    ffn_is_default = False
    if has_block:
        feed_forward = lesson.feed_forward
        ffn_is_default = feed_forward is None
        if feed_forward is None:
            feed_forward = default_feed_forward(d_model)
        block.update(_block(x, output, feed_forward, vocabulary.words, vocab_embeddings))

    return Trace(
        lesson=lesson,
        tokens=tuple(lesson.tokens),
        token_labels=token_labels(tuple(lesson.tokens)),
        embeddings=embeddings,
        positional_kind=positional_kind,
        positional=positional,
        x=x,
        w_q=w_q,
        w_k=w_k,
        w_v=w_v,
        w_o=w_o,
        q=q,
        k=k,
        v=v,
        q_terms=q_terms,
        q_partial=q_partial,
        k_terms=k_terms,
        k_partial=k_partial,
        v_terms=v_terms,
        v_partial=v_partial,
        d_k=d_k,
        scale=scale,
        heads=heads,
        concat=concat,
        output=output,
        output_terms=output_terms,
        output_partial=output_partial,
        residual=residual,
        ffn_is_default=ffn_is_default,
        vocab=tuple(vocabulary.words),
        vocab_embeddings=vocab_embeddings,
        **aliases,
        **block,  # type: ignore[arg-type]
        title=lesson.name,
        description=lesson.description.strip(),
    )


def _frozen(array: ArrayLike) -> np.ndarray:
    """A read-only copy (float64 unless the input is bool)."""
    source = np.asarray(array)
    copy = np.array(source, dtype=bool if source.dtype == bool else np.float64, copy=True)
    copy.setflags(write=False)
    return copy


def _positional(lesson: Lesson) -> tuple[str, np.ndarray]:
    """The positional-encoding kind and its read-only (n, d) array."""
    shape = (lesson.n_tokens, lesson.d_model)
    if isinstance(lesson.positional, str):
        if lesson.positional == "none":
            return "none", _frozen(np.zeros(shape))
        return "sinusoidal", _frozen(sinusoidal(*shape))
    return "given", _frozen(lesson.positional)


def _project(x: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x @ weight`` with its products ``terms[i][j][m] = x[i][m] * weight[m][j]``
    and their running sums over ``m`` (``partial[..., -1]`` is the product up
    to float rounding order)."""
    product = _frozen(x @ weight)
    terms = x[:, np.newaxis, :] * weight.T[np.newaxis, :, :]
    return product, _frozen(terms), _frozen(np.cumsum(terms, axis=-1))


def _head(
    index: int,
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    scale: float,
    mask: np.ndarray | None,
) -> HeadTrace:
    """One head's attention: scores, scaling, mask, softmax and context."""
    scores = q @ k.T
    scaled = scores / scale
    masked = scaled if mask is None else np.where(mask, -np.inf, scaled)
    exp, row_sums, weights = softmax_parts(masked, axis=-1)
    return HeadTrace(
        index=index,
        number=index + 1,
        q=_frozen(q),
        k=_frozen(k),
        v=_frozen(v),
        scores=_frozen(scores),
        score_terms=_frozen(q[:, np.newaxis, :] * k[np.newaxis, :, :]),
        scaled=_frozen(scaled),
        mask=mask,
        masked=_frozen(masked),
        exp=_frozen(exp),
        row_sums=_frozen(row_sums),
        weights=_frozen(weights),
        context=_frozen(weights @ v),
        context_terms=_frozen(weights[:, :, np.newaxis] * v[np.newaxis, :, :]),
    )


def _block(
    x: np.ndarray,
    output: np.ndarray,
    feed_forward: FeedForward,
    words: tuple[str, ...],
    vocab_embeddings: np.ndarray,
) -> dict[str, object]:
    """The rest of the transformer block and the next-token scores."""
    add_1 = x + output
    norm_1 = layer_norm_parts(add_1)
    w_1, b_1 = _frozen(feed_forward.w_1), _frozen(feed_forward.b_1)
    w_2, b_2 = _frozen(feed_forward.w_2), _frozen(feed_forward.b_2)
    ffn_pre = norm_1.normalised @ w_1 + b_1
    ffn_hidden = np.maximum(ffn_pre, 0.0)
    ffn_out = ffn_hidden @ w_2 + b_2
    add_2 = norm_1.normalised + ffn_out
    norm_2 = layer_norm_parts(add_2)
    logits = norm_2.normalised[-1] @ vocab_embeddings.T
    logit_exp, logit_sum, probs = softmax_parts(logits)
    predicted = int(np.argmax(probs))
    return {
        "add_1": _frozen(add_1),
        "norm_1": _frozen(norm_1.normalised),
        "norm_1_mean": _frozen(norm_1.mean),
        "norm_1_std": _frozen(norm_1.std),
        "w_1": w_1,
        "b_1": b_1,
        "w_2": w_2,
        "b_2": b_2,
        "ffn_pre": _frozen(ffn_pre),
        "ffn_hidden": _frozen(ffn_hidden),
        "ffn_out": _frozen(ffn_out),
        "add_2": _frozen(add_2),
        "norm_2": _frozen(norm_2.normalised),
        "norm_2_mean": _frozen(norm_2.mean),
        "norm_2_std": _frozen(norm_2.std),
        "logits": _frozen(logits),
        "logit_exp": _frozen(logit_exp),
        "logit_sum": float(logit_sum),
        "probs": _frozen(probs),
        "predicted": predicted,
        "predicted_word": words[predicted],
    }


def _check(lesson: Lesson) -> None:
    """Raise ``LessonError`` if the lesson's arrays cannot be multiplied together."""

    def require(condition: bool, key: str, problem: str) -> None:
        if not condition:
            raise LessonError(key, problem)

    embeddings = np.asarray(lesson.embeddings)
    require(embeddings.ndim == 2, "embeddings", "must be a matrix (one row per token)")
    n_tokens, d_model = embeddings.shape
    require(n_tokens >= 1, "tokens", "need at least one token")
    require(
        len(lesson.tokens) == n_tokens,
        "embeddings",
        f"has {n_tokens} rows but there are {len(lesson.tokens)} tokens",
    )
    require(d_model >= 1, "embeddings", "rows must have at least one number")
    whole = isinstance(lesson.heads, (int, np.integer)) and not isinstance(lesson.heads, bool)
    require(whole and lesson.heads >= 1, "heads", "must be a whole number ≥ 1")

    def matrix(key: str, value: object, rows: int) -> int:
        array = np.asarray(value)
        require(
            array.ndim == 2 and array.shape[0] == rows, key, f"must have {rows} rows, got shape {array.shape}"
        )
        require(array.shape[1] >= 1, key, "must have at least one column")
        require(bool(np.isfinite(array).all()), key, "must contain only finite numbers")
        return int(array.shape[1])

    require(bool(np.isfinite(embeddings).all()), "embeddings", "must contain only finite numbers")
    d_qk = matrix("w_q", lesson.w_q, d_model)
    require(
        np.shape(lesson.w_k) == (d_model, d_qk),
        "w_k",
        f"must have the shape of w_q {(d_model, d_qk)}, got {np.shape(lesson.w_k)}",
    )
    matrix("w_k", lesson.w_k, d_model)
    d_v = matrix("w_v", lesson.w_v, d_model)
    require(d_qk % lesson.heads == 0, "heads", f"{lesson.heads} heads do not divide d_qk = {d_qk}")
    require(d_v % lesson.heads == 0, "heads", f"{lesson.heads} heads do not divide d_v = {d_v}")
    d_out = d_v if lesson.w_o is None else matrix("w_o", lesson.w_o, d_v)

    if isinstance(lesson.positional, str):
        require(
            lesson.positional in ("none", "sinusoidal"),
            "positional",
            f"must be 'none', 'sinusoidal' or a matrix, got {lesson.positional!r}",
        )
    else:
        require(
            np.shape(lesson.positional) == (n_tokens, d_model),
            "positional",
            f"must have shape {(n_tokens, d_model)}, got {np.shape(lesson.positional)}",
        )
        require(bool(np.isfinite(lesson.positional).all()), "positional", "must contain only finite numbers")

    if lesson.feed_forward is not None and d_out == d_model:
        ffn = lesson.feed_forward
        d_ff = matrix("feed_forward.w_1", ffn.w_1, d_model)
        require(np.shape(ffn.b_1) == (d_ff,), "feed_forward.b_1", f"must have {d_ff} numbers")
        matrix("feed_forward.w_2", ffn.w_2, d_ff)
        require(
            np.shape(ffn.w_2) == (d_ff, d_model),
            "feed_forward.w_2",
            f"must have shape {(d_ff, d_model)}, got {np.shape(ffn.w_2)}",
        )
        require(np.shape(ffn.b_2) == (d_model,), "feed_forward.b_2", f"must have {d_model} numbers")
        require(
            bool(np.isfinite(ffn.b_1).all() and np.isfinite(ffn.b_2).all()),
            "feed_forward",
            "biases must contain only finite numbers",
        )

    if lesson.vocabulary is not None:
        words = lesson.vocabulary.words
        require(len(words) >= 1, "vocabulary", "needs at least one word")
        matrix("vocabulary.embeddings", lesson.vocabulary.embeddings, len(words))
        require(
            np.shape(lesson.vocabulary.embeddings)[1] == d_model,
            "vocabulary.embeddings",
            f"rows must have d_model = {d_model} numbers",
        )
