"""Assemble a `Lesson` from a lesson text: inputs, settings chosen by the numbers, claims.

Steps:

1. `scan` the lines into statements.
2. Inputs: tokens with their vectors (``I → [0.1, 0.2]``, ``* Write: 1.16,
   0.23``) or an embedding matrix ``X`` (rows named by their comments), and
   the weight matrices ``W_q``, ``W_k``, ``W_v`` (``W_o`` if given). What is
   missing is said in one line (`LessonError`), e.g. ``found embeddings for
   3 tokens but no W_q, W_k or W_v``.
3. Stated results become candidate claims (`stated_claims`).
4. Settings: scaling, a residual and causal masking are tried both ways where
   the text allows; the reading whose numbers agree with the text's stated
   numbers wins (ties go to what the text says, then to the usual choice:
   scaled, no mask). Every choice is written as a note, with its reason.
5. Each claim keeps its first reading that agrees (noted when that is not
   the text's most likely one); a number stated twice is one claim with
   both source lines.
6. Stated numbers that could not be tied to one step (a statement naming
   nothing known, a bare list whose token is not said, a line no form
   reads) are listed in the notes with their lines: not read, never guessed.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import LessonError
from ..formatting import fmt
from ..lesson import Lesson, StatedAt
from ..loading import lesson_from_dict
from ..pipeline import compute
from ..trace import Trace
from .claims import Stated, stated_claims
from .forms import parse_value
from .names import classify, clean_subject
from .notebook import notebook_lines
from .scan import Scan, Statement, scan
from .text import SourceLine, decode_text, text_lines

__all__ = ["TEXT_SUFFIXES", "Found", "TextLesson", "lesson_from_lines", "read_text_lesson"]

#: File types read as lesson texts (everything else is a TOML or JSON lesson file).
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".ipynb")

_MAX_DECIMALS = 6
_ARROWS = (":", "→", "->", "⟶", "=>", "|")
_WEIGHT_NAMES = {"w_q": "W_q", "w_k": "W_k", "w_v": "W_v", "w_o": "W_o"}


@dataclass(frozen=True)
class Found:
    """One thing the importer read.

    ``what`` is a lesson key or claim path (``"W_q"``, ``"q[1]"``), ``detail``
    its size or numbers, ``where`` its source line(s) and ``label`` how the
    text names it (``"Q_love"``), when that differs from ``what``.
    """

    what: str
    detail: str
    where: str
    label: str = ""


@dataclass(frozen=True)
class TextLesson:
    """A lesson read from a text, with what was found where and how it was read."""

    lesson: Lesson
    found: tuple[Found, ...]
    notes: tuple[str, ...]


def read_text_lesson(path: str | Path, raw: bytes | None = None, shown: str | None = None) -> TextLesson:
    """Read a Markdown, plain-text or notebook lesson.

    Parameters
    ----------
    path
        The file; its suffix says how to read it (``.ipynb`` is a notebook).
    raw
        The file's bytes, when already read.
    shown
        The path as messages show it.

    Raises
    ------
    LessonError
        One line, ``key=None``: the file is empty, binary, not UTF-8, not a
        notebook, holds no worked numbers, or misses an input.
    """
    path = Path(path)
    shown = shown if shown is not None else str(path)
    if raw is None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise LessonError(None, f"{shown}: no such lesson file") from None
        except OSError as error:
            raise LessonError(None, f"{shown}: cannot read the file ({error.strerror or error})") from None
    text = decode_text(raw, shown)
    lines = notebook_lines(text, shown) if path.suffix.lower() == ".ipynb" else text_lines(text)
    return lesson_from_lines(lines, name=path.stem, source=str(path), shown=shown)


def lesson_from_lines(
    lines: Sequence[SourceLine], name: str, source: str = "", shown: str = ""
) -> TextLesson:
    """Assemble a lesson from a text's lines; see the module docstring."""
    shown = shown or source or name
    found = scan(lines)
    notes: list[str] = []
    inputs = _inputs(found, shown, notes)
    tokens, embeddings, places, weights, wheres, used = inputs
    report = [
        Found("tokens", ", ".join(tokens), wheres["tokens"]),
        Found("embeddings", _shape(embeddings), wheres["embeddings"]),
    ]
    report += [Found(_WEIGHT_NAMES[key], _shape(weights[key]), wheres[key]) for key in weights]
    remaining = [s for s in found.statements if s.order not in used]
    data: dict[str, Any] = {
        "tokens": list(tokens),
        "embeddings": embeddings.tolist(),
        **{key: value.tolist() for key, value in weights.items()},
    }
    _validate(data, name, source, shown, wheres)
    d_qk = weights["w_q"].shape[1]
    unread: list[Statement] = []
    claims = stated_claims(remaining, found.percents, tokens, d_qk, "w_o" in weights, notes, unread)
    settings, trace = _choose_settings(data, claims, found, name, source, notes)
    data.update(settings)
    decimals = min(_MAX_DECIMALS, max([places, *(c.places for c in claims)]))
    data["decimals"] = decimals
    data["description"] = (
        f"Read from {Path(source).name or name}: {len(tokens)} tokens, {embeddings.shape[1]} dimensions"
    )
    values, sources, labels = _final_claims(claims, trace, settings["scale"], notes)
    notes.extend(_unread_notes(lines, found, unread))
    data["claims"] = {path: value.tolist() for path, value in values.items()}
    lesson = lesson_from_dict(data, name=name, source=source)
    for path, stated_at in sources.items():
        report.append(Found(path, _numbers(values[path]), stated_at.where, labels[path]))
    for key in ("scale", "causal", "residual"):
        report.append(Found(key, "true" if settings[key] else "false", ""))
    lesson = dataclasses.replace(
        lesson, claim_sources=MappingProxyType(dict(sources)), reading_notes=tuple(notes)
    )
    return TextLesson(lesson, tuple(report), tuple(notes))


