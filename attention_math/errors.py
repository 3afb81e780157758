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
        super().__init__(f"{key}: {problem}" if key else problem)
