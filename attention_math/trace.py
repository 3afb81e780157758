"""The trace: every intermediate of the attention pipeline under a stable name.

A scene reads numbers only from a trace, by *path*: a dotted name with
indices, e.g. ``"q[0][1]"``, ``"heads[1].weights[2][0]"``, ``"logits[3]"``.
``Trace.get(path)`` resolves a path; every array in a trace is read-only.

Names (n tokens, d = d_model, h heads, d_k = d_qk / h, d_h = d_v / h):

==================  ============  ==============================================
name                shape         meaning
==================  ============  ==============================================
lesson              Lesson        the lesson the trace was computed from
tokens              (n,)          the lesson's tokens (str)
token_labels        (n,)          what the scenes draw for each token: the token, with
                                  primes on a repeat ("the", "the′") so labels differ
embeddings          (n, d)        token embeddings
positional_kind     str           "none", "sinusoidal" or "given"
positional          (n, d)        positional encoding (zeros for "none")
x                   (n, d)        embeddings + positional: attention's input
w_q w_k w_v         (d, d_qk)...  projection weights; w_o (d_v, d) or None
q k v               (n, d_qk)...  x @ w_q, x @ w_k, x @ w_v
q_terms             (n, d_qk, d)  q_terms[i][j][m] = x[i][m] * w_q[m][j]
q_partial           (n, d_qk, d)  running sums of q_terms over m; [..., -1] == q
(k_, v_ likewise)
d_k                 int           key width per head
scale               float         sqrt(d_k), or 1.0 when the lesson does not scale
heads               (h,)          HeadTrace per head (fields below)
scores scaled       (n, n)        aliases of heads[0].* when h == 1, else None
masked exp row_sums weights context  (likewise)
concat              (n, d_v)      heads' contexts side by side
output              (n, d_out)    concat @ w_o, or concat when there is no w_o
output_terms        (n,d_out,d_v) output_terms[i][j][m] = concat[i][m] * w_o[m][j]
                                  (None when there is no w_o)
output_partial      (n,d_out,d_v) running sums of output_terms over m; [..., -1] == output
residual            (n, d)        x + output when the lesson asks, else None
add_1 norm_1        (n, d)        x + output; layer_norm(add_1)      (None if d_out != d)
norm_1_mean         (n,)          mean of each row of add_1
norm_1_std          (n,)          what layer norm divides each centred row of add_1 by:
                                  sqrt(var + eps), var the biased variance (mean of the
                                  squared deviations, divided by d), eps = 1e-5;
                                  norm_1 = (add_1 - mean) / std
ffn_is_default      bool          True when the lesson gave no feed-forward layer
w_1 b_1 w_2 b_2     (d, d_ff)...  the feed-forward weights used (None if no block)
ffn_pre             (n, d_ff)     norm_1 @ w_1 + b_1: the hidden layer before ReLU
ffn_hidden          (n, d_ff)     relu(ffn_pre): ffn_pre with its negatives set to 0
ffn_out             (n, d)        ffn_hidden @ w_2 + b_2
add_2 norm_2        (n, d)        norm_1 + ffn_out; layer_norm(add_2)
norm_2_mean         (n,)          mean of each row of add_2
norm_2_std          (n,)          sqrt(var + eps) of each row of add_2, as norm_1_std
vocab               (V,)          words scored for the next token
vocab_embeddings    (V, d)
logits              (V,)          norm_2[-1] @ vocab_embeddings.T
logit_exp           (V,)          exp(logits - max(logits))
logit_sum           float
probs               (V,)          softmax(logits)
predicted           int           argmax(probs); predicted_word = vocab[predicted]
title               str           the lesson's name (built-in example name or file stem), for the title card
description         str           the lesson's description (may be empty)
==================  ============  ==============================================

``norm_1_mean`` to ``predicted_word`` are None when ``norm_1`` is (d_out != d).
Without a lesson feed-forward layer the default ``FFN(x) = relu(x @ I + 0) @ I + 0``
is used (``w_1 = w_2 =`` the d × d identity, zero biases). Without a lesson
vocabulary, ``vocab`` is the lesson's tokens de-duplicated in order of first
appearance and ``vocab_embeddings`` their ``embeddings`` rows (tied embeddings,
without positional encoding).

HeadTrace (per head ``h``; columns ``h*d_k:(h+1)*d_k`` of q and k, likewise v):
``index`` (h, 0-based as in paths), ``number`` (h + 1: the head's name on screen,
``trace.get("heads[1].number") == 2`` is drawn as "head 2"), ``q, k, v,
scores (n,n), score_terms (n,n,d_k) [i][j][m] = q[i][m]*k[j][m], scaled,
mask (n,n bool, True = hidden, or None), masked (scaled with -inf where
hidden), exp (n,n) exp(masked - rowmax), row_sums (n,), weights (n,n),
context (n,d_h), context_terms (n,n,d_h) [i][j][c] = weights[i][j]*v[j][c]``.

Arrays are float64 (``mask`` is bool) and read-only; sequences are tuples.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from attention_math.lesson import Lesson

__all__ = ["HeadTrace", "Trace", "TracePathError"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SEGMENT = re.compile(rf"({_NAME})((?:\[\d+\])*)")
_PATH = re.compile(rf"{_SEGMENT.pattern}(?:\.{_SEGMENT.pattern})*")
_INDEX = re.compile(r"\[(\d+)\]")


class TracePathError(KeyError):
    """A path that names nothing in a trace.

    A ``KeyError`` (so ``except KeyError`` catches it) whose ``str()`` is the
    plain one-line message, naming the path and the valid names.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path!r}: {problem}")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True, eq=False)
