"""Ctrl-C and ``kill`` stop a render cleanly, every time.

A render cleans up after itself in ``finally`` blocks (its work folder goes),
which two things defeat:

* SIGTERM (``kill``, a CI timeout) and SIGHUP (a closed terminal) end Python
  without running ``finally`` at all. :func:`stop_cleanly_on_signals` makes
  them raise ``KeyboardInterrupt``, like Ctrl-C.
* Python raises ``KeyboardInterrupt`` in whatever code is running when the
  signal comes, and Manim runs many weak-reference callbacks and ``__del__``
  methods, where Python drops exceptions ("Exception ignored in ..."): the
  interrupt is lost and the render goes on to the end. Measured here: one
  Ctrl-C in twelve sent in the first 0.3 s of a render was lost (none of ten
  sent later). The hook installed here sees such a lost interrupt and raises
  it again a moment later, in ordinary code.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, NoReturn

__all__ = ["RETRY_SECONDS", "exit_interrupted", "stop_cleanly_on_signals", "stop_with_parent"]

#: How soon a lost interrupt is raised again.
RETRY_SECONDS = 0.01

_previous_hook = sys.unraisablehook


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _unraisable(info: Any) -> None:
    if info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt):
        # Dropped where Python ignores exceptions: deliver it again (SIGALRM -> _interrupt).
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    _previous_hook(info)


def exit_interrupted(status: int = 130) -> NoReturn:
    """End the process now, after an interrupt whose clean-up has run (``finally`` blocks, messages).

    An interrupt that lands while Manim encodes an animation leaves its encoder
    thread (not a daemon) waiting for frames that never come, and Python's
    normal exit waits for that thread forever: seen here as renders stopped by
    SIGINT or SIGTERM that never ended. Nothing is left to write, so the process
    flushes its output and leaves without waiting for threads.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone: nothing more to say
            pass
    os._exit(status)


def stop_cleanly_on_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise ``KeyboardInterrupt``, never lost (main thread only).

    A signal this process was started ignoring stays ignored: ``nohup`` (SIGHUP)
    and a shell's background jobs (SIGINT) keep their meaning.
    """
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _interrupt)
    signal.signal(signal.SIGALRM, _interrupt)
    sys.unraisablehook = _unraisable


def stop_with_parent() -> None:
    """Be sent SIGTERM when the parent process dies (Linux), so a worker stops with its batch.

    A batch killed outright (``kill -9``) cannot stop its workers; without this
    they would go on rendering and publish files nobody asked for any more.
    With :func:`stop_cleanly_on_signals` the SIGTERM stops the render cleanly.
    Elsewhere than Linux this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
