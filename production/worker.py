"""A worker process of a batch: ``python -m production.worker REQUEST_JSON REPLY_FILE``.

Reads the :class:`~production.request.RenderRequest` (refusing a malformed
one), loads and computes its lesson once, renders it through
:func:`production.batch.render_one` (or finds its last render current), and
writes a :class:`~production.request.WorkerReply` to ``REPLY_FILE``. Exit
status 0 when it rendered or skipped; 1 when it failed (the traceback goes to
its output, which the scheduler keeps) or was called wrongly; 130 when
interrupted (no reply).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from attention_math import compute
from scenes import lesson_for

from .batch import render_one
from .files import write_text_atomically
from .interrupts import exit_interrupted, stop_cleanly_on_signals, stop_with_parent
from .request import RenderRequest, WorkerReply

__all__ = ["main", "work"]

USAGE = "usage: python -m production.worker REQUEST_JSON REPLY_FILE  (a worker of render.py --all)"


def work(request_json: str, reply_file: Path) -> int:
    """Render the request in ``request_json``; its reply goes to ``reply_file``. The exit status."""
    status = 0
    try:
        request = RenderRequest.from_json(request_json)
        trace = compute(lesson_for(request.topic, request.load_lesson()))
        outcome = render_one(request, trace)
        reply = WorkerReply(status=outcome.status, output=outcome.output)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # reported to the parent; the traceback goes to the log
        traceback.print_exc()
        lines = str(error).strip().splitlines()
        reply = WorkerReply(status="failed", message=f"{type(error).__name__}: {lines[0] if lines else ''}")
        status = 1
    write_text_atomically(reply_file, reply.to_json())
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """The worker's command line: stop cleanly on signals, as ``render.py`` does, then :func:`work`."""
    stop_cleanly_on_signals()  # SIGTERM and a lost Ctrl-C still clean up
    stop_with_parent()  # a batch killed outright takes its workers with it
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print(USAGE, file=sys.stderr)
        return 1
    return work(args[0], Path(args[1]))


if __name__ == "__main__":
    status = main()
    if status == 130:
        exit_interrupted(status)  # Manim's encoder threads must not keep an interrupted render alive
    sys.exit(status)
