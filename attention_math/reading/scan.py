"""Cut a lesson text into statements: ``subject = ... = stated value``.

A *statement* is one logical line: a physical line, joined with the lines
that continue it (an open bracket, a line ending in ``=``, a label ending in
``:`` followed by a matrix, a next line starting with ``=``). It is split at
its top-level ``=`` signs (else at a ``:`` or an arrow ``→`` before numbers):
the first part is the *subject* (``Q_love``, ``W_Q``, ``Attention Score for 'I'
and 'love'``), the last part the stated numbers, the parts between are the
working (``[0.3, 0.4] @ W_q``, ``0.0133 + 0.022``). Lines without such a
split are read as prose: ``the attention scores are [0.0353, ...]``.

A logical line holding several statements (``Q_the = [2, 1] and its key is
K_the = [1, 2]``, ``Q·K_a = 4, Q·K_b = 3``) is cut into one statement per
name (`clauses`), each keeping the value after its own ``=``. Other forms:
numbers named one by one (``Attention weights for I: I: 0.40, like: 0.20``,
separator ``"pairs"``), a bare list in a sentence (``weights of about 0.40,
0.40 and 0.20``, ``"list"``; its token only if named within a few lines), a
Markdown table with a token on each row and column (``"table"``) and a
notebook's ``print("weights", w)`` output (``"printed"``).

Plain text in columns apart by tabs is read like a Markdown table: a token
and its numbers on each line, or a table with a token on each row and column
under a header line. A sentence that states one score (``the dot product of
q1 and k2 is 3``) is a statement too; the numbers of a sentence no form reads
become statements without a value, so the importer lists them as not read.

Row comments (``← token 1``, ``# love``) become row labels. Percentages
(``36% similar to itself``) are collected separately, as are the words that
set the lesson's settings (scaling, a residual, causal masking).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .forms import (
    NUMBER,
    FormError,
    Literal,
    bracket_end,
    number_places,
    parse_number,
    parse_value,
    split_comment,
)
from .text import SourceLine

__all__ = ["Mention", "Percent", "Scan", "Statement", "clauses", "scan"]


@dataclass(frozen=True)
class Statement:
    """One statement of the text; see the module docstring.

    ``literal`` is the stated value (None when the last part holds no plain
    numbers); ``problem`` says why numbers that look like a matrix are not
    one (ragged rows). ``context_row`` is the token the text was talking
    about just before (``For 'I':``, ``Q1·Kj``), as written.
    """

    subject: str
    middle: tuple[str, ...]
    literal: Literal | None
    separator: str
    where: str
    order: int
    row_labels: tuple[str, ...]
    text: str
    code: bool
    problem: str | None = None
    context_row: str | None = None
    comment: str = ""
    end: int = -1
    col_labels: tuple[str, ...] = ()
    row_gap: int = 2

    @property
    def last(self) -> int:
        """Index of the statement's last line (its first, when it holds one line)."""
        return max(self.order, self.end)


@dataclass(frozen=True)
class Percent:
    """``<token> is 36% similar to <other>``: a stated attention weight."""

    row: str | None
    col: str
    value: float
    places: int
    where: str
    order: int


@dataclass(frozen=True)
class Mention:
    """A sentence that sets a lesson setting: ``what`` is a setting name, ``value`` its value."""

    what: str
    value: bool
    where: str
    text: str


