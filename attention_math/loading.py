"""Turn a lesson file (TOML or JSON) or a plain mapping into a validated `Lesson`.

Every problem is reported as one `LessonError` whose message is a single line
naming the key as it is spelled in the file (``w_q``, ``embeddings[1][0]``,
``feed_forward.w_1``, ``claims.q[2]``) and what was expected there, e.g.::

    w_q: has 3 rows, expected 4 (d_model, the width of embeddings)
    embeddings[1][0]: is NaN; numbers must be finite
    w_q: row 2 has 3 numbers, expected 4 like row 0

Rows and columns are counted from 0, as in claim paths (``q[2]`` is the third
token). Problems with the file as a whole (missing, unreadable, not TOML/JSON)
have no key.

Numbers a lesson computes with must be finite and at most ``MAX_MAGNITUDE``
(1e12) in size: then every step of the pipeline stays finite in float64 for
any shape (scores grow like the fourth power of the inputs). Scores far past
what a naive ``exp`` can take (e.g. 3574) are fine: the softmax is stable.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import LessonError
from .lesson import FeedForward, Lesson, Vocabulary

__all__ = ["CLAIM_PATH", "LESSON_KEYS", "MAX_FILE_BYTES", "MAX_MAGNITUDE", "lesson_from_dict", "load_lesson"]

#: Every top-level key a lesson may have, in the order a lesson file lists them.
LESSON_KEYS: tuple[str, ...] = (
    "description",
    "tokens",
    "embeddings",
    "positional",
    "w_q",
    "w_k",
    "w_v",
    "w_o",
    "heads",
    "scale",
    "causal",
    "residual",
    "feed_forward",
    "vocabulary",
    "decimals",
    "claims",
)
_FEED_FORWARD_KEYS = ("w_1", "b_1", "w_2", "b_2")
_VOCABULARY_KEYS = ("words", "embeddings")
_POSITIONAL_NAMES = ("none", "sinusoidal")
_MAX_DECIMALS = 6

#: The largest size of a number a lesson computes with (claims may state anything).
MAX_MAGNITUDE = 1e12
_MAGNITUDE_RULE = "numbers must be between -1e12 and 1e12 so every step stays finite"
#: A lesson file is a few kilobytes; refuse what would take long to parse.
MAX_FILE_BYTES = 10_000_000
#: Trace arrays have at most three axes (``q_terms``); a claim nests no deeper.
_MAX_CLAIM_DEPTH = 3

#: A claim key: a name, then any number of ``[index]`` and ``.name`` parts.
CLAIM_PATH = re.compile(r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*")

#: Lesson texts, read by `attention_math.reading` (kept in step with its TEXT_SUFFIXES).
_TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".ipynb")

_MATRIX = "a matrix (a list of rows, each a list of numbers)"
_VECTOR = "a list of numbers"


# --------------------------------------------------------------------------- files


def load_lesson(path: str | Path) -> Lesson:
    """Read and validate a lesson file.

    Parameters
    ----------
    path
        A ``.toml`` or ``.json`` file holding one lesson table, or a lesson
        as written: Markdown (``.md``, ``.markdown``), plain text (``.txt``)
        or a Jupyter notebook (``.ipynb``), read by `attention_math.reading`
        (its stated numbers become the claims, with their source lines).

    Returns
    -------
    Lesson
        Named after the file's stem, with ``source`` set to ``str(path)``.

    Raises
    ------
    LessonError
        With ``key=None`` when the file is missing, a directory, a pipe or
        device, unreadable, larger than ``MAX_FILE_BYTES``, empty, of another
        type or not valid TOML/JSON (line and column included when the parser
        gives them); otherwise as `lesson_from_dict` raises.
    """
    path = Path(path)
    shown = _printable(str(path))
    suffix = path.suffix.lower()
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise LessonError(None, f"{shown}: no such lesson file") from None
    except PermissionError:
        raise LessonError(None, f"{shown}: cannot read the file (permission denied)") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        raise LessonError(None, f"{shown}: cannot read the file ({_reason(error)})") from None
    if stat.S_ISDIR(status.st_mode):
        raise LessonError(None, f"{shown}: is a directory, not a lesson file")
    if suffix not in (".toml", ".json", *_TEXT_SUFFIXES):
        kind = f"'{_printable(path.suffix)}'" if path.suffix else "with no extension"
        raise LessonError(None, f"{shown}: unsupported lesson file type {kind}; use .toml or .json")
    if not stat.S_ISREG(status.st_mode):
        raise LessonError(None, f"{shown}: is not a regular file (a pipe or a device?)")
    if status.st_size > MAX_FILE_BYTES:
        raise LessonError(
            None,
            f"{shown}: is {status.st_size / 1e6:.0f} MB; a lesson file is at most "
            f"{MAX_FILE_BYTES / 1e6:.0f} MB",
        )
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise LessonError(None, f"{shown}: cannot read the file (permission denied)") from None
    except OSError as error:
        raise LessonError(None, f"{shown}: cannot read the file ({_reason(error)})") from None
    if suffix in _TEXT_SUFFIXES:
        from .reading import read_text_lesson  # the reader builds on this module

        return read_text_lesson(path, raw=raw, shown=shown).lesson
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LessonError(
            None,
            f"{shown}: not UTF-8 text (byte {error.start} cannot be decoded); save it as UTF-8",
        ) from None
    if not text.strip():
        raise LessonError(
            None, f"{shown}: is empty; a lesson needs at least tokens, embeddings, w_q, w_k and w_v"
        )

    if suffix == ".toml":
        deep = _DEEP_KEY.search(text)
        if deep is not None:
            line = text.count("\n", 0, deep.start()) + 1
            raise LessonError(
                None,
                f"{shown}: invalid TOML: a dotted key at line {line} has more than "
                f"{MAX_KEY_PARTS} parts; a lesson's keys have at most a few",
            )
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise LessonError(None, f"{shown}: invalid TOML: {_one_line(str(error))}") from None
        except RecursionError:
            raise LessonError(None, f"{shown}: invalid TOML: nested too deeply") from None
        except ValueError as error:  # an integer beyond Python's digit limit for int(str)
            raise LessonError(None, f"{shown}: invalid TOML: {_too_long(error)}") from None
    else:
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as error:
            raise LessonError(
                None,
                f"{shown}: invalid JSON at line {error.lineno}, column {error.colno}: {_one_line(error.msg)}",
            ) from None
        except _DuplicateKey as error:
            raise LessonError(
                None, f"{shown}: invalid JSON: key {_quoted(error.key)} appears twice"
            ) from None
        except RecursionError:
            raise LessonError(None, f"{shown}: invalid JSON: nested too deeply") from None
        except ValueError as error:  # an integer beyond Python's digit limit for int(str)
            raise LessonError(None, f"{shown}: invalid JSON: {_too_long(error)}") from None
        if not isinstance(data, dict):
            raise LessonError(None, f"{shown}: expected a JSON object of lesson keys, got {_describe(data)}")
    if not data:
        raise LessonError(
            None,
            f"{shown}: has no lesson keys; a lesson needs at least tokens, embeddings, w_q, w_k and w_v",
        )
    return lesson_from_dict(data, name=path.stem, source=str(path))


#: TOML's parser takes time growing with the square of a dotted key's length
#: (``a.a.a. ... = 1``): a key of more parts than this is refused before parsing.
MAX_KEY_PARTS = 32
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_DEEP_KEY = re.compile(rf"(?:{_KEY_PART}[ \t]*\.[ \t]*){{{MAX_KEY_PARTS},}}{_KEY_PART}")


def _too_long(error: ValueError) -> str:
    """The parser's ValueError for an over-long integer, as one line for the user."""
    if "digits" in str(error):
        return "a number has more than 4300 digits; numbers must be between -1e12 and 1e12"
    return _one_line(str(error))


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _reason(error: BaseException) -> str:
    return _one_line(getattr(error, "strerror", None) or str(error)).lower()


