"""The one colour palette: each role of the pipeline has one colour everywhere.

Scenes and widgets name roles (``QUERY``, ``KEY`` ...) and never colour literals,
so a query is the same yellow in a matrix, an arrow and a formula symbol.

The module's constants are the dark theme's, the colours scenes are drawn with.
A :class:`Theme` gives every role a colour of its own; :data:`THEMES` holds the
``dark`` theme (these constants) and a ``light`` one, for printed handouts and
bright slides, that meets the same rules: every text colour reads at 4.5:1 on
its background, and every two roles (and each role and the text) stay
:data:`MIN_ROLE_DISTANCE` apart for normal vision, protanopia and deuteranopia.
A scene drawn in another theme is drawn with the dark colours and shown through
:meth:`Theme.translate` (see :class:`scenes.kit.stage.ThemedCamera`), so the
colour of a role never depends on state outside the scene.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

__all__ = [
    "BACKGROUND",
    "CONTEXT",
    "DARK",
    "DEFAULT_THEME",
    "EMBEDDING",
    "HEAD",
    "HEADS",
    "HIGHLIGHT",
    "KEY",
    "LIGHT",
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
    "THEMES",
    "VALUE",
    "WEIGHTS",
    "WEIGHT_MATRIX",
    "Theme",
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


@dataclass(frozen=True)
class Theme:
    """The colours of one look: background, text and one colour per role.

    Attributes
    ----------
    name
        ``dark`` or ``light``, as the command line's ``--theme`` says it.
    background, text, muted, highlight, mask, head
        The frame's background, plain text, secondary text (signs, labels),
        emphasis (boxes, the token in focus), the shading of hidden cells and
        heads' tags and frames.
    roles
        Each role's colour by its name in :data:`ROLE_COLOURS`.
    """

    name: str
    background: str
    text: str
    muted: str
    highlight: str
    mask: str
    head: str
    roles: Mapping[str, str] = field(repr=False)

    def __post_init__(self) -> None:
        if set(self.roles) != set(ROLE_COLOURS):
            raise ValueError(f"theme {self.name!r} must colour exactly the roles {', '.join(ROLE_COLOURS)}")

    @property
    def text_colours(self) -> dict[str, str]:
        """Every colour drawn as text, by name: the roles, TEXT, MUTED and HEAD."""
        return {**self.roles, "TEXT": self.text, "MUTED": self.muted, "HEAD": self.head}

    @cached_property
    def from_dark(self) -> dict[str, str]:
        """Each dark-theme colour (lower-case ``#rrggbb``) -> this theme's colour for the same role."""
        pairs = [
            (DARK.background, self.background),
            (DARK.text, self.text),
            (DARK.muted, self.muted),
            (DARK.mask, self.mask),
            (DARK.highlight, self.highlight),
            (DARK.head, self.head),
            *((DARK.roles[name], colour) for name, colour in self.roles.items()),
        ]
        return {dark.lower(): colour.lower() for dark, colour in pairs}

    def translate(self, colour: str) -> str:
        """The colour this theme shows where a scene drew the dark theme's ``colour``.

        A palette colour becomes its role's colour here; a colour on the way
        from one palette colour to another (an animation between them) is the
        same way between their colours here; any other colour is kept.
        """
        from .colour import translate  # colour imports nothing from here; this keeps it so

        return translate(colour, self.from_dark)


#: The dark theme: the module's constants (the colours scenes are drawn with).
DARK = Theme(
    name="dark",
    background=BACKGROUND,
    text=TEXT,
    muted=MUTED,
    highlight=HIGHLIGHT,
    mask=MASK,
    head=HEAD,
    roles=ROLE_COLOURS,
)

#: The light theme: white paper, dark text, and each role a darker shade of its
#: dark-theme hue (the key stays blue, the value red; the query's yellow and the
#: context's orange, darkened to read at 4.5:1 on white, become olive and rust).
#: Chosen by a search that keeps every two roles and the text 17.5 ΔE apart or
#: more in every vision, the weights legible on their own heat shading, and the
#: scores and weights legible on a masked cell, at the opacities the scenes give
#: them (tests/drawing/test_themes.py).
LIGHT = Theme(
    name="light",
    background="#ffffff",
    text="#1d1f24",
    muted="#5b5f67",
    highlight="#000000",
    mask="#d0d3d8",
    head="#000000",
    roles={
        "EMBEDDING": "#007f9e",  # blue
        "POSITIONAL": "#4e00fc",  # purple
        "WEIGHT_MATRIX": "#5e7a7d",  # grey
        "QUERY": "#667d11",  # olive: the dark theme's yellow, darkened
        "KEY": "#077abd",  # blue
        "VALUE": "#d00367",  # red
        "SCORES": "#22622b",  # green
        "WEIGHTS": "#005a43",  # deep teal: reads on its own heat shading
        "CONTEXT": "#840b05",  # rust: the dark theme's orange, darkened
        "OUTPUT": "#383684",  # indigo
    },
)

THEMES: dict[str, Theme] = {theme.name: theme for theme in (DARK, LIGHT)}
DEFAULT_THEME = "dark"