@dataclass
class Scan:
    """Everything `scan` found."""

    statements: list[Statement] = field(default_factory=list)
    percents: list[Percent] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    images: int = 0
    numbers: int = 0


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<img\b", re.IGNORECASE)
_STARTS_VALUE = re.compile(
    r"^\s*`?(?:\[|\(\s*[-−+]?\.?\d|\\begin\{|\\left|\$\$|(?:np|numpy|torch)\s*\.|array\(|[-−]?\d)"
)
_CONTEXT_ROW = [
    re.compile(r"\bfor\s+(?:the\s+)?(?:word|token)\s+['\"‘“]?([^\s'\"’”,:.*]+)['\"’”]?", re.IGNORECASE),
    re.compile(r"\b(?:for|para|pour|für|de)\s+['\"‘“«]([^'\"’”»]+)['\"’”»]", re.IGNORECASE),
    re.compile(r"\b[Qq]_?\{?([A-Za-z0-9]+)\}?\s*(?:\.|·|⋅|\*)\s*[Kk]_?[A-Za-z0-9]"),
]
_SCALED_WORDS = re.compile(
    r"√\s*d|sqrt\s*\(?\s*d|\\sqrt\{?\s*d|square\s+root|scaled\s+(?:dot|by|scores?)|"
    r"divide[sd]?\s+(?:the\s+)?(?:scores?|this|each|it|by)|/\s*√|÷\s*√|/\s*(?:np\.|math\.|torch\.)?sqrt\s*\(",
    re.IGNORECASE,
)
_UNSCALED_WORDS = re.compile(
    r"\b(?:without|no)\s+scaling\b|\b(?:don['’]?t|do\s+not|doesn['’]?t|does\s+not|won['’]?t)\s+(?:scale|divide)\b|\bnot\s+(?:scaled|divided)\b|\braw\s+scores\b|\bskip\w*\s+the\s+scal",
    re.IGNORECASE,
)
_RESIDUAL_WORDS = re.compile(
    r"\bresidual\b|\badd\w*\b[^.]{0,60}\b(?:original|input)\s+(?:embedding|vector|x)|\bskip\s+connection|"
    r"\badd\w*\s+(?:the\s+)?(?:input|embedding|original)s?\s+back\b",
    re.IGNORECASE,
)
_CAUSAL_WORDS = re.compile(
    r"\bcausal\b|\bmask(?:ed|ing)?\b|\bfuture\s+(?:tokens?|words?|positions?)\b|\bpeek\b|"
    r"\b(?:cannot|can['’]?t|does\s+not|doesn['’]?t|may\s+not|must\s+not)\s+(?:see|look\s+at|attend\s+to)\b|"
    r"\bonly\s+(?:at\s+|to\s+)?itself\s+and\s+(?:the\s+)?(?:words?|tokens?|positions?|ones?)\s+before\b|"
    r"\b(?:words?|tokens?|positions?)\s+(?:that\s+come\s+)?(?:after|later)\b[^.]{0,30}\b(?:hidden|ignored|not\s+seen)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    r"(\d+(?:\.\d+)?)\s*%\s*(?:similar\s+to|attention\s+(?:to|on)|of\s+(?:its|the)\s+attention\s+(?:to|on)|"
    r"to|on|for)\s+(?:the\s+word\s+|token\s+)?(itself|['\"‘“][^'\"’”]+['\"’”]|[\w'’-]+)",
    re.IGNORECASE,
)
_PERCENT_SUBJECT = re.compile(
    r"\b(?:word|token)\s+['\"‘“]?([^\s'\"’”,]+)['\"’”]?\s+(?:is|attends|pays|gives|puts)", re.IGNORECASE
)
_MAX_JOIN = 60
#: A token the text named (``for 'I'``) is the row of a bare list of numbers only this many lines on.
_NEAR = 6


def scan(lines: Sequence[SourceLine]) -> Scan:
    """Find the statements, percentages and settings words of a lesson text."""
    found = Scan()
    context: str | None = None
    context_at = -_NEAR - 1
    i = 0
    while i < len(lines):
        line = lines[i]
        if _IMAGE.search(line.text):
            found.images += len(_IMAGE.findall(line.text))
        for match in _CONTEXT_ROW[0].finditer(line.text):
            context, context_at = match.group(1), i
        for pattern in _CONTEXT_ROW[1:]:
            for match in pattern.finditer(line.text):
                context, context_at = match.group(1), i
        near = context if i - context_at <= _NEAR else None
        _mentions(line, found)
        _percents(line, i, found)
        table = _token_table(lines, i)
        if table is not None:
            found.statements.append(table)
            i = table.last + 1
            continue
        row = _table_row(line, i, context)
        if row is not None:
            found.statements.append(row)
            i += 1
            continue
        content, comment = split_comment(line.text, line.code)
        if not content.strip() or (not line.code and content.lstrip().startswith("#")):
            i += 1
            continue
        parts = [content]
        comments = [comment]
        j = i
        depth = _depth(content, line.code)
        while j - i < _MAX_JOIN:
            following = _next_content(lines, j)
            if following is None:
                break
            k, next_content, next_comment = following
            joined = " ".join(parts).rstrip()
            if k - j > 1 and depth <= 0 and not joined.endswith(("=", ":")):
                break  # a blank line ends a statement unless something is still open
            starts_with_equals = re.match(r"^\s*=(?!=)", next_content) is not None
            if (
                depth > 0
                or joined.endswith("=")
                or (joined.endswith(":") and _STARTS_VALUE.match(next_content))
                or starts_with_equals
            ):
                if not line.code and lines[k].code != line.code and depth <= 0 and not starts_with_equals:
                    # "**Input embedding**" before a code block: only a label ending in = or : joins.
                    if not joined.endswith(("=", ":")):
                        break
                parts.append(next_content)
                comments.append(next_comment)
                depth += _depth(next_content, line.code)
                j = k
                continue
            break
        found.statements.extend(
            dataclasses.replace(statement, end=j)
            for statement in _statements(parts, comments, lines[i], i, context, near)
        )
        i = j + 1
    return found


_TABLE_CELL_NUMBERS = re.compile(rf"^\s*(?:{NUMBER.pattern}\s*)$")


def _table_row(line: SourceLine, order: int, context: str | None) -> Statement | None:
    """A Markdown table row ``| cat | 1 | 0 |`` or ``| cat | [1, 0] |``: a token and its vector.

    Header and rule rows, and rows whose first cell is a number, are not.
    """
    text = line.text.strip()
    tabbed = _tab_cells(line, header=False)
    if tabbed is not None:
        cells = tabbed  # plain text in columns: "the<TAB>2<TAB>0<TAB>1"
    elif line.code or not (text.startswith("|") and text.endswith("|")) or text.count("|") < 3:
        return None
    else:
        cells = [cell.strip().strip("`*") for cell in text.strip("|").split("|")]
    word, rest = cells[0], [cell for cell in cells[1:] if cell]
    if not word or NUMBER.fullmatch(word.replace("−", "-")) or not rest:
        return None
    if all(_TABLE_CELL_NUMBERS.match(cell) for cell in rest):
        vector = "[" + ", ".join(rest) + "]"
    elif len(rest) == 1 and rest[0].startswith("["):
        vector = rest[0]
    else:
        return None
    try:
        literal = parse_value(vector)
    except FormError:
        return None
    if literal is None or literal.value.ndim != 1:
        return None
    return Statement(
        subject=word,
        middle=(),
        literal=literal,
        separator="|",
        where=line.where,
        order=order,
        row_labels=(),
        text=text,
        code=False,
        context_row=context,
    )


def _next_content(lines: Sequence[SourceLine], j: int) -> tuple[int, str, str] | None:
    """The next line after ``j`` with content (at most two blank lines away)."""
    for k in range(j + 1, min(len(lines), j + 4)):
        content, comment = split_comment(lines[k].text, lines[k].code)
        if content.strip():
            if not lines[k].code and content.lstrip().startswith("#"):
                return None
            return k, content, comment
    return None


def _depth(text: str, code: bool = False) -> int:
    """Brackets (and LaTeX environments) left open; in code, parentheses too (``np.array(``)."""
    parens = text.count("(") - text.count(")") if code else 0
    return (
        parens
        + text.count("[")
        - text.count("]")
        + len(re.findall(r"\\begin\{", text))
        - len(re.findall(r"\\end\{", text))
    )


def _row_labels(parts: Sequence[str], comments: Sequence[str]) -> tuple[str, ...]:
    """The comment after each row of a matrix spread over lines, ``""`` where none."""
    labels: list[str] = []
    depth = 0
    for part, comment in zip(parts, comments, strict=True):
        closed = 0
        for ch in part:
            if ch == "[":
                depth += 1
            elif ch == "]":
                if depth == 2:
                    closed += 1
                depth -= 1
        if closed:
            labels.extend([""] * (closed - 1) + [comment])
    return tuple(labels)


def _clean(text: str) -> str:
    """Markdown emphasis and inline code marks off; whitespace collapsed."""
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    return " ".join(text.split())


def _split(text: str, separator: str) -> list[str]:
    """Split at top-level ``separator`` (``=`` skips ``==``, ``<=``, ``>=``, ``!=``, ``=>``)."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif depth <= 0 and text.startswith(separator, i):
            before = text[i - 1] if i else ""
            after = text[i + len(separator)] if i + len(separator) < len(text) else ""
            if separator != "=" or (before not in "=<>!" and after not in "=>"):
                parts.append(text[start:i])
                start = i + len(separator)
                i = start
                continue
        i += 1
    parts.append(text[start:])
    return parts


_CLAUSE_BREAK = re.compile(
    r"^\s*(?:[,;]|\.(?=\s|$)|(?:and|while|whereas|but|then|so|also|with|y|et|und|e|pero|mais|aber)\b|"
    r"(?:its|their)\s)",
    re.IGNORECASE,
)
#: Words that go on with the working after a value: ``[0.3, 0.4] times W_q``.
_OPERATOR_WORD = re.compile(
    r"^\s*(?:times|multiplied|dot|plus|minus|over|divided|x|por|fois|mal|durch|mit)\b", re.IGNORECASE
)
#: A phrase of words after a value, before the next ``=``: ``y su clave es K_gato``.
_WORDS = re.compile(r"^\s*[^\W\d_]{2,}\s+\S")
_BARE_ROW = re.compile(rf"^\s*{NUMBER.pattern}(?:\s*,\s*{NUMBER.pattern}(?![\w.]))*")
_ANNOTATION = re.compile(r"^\s*\([^()]*\)")
_TUPLE_START = re.compile(r"^\(\s*[-−+]?\.?\d")
_TUPLE_VALUE = re.compile(rf"^\(\s*{NUMBER.pattern}(?:\s*,\s*{NUMBER.pattern})+\s*,?\s*\)")


def _value_end(piece: str) -> int | None:
    """Where a value at the start of ``piece`` ends, when a new clause follows it.

    ``"[2, 1] and its key is K_the"`` gives the index after ``]``; ``"4, Q_the · K_cat"``
    the index after ``4``. None when ``piece`` is working (``[0.3, 0.4] @ W_q``,
    ``0.0133 + 0.022``) or does not start with a value.
    """
    stripped = piece.lstrip()
    offset = len(piece) - len(stripped)
    end: int | None = None
    if stripped.startswith("["):
        end = bracket_end(stripped)
    elif _TUPLE_START.match(stripped):
        match = _TUPLE_VALUE.match(stripped)
        end = match.end() if match else None
    elif stripped.startswith(("\\begin{", "\\left")):
        match = re.search(r"\\end\{[^}]*\}(?:\s*\\right\s*[\])|.])?", stripped)
        end = match.end() if match else None
    else:
        match = _BARE_ROW.match(stripped)
        end = match.end() if match else None
    if end is None:
        return None
    annotation = _ANNOTATION.match(stripped[end:])
    if annotation:
        end += annotation.end()
    rest = re.sub(r"^(?:\s|\$|`|\*|\\[)\]])+", " ", stripped[end:])  # "[2, 1]$ and $K_the": math closed
    if not re.search(r"[^\W\d_]", rest) or _OPERATOR_WORD.match(rest):
        return None
    if not (_CLAUSE_BREAK.match(rest) or _WORDS.match(rest)):
        return None
    return offset + end


def clauses(text: str) -> list[str]:
    """Cut a logical line holding several statements into one text each.

    ``Q_the = [2, 1] and its key is K_the = [1, 2]`` gives ``Q_the = [2, 1]``
    and ``and its key is K_the = [1, 2]``: each name keeps the value right
    after its own ``=``. A chain of working (``Q = X @ W_q = [[...]]``) stays
    one statement. Without two ``=``, arrows are cut the same way:
    ``the → [1, 0], cat → [0, 2]``.
    """
    for mark in ("=", "→", "->", "⟶"):
        pieces = _split(text, mark)
        if len(pieces) >= 3:
            break
    else:
        return [text]
    found: list[str] = []
    current = [pieces[0]]
    for piece in pieces[1:-1]:
        cut = _value_end(piece)
        if cut is None:
            current.append(piece)
            continue
        current.append(piece[:cut])
        found.append(mark.join(current).strip())
        current = [piece[cut:]]
    current.append(pieces[-1])
    found.append(mark.join(current).strip())
    return found


def _statements(
    parts: Sequence[str],
    comments: Sequence[str],
    first: SourceLine,
    order: int,
    context: str | None,
    near: str | None = None,
) -> list[Statement]:
    text = _clean(" ".join(parts))
    pairs = _pairs(text, first, order, near)
    if pairs is not None:
        return [pairs]
    printed = _printed(text, parts, comments, first, order, context)
    if printed is not None:
        return [printed]
    texts = clauses(text)
    if len(texts) > 1:
        return [
            statement
            for clause in texts
            for statement in _statement(clause, parts, comments, first, order, context, near, split=True)
        ]
    return _statement(text, parts, comments, first, order, context, near)


def _statement(
    text: str,
    parts: Sequence[str],
    comments: Sequence[str],
    first: SourceLine,
    order: int,
    context: str | None,
    near: str | None,
    split: bool = False,
) -> list[Statement]:
    """One statement's subject, working and stated value; see `_statements`."""
    if split:
        text = re.sub(r"^(?:[,;.]\s*)+", "", text).strip()
    labels = _row_labels(parts, comments)
    pieces = _split(text, "=")
    separator = "="
    if len(pieces) == 1:
        for mark in (":", "→", "->", "⟶", "=>"):
            pieces = _split(text, mark)
            if len(pieces) >= 2 and _STARTS_VALUE.match(pieces[-1]):
                separator = mark
                break
        else:
            return _prose(text, first, order, labels, context, near)
    subject, *middle, last = (piece.strip() for piece in pieces)
    problem = None
    literal = None
    try:
        literal = parse_value(last)
    except FormError as error:
        problem = str(error)
    more: list[Statement] = []
    if literal is not None and re.search(r"\d", literal.rest):
        # "K = [[1, 0], [2, 2]], and the output for 'two' is [2.2, 0.6]": the sentence goes on.
        more = _prose(literal.rest, first, order, labels, context, near)
        if not more:
            more = _leftovers(literal.rest, [], first, order)
    return [
        Statement(
            subject=subject,
            middle=tuple(middle),
            literal=literal,
            separator=separator,
            where=first.where,
            order=order,
            row_labels=labels,
            text=text,
            code=first.code,
            problem=problem,
            context_row=context,
            comment=comments[0] if comments else "",
        ),
        *more,
    ]