# --------------------------------------------------------------------------- inputs


def _inputs(
    found: Scan, shown: str, notes: list[str]
) -> tuple[tuple[str, ...], np.ndarray, int, dict[str, np.ndarray], dict[str, str], set[int]]:
    statements = found.statements
    used: set[int] = set()
    wheres: dict[str, str] = {}
    tokens: tuple[str, ...] = ()
    embeddings: np.ndarray | None = None
    places = 0
    run = _token_run(statements)
    if run:
        tokens = tuple(_run_token(s, index) for index, s in enumerate(run, start=1))
        rows = [s.literal.value for s in run if s.literal is not None]
        embeddings = np.array(rows, dtype=np.float64)
        places = max(s.literal.places for s in run if s.literal is not None)
        used.update(s.order for s in run)
        wheres["tokens"] = wheres["embeddings"] = _span(run)
    else:
        mapping = _token_mapping(statements)
        if mapping is not None:
            statement, tokens, embeddings, places = mapping
            wheres["tokens"] = wheres["embeddings"] = statement.where
            used.add(statement.order)
    weights: dict[str, np.ndarray] = {}
    for statement in statements:
        name = classify(statement.subject, statement.middle)
        if name is None or statement.separator in ("list", "pairs", "table"):
            continue  # numbers named one by one, or in a sentence: stated results, never inputs
        kind = name.kind
        if kind not in _WEIGHT_NAMES and not (kind == "embeddings" and embeddings is None):
            continue
        label = clean_subject(statement.subject)
        if statement.problem is not None:
            raise LessonError(None, f"{shown}: {statement.where}: {label}: {statement.problem}")
        if statement.literal is None:
            continue
        value = statement.literal.value
        if kind == "embeddings":
            if value.ndim == 1:
                value = value.reshape(1, -1)
            if value.ndim != 2:
                continue
            embeddings = value
            places = max(places, statement.literal.places)
            tokens = _row_tokens(statement, len(value), statements, notes)
            wheres["tokens"] = wheres["embeddings"] = statement.where
            used.add(statement.order)
            continue
        if value.ndim != 2:
            if value.ndim == 1 and statement.separator == "=":
                value = value.reshape(1, -1)  # a d_model of 1: one row
            else:
                continue
        if kind in weights:
            if not np.array_equal(weights[kind], value):
                notes.append(
                    f"{_WEIGHT_NAMES[kind]} is given twice with different numbers ({wheres[kind]} and "
                    f"{statement.where}); used the first"
                )
            continue
        weights[kind] = value
        places = max(places, statement.literal.places)
        wheres[kind] = statement.where
        used.add(statement.order)
    _require(tokens, embeddings, weights, found, shown)
    assert embeddings is not None
    return tokens, embeddings, places, weights, wheres, used