class HeadTrace:
    """One attention head's intermediates; see the module docstring for shapes.

    ``mask`` is None when the lesson is not causal; then ``masked`` holds the
    same numbers as ``scaled``.
    """

    index: int
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    scores: np.ndarray
    score_terms: np.ndarray
    scaled: np.ndarray
    mask: np.ndarray | None
    masked: np.ndarray
    exp: np.ndarray
    row_sums: np.ndarray
    weights: np.ndarray
    context: np.ndarray
    context_terms: np.ndarray
    number: int

    def __repr__(self) -> str:
        n, d_k = self.q.shape
        return f"HeadTrace(index={self.index}, n={n}, d_k={d_k}, d_h={self.v.shape[1]})"


@dataclass(frozen=True, eq=False)
class Trace:
    """Every intermediate of one lesson's attention pipeline, by name.

    Built by :func:`attention_math.pipeline.compute`; see the module docstring
    for each field's shape and meaning. Top-level ``scores`` .. ``context`` are
    the single head's arrays when there is one head and None otherwise (read
    ``heads[i].*`` then). Equality is identity: two traces are never compared
    field by field.
    """

    lesson: Lesson
    tokens: tuple[str, ...]
    token_labels: tuple[str, ...]
    embeddings: np.ndarray
    positional_kind: str
    positional: np.ndarray
    x: np.ndarray
    w_q: np.ndarray
    w_k: np.ndarray
    w_v: np.ndarray
    w_o: np.ndarray | None
    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    q_terms: np.ndarray
    q_partial: np.ndarray
    k_terms: np.ndarray
    k_partial: np.ndarray
    v_terms: np.ndarray
    v_partial: np.ndarray
    d_k: int
    scale: float
    heads: tuple[HeadTrace, ...]
    scores: np.ndarray | None
    scaled: np.ndarray | None
    masked: np.ndarray | None
    exp: np.ndarray | None
    row_sums: np.ndarray | None
    weights: np.ndarray | None
    context: np.ndarray | None
    concat: np.ndarray
    output: np.ndarray
    output_terms: np.ndarray | None
    output_partial: np.ndarray | None
    residual: np.ndarray | None
    add_1: np.ndarray | None
    norm_1: np.ndarray | None
    norm_1_mean: np.ndarray | None
    norm_1_std: np.ndarray | None
    ffn_is_default: bool
    w_1: np.ndarray | None
    b_1: np.ndarray | None
    w_2: np.ndarray | None
    b_2: np.ndarray | None
    ffn_pre: np.ndarray | None
    ffn_hidden: np.ndarray | None
    ffn_out: np.ndarray | None
    add_2: np.ndarray | None
    norm_2: np.ndarray | None
    norm_2_mean: np.ndarray | None
    norm_2_std: np.ndarray | None
    vocab: tuple[str, ...]
    vocab_embeddings: np.ndarray
    logits: np.ndarray | None
    logit_exp: np.ndarray | None
    logit_sum: float | None
    probs: np.ndarray | None
    predicted: int | None
    predicted_word: str | None
    title: str
    description: str

    def __deepcopy__(self, memo: dict[int, object]) -> Trace:
        # Immutable (frozen, read-only arrays): a copy would be the same trace.
        return self

    def __repr__(self) -> str:
        n, d = self.x.shape
        return (
            f"Trace(lesson={self.lesson.name!r}, n={n}, d_model={d}, heads={len(self.heads)}, d_k={self.d_k})"
        )

    def get(self, path: str) -> Any:
        """The value at ``path``.

        Parameters
        ----------
        path : str
            Field names joined by ``"."``, each optionally followed by
            non-negative indices in brackets: ``"q"``, ``"q[0][1]"``,
            ``"heads[1].weights[2][0]"``, ``"tokens[2]"``, ``"scale"``.

        Returns
        -------
        Any
            A ``float`` for one element of a float array (``bool`` for one
            element of ``mask``), a read-only ``np.ndarray`` for a whole array
            or a slice of one, ``str`` for a word, ``int``/``float``/``bool``
            for scalar fields, a ``HeadTrace`` or tuple for ``heads``, and
            None for a field the lesson did not produce (e.g. ``residual``
            without a residual connection).

        Raises
        ------
        TracePathError
            (a ``KeyError``) if the path is malformed, names no field, indexes
            past an end, indexes a scalar or None, or continues past a value
            with ``"."``. The message names the path and the valid names.
        """
        return _plain(_resolve(self, path))

    def paths(self, name: str) -> list[str]:
        """Every element path of the value at ``name``, in row-major order.

        Parameters
        ----------
        name : str
            A path to an array, a tuple of words, or a scalar: ``"q"``,
            ``"heads[1].weights"``, ``"q[0]"``, ``"tokens"``, ``"scale"``.

        Returns
        -------
        list[str]
            For an array, one path per element (``paths("q")`` is
            ``["q[0][0]", "q[0][1]", ...]``); for a tuple of words, one per
            word; for a scalar, ``[name]``; for a field that is None, ``[]``.

        Raises
        ------
        TracePathError
            If ``name`` does not resolve (see :meth:`get`) or resolves to
            something that is not numbers or words (``heads``, ``lesson``).
        """
        name = name.strip()
        value = _resolve(self, name)
        if value is None:
            return []
        if isinstance(value, np.ndarray):
            return [name + "".join(f"[{i}]" for i in index) for index in np.ndindex(value.shape)]
        if isinstance(value, tuple) and all(isinstance(word, str) for word in value):
            return [f"{name}[{i}]" for i in range(len(value))]
        if isinstance(value, (str, int, float, np.generic)):
            return [name]
        raise TracePathError(
            name, f"is a {type(value).__name__}, not numbers or words; name one of its fields"
        )