_APPROX = r"(?:about|approximately|approx\.?|roughly|around|nearly|close\s+to|≈|~)"
#: Verbs that state a value, in English and a few other languages ("son", "sont", "sind").
_IS = r"are|is|equals?|becomes?|gives?|get|yields?|son|es|sont|est|sind|ist|vale|valen|vaut|valent"
_N = r"[-−+]?(?:\d+(?:\.\d+)?|\.\d+)"  # a number in a sentence: "1." ends the sentence
_PROSE_LIST = re.compile(
    rf"\b(?:{_IS}|of|come\s+out\s+(?:as|at))\s*:?\s*(?:{_APPROX}\s*)?"
    rf"(?P<numbers>{_N}(?:\s*,\s*{_N})*\s*,?\s*(?:and|y|et|und)\s+{_N}"
    rf"|{_N}(?:\s*,\s*{_N})+)(?![\w%])(?!\.\d)",
    re.IGNORECASE,
)
_PAIR = re.compile(
    rf"(?:^|(?<=[\s,;:]))['\"‘“]?(?P<token>[^\s:,;'\"‘’“”=→]+)['\"’”]?\s*(?::|→|->|=)\s*"
    rf"(?P<number>{NUMBER.pattern})(?![\w.%])\s*(?:,|;|\band\b)?\s*"
)


