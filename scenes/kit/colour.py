"""Colour arithmetic for legibility: contrast ratios and colour-vision deficiency.

- :func:`contrast_ratio`: WCAG 2's contrast between two colours (1 to 21);
  text on a filled cell must reach :data:`MIN_CONTRAST` (4.5:1, level AA).
- :func:`over`: a fill of some opacity over a backdrop, as the viewer sees it.
- :func:`readable_on`: the text colour to draw on such a fill, keeping the
  preferred one when it is legible.
- :func:`simulate`: a colour as a viewer with protanopia or deuteranopia sees
  it (Machado, Oliveira and Fernandes 2009, severity 1, in linear RGB), and
  :func:`distance`: the CIE 1976 colour difference ΔE*ab between two colours.
- :func:`translate`: a colour through a table of colours to their counterparts
  (one theme's palette to another's), colours between two of them included.

Colours are ``#rrggbb`` strings, as in :mod:`.palette`. Pure arithmetic: no Manim.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from itertools import combinations
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "MIN_CONTRAST",
    "VISIONS",
    "Vision",
    "contrast_ratio",
    "distance",
    "min_distance",
    "over",
    "readable_on",
    "simulate",
    "translate",
]

#: WCAG 2 level AA for normal text.
MIN_CONTRAST = 4.5

Vision = Literal["normal", "protanopia", "deuteranopia"]
VISIONS: tuple[Vision, ...] = ("normal", "protanopia", "deuteranopia")

_Vector = npt.NDArray[np.float64]

# Machado et al. (2009), severity 1.0; act on linear RGB.
_SIMULATION: dict[Vision, _Vector] = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}
# sRGB (D65) to XYZ, and the D65 white point.
_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _rgb(colour: str) -> _Vector:
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"expected a colour as #rrggbb, got {colour!r}")
    return np.array([int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def _hex(rgb: _Vector) -> str:
    r, g, b = (round(float(v) * 255) for v in np.clip(rgb, 0.0, 1.0))
    return f"#{r:02x}{g:02x}{b:02x}"


def _linear(rgb: _Vector) -> _Vector:
    result: _Vector = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return result


def _gamma(linear: _Vector) -> _Vector:
    clipped = np.clip(linear, 0.0, 1.0)
    result: _Vector = np.where(clipped <= 0.0031308, 12.92 * clipped, 1.055 * clipped ** (1 / 2.4) - 0.055)
    return result


def _luminance(colour: str) -> float:
    r, g, b = _linear(_rgb(colour))
    return float(0.2126 * r + 0.7152 * g + 0.0722 * b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio between two colours: 1 (the same) to 21 (black on white)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def over(fill: str, opacity: float, backdrop: str) -> str:
    """The colour seen where ``fill`` at ``opacity`` covers ``backdrop`` (blended as Cairo does, in sRGB)."""
    alpha = float(np.clip(opacity, 0.0, 1.0))
    return _hex(alpha * _rgb(fill) + (1 - alpha) * _rgb(backdrop))


def readable_on(background: str, preferred: str, *, light: str, dark: str) -> str:
    """``preferred`` if it reaches :data:`MIN_CONTRAST` on ``background``; else whichever of
    ``light`` and ``dark`` contrasts more with it."""
    if contrast_ratio(preferred, background) >= MIN_CONTRAST:
        return preferred
    return max((light, dark), key=lambda colour: contrast_ratio(colour, background))


def simulate(colour: str, vision: Vision) -> str:
    """``colour`` as a viewer with ``vision`` sees it."""
    return _hex(_gamma(_SIMULATION[vision] @ _linear(_rgb(colour))))


def _lab(colour: str) -> _Vector:
    xyz = _TO_XYZ @ _linear(_rgb(colour)) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distance(first: str, second: str) -> float:
    """The CIE 1976 colour difference ΔE*ab: about 2.3 is just noticeable, 10 or more another colour."""
    return float(np.linalg.norm(_lab(first) - _lab(second)))


def min_distance(colours: dict[str, str], vision: Vision) -> tuple[float, str, str]:
    """The closest pair of ``colours`` (name -> colour) as seen with ``vision``: (ΔE, name, name)."""
    seen = {name: simulate(colour, vision) for name, colour in colours.items()}
    return min(
        ((distance(seen[a], seen[b]), a, b) for a, b in combinations(seen, 2)),
        default=(float("inf"), "", ""),
    )


# How far (in 0..1 sRGB per channel) a colour may be from a table entry, or from
# the line between two entries, and still count as it: a little over the rounding
# to 8 bits that Manim's colours go through.
_NEAR = 1.5 / 255


def translate(colour: str, table: Mapping[str, str]) -> str:
    """``colour`` through ``table`` (lower-case ``#rrggbb`` -> ``#rrggbb``).

    A colour in the table becomes its entry; a colour between two entries
    (``a + t·(b − a)``, as Manim interpolates colours during an animation)
    becomes the same point between their counterparts; any other colour is
    returned as it is (lower-case).
    """
    return _translate(colour.lower(), tuple(table.items()))


@lru_cache(maxsize=4096)
def _translate(colour: str, table: tuple[tuple[str, str], ...]) -> str:
    mapping = dict(table)
    if colour in mapping:
        return mapping[colour]
    rgb = _rgb(colour)
    sources = [(_rgb(a), _rgb(b)) for a, b in table]
    for source, target in sources:
        if np.max(np.abs(rgb - source)) <= _NEAR:
            return _hex(target)
    best: tuple[float, str] | None = None
    for (a, a_to), (b, b_to) in combinations(sources, 2):
        direction = b - a
        length = float(direction @ direction)
        if length == 0.0:
            continue
        t = float(np.clip((rgb - a) @ direction / length, 0.0, 1.0))
        miss = float(np.max(np.abs(a + t * direction - rgb)))
        if miss <= _NEAR and (best is None or miss < best[0]):
            best = (miss, _hex(a_to + t * (b_to - a_to)))
    return best[1] if best is not None else colour
