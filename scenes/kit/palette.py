"""The one colour palette: each role of the pipeline has one colour everywhere.

Scenes and widgets name roles (``QUERY``, ``KEY`` ...) and never colour literals,
so a query is the same yellow in a matrix, an arrow and a formula symbol.
"""

from __future__ import annotations

__all__ = [
    "BACKGROUND",
    "CONTEXT",
    "EMBEDDING",
    "HEADS",
    "HIGHLIGHT",
    "KEY",
    "MASK",
    "MUTED",
    "OUTPUT",
    "POSITIONAL",
    "QUERY",
    "ROLES",
    "SCORES",
    "TEXT",
    "VALUE",
    "WEIGHTS",
    "WEIGHT_MATRIX",
    "head_colour",
    "roles",
]

BACKGROUND = "#0f1117"
TEXT = "#e8e6e3"
MUTED = "#8a8f98"
HIGHLIGHT = "#ffffff"

EMBEDDING = "#9fb4c7"
POSITIONAL = "#c89bd9"
WEIGHT_MATRIX = "#b8b8b8"
QUERY = "#f2c14e"  # warm yellow
KEY = "#5fb3f2"  # blue
VALUE = "#e0607e"  # rose
SCORES = "#7fd18b"  # green
WEIGHTS = "#4fd1c5"  # teal
CONTEXT = "#f28f4e"  # orange
OUTPUT = "#d6a2f2"  # lilac
MASK = "#6b6f78"

HEADS = ("#f2c14e", "#5fb3f2", "#e0607e", "#7fd18b", "#f28f4e", "#d6a2f2", "#4fd1c5", "#c89bd9")


def head_colour(index: int) -> str:
    """Colour of head ``index`` (cycles after eight heads)."""
    return HEADS[index % len(HEADS)]


#: The colour of each formula group name: ``{{ Q : q }}`` is a query, ``{{ A : a }}`` weights.
ROLES = {
    "q": QUERY,
    "k": KEY,
    "v": VALUE,
    "s": SCORES,
    "a": WEIGHTS,
    "c": CONTEXT,
    "o": OUTPUT,
    "x": EMBEDDING,
    "m": MASK,
    "w": WEIGHT_MATRIX,
}


def roles(expression: str) -> dict[str, str]:
    """Colours for the groups ``expression`` has: ``{name: ROLES[name]}`` for each ``{{ ... : name }}``.

    A formula may colour only the groups it has, so groups it lacks are left out.
    """
    return {name: colour for name, colour in ROLES.items() if f": {name} }}}}" in expression}