def _pairs(text: str, first: SourceLine, order: int, near: str | None) -> Statement | None:
    """``Attention weights: the: 0.40, cat: 0.40, sat: 0.20``: numbers each named by a token.

    The pairs must run to the end of the statement, two or more of them; the
    text before them is the subject. ``col_labels`` holds the tokens as
    written, in the text's order.
    """
    body = text.rstrip(" .")
    pairs: list[re.Match[str]] = []
    position = len(body)
    for match in _PAIR.finditer(body):
        if pairs and match.start() != pairs[-1].end():
            pairs = []
        pairs.append(match)
        position = match.end()
    if len(pairs) < 2 or position != len(body):
        return None
    subject = body[: pairs[0].start()].strip().rstrip(":").strip()
    if not subject:
        return None
    numbers = [match.group("number") for match in pairs]
    return Statement(
        subject=subject,
        middle=(),
        literal=Literal(
            np.array([parse_number(n) for n in numbers], dtype=np.float64),
            max(number_places(n) for n in numbers),
            "",
        ),
        separator="pairs",
        where=first.where,
        order=order,
        row_labels=(),
        text=text,
        code=first.code,
        context_row=near,
        col_labels=tuple(match.group("token") for match in pairs),
    )


_PRINTED = re.compile(r"^['\"]?(?P<label>[A-Za-z][\w ()'\"-]{0,40}?)['\"]?\s+(?=\[|array\()")


