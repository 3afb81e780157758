"""The forms numbers take in a lesson text, one small parser each.

* bracketed literals: Python lists ``[[0.1, 0.2], [0.3, 0.4]]``, NumPy
  ``np.array([...])``, rows spread over lines, space-separated rows
  ``[[6 1 4 4] [8 4 6 3]]``;
* LaTeX matrices ``\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}`` (also
  ``pmatrix``, ``matrix``, ``vmatrix``);
* bare numbers ``1.16, 0.23`` (a bullet's vector), ``0.2  0.4`` (apart by spaces
  or tabs, to the end of the line), tuples ``(0.2, 0.4)`` and percentages ``36%``.

Every parser returns the numbers and ``places``, the most decimals any of
them is written with, so a stated number can be compared at the precision it
was stated with. A matrix with rows of different lengths raises `FormError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "NUMBER",
    "FormError",
    "Literal",
    "bracket_end",
    "number_places",
    "parse_number",
    "parse_value",
    "split_comment",
]

#: A number as lesson texts write it: ``-0.5``, ``−0.5`` (Unicode minus), ``.5``, ``1e-3``.
NUMBER = re.compile(r"[-−+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")

_WRAPPER = re.compile(
    r"^\s*(?:(?:np|numpy|torch|tf|jnp)\s*\.\s*)?(?:array|tensor|asarray|constant|matrix|Tensor|FloatTensor)\s*\(\s*"
)
_TRAILER = re.compile(r"^\s*(?:,\s*\w+\s*=\s*[\w.\"']+\s*)*\)?\s*")
_BEGIN = re.compile(r"\\begin\{([bpvBV]?matrix)\*?\}")
_COMMENT = re.compile(r"(?:←|<-|⟵|⬅|(?<![\w&])#(?!\w*\])|//)\s*(.*)$")


class FormError(ValueError):
    """Numbers that look like a matrix but are not one (ragged rows)."""


@dataclass(frozen=True)
class Literal:
    """Numbers read from the text.

    Attributes
    ----------
    value
        A 0-d, 1-d or 2-d float64 array.
    places
        The most decimal places any of its numbers is written with.
    rest
        The text after the literal (an annotation such as ``(after /√d_k)``).
    """

    value: np.ndarray
    places: int
    rest: str


def parse_number(text: str) -> float:
    """A number as written, the Unicode minus included: ``"−0.5"`` gives ``-0.5``."""
    return float(text.replace("−", "-"))


def number_places(text: str) -> int:
    """Decimal places a number is written with: ``"0.0133"`` gives 4, ``"23"`` 0, ``"1e-3"`` 3."""
    text = text.replace("−", "-")
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return max(0, decimals - int(exponent or 0))


def split_comment(line: str, code: bool) -> tuple[str, str]:
    """Split a physical line into its content and a trailing row comment.

    Comments are ``← token 1``, ``<- K1``, ``# I`` (not a heading's ``#``) and
    ``// love``. A line of prose keeps its ``#`` (a Markdown heading) unless
    it follows a bracketed row.
    """
    stripped = line.lstrip()
    if stripped.startswith("#") and not code:
        return line, ""
    if code and stripped.startswith("#"):
        return "", stripped.lstrip("#").strip()
    match = _COMMENT.search(line)
    if match is None:
        return line, ""
    if not code and match.group(0).startswith("#") and not line[: match.start()].rstrip().endswith("]"):
        return line, ""  # in prose, "#" starts a comment only after a row: "[1, 0]  # cat"
    return line[: match.start()], match.group(1).strip()


def parse_value(text: str) -> Literal | None:
    """Read the numbers at the start of ``text``: a bracketed literal, a LaTeX matrix or bare numbers.

    Returns None when ``text`` does not start with numbers. A trailing
    ``)`` of ``np.array(...)`` and keyword arguments such as ``dtype=float``
    are skipped; what follows is returned as ``rest``.

    Raises
    ------
    FormError
        Rows of different lengths.
    """
    text = text.strip().strip("`$").strip()
    wrapper = _WRAPPER.match(text)
    if wrapper:
        text = text[wrapper.end() :]
    if text.startswith("\\left"):
        text = re.sub(r"^\\left\s*[\[(|.]\s*", "", text)
    begin = _BEGIN.match(text)
    if begin:
        return _parse_latex(text, begin)
    if text.startswith("["):
        parsed = _parse_brackets(text)
        if parsed is None:
            return None
        nested, places, end = parsed
        rest = text[end:]
        if wrapper:
            rest = rest[_TRAILER.match(rest).end() :]  # type: ignore[union-attr]
        value = _array(nested)
        return Literal(value, places, rest.strip())
    if text.startswith("("):
        return _parse_tuple(text)
    return _parse_bare(text)


_TUPLE = re.compile(rf"^\(\s*({NUMBER.pattern}(?:\s*,\s*{NUMBER.pattern})+)\s*,?\s*\)")
_SPACED = re.compile(rf"^{NUMBER.pattern}(?:[ \t]+{NUMBER.pattern})+(?=\s*$)")


def _parse_tuple(text: str) -> Literal | None:
    """``(0.2, 0.4)``: a vector written as a tuple, two or more numbers."""
    match = _TUPLE.match(text)
    if match is None:
        return None
    numbers = NUMBER.findall(match.group(1))
    return Literal(
        np.array([parse_number(n) for n in numbers], dtype=np.float64),
        max(number_places(n) for n in numbers),
        text[match.end() :].strip(),
    )


_BARE = re.compile(rf"^({NUMBER.pattern})((?:\s*,\s*{NUMBER.pattern})*)(?=$|[\s;)(])")


def _parse_bare(text: str) -> Literal | None:
    """``2505.5 (after /√d_k)``, ``1.16, 0.23``: one number or a comma-separated row."""
    spaced = _SPACED.match(text)
    if spaced is not None:
        # "dogs:  0.2  0.4": numbers apart by spaces or tabs, running to the end of the text.
        numbers = spaced.group(0).split()
        return Literal(
            np.array([parse_number(n) for n in numbers], dtype=np.float64),
            max(number_places(n) for n in numbers),
            "",
        )
    match = _BARE.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip()
    # An expression goes on: "23*40 + ...", "0.5 * V1"; a percent is not a plain number.
    if re.match(r"^[*×·/+\-−^%@]|^\w", rest):
        return None
    numbers = NUMBER.findall(match.group(0))
    values = [parse_number(n) for n in numbers]
    places = max(number_places(n) for n in numbers)
    value = np.array(values[0] if len(values) == 1 else values, dtype=np.float64)
    return Literal(value, places, rest)


def bracket_end(text: str) -> int | None:
    """Where the bracketed literal at the start of ``text`` ends (``"[2, 1] and"`` gives 6), or None."""
    parsed = _parse_brackets(text)
    return parsed[2] if parsed is not None else None


def _parse_brackets(text: str) -> tuple[list[object], int, int] | None:
    """Recursive descent over ``[`` ... ``]`` with commas or spaces between items."""
    places = 0
    position = 0

    def skip() -> None:
        nonlocal position
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1

    def item() -> object:
        nonlocal position, places
        skip()
        if position < len(text) and text[position] == "[":
            position += 1
            items: list[object] = []
            while True:
                skip()
                if position >= len(text):
                    raise _NotALiteral
                if text[position] == "]":
                    position += 1
                    return items
                items.append(item())
        match = NUMBER.match(text, position)
        if match is None or not match.group(0).strip("+-−."):
            raise _NotALiteral
        position = match.end()
        places = max(places, number_places(match.group(0)))
        return parse_number(match.group(0))

    try:
        nested = item()
    except _NotALiteral:
        return None
    if not isinstance(nested, list) or not nested:
        return None
    return nested, places, position


class _NotALiteral(Exception):
    pass


def _array(nested: list[object]) -> np.ndarray:
    if all(isinstance(x, float) for x in nested):
        return np.array(nested, dtype=np.float64)
    if all(isinstance(row, list) and row and all(isinstance(x, float) for x in row) for row in nested):
        rows = [row for row in nested if isinstance(row, list)]
        width = len(rows[0])
        for index, row in enumerate(rows):
            if len(row) != width:
                raise FormError(f"row {index} has {_count(len(row))}, expected {width} like row 0")
        return np.array(rows, dtype=np.float64)
    raise FormError("mixes numbers and rows, or nests rows more than two deep")


def _parse_latex(text: str, begin: re.Match[str]) -> Literal | None:
    end = text.find(f"\\end{{{begin.group(1)}}}", begin.end())
    if end < 0:
        return None
    body = text[begin.end() : end]
    body = re.sub(r"\\(?:phantom|hphantom)\{[^}]*\}|(?<!\\)\\[,;!: ]|\\q?quad", " ", body)
    rows: list[list[float]] = []
    places = 0
    for row_text in re.split(r"\\\\|\\cr", body):
        if not row_text.strip():
            continue
        row: list[float] = []
        for cell in row_text.split("&"):
            cell = cell.strip().strip("{}").strip()
            match = NUMBER.fullmatch(cell.replace("{", "").replace("}", "").replace(" ", ""))
            if match is None:
                return None
            places = max(places, number_places(match.group(0)))
            row.append(parse_number(match.group(0)))
        rows.append(row)
    if not rows:
        return None
    width = len(rows[0])
    for index, row in enumerate(rows):
        if len(row) != width:
            raise FormError(f"row {index} has {_count(len(row))}, expected {width} like row 0")
    value = np.array(rows, dtype=np.float64)  # a matrix, even of one row or column
    rest = text[end + len(f"\\end{{{begin.group(1)}}}") :]
    rest = re.sub(r"^\s*\\right\s*[\])|.]", "", rest)
    return Literal(value, places, rest.strip())


def _count(number: int) -> str:
    return f"{number} number" + ("" if number == 1 else "s")
