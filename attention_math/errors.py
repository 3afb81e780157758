"""The one error type the maths package raises for bad input."""

from __future__ import annotations

__all__ = ["LessonError"]


class LessonError(ValueError):
    """A lesson (file, dict or flags) that cannot be used.

    ``key`` names the offending lesson key (e.g. ``"w_q"`` or ``"claims.q[2]"``),
    or is ``None`` for problems with the file as a whole. ``str(error)`` is a
    single line suitable for printing to a user: ``"<key>: <problem>"``.
    """

    def __init__(self, key: str | None, problem: str) -> None:
        self.key = key
        self.problem = problem
        message = f"{key}: {problem}" if key else problem
        # One line whatever a file holds (a key with a line break in it, say).
        super().__init__(" ".join(message.splitlines()))