def _printed(
    text: str,
    parts: Sequence[str],
    comments: Sequence[str],
    first: SourceLine,
    order: int,
    context: str | None,
) -> Statement | None:
    """``weights [[0.4 0.4 0.2] ...]``: what ``print("weights", w)`` shows in a notebook output."""
    if "output" not in first.where or "=" in text or ":" in text:
        return None
    match = _PRINTED.match(text)
    if match is None:
        return None
    try:
        literal = parse_value(text[match.end() :])
    except FormError:
        return None
    if literal is None:
        return None
    return Statement(
        subject=match.group("label").strip(),
        middle=(),
        literal=literal,
        separator="printed",
        where=first.where,
        order=order,
        row_labels=_row_labels(parts, comments),
        text=text,
        code=True,
        context_row=context,
    )


def _token_table(lines: Sequence[SourceLine], i: int) -> Statement | None:
    """A Markdown table with a token for each row and each column: scores or weights.

    ``| | the | cat |`` / ``|---|---|---|`` / ``| the | 4 | 4 |`` ...: the
    header's cells (after the first) must name the same tokens as the rows'
    first cells. The subject is the header's first cell, else the line
    just above the table (``Raw scores (Q·Kᵀ):``, a heading).
    """
    tabbed = _tab_cells(lines[i], header=True)
    header = tabbed if tabbed is not None else _cells(lines[i])
    if header is None or i + 1 >= len(lines):
        return None
    if tabbed is None:
        rule = _cells(lines[i + 1])
        if rule is None or not all(re.fullmatch(r":?-{2,}:?", cell) for cell in rule):
            return None
    columns = [cell for cell in header[1:] if cell]
    labels: list[str] = []
    rows: list[list[str]] = []
    gap = 1 if tabbed is not None else 2  # plain text in columns has no rule row under the header
    k = i + gap
    while k < len(lines):
        cells = _tab_cells(lines[k], header=False) if tabbed is not None else _cells(lines[k])
        if cells is None:
            break
        labels.append(cells[0])
        rows.append([cell for cell in cells[1:] if cell])
        k += 1
    if len(columns) < 2 or sorted(labels) != sorted(columns) or len(set(columns)) != len(columns):
        return None
    if not all(len(row) == len(columns) and all(NUMBER.fullmatch(c) for c in row) for row in rows):
        return None
    subject = header[0]
    if not subject or re.fullmatch(r"[\w\s]*(?:[\\/↓→×]|vs\.?)[\w\s]*", subject):
        subject = next(
            (
                lines[j].text.strip().lstrip("#").strip().strip("*:").strip()
                for j in range(i - 1, max(-1, i - 4), -1)
                if lines[j].text.strip()
            ),
            "",
        )
    matrix = [[parse_number(c) for c in row] for row in rows]
    places = max(number_places(c) for row in rows for c in row)
    return Statement(
        subject=subject,
        middle=(),
        literal=Literal(np.array(matrix, dtype=np.float64), places, ""),
        separator="table",
        where=lines[i].where,
        order=i,
        row_labels=tuple(labels),
        text=" ".join(line.text.strip() for line in lines[i:k]),
        code=False,
        end=k - 1,
        col_labels=tuple(columns),
        row_gap=gap,
    )