_Node = Trace | HeadTrace


def _field_names(node: _Node) -> list[str]:
    return [f.name for f in dataclasses.fields(node)]


def _resolve(trace: Trace, path: str) -> Any:
    """Walk ``path`` from ``trace`` and return the raw value found there."""
    path = path.strip() if isinstance(path, str) else path
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise TracePathError(
            str(path),
            "is not a trace path (expected e.g. 'q', 'q[0][1]' or 'heads[1].weights[2][0]'); "
            f"valid names: {', '.join(_field_names(trace))}",
        )
    current: Any = trace
    walked = ""
    for segment in path.split("."):
        match = _SEGMENT.fullmatch(segment)
        assert match is not None  # guaranteed by _PATH
        name, brackets = match.groups()
        if not isinstance(current, (Trace, HeadTrace)):
            raise TracePathError(path, f"{walked} has no field {name!r}: it is not a head")
        valid = _field_names(current)
        if name not in valid:
            where = f"in {walked}" if walked else "in the trace"
            raise TracePathError(path, f"no field {name!r} {where}; valid names: {', '.join(valid)}")
        current = getattr(current, name)
        walked = f"{walked}.{name}" if walked else name
        for text in _INDEX.findall(brackets):
            current = _index(path, walked, current, int(text))
            walked += f"[{text}]"
    return current


def _index(path: str, walked: str, value: Any, index: int) -> Any:
    """``value[index]`` for an array axis or a tuple, with a path-naming error."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        length = value.shape[0]
    elif isinstance(value, tuple):
        length = len(value)
    elif value is None:
        raise TracePathError(path, f"{walked} is None for this lesson, so it has no elements")
    else:
        raise TracePathError(path, f"{walked} is a single value and cannot be indexed")
    if index >= length:
        raise TracePathError(path, f"index {index} is past the end of {walked} (length {length})")
    return value[index]


def _plain(value: Any) -> Any:
    """NumPy scalars become the matching Python scalar; everything else is unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
