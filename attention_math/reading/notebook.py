"""A Jupyter notebook as lesson lines: Markdown cells, code cells and their text outputs.

Each line is named for the report as ``"cell 4, line 2"`` (cells counted
from 1, as Jupyter shows them) or ``"cell 4 output, line 1"`` for what a
code cell printed. Cells are kept apart by blank lines, so a statement never
runs from one cell into the next. A value a cell shows as its last expression,
or prints with its only ``print(name)``, is named after it: ``Q = [[1. 2.] ...``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import nbformat

from ..errors import LessonError
from .text import SourceLine, text_lines

__all__ = ["notebook_lines"]

_CELL_GAP = 4  # blank lines between cells: more than a statement reaches across


def notebook_lines(text: str, shown: str) -> list[SourceLine]:
    """The lines of a notebook's cells and outputs, each with its place.

    Raises
    ------
    LessonError
        With ``key=None`` when the text is not JSON or not a notebook.
    """
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise LessonError(
            None,
            f"{shown}: not a notebook: invalid JSON at line {error.lineno}, "
            f"column {error.colno}: {error.msg}",
        ) from None
    except RecursionError:
        raise LessonError(None, f"{shown}: not a notebook: JSON nested too deeply") from None
    try:
        notebook: Any = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
        cells = list(notebook.cells)
    except Exception as error:  # nbformat raises several kinds for a JSON file that is no notebook
        reason = " ".join(str(error).split())[:120] or type(error).__name__
        raise LessonError(None, f"{shown}: not a notebook ({reason})") from None
    lines: list[SourceLine] = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        code = cell.get("cell_type") == "code"
        for line in text_lines(source):
            where = line.where.replace("line", f"cell {number}, line", 1)
            lines.append(SourceLine(line.text, where, code or line.code))
        lines.extend(SourceLine("", f"cell {number}") for _ in range(_CELL_GAP))
        if not code:
            continue
        shown_value = _last_expression(source)
        printed_name = _printed_name(source)
        printed_lines = 0  # outputs of a cell are numbered on, as they appear one under another
        for output in cell.get("outputs", []):
            printed = _output_text(output)
            if output.get("output_type") == "execute_result" and shown_value and printed.strip():
                # Jupyter shows the cell's last expression: name the value after it.
                printed = f"{shown_value} = {printed}"
            elif output.get("output_type") == "stream" and printed_name and printed.strip():
                # The cell's one print(Q) printed this: name the value after it.
                printed = f"{printed_name} = {printed}"
                printed_name = ""
            for printed_line in printed.splitlines():
                printed_lines += 1
                lines.append(SourceLine(printed_line, f"cell {number} output, line {printed_lines}", True))
            lines.extend(SourceLine("", f"cell {number} output") for _ in range(_CELL_GAP))
    return lines


def _last_expression(source: str) -> str:
    """The name a cell's last line shows (``weights.round(2)`` gives ``weights``), or ``""``."""
    lines = [
        line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        return ""
    match = re.fullmatch(r"([A-Za-z_]\w*)(?:\.\w+(?:\(.*\))?)*(?:\[.*\])?", lines[-1])
    return match.group(1) if match else ""


_NAME_SHOWN = re.compile(r"([A-Za-z_]\w*)(?:\.\w+(?:\(.*\))?)*(?:\[.*\])?")


def _printed_name(source: str) -> str:
    """The name a cell's only ``print`` shows (``print(out.round(2))`` gives ``out``), or ``""``.

    A cell with more than one ``print``, or one printing anything but a single
    value (``print("Q", Q)``, an f-string), names nothing.
    """
    calls = re.findall(r"(?<![\w.])print\s*\(", source)
    if len(calls) != 1:
        return ""
    match = re.search(r"^\s*print\s*\(\s*(.*?)\s*\)\s*(?:#.*)?$", source, re.MULTILINE)
    if match is None:
        return ""
    shown = _NAME_SHOWN.fullmatch(match.group(1))
    return shown.group(1) if shown else ""


def _output_text(output: Any) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
    elif kind in ("execute_result", "display_data"):
        text = output.get("data", {}).get("text/plain", "")
    else:
        return ""
    return "".join(text) if isinstance(text, list) else str(text)