def _tab_cells(line: SourceLine, header: bool) -> list[str] | None:
    """A line of plain text in columns apart by tabs: its cells, or None.

    A header row keeps an empty first cell (``<TAB>the<TAB>sun``: the corner
    of a table); a row's first cell must not be empty.
    """
    text = line.text.rstrip() if header else line.text.strip()
    if line.code or "\t" not in text or "|" in text:
        return None
    cells = [cell.strip().strip("`*").strip().strip("'\"‘’“”") for cell in text.split("\t")]
    cells = cells[:1] + [cell for cell in cells[1:] if cell]
    if len(cells) < 2 or (not header and not cells[0]):
        return None
    return cells


def _cells(line: SourceLine) -> list[str] | None:
    text = line.text.strip()
    if line.code or not (text.startswith("|") and text.endswith("|")) or text.count("|") < 3:
        return None
    return [cell.strip().strip("`*").strip().strip("'\"‘’“”") for cell in text.strip("|").split("|")]


#: ``the dot product of q1 and k2 is 0.5``: one score stated in a sentence.
_PROSE_SCORE = re.compile(
    rf"(?P<subject>\b(?:(?:scaled|raw|unscaled|attention)\s+)?(?:dot[- ]products?|scores?|similarity)\b"
    rf"[^.=;:]*?)"
    rf"\s+(?:is|equals|comes\s+to|gives)\s*(?:{_APPROX}\s*)?(?P<number>{_N})(?![\w%])(?!\.\d)"
    rf"(?!\s*,\s*[-−+]?\.?\d)(?!\s+(?:and|y|et|und)\s+[-−+]?\.?\d)(?!\s*[*×·/+^])",
    re.IGNORECASE,
)
#: A clause's joining word: ", and the output for 'two' is [...]".
_LEADING_JOIN = re.compile(r"^[\s,;]*(?:(?:and|so|then|while|but|y|et|und)\b\s*)?", re.IGNORECASE)
_PROSE_VALUE = re.compile(rf"\b(?:{_IS})\s*:?\s*(?=\[|\\begin)", re.IGNORECASE)


