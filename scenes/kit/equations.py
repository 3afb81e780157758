"""Every equation a scene draws, recorded with the trace paths of its operands and result.

(Stub: filled in by the honest-arithmetic work of issue 10.)
"""

from __future__ import annotations

__all__ = ["EquationLog"]


class EquationLog:
    """The equations drawn so far, in the order drawn."""

    def __init__(self) -> None:
        self.entries: list[object] = []