def _token_run(statements: Sequence[Statement]) -> list[Statement]:
    """The first run of lines ``token → vector`` (two or more, or one with an arrow), equally wide."""
    run: list[Statement] = []
    for statement in [*statements, None]:
        if statement is not None and _is_token_line(statement):
            assert statement.literal is not None
            if run and (
                statement.order - run[-1].order > 3
                or run[-1].literal is None
                or len(run[-1].literal.value) != len(statement.literal.value)
            ):
                if _good_run(run):
                    return run
                run = []
            run.append(statement)
            continue
        if _good_run(run):
            return run
        run = []
    return []


_MAPPING_ITEM = re.compile(r"['\"‘“]([^'\"’”]+)['\"’”]\s*:\s*(\[[^\[\]]*\])")


def _token_mapping(
    statements: Sequence[Statement],
) -> tuple[Statement, tuple[str, ...], np.ndarray, int] | None:
    """``embeddings = {"cat": [1, 0], "sat": [0, 1]}``: a dictionary from token to vector."""
    for statement in statements:
        name = classify(statement.subject)
        if name is None or name.kind != "embeddings" or "{" not in statement.text:
            continue
        items = _MAPPING_ITEM.findall(statement.text[statement.text.index("{") :])
        vectors = [parse_value(vector) for _, vector in items]
        if len(items) < 1 or any(v is None or v.value.ndim != 1 for v in vectors):
            continue
        widths = {len(v.value) for v in vectors if v is not None}
        if len(widths) != 1:
            continue
        rows = np.array([v.value for v in vectors if v is not None], dtype=np.float64)
        places = max(v.places for v in vectors if v is not None)
        return statement, tuple(token for token, _ in items), rows, places
    return None


def _run_token(statement: Statement, number: int) -> str:
    """The token of a line ``cat → [1, 0]``, or of ``x_1 = [1, 0]  # cat`` (its comment or name)."""
    if statement.separator != "=":
        return _token_name(statement.subject)
    comment = statement.comment.strip(" '\"‘’“”")
    if comment and len(comment) <= 30:
        return comment
    rest = re.fullmatch(
        r"\(\s*['\"‘“]?([^'\"’”()]+?)['\"’”]?\s*\)\.?", statement.literal.rest if statement.literal else ""
    )
    if rest:
        return rest.group(1)
    match = _EMBEDDING_ROW.match(_row_symbol(statement.subject))
    ref = match.group(1) if match else ""
    return f"token {number}" if not ref or ref.isdigit() else ref


def _row_symbol(subject: str) -> str:
    """``Tokens: x_1`` gives ``x_1``: the symbol after a leading label."""
    return clean_subject(subject).rpartition(":")[2].strip()


def _good_run(run: list[Statement]) -> bool:
    if len({_run_token(s, i) for i, s in enumerate(run, start=1)}) != len(run):
        return False
    return len(run) >= 2 or (len(run) == 1 and run[0].separator in ("→", "->", "⟶", "=>"))


_EMBEDDING_ROW = re.compile(r"^(?:x|e|emb|embedding)_?\(?['\"‘“]?(\w+)['\"’”]?\)?$", re.IGNORECASE)


def _is_token_line(statement: Statement) -> bool:
    literal = statement.literal
    if literal is None or literal.value.ndim != 1 or statement.middle:
        return False
    if statement.separator == "=":
        return _EMBEDDING_ROW.match(_row_symbol(statement.subject)) is not None
    if statement.separator not in _ARROWS:
        return False
    if literal.rest.strip(" .;,") and statement.separator != "=":
        return False
    word = _token_name(statement.subject)
    if not word or len(word) > 30 or len(word.split()) > 3 or "=" in word:
        return False
    name = classify(statement.subject)
    return name is None or (name.kind in ("weights", "context") and name.row is None)