def _prose(
    text: str,
    first: SourceLine,
    order: int,
    labels: tuple[str, ...],
    context: str | None,
    near: str | None = None,
) -> list[Statement]:
    """``For 'I', the attention scores are [0.0353, 0.0801, 0.1147].``

    Also a bare list ``Softmax gives weights of about 0.40, 0.40 and 0.20``
    (separator ``"list"``): its row is a token named in the sentence or in
    the few lines before (``near``), else none.
    """
    statements = []
    spans: list[tuple[int, int]] = []  # where the numbers read are
    for match in _PROSE_LIST.finditer(text):
        spans.append(match.span("numbers"))
        numbers = NUMBER.findall(match.group("numbers"))
        sentence_start = max(text.rfind(". ", 0, match.start()) + 1, 0)
        subject = text[sentence_start : match.start("numbers")].strip()
        statements.append(
            Statement(
                subject=subject,
                middle=(),
                literal=Literal(
                    np.array([parse_number(n) for n in numbers], dtype=np.float64),
                    max(number_places(n) for n in numbers),
                    re.split(r"(?<=[.;!?])\s", text[match.end() :], maxsplit=1)[0].strip(),  # this sentence
                ),
                separator="list",
                where=first.where,
                order=order,
                row_labels=labels,
                text=text,
                code=first.code,
                context_row=near,
            )
        )
    for match in _PROSE_SCORE.finditer(text):
        spans.append(match.span("number"))
        number = match.group("number")
        start = match.start("subject")
        statements.append(
            Statement(
                subject=text[start : match.start("number")].strip(),
                middle=(),
                literal=Literal(np.array(parse_number(number)), number_places(number), ""),
                separator="prose",
                where=first.where,
                order=order,
                row_labels=labels,
                text=text,
                code=first.code,
                context_row=context,
            )
        )
    for match in _PROSE_VALUE.finditer(text):
        try:
            literal = parse_value(text[match.end() :])
        except FormError:
            continue
        if literal is None:
            continue
        read_to = text.rstrip().rstrip("`$").rstrip()  # the value's rest is what ends the text
        spans.append(
            (match.end(), len(read_to) - len(literal.rest) if read_to.endswith(literal.rest) else len(text))
        )
        sentence_start = max(text.rfind(". ", 0, match.start()) + 1, 0)
        subject = _LEADING_JOIN.sub("", text[sentence_start : match.start()]).strip()
        statements.append(
            Statement(
                subject=subject,
                middle=(),
                literal=literal,
                separator="prose",
                where=first.where,
                order=order,
                row_labels=labels,
                text=text,
                code=first.code,
                context_row=context,
            )
        )
    if statements:
        statements.extend(_leftovers(text, spans, first, order))
    return statements