def _printable(text: str) -> str:
    """``text`` with anything that is not printable (line breaks, controls) escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _quoted(text: str, limit: int = 30) -> str:
    """``text`` in double quotes for a message, shortened and on one line."""
    shown = text if len(text) <= limit else text[: limit - 3] + "..."
    return _printable(json.dumps(shown, ensure_ascii=False))


def _key_text(key: Any) -> str:
    """A key from the file as a message names it: as written, or quoted if it is odd."""
    text = str(key)
    return text if text and text.isprintable() else _quoted(text, limit=40)


# --------------------------------------------------------------------------- lesson


def lesson_from_dict(data: Mapping[str, Any], name: str, source: str = "") -> Lesson:
    """Validate a lesson given as a mapping (a parsed TOML/JSON table).

    Parameters
    ----------
    data
        The lesson's keys; see `LESSON_KEYS`. ``tokens``, ``embeddings``,
        ``w_q``, ``w_k`` and ``w_v`` are required.
    name
        The lesson's name (a file's stem, or an example's name).
    source
        Where the lesson came from, for messages; ``""`` when built in code.

    Returns
    -------
    Lesson
        Arrays are float64 and read-only, sequences are tuples and ``claims``
        is a read-only mapping from claim path to a read-only array (0-d for
        a single number), in file order.

    Raises
    ------
    LessonError
        Naming the offending key and what was expected there.
    """
    if not isinstance(data, Mapping):
        raise LessonError(None, f"expected a table of lesson keys, got {_describe(data)}")
    _reject_unknown_keys(data, LESSON_KEYS, prefix="")
    for key in _REQUIRED_WHAT:
        if key not in data:
            raise LessonError(key, f"missing; every lesson needs {_REQUIRED_WHAT[key]}")

    tokens = _strings(data["tokens"], "tokens")
    n = len(tokens)
    embeddings = _matrix(data["embeddings"], "embeddings", rows=(n, f"one per token; tokens has {n}"))
    d_model = embeddings.shape[1]
    d_model_why = "d_model, the width of embeddings"

    w_q = _matrix(data["w_q"], "w_q", rows=(d_model, d_model_why))
    d_qk = w_q.shape[1]
    w_k = _matrix(data["w_k"], "w_k", rows=(d_model, d_model_why), cols=(d_qk, "d_qk, the width of w_q"))
    w_v = _matrix(data["w_v"], "w_v", rows=(d_model, d_model_why))
    d_v = w_v.shape[1]
    w_o = None
    if "w_o" in data:
        w_o = _matrix(
            data["w_o"],
            "w_o",
            rows=(d_v, "d_v, the width of w_v"),
            cols=(d_model, d_model_why),
        )
    d_out = d_model if w_o is not None else d_v

    heads = _int(data.get("heads", 1), "heads")
    if heads < 1:
        raise LessonError("heads", f"is {heads}; expected a whole number of at least 1")
    for width, why in ((d_qk, "d_qk, the width of w_q"), (d_v, "d_v, the width of w_v")):
        if width % heads:
            raise LessonError(
                "heads",
                f"{heads} heads do not divide {width} ({why}); each head takes an equal share of the columns",
            )

    scale = _bool(data.get("scale", True), "scale")
    causal = _bool(data.get("causal", False), "causal")
    residual = _bool(data.get("residual", False), "residual")
    if residual:
        _require_model_width("residual", d_out, d_model, d_v)

    positional = _positional(data.get("positional", "none"), n, d_model)

    decimals = _int(data.get("decimals", 2), "decimals")
    if not 0 <= decimals <= _MAX_DECIMALS:
        raise LessonError("decimals", f"is {decimals}; expected a whole number from 0 to {_MAX_DECIMALS}")

    description = data.get("description", "")
    if not isinstance(description, str):
        raise LessonError("description", f"expected a string, got {_describe(description)}")

    feed_forward = None
    if "feed_forward" in data:
        _require_model_width("feed_forward", d_out, d_model, d_v)
        feed_forward = _feed_forward(data["feed_forward"], d_model)

    vocabulary = None
    if "vocabulary" in data:
        _require_model_width("vocabulary", d_out, d_model, d_v)
        vocabulary = _vocabulary(data["vocabulary"], d_model)

    claims = _claims(data.get("claims", {}))

    return Lesson(
        name=name,
        description=description,
        tokens=tokens,
        embeddings=embeddings,
        w_q=w_q,
        w_k=w_k,
        w_v=w_v,
        w_o=w_o,
        heads=heads,
        scale=scale,
        causal=causal,
        residual=residual,
        positional=positional,
        decimals=decimals,
        feed_forward=feed_forward,
        vocabulary=vocabulary,
        claims=claims,
        source=source,
    )


_REQUIRED_WHAT = {
    "tokens": "tokens, a list of words",
    "embeddings": "embeddings, " + _MATRIX + " with one row per token",
    "w_q": "w_q, the query weights: a d_model × d_qk matrix",
    "w_k": "w_k, the key weights: a d_model × d_qk matrix",
    "w_v": "w_v, the value weights: a d_model × d_v matrix",
}


def _reject_unknown_keys(data: Mapping[str, Any], known: Sequence[str], prefix: str) -> None:
    for key in data:
        if key in known:
            continue
        text = str(key)
        close = difflib.get_close_matches(text.lower(), known, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{prefix}{close[0]}'?"
        else:
            hint = f"known keys are {', '.join(known)}"
        raise LessonError(f"{prefix}{_key_text(key)}", f"unknown key; {hint}")


def _require_model_width(key: str, d_out: int, d_model: int, d_v: int) -> None:
    """Residual, feed-forward and next-token steps add to or read d_model-wide rows."""
    if d_out != d_model:
        raise LessonError(
            key,
            f"needs the attention output to be {d_model} wide (d_model, the width of "
            f"embeddings) but it is {d_v} wide (d_v, the width of w_v, with no w_o); "
            f"add a {d_v} × {d_model} w_o or give w_v {d_model} columns",
        )


def _positional(value: Any, n: int, d_model: int) -> str | np.ndarray:
    if isinstance(value, str):
        if value in _POSITIONAL_NAMES:
            return value
        close = [name for name in _POSITIONAL_NAMES if name.startswith(value.lower()[:3])]
        close = close or difflib.get_close_matches(value.lower(), _POSITIONAL_NAMES, n=1)
        hint = f'; did you mean "{close[0]}"?' if value and close else ""
        raise LessonError(
            "positional",
            f'expected "none", "sinusoidal" or a matrix with one row per token, got {_quoted(value)}{hint}',
        )
    if not isinstance(value, (list, tuple)):
        raise LessonError(
            "positional",
            f'expected "none", "sinusoidal" or {_MATRIX}, got {_describe(value)}',
        )
    return _matrix(
        value,
        "positional",
        rows=(n, f"one per token; tokens has {n}"),
        cols=(d_model, "d_model, the width of embeddings"),
    )


def _feed_forward(value: Any, d_model: int) -> FeedForward:
    if not isinstance(value, Mapping):
        raise LessonError("feed_forward", f"expected a table with w_1, b_1, w_2, b_2, got {_describe(value)}")
    _reject_unknown_keys(value, _FEED_FORWARD_KEYS, prefix="feed_forward.")
    for key in ("w_1", "w_2"):
        if key not in value:
            raise LessonError(f"feed_forward.{key}", "missing; a feed_forward table needs w_1 and w_2")
    d_model_why = "d_model, the width of embeddings"
    w_1 = _matrix(value["w_1"], "feed_forward.w_1", rows=(d_model, d_model_why))
    d_ff = w_1.shape[1]
    d_ff_why = "d_ff, the width of feed_forward.w_1"
    w_2 = _matrix(value["w_2"], "feed_forward.w_2", rows=(d_ff, d_ff_why), cols=(d_model, d_model_why))
    b_1 = _vector_or_zeros(value.get("b_1"), "feed_forward.b_1", (d_ff, d_ff_why))
    b_2 = _vector_or_zeros(value.get("b_2"), "feed_forward.b_2", (d_model, d_model_why))
    return FeedForward(w_1=w_1, b_1=b_1, w_2=w_2, b_2=b_2)


def _vocabulary(value: Any, d_model: int) -> Vocabulary:
    if not isinstance(value, Mapping):
        raise LessonError("vocabulary", f"expected a table with words and embeddings, got {_describe(value)}")
    _reject_unknown_keys(value, _VOCABULARY_KEYS, prefix="vocabulary.")
    for key in _VOCABULARY_KEYS:
        if key not in value:
            raise LessonError(f"vocabulary.{key}", "missing; a vocabulary table needs words and embeddings")
    words = _strings(value["words"], "vocabulary.words")
    for index, word in enumerate(words):
        if word in words[:index]:
            raise LessonError(
                f"vocabulary.words[{index}]",
                f"{_quoted(word)} is listed twice; each candidate word appears once",
            )
    embeddings = _matrix(
        value["embeddings"],
        "vocabulary.embeddings",
        rows=(len(words), f"one per word; vocabulary.words has {len(words)}"),
        cols=(d_model, "d_model, the width of embeddings"),
    )
    return Vocabulary(words=words, embeddings=embeddings)


def _claims(value: Any) -> Mapping[str, np.ndarray]:
    if not isinstance(value, Mapping):
        raise LessonError(
            "claims", f"expected a table of trace path = stated number(s), got {_describe(value)}"
        )
    claims: dict[str, np.ndarray] = {}
    for path, stated in _flatten(value, ""):
        key = f"claims.{_key_text(path)}"
        if not CLAIM_PATH.fullmatch(path):
            raise LessonError(
                key,
                "is not a trace path; write a name followed by [index] and .name parts, "
                'e.g. q, "q[2]", "scores[0][2]" or "heads[1].weights[0]"',
            )
        claims[path] = _readonly(np.array(_nested_numbers(stated, key), dtype=np.float64))
    return MappingProxyType(claims)


def _flatten(table: Mapping[str, Any], prefix: str, depth: int = 0) -> list[tuple[str, Any]]:
    """Undo TOML's dotted keys: ``heads.x = 1`` parses as ``{"heads": {"x": 1}}``."""
    items: list[tuple[str, Any]] = []
    for name, value in table.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            if depth >= _MAX_CLAIM_DEPTH:
                raise LessonError(
                    f"claims.{_key_text(path)}",
                    "is not a trace path: tables nest too deeply (a path has at most "
                    'a few .name parts, e.g. "heads[1].weights[0]")',
                )
            items.extend(_flatten(value, f"{path}.", depth + 1))
        else:
            items.append((path, value))
    return items


