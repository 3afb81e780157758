"""``render.py``'s command line run in the test's own process (Click's ``CliRunner``)."""

from __future__ import annotations

from click.testing import CliRunner, Result

from render import cli

__all__ = ["run"]


def run(*args: str) -> Result:
    """``python render.py ARGS``, in this process; exceptions propagate (no Click traceback capture)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)