#: A number a sentence states as a result: a decimal, or a number after "is" or "=".
_STATED_NUMBER = re.compile(
    r"(?<![\w.√^/_-])[-−+]?(?:\d+\.\d+|\.\d+)(?![\w%])|(?:\b(?:is|are|equals?)\b|=|≈)\s*[-−+]?\.?\d"
)


def _leftovers(text: str, spans: Sequence[tuple[int, int]], first: SourceLine, order: int) -> list[Statement]:
    """The parts of a sentence that state numbers no form read, as statements without a value.

    ``The score of 'dogs' with itself is 0.16, and with 'cats' it is 0.24``: the
    second number names no score by itself; the importer lists it as not read
    rather than letting the line's first reading cover it.
    """
    blanked = list(text)
    for start, end in spans:
        blanked[start:end] = " " * (end - start)
    rest = "".join(blanked)
    found = []
    for fragment in re.split(r"(?<=[.;!?])\s|,\s*(?=(?:and|but|while|so|then)\b)", rest):
        if fragment and _STATED_NUMBER.search(fragment):
            found.append(
                Statement(
                    subject="",
                    middle=(),
                    literal=None,
                    separator="prose",
                    where=first.where,
                    order=order,
                    row_labels=(),
                    text=" ".join(fragment.split()),
                    code=first.code,
                )
            )
    return found


def _mentions(line: SourceLine, found: Scan) -> None:
    text = line.text
    if _UNSCALED_WORDS.search(text):
        found.mentions.append(Mention("scale", False, line.where, text.strip()))
    elif _SCALED_WORDS.search(text) and not re.search(r"\bunscaled\b", text, re.IGNORECASE):
        found.mentions.append(Mention("scale", True, line.where, text.strip()))
    if _RESIDUAL_WORDS.search(text):
        found.mentions.append(Mention("residual", True, line.where, text.strip()))
    if _CAUSAL_WORDS.search(text):
        found.mentions.append(Mention("causal", True, line.where, text.strip()))


def _percents(line: SourceLine, order: int, found: Scan) -> None:
    for sentence in re.split(r"(?<=[.;!?])\s+", line.text):
        subject = _PERCENT_SUBJECT.search(sentence)
        for match in _PERCENT.finditer(sentence):
            number = match.group(1)
            places = len(number.partition(".")[2]) + 2
            found.percents.append(
                Percent(
                    row=subject.group(1) if subject else None,
                    col=match.group(2).strip("'\"‘’“”"),
                    value=float(number) / 100,
                    places=places,
                    where=line.where,
                    order=order,
                )
            )
