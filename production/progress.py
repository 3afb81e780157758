"""What a batch prints while it runs, and the table it ends with.

:class:`Progress` writes a line when a topic starts and one when it ends
(``[3/12] ok          softmax   41.2 s  media/default/softmax.mp4``); on a
terminal also a live line of the topics rendering. :func:`summary_table` is
the plain-text table after the batch: topic, seconds, status, output.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from .request import Outcome

__all__ = ["Progress", "display_path", "summary_table"]


class Progress:
    """One line per topic start and finish; on a terminal also a live line of what is running.

    ``total`` is the number of topics to report; ``width`` the width of the label column.
    """

    def __init__(
        self, total: int, stream: TextIO | None = None, live: bool | None = None, width: int = 12
    ) -> None:
        self.total = total
        self.width = width
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.done = 0
        self._status_shown = False
        self._last_tick = 0.0

    def _line(self, text: str) -> None:
        self._clear()
        print(text, file=self.stream, flush=True)

    def _clear(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False

    def started(self, label: str) -> None:
        """A topic (named ``label``) started rendering."""
        self._line(f"{'':{2 * len(str(self.total)) + 3}} {'start':<11} {label}")

    def finished(self, outcome: Outcome, label: str) -> None:
        """A topic finished (or was skipped, or failed)."""
        self.done += 1
        where = f"  {display_path(outcome.output)}" if outcome.output else ""
        note = f"  {outcome.message}" if outcome.message else ""
        self._line(
            f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.status:<11} {label:<{self.width}}"
            f"  {outcome.seconds:6.1f} s{where}{note}"
        )

    def tick(self, running: Mapping[str, float]) -> None:
        """On a terminal, at most twice a second: the labels rendering and for how long (by start time)."""
        now = time.perf_counter()
        if not self.live or not running or now - self._last_tick < 0.5:
            return
        self._last_tick = now
        parts = ", ".join(f"{label} {now - since:.0f} s" for label, since in running.items())
        self._clear()
        self.stream.write(f"  rendering: {parts}")
        self.stream.flush()
        self._status_shown = True

    def close(self) -> None:
        """Clear the live line."""
        self._clear()
        self.stream.flush()


def display_path(path: Path | None) -> str:
    """``path`` relative to the working directory when it is inside it (``-`` for None)."""
    if path is None:
        return "-"
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def summary_table(outcomes: Sequence[Outcome], *, show_example: bool = False) -> str:
    """A plain-text table: topic, seconds, status, output (and example when several)."""
    rows = []
    for outcome in outcomes:
        request = outcome.request
        output = display_path(outcome.output) if outcome.succeeded else (outcome.message or "-")
        row = [request.topic, f"{outcome.seconds:.1f}", outcome.status, output]
        rows.append([request.example, *row] if show_example else row)
    header = ["topic", "seconds", "status", "output"]
    if show_example:
        header = ["example", *header]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = header.index("seconds")

    def fmt(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i == numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    lines = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]
    return "\n".join(lines)
