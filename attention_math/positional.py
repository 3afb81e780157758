"""Positional encodings added to token embeddings before attention."""

from __future__ import annotations

import operator

import numpy as np

__all__ = ["sinusoidal"]


def sinusoidal(n_tokens: int, d_model: int) -> np.ndarray:
    """Sinusoidal positional encoding of "Attention Is All You Need" (section 3.5).

    Parameters
    ----------
    n_tokens : int
        Number of positions, at least 0; positions are ``0 .. n_tokens - 1``.
    d_model : int
        Embedding width, at least 1. May be odd: the last column is then a
        sine with no cosine partner.

    Returns
    -------
    np.ndarray
        A new float64 array ``pe`` of shape ``(n_tokens, d_model)`` with::

            pe[pos, 2i]     = sin(pos / 10000 ** (2i / d_model))
            pe[pos, 2i + 1] = cos(pos / 10000 ** (2i / d_model))

    Raises
    ------
    ValueError
        If ``n_tokens < 0`` or ``d_model < 1``.

    Examples
    --------
    >>> sinusoidal(2, 3).round(4).tolist()
    [[0.0, 1.0, 0.0], [0.8415, 0.5403, 0.0022]]
    """
    n_tokens = operator.index(n_tokens)
    d_model = operator.index(d_model)
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be at least 0, got {n_tokens}")
    if d_model < 1:
        raise ValueError(f"d_model must be at least 1, got {d_model}")
    positions = np.arange(n_tokens, dtype=np.float64)[:, np.newaxis]
    # Columns 2i and 2i + 1 share the frequency 1 / 10000 ** (2i / d_model).
    even_columns = np.arange(0, d_model, 2, dtype=np.float64)
    angles = positions / np.power(10000.0, even_columns / d_model)
    encoding = np.empty((n_tokens, d_model), dtype=np.float64)
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return encoding