def _token_name(subject: str) -> str:
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", subject.replace("**", "").replace("`", "")).strip()
    text = text.rpartition(":")[2].strip()  # "Tokens: the → [1, 0, 1]": the token after the label
    quoted = re.fullmatch(r"['\"‘“](.+?)['\"’”]", text)
    return quoted.group(1) if quoted else text


def _row_tokens(
    statement: Statement, n: int, statements: Sequence[Statement], notes: list[str]
) -> tuple[str, ...]:
    labels = [
        re.sub(r"^(?:row|embedding)\s+(?:of\s+)?", "", label.strip(" '\"‘’“”:"))
        for label in statement.row_labels
    ]
    if len(labels) == n and all(labels) and len(set(labels)) == n:
        return tuple(labels)
    listed = _token_list(statements, n)
    if listed:
        return listed
    notes.append(
        f"{statement.where}: the rows of the embeddings are not named; called them token 1 to token {n}"
    )
    return tuple(f"token {i}" for i in range(1, n + 1))


def _token_list(statements: Sequence[Statement], n: int) -> tuple[str, ...]:
    """``tokens = ["I", "love", "coding"]`` (or ``words``, ``sentence``), if the text lists n words."""
    for statement in statements:
        match = re.search(
            r"\b(?:tokens|words|sentence|input_tokens)\s*[=:]\s*\[([^\]]*)\]", statement.text, re.IGNORECASE
        )
        if match:
            words = re.findall(r"['\"]([^'\"]+)['\"]", match.group(1))
            if len(words) == n:
                return tuple(words)
    return ()


def _require(
    tokens: Sequence[str],
    embeddings: np.ndarray | None,
    weights: dict[str, np.ndarray],
    found: Scan,
    shown: str,
) -> None:
    missing = [_WEIGHT_NAMES[key] for key in ("w_q", "w_k", "w_v") if key not in weights]
    stated = [
        s for s in found.statements if s.literal is not None and classify(s.subject, s.middle) is not None
    ]
    if embeddings is None and not weights:
        if stated or found.percents:
            where = stated[0].where if stated else found.percents[0].where
            raise LessonError(
                None,
                f"{shown}: found stated results (from {where}) but no embeddings and no weight matrices "
                "to compute them from" + _image_hint(found),
            )
        raise LessonError(
            None,
            f"{shown}: no worked numbers; the text gives no embeddings, weight matrices or stated results",
        )
    if embeddings is None:
        names = ", ".join(_WEIGHT_NAMES[key] for key in weights)
        raise LessonError(
            None, f"{shown}: found {names} but no embeddings (a vector for each token)" + _image_hint(found)
        )
    if missing:
        raise LessonError(
            None,
            f"{shown}: found embeddings for {_count(len(tokens), 'token')} but no {_or(missing)}"
            + _image_hint(found),
        )


def _image_hint(found: Scan) -> str:
    if not found.images:
        return ""
    return f" (the text has {_count(found.images, 'image')}; numbers shown only in images cannot be read)"


def _validate(data: dict[str, Any], name: str, source: str, shown: str, wheres: dict[str, str]) -> None:
    try:
        lesson_from_dict(data, name=name, source=source)
    except LessonError as error:
        key = (error.key or "").partition("[")[0]
        label = _WEIGHT_NAMES.get(key, key)
        where = wheres.get(key)
        place = f"{where}: " if where else ""
        raise LessonError(None, f"{shown}: {place}{label}: {error.problem}") from None


# --------------------------------------------------------------------------- settings


def _choose_settings(
    data: dict[str, Any], claims: Sequence[Stated], found: Scan, name: str, source: str, notes: list[str]
) -> tuple[dict[str, bool], Trace]:
    said = {what: [m for m in found.mentions if m.what == what] for what in ("scale", "causal", "residual")}
    scale_said = said["scale"][0].value if said["scale"] else None
    scale_options = [True, False] if scale_said is not False else [False, True]
    causal_options = [False]
    if said["causal"]:
        strong = any(
            re.search(
                r"causal|apply\w*\s+(?:a\s+|the\s+)?mask|−∞|-inf|upper\s+triangle|cannot\s+see|can['’]?t\s+see",
                m.text,
                re.IGNORECASE,
            )
            for m in said["causal"]
        )
        causal_options = [True, False] if strong else [False, True]
    needs_residual = any(c.needs == "residual" for c in claims)
    residual_options = [True] if needs_residual else ([True, False] if said["residual"] else [False])
    best: tuple[tuple[int, int], dict[str, bool], Trace] | None = None
    results: dict[tuple[bool, bool, bool], tuple[int, int]] = {}
    for scale, causal, residual in itertools.product(scale_options, causal_options, residual_options):
        settings = {"scale": scale, "causal": causal, "residual": residual}
        try:
            lesson = lesson_from_dict({**data, **settings}, name=name, source=source)
        except LessonError:
            continue
        trace = compute(lesson)
        score = _agreement(claims, trace)
        results[(scale, causal, residual)] = score
        if best is None or score > best[0]:
            best = (score, settings, trace)
    if best is None:
        # Only a residual the shapes cannot take: drop it and say so.
        notes.append(
            "residual: the text adds the attention output to the embeddings, but W_v's width differs "
            "from the embeddings' and there is no W_o; computed without the residual"
        )
        settings = {"scale": scale_options[0], "causal": causal_options[0], "residual": False}
        return settings, compute(lesson_from_dict({**data, **settings}, name=name, source=source))
    score, settings, trace = best
    _note_scale(settings["scale"], scale_said, said["scale"], results, settings, notes)
    if said["causal"]:
        where = said["causal"][0].where
        state = (
            "causal (each token sees only itself and earlier ones)" if settings["causal"] else "not causal"
        )
        if _decided(results, settings, "causal"):
            why = f"its stated numbers agree only {'with' if settings['causal'] else 'without'} the mask"
        else:
            why = "its numbers do not tell"
        notes.append(f"causal: the text mentions masking ({where}); {why}: read as {state}")
    if settings["residual"]:
        where = said["residual"][0].where if said["residual"] else next(c.where for c in claims if c.needs)
        notes.append(f"residual: the text adds the attention output to the original embedding ({where})")
    return settings, trace


def _decided(
    results: dict[tuple[bool, bool, bool], tuple[int, int]], chosen: dict[str, bool], what: str
) -> bool:
    """Whether flipping ``what`` (other settings as chosen) makes fewer numbers agree."""
    key = (chosen["scale"], chosen["causal"], chosen["residual"])
    position = ("scale", "causal", "residual").index(what)
    flipped = list(key)
    flipped[position] = not flipped[position]
    other = results.get((flipped[0], flipped[1], flipped[2]))
    return other is not None and other < results[key]


def _note_scale(
    scale: bool,
    said: bool | None,
    mentions: Sequence[Any],
    results: dict[tuple[bool, bool, bool], tuple[int, int]],
    chosen: dict[str, bool],
    notes: list[str],
) -> None:
    decided = _decided(results, chosen, "scale")
    how = "divided by √d_k" if scale else "not scaled (plain dot products)"
    if said is None:
        why = (
            "its stated numbers agree with this reading"
            if decided
            else "its numbers do not tell; the usual reading"
        )
        notes.append(f"scale: the text does not say whether scores are scaled; read as {how}: {why}")
    elif said == scale:
        notes.append(f"scale: {how}, as the text says ({mentions[0].where})")
    else:
        told = "divided by √d_k" if said else "not scaled"
        notes.append(
            f"scale: the text says scores are {told} ({mentions[0].where}), but the scores it states "
            f"and gives to softmax agree only when {how.split(' (')[0]}: read as {how}"
        )


def _agreement(claims: Sequence[Stated], trace: Trace) -> tuple[int, int]:
    """(numbers that agree in their best reading, numbers that agree in their first reading)."""
    best = first = 0
    for claim in claims:
        counts = [_agreeing(claim, path, trace) for path in claim.paths]
        valid = [c for c in counts if c is not None]
        if valid:
            best += max(valid)
            first += valid[0]
    return best, first


def _exact(claim: Stated, path: str, trace: Trace) -> int:
    """How many of the claim's numbers equal the computed ones exactly (to 1e-9)."""
    computed = _computed(path, trace)
    if computed is None or computed.shape != claim.value.shape:
        return 0
    return int(np.sum(np.abs(computed - claim.value) < 1e-9))


def _computed(path: str, trace: Trace) -> np.ndarray | None:
    try:
        value = trace.get(path)
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    if value is None or isinstance(value, (str, tuple)):
        return None
    return np.asarray(value, dtype=np.float64)


def _agreeing(claim: Stated, path: str, trace: Trace) -> int | None:
    computed = _computed(path, trace)
    if computed is None or computed.shape != claim.value.shape:
        return None
    places = min(claim.places, _MAX_DECIMALS)
    return sum(
        fmt(float(s), places) == fmt(float(c), places)
        for s, c in zip(claim.value.reshape(-1), computed.reshape(-1), strict=True)
    )


# --------------------------------------------------------------------------- claims


def _final_claims(
    claims: Sequence[Stated], trace: Trace, scale: bool, notes: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, StatedAt], dict[str, str]]:
    values: dict[str, np.ndarray] = {}
    labels: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    places: dict[str, int] = {}
    owner: dict[str, tuple[str, float]] = {}  # element path -> (claim path, stated)
    usual = _usual_scores(claims, trace)
    for claim in claims:
        counts = [_agreeing(claim, path, trace) for path in claim.paths]
        valid = [(count, index) for index, count in enumerate(counts) if count is not None]
        if not valid:
            notes.append(
                f"{claim.where}: '{claim.label}' states {_numbers(claim.value)}, which fits no step "
                "of this lesson; not checked"
            )
            continue
        best_count = max(count for count, _ in valid)
        tied = [i for count, i in valid if count == best_count]
        # "1" agrees with 1 and with 0.71 at no decimals: prefer the reading it states exactly,
        # then the kind of score (plain or scaled) the text's other scores agree with.
        index = max(
            tied,
            key=lambda i: (_exact(claim, claim.paths[i], trace), _family(claim.paths[i]) == usual, -i),
        )
        path = claim.paths[index]
        first_valid = valid[0][1]
        if index != first_valid and counts[index] != counts[first_valid]:
            other = claim.paths[first_valid]
            computed = _computed(other, trace)
            shown_other = (
                "" if computed is None else f" = {_numbers(np.round(computed, min(claim.places, 6)))}"
            )
            notes.append(
                f"{claim.where}: '{claim.label}' = {_numbers(claim.value)} agrees with "
                f"{_canonical(path, scale)}{_what(path)}, not with {_canonical(other, scale)}"
                f"{shown_other}{_what(other)}; read as {_canonical(path, scale)}"
            )
        path = _canonical(path, scale)
        kept: list[tuple[str, float]] = []
        for element, stated in zip(np.ndindex(claim.value.shape), claim.value.reshape(-1), strict=True):
            key = path + "".join(f"[{i}]" for i in element)
            if key in owner:
                earlier_path, earlier = owner[key]
                digits = min(claim.places, places[earlier_path], _MAX_DECIMALS)
                if fmt(earlier, digits) == fmt(float(stated), digits):
                    # Name the line again only where it states all the earlier claim does: a row
                    # restated under a whole matrix's claim would seem to state the other rows too.
                    if earlier_path in (key, path) and claim.where not in sources[earlier_path]:
                        sources[earlier_path].append(claim.where)
                else:
                    notes.append(
                        f"{claim.where}: '{claim.label}' states {key} = {_numbers(np.array(stated))}, but "
                        f"{sources[earlier_path][0]} states {_numbers(np.array(earlier))}; checked the first"
                    )
                continue
            kept.append((key, float(stated)))
        if not kept:
            continue
        whole = len(kept) == claim.value.size
        pieces = [(path, claim.value)] if whole else [(key, np.array(number)) for key, number in kept]
        for piece_path, piece in pieces:
            values[piece_path] = piece
            sources[piece_path] = [claim.where]
            places[piece_path] = min(claim.places, _MAX_DECIMALS)
            labels[piece_path] = claim.label
        for key, number in kept:
            owner[key] = (path if whole else key, number)
    stated_at = {path: StatedAt(_wheres(sources[path]), places[path]) for path in values}
    return values, stated_at, labels


def _family(path: str) -> str:
    """``"scores"`` or ``"scaled"`` for a score path, else ``""``."""
    match = re.match(r"^(?:heads\[\d+\]\.)?(scores|scaled)\[", path)
    return match.group(1) if match else ""


def _usual_scores(claims: Sequence[Stated], trace: Trace) -> str:
    """Whether the scores a text states are mostly the plain or the scaled ones.

    Each claim that could be either and agrees better with one of them votes
    for it; a claim that agrees with neither (a slip) is then shown against
    the kind the text's other scores are.
    """
    votes = {"scores": 0, "scaled": 0}
    for claim in claims:
        best: dict[str, tuple[int, int]] = {}
        for path in claim.paths:
            family = _family(path)
            count = _agreeing(claim, path, trace)
            if family and count is not None:
                best[family] = max(best.get(family, (0, 0)), (count, _exact(claim, path, trace)))
        if len(best) == 2 and best["scores"] != best["scaled"]:
            votes[max(best, key=lambda family: best[family])] += 1
    if votes["scores"] == votes["scaled"]:
        return ""
    return max(votes, key=lambda family: votes[family])


def _what(path: str) -> str:
    name = re.sub(r"\[.*$", "", path.rpartition(".")[2])
    return {"scaled": " (divided by √d_k)", "scores": " (the plain dot product)"}.get(name, "")


def _canonical(path: str, scale: bool) -> str:
    """Unscaled, ``scaled`` holds the same numbers as ``scores``: name them one way."""
    return path if scale else re.sub(r"\bscaled\b", "scores", path)


def _wheres(wheres: Sequence[str]) -> str:
    if len(wheres) > 1 and all(re.fullmatch(r"line \d+", w) for w in wheres):
        return "lines " + ", ".join(w.split()[1] for w in wheres)
    return "; ".join(wheres)


# --------------------------------------------------------------------------- numbers not read

#: Subjects that state a size or a setting, not a result: ``d_model = 3``, ``seed = 0``.
_SIZE = re.compile(
    r"(?:^|\s)(?:d|d_?\w+|dim\w*|dimensions?|n|n_\w+|h|heads?|seed|size|\w*_size|len\w*|length|steps?|"
    r"temperature|precision|decimals|sqrt\(?\w*\)?|√\w*)$",
    re.IGNORECASE,
)
#: What looks like a stated result on a line: a decimal, a list of numbers, a number after ``=``.
_RESULT_NUMBERS = re.compile(
    r"(?<![\w.√^/_-])(?:\d+\.\d+|\.\d+)(?![\w%])|[\[(]\s*[-−]?\d[\d.]*\s*,|"
    r"(?<![\w.√^/_-])\d[\d.]*\s*(?:,\s*[-−]?\d[\d.]*\s*)*,?\s*and\s+[-−]?\d|[=≈]\s*[-−]?\d"
)


def _unread_notes(lines: Sequence[SourceLine], found: Scan, unread: Sequence[Statement]) -> list[str]:
    """Notes naming the stated numbers that were not read, each with its line."""
    notes = []
    for statement in unread:
        assert statement.literal is not None
        label = clean_subject(statement.subject)
        if _SIZE.search(label) or (statement.code and statement.literal.value.ndim == 0):
            continue
        shown = label if len(label) <= 40 else label[:37] + "..."
        notes.append(
            f"{statement.where}: {_numbers(statement.literal.value)} ('{shown}') is not tied to one token "
            "or step of the lesson; not checked"
        )
    for statement in found.statements:
        # "The keys, K = X @ W_k, are [[1, 0], ...]": numbers after a name that no form reads.
        if statement.literal is not None or statement.problem is not None:
            continue
        if statement.code and "output" not in statement.where:
            continue
        last = re.sub(r"\b(?:d|d_\w+|n|n_\w+|h|heads?|dim\w*)\s*[=:]\s*\d+\b", "", statement.text)
        if _RESULT_NUMBERS.search(last):
            shown = statement.text if len(statement.text) <= 60 else statement.text[:57] + "..."
            notes.append(f"{statement.where}: the numbers in '{shown}' were not read; not checked")
    covered = {i for s in found.statements for i in range(s.order, s.last + 1)}
    covered |= {p.order for p in found.percents}
    for index, line in enumerate(lines):
        if index in covered or (line.code and "output" not in line.where):
            continue
        text = line.text.strip()
        sizes_off = re.sub(r"\b(?:d|d_\w+|n|n_\w+|h|heads?|dim\w*)\s*[=:]\s*\d+\b", "", text)
        if not text or text.startswith("#") or not _RESULT_NUMBERS.search(sizes_off):
            continue
        excerpt = text if len(text) <= 60 else text[:57] + "..."
        notes.append(f"{line.where}: the numbers in '{excerpt}' were not read; not checked")
    return notes


# --------------------------------------------------------------------------- text


def _span(run: Sequence[Statement]) -> str:
    first, last = run[0].where, run[-1].where
    if first == last:
        return first
    if first.startswith("line ") and last.startswith("line "):
        return f"lines {first[5:]}–{last[5:]}"
    return f"{first} to {last}"


def _shape(value: np.ndarray) -> str:
    return " × ".join(str(size) for size in value.shape)


def _numbers(value: np.ndarray) -> str:
    def one(x: float) -> str:
        return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))

    if value.ndim == 0:
        return one(float(value))
    if value.ndim == 1:
        return "[" + ", ".join(one(float(x)) for x in value) + "]"
    return "[" + ", ".join(_numbers(row) for row in value) + "]"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