# --------------------------------------------------------------------------- values


def _describe(value: Any) -> str:
    """Name a value's kind the way a lesson file spells it."""
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a boolean)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {_quoted(value)}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an empty list" if not value else "a list"
    if value is None:
        return "nothing (null)"
    return f"a {type(value).__name__}"


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _number(value: Any, key: str, *, allow_infinite: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LessonError(key, f"expected a number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float64, e.g. 10**400
        if allow_infinite:
            raise LessonError(key, "is too large to be a number; write inf for infinity") from None
        raise LessonError(key, f"is too large; {_MAGNITUDE_RULE}") from None
    if math.isnan(number):
        raise LessonError(key, "is NaN; numbers must be finite")
    if math.isinf(number) and not allow_infinite:
        raise LessonError(key, "is infinite; numbers must be finite")
    if abs(number) > MAX_MAGNITUDE and not allow_infinite:
        raise LessonError(key, f"is {number:g}; {_MAGNITUDE_RULE}")
    return number


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LessonError(key, f"expected a whole number, got {_describe(value)}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise LessonError(key, f"expected true or false, got {_describe(value)}")
    return value


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        raise LessonError(key, f"expected a list of words, got {_describe(value)}")
    if not value:
        raise LessonError(key, "is empty; expected at least one word")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise LessonError(f"{key}[{index}]", f"expected a word (a string), got {_describe(item)}")
        if not item.strip():
            raise LessonError(f"{key}[{index}]", "is blank; expected a word")
        control = next((ch for ch in item if unicodedata.category(ch) in ("Cc", "Zl", "Zp")), None)
        if control is not None:
            raise LessonError(
                f"{key}[{index}]",
                f"contains a line break or control character ({control!a}); a word is drawn on one line",
            )
        surrogate = next((ch for ch in item if unicodedata.category(ch) == "Cs"), None)
        if surrogate is not None:
            raise LessonError(
                f"{key}[{index}]", f"contains a lone surrogate ({surrogate!a}), which is not a character"
            )
        direction = next((ch for ch in item if ch in _DIRECTION_CONTROLS), None)
        if direction is not None:
            raise LessonError(
                f"{key}[{index}]",
                f"contains an invisible direction control ({direction!a}); write the word itself "
                "(right-to-left words are drawn right to left without it)",
            )
        if not any(unicodedata.category(ch)[0] in "LNPS" for ch in item):
            raise LessonError(f"{key}[{index}]", f"has no visible character ({item!a}); expected a word")
    return tuple(value)


#: Characters that reorder the text around them (embeddings, overrides, isolates, marks).
_DIRECTION_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _vector_or_zeros(value: Any, key: str, length: tuple[int, str]) -> np.ndarray:
    if value is None:
        return _readonly(np.zeros(length[0]))
    if not isinstance(value, (list, tuple)):
        raise LessonError(key, f"expected {_VECTOR}, got {_describe(value)}")
    if not value:
        raise LessonError(key, f"is empty; expected {_VECTOR}")
    numbers = [_number(item, f"{key}[{index}]") for index, item in enumerate(value)]
    _expect_size(key, len(numbers), "number", length)
    return _readonly(np.array(numbers, dtype=np.float64))


def _matrix(
    value: Any,
    key: str,
    *,
    rows: tuple[int, str] | None = None,
    cols: tuple[int, str] | None = None,
) -> np.ndarray:
    """Validate a rectangular, finite matrix; ``rows``/``cols`` are (size, where it comes from)."""
    if not isinstance(value, (list, tuple)):
        raise LessonError(key, f"expected {_MATRIX}, got {_describe(value)}")
    if not value:
        raise LessonError(key, f"is empty; expected {_MATRIX}")
    width = None
    table: list[list[float]] = []
    for r, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            raise LessonError(key, f"row {r} is {_describe(row)}; expected {_MATRIX}")
        if not row:
            raise LessonError(key, f"row {r} is empty; expected {_VECTOR}")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise LessonError(key, f"row {r} has {_count(len(row), 'number')}, expected {width} like row 0")
        table.append([_number(item, f"{key}[{r}][{c}]") for c, item in enumerate(row)])
    array = np.array(table, dtype=np.float64)
    if rows is not None:
        _expect_size(key, array.shape[0], "row", rows)
    if cols is not None:
        _expect_size(key, array.shape[1], "column", cols)
    return _readonly(array)


def _expect_size(key: str, size: int, noun: str, expected: tuple[int, str]) -> None:
    """Refuse ``size`` unless it is ``expected[0]``; ``expected[1]`` says where that comes from."""
    want, why = expected
    if size != want:
        raise LessonError(key, f"has {_count(size, noun)}, expected {want} ({why})")


def _nested_numbers(value: Any, key: str, depth: int = 0) -> float | list[Any]:
    """A number or a rectangular nested list of numbers (at most three deep).

    Infinities are allowed: a lesson may state a masked score as −∞.
    """
    if isinstance(value, (list, tuple)):
        if not value:
            raise LessonError(key, "is empty; expected a number or a list of numbers")
        if depth >= _MAX_CLAIM_DEPTH:
            raise LessonError(
                key,
                "expected a number, got a list: claims nest lists at most 3 deep, "
                "as no trace array has more than 3 axes",
            )
        items = [_nested_numbers(item, f"{key}[{index}]", depth + 1) for index, item in enumerate(value)]
        shape = np.shape(items[0])
        for index, item in enumerate(items):
            if np.shape(item) != shape:
                raise LessonError(
                    key,
                    f"item {index} is {_shape_text(np.shape(item))}, expected "
                    f"{_shape_text(shape)} like item 0; nested lists must be rectangular",
                )
        return items
    return _number(value, key, allow_infinite=True)


def _shape_text(shape: tuple[int, ...]) -> str:
    """Describe a shape: "a single number", "a list of 3 numbers", "a 2 × 3 array"."""
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"a list of {_count(shape[0], 'number')}"
    return "a " + " × ".join(str(size) for size in shape) + " array"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
