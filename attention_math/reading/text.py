"""Lesson text as lines a report can point at: decoding, mojibake repair, fences.

A lesson text is read into `SourceLine` objects, one per line, each knowing
where it is (``"line 20"``, or ``"cell 4, line 2"`` in a notebook) and whether
it is code (inside a Markdown fence, or a notebook code cell or output).

Texts copied between programs often arrive as *mojibake*: UTF-8 bytes decoded
as Mac Roman or Windows-1252, so ``"←"`` reads ``"‚Üê"`` (or ``"â†"``). Such runs
are decoded back (`repair_mojibake`); a run that is not valid UTF-8 that way is
left as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import LessonError

__all__ = ["SourceLine", "decode_text", "repair_mojibake", "text_lines"]


@dataclass(frozen=True)
class SourceLine:
    """One line of a lesson text.

    Attributes
    ----------
    text
        The line, mojibake repaired, without its line break.
    where
        How a report names the line: ``"line 20"``, ``"cell 4, line 2"``.
    code
        True inside a fenced code block, a notebook code cell or its output.
    """

    text: str
    where: str
    code: bool = False


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_FENCE = re.compile(r"^\s{0,3}(```+|~~~+)")


def decode_text(raw: bytes, shown: str) -> str:
    """Decode a lesson text's bytes, refusing what is not text, in one line.

    Parameters
    ----------
    raw
        The file's bytes.
    shown
        The file's name as messages show it.

    Raises
    ------
    LessonError
        With ``key=None``: the file is empty or blank, binary (holds NUL
        bytes) or not UTF-8.
    """
    if b"\x00" in raw[:65536]:
        raise LessonError(None, f"{shown}: is a binary file, not a lesson text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LessonError(
            None, f"{shown}: not UTF-8 text (byte {error.start} cannot be decoded); save it as UTF-8"
        ) from None
    if not text.strip():
        raise LessonError(None, f"{shown}: is empty; no worked numbers to read")
    return text


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Mac Roman or Windows-1252.

    Each run of non-ASCII characters is encoded back to bytes with one of
    those code pages; wherever the bytes form a valid multi-byte UTF-8
    character, that character replaces the characters it came from. Math
    alphanumerics (``𝑊``) become plain letters. Other text is unchanged.

    Examples
    --------
    >>> repair_mojibake("[[6 1 4 4]   ‚Üê token 1")
    '[[6 1 4 4]   ← token 1'
    """
    return _NON_ASCII_RUN.sub(lambda match: _plain_math(_repair_run(match.group())), text)


def _repair_run(run: str) -> str:
    best = run
    for codepage in ("mac_roman", "cp1252"):
        try:
            raw = run.encode(codepage)
        except UnicodeEncodeError:
            continue
        repaired = _decode_where_valid(run, raw)
        if len(repaired) < len(best):
            best = repaired
    return best


def _decode_where_valid(run: str, raw: bytes) -> str:
    """Decode each valid multi-byte UTF-8 sequence of ``raw``; keep ``run``'s other characters."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        lead = raw[i]
        size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if 0xF0 <= lead <= 0xF4 else 0
        if size and i + size <= len(raw):
            try:
                out.append(raw[i : i + size].decode("utf-8"))
                i += size
                continue
            except UnicodeDecodeError:
                pass
        out.append(run[i])
        i += 1
    return "".join(out)


def _plain_math(text: str) -> str:
    """Mathematical alphanumerics (U+1D400..U+1D7FF) as the letters and digits they style."""
    return "".join(unicodedata.normalize("NFKC", ch) if 0x1D400 <= ord(ch) <= 0x1D7FF else ch for ch in text)


def text_lines(text: str) -> list[SourceLine]:
    """A Markdown or plain text as numbered lines, marking those inside code fences."""
    lines: list[SourceLine] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = repair_mojibake(line)
        match = _FENCE.match(line)
        if match:
            mark = match.group(1)
            if fence is None:
                fence = mark[0] * 3
                # A one-line fenced span (``` `[1, 2]` ```) closes on its own line.
                if line.strip().endswith(mark) and len(line.strip()) > 2 * len(mark):
                    fence = None
                    lines.append(SourceLine(line.strip().strip("`~ "), f"line {number}", True))
                    continue
            elif mark.startswith(fence):
                fence = None
            lines.append(SourceLine("", f"line {number}", True))
            continue
        lines.append(SourceLine(line, f"line {number}", fence is not None))
    return lines
