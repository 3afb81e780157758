"""Which head a one-head topic draws: the first head stands for all of a multi-head lesson.

Topics such as scores, softmax or masking tell one head's story. For a lesson
with several heads they draw the first and say so; this module is the one
place that choice is made.
"""

from __future__ import annotations

from dataclasses import dataclass

from attention_math.trace import HeadTrace, Trace

__all__ = ["FIRST_HEAD", "ShownHead", "first_head"]

FIRST_HEAD = 0


@dataclass(frozen=True)
class ShownHead:
    """The head a topic draws, with its trace paths.

    Attributes
    ----------
    index : int
        Its index in ``trace.heads`` (0-based, as in trace paths).
    count : int
        How many heads the lesson has.
    trace : HeadTrace
        Its intermediates.
    """

    index: int
    count: int
    trace: HeadTrace

    @property
    def several(self) -> bool:
        """Whether the lesson has other heads this one stands for."""
        return self.count > 1

    @property
    def prefix(self) -> str:
        """The path prefix of its fields: ``"heads[0]"``."""
        return f"heads[{self.index}]"

    def path(self, field: str) -> str:
        """The trace path of one of its fields: ``path("weights[2][0]")`` is ``"heads[0].weights[2][0]"``."""
        return f"{self.prefix}.{field}"

    @property
    def number_path(self) -> str:
        """The path of its 1-based number, drawn in its tag ("head 1")."""
        return self.path("number")


def first_head(trace: Trace) -> ShownHead:
    """The head one-head topics draw from ``trace``."""
    return ShownHead(FIRST_HEAD, len(trace.heads), trace.heads[FIRST_HEAD])
