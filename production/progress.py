"""What a batch prints while it runs, and the table it ends with.

:class:`Progress` writes a line when a topic starts and one when it ends
(``[3/12] ok          softmax   41.2 s  media/default/softmax.mp4``). On a
terminal it draws with rich: the same lines, coloured by status, above a live
bar of the topics done and a spinner with the elapsed time for each topic
rendering. Into a pipe or a file (not a terminal) it writes the plain lines
only, so that logs and scripts can parse them. :func:`summary_table` is the
plain-text table after the batch (topic, seconds, status, output);
:func:`print_summary` prints it, as a rich table on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from .request import Outcome

__all__ = ["Progress", "display_path", "print_summary", "summary_table"]

# A status's colour on a terminal; the words stay the same in every mode.
STATUS_STYLES = {"ok": "green", "skipped": "cyan", "failed": "bold red", "interrupted": "yellow"}


class Progress:
    """One line per topic start and finish; on a terminal also a live bar and what is running.

    Parameters
    ----------
    total
        The number of topics to report.
    stream
        Where to write (default: standard error).
    live
        Draw with rich (colours, a live bar); default: whether ``stream`` is a terminal.
    width
        The width of the label column.
    """

    def __init__(
        self, total: int, stream: TextIO | None = None, live: bool | None = None, width: int = 12
    ) -> None:
        self.total = total
        self.width = width
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.done = 0
        self._console: Console | None = None
        self._bar: RichProgress | None = None
        self._overall: TaskID | None = None
        self._running: dict[str, TaskID] = {}
        if self.live:
            # Rich draws on this stream even when asked to when it is not a terminal (live=True).
            self._console = Console(file=self.stream, force_terminal=True, highlight=False)

    def _ensure_bar(self) -> RichProgress:
        """The live bar, started on first use (so that a batch with nothing to do draws nothing)."""
        if self._bar is None:
            self._bar = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(bar_width=24),
                TextColumn("{task.fields[count]}"),  # done/total on the overall bar only
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
                refresh_per_second=4,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._overall = self._bar.add_task("all topics", total=self.total, count=f"0/{self.total}")
            self._bar.start()
        return self._bar

    def _line(self, text: str, status: str | None = None) -> None:
        if self._console is None:
            print(text, file=self.stream, flush=True)
            return
        line = Text(text)  # a Text, not markup: a label like "[x]" is printed as it is
        if status is not None:
            start = text.index(status, text.index("]"))
            line.stylize(STATUS_STYLES.get(status, ""), start, start + len(status))
        self._console.print(line)

    def started(self, label: str) -> None:
        """A topic (named ``label``) started rendering."""
        self._line(f"{'':{2 * len(str(self.total)) + 3}} {'start':<11} {label}")
        if self.live:
            bar = self._ensure_bar()
            self._running[label] = bar.add_task(f"  {label}", total=None, count="")

    def finished(self, outcome: Outcome, label: str) -> None:
        """A topic finished (or was skipped, or failed)."""
        self.done += 1
        where = f"  {display_path(outcome.output)}" if outcome.output else ""
        note = f"  {outcome.message}" if outcome.message else ""
        self._line(
            f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.status:<11} {label:<{self.width}}"
            f"  {outcome.seconds:6.1f} s{where}{note}",
            outcome.status,
        )
        if self.live:
            bar = self._ensure_bar()
            task = self._running.pop(label, None)
            if task is not None:
                bar.remove_task(task)
            if self._overall is not None:
                bar.update(self._overall, completed=self.done, count=f"{self.done}/{self.total}")

    def tick(self, running: Mapping[str, float]) -> None:
        """Called while topics render (label -> start time); rich refreshes the live bar on its own.

        Kept so that callers need not know the mode: in plain mode nothing is
        printed between a topic's start and end lines, and on a terminal rich's
        own refresh thread redraws the spinners and elapsed times.
        """

    def close(self) -> None:
        """Stop and clear the live bar (the lines printed stay)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
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


def print_summary(
    outcomes: Sequence[Outcome], *, show_example: bool = False, stream: TextIO | None = None
) -> None:
    """Print the summary: a rich table on a terminal, :func:`summary_table`'s plain text otherwise.

    ``stream`` defaults to standard output.
    """
    stream = stream or sys.stdout
    if not stream.isatty():
        print(summary_table(outcomes, show_example=show_example), file=stream, flush=True)
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    if show_example:
        table.add_column("example")
    table.add_column("topic")
    table.add_column("seconds", justify="right")
    table.add_column("status")
    table.add_column("output", overflow="fold")
    for outcome in outcomes:
        request = outcome.request
        output = display_path(outcome.output) if outcome.succeeded else (outcome.message or "-")
        status = Text(outcome.status, style=STATUS_STYLES.get(outcome.status, ""))
        row = [Text(request.topic), Text(f"{outcome.seconds:.1f}"), status, Text(output)]
        table.add_row(*([Text(request.example), *row] if show_example else row))
    Console(file=stream, highlight=False).print(table)
