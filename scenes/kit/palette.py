"""The one colour palette: each role of the pipeline has one colour everywhere.

Scenes and widgets name roles (``QUERY``, ``KEY`` ...) and never colour literals,
so a query is the same yellow in a matrix, an arrow and a formula symbol.
"""

from __future__ import annotations

__all__ = [
    "BACKGROUND",
    "CONTEXT",
    "EMBEDDING",
    "HEAD",
    "HEADS",
    "HIGHLIGHT",
    "KEY",
    "MASK",
    "MIN_ROLE_DISTANCE",
    "MUTED",
    "OUTPUT",
    "POSITIONAL",
    "QUERY",
    "ROLES",
    "ROLE_COLOURS",
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

# The roles' colours: chosen so that every two of them, and each against TEXT,
# stay at least MIN_ROLE_DISTANCE apart (CIE ΔE*ab) for normal vision and as
# seen with protanopia and deuteranopia (tests/drawing/test_palette.py
# simulates both), and each reads on BACKGROUND at 4.5:1 or more.
EMBEDDING = "#7bc6e2"  # light blue
POSITIONAL = "#a977a6"  # plum
WEIGHT_MATRIX = "#888483"  # grey: learned weights, the same for every token
QUERY = "#f0da7c"  # yellow: what a token looks for
KEY = "#23bffe"  # blue: what a token offers
VALUE = "#e43e53"  # red: what a token gives
SCORES = "#78dd91"  # green
WEIGHTS = "#76bfb6"  # teal
CONTEXT = "#e88845"  # orange
OUTPUT = "#b37bce"  # violet
MASK = "#4a4e57"  # dark grey shading of hidden cells
#: The smallest colour difference between two roles (or a role and TEXT), any vision.
#: Every role colour by its name, for the checks that keep them apart.
ROLE_COLOURS = {
    "EMBEDDING": EMBEDDING,
    "POSITIONAL": POSITIONAL,
    "WEIGHT_MATRIX": WEIGHT_MATRIX,
    "QUERY": QUERY,
    "KEY": KEY,
    "VALUE": VALUE,
    "SCORES": SCORES,
    "WEIGHTS": WEIGHTS,
    "CONTEXT": CONTEXT,
    "OUTPUT": OUTPUT,
}
MIN_ROLE_DISTANCE = 15.0

#: Heads are told apart by their tags ("head 2", read from the trace) and frames,
#: never by a role's colour: every head's tag and frame is this neutral white.
HEAD = "#ffffff"
HEADS = (HEAD,)


def head_colour(index: int) -> str:
    """Colour of head ``index``'s tag and frame: the same neutral for every head (see :data:`HEAD`)."""
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
