"""Before a render: is every system piece Manim needs here?

A render that starts without Cairo, Pango, the Typst wheel, PyAV or the fonts
the scenes name fails late (a traceback from deep inside Manim) or, for a
missing font, not at all: Pango quietly draws another font, so numbers change
width and the layout checks no longer hold. :func:`missing_pieces` finds all
of them at once, before anything is drawn, each as one line saying what to
install. It imports no Manim, so it is quick, and works when Manim cannot load.
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterable

__all__ = ["FONTS", "SETUP", "installed_fonts", "missing_glyphs", "missing_pieces", "uncovered_characters"]

#: The fonts the scenes draw with (``scenes.kit.widgets.NUMBER_FONT`` and ``LABEL_FONT``;
#: a test keeps the two in step). Named here so the check does not import Manim.
FONTS = ("DejaVu Sans Mono", "DejaVu Sans")

#: Installs every piece below on Debian (idempotent).
SETUP = "bash scripts/setup.sh"

# module -> (what it is, what to install when it cannot be imported)
_MODULES = {
    "cairo": ("Cairo (drawing)", "apt-get install libcairo2-dev, then pip install pycairo"),
    "manimpango": ("Pango (text)", "apt-get install libpango1.0-dev, then pip install manimpango"),
    "typst": ("the typst wheel (formulas)", "pip install 'manim[typst]'"),
    "av": ("PyAV (video files)", "pip install av"),
}


def installed_fonts() -> set[str]:
    """The font families Pango can draw with (the query :func:`missing_pieces` makes)."""
    import manimpango  # type: ignore[import-untyped]  # ManimPango ships no type hints

    return set(manimpango.list_fonts())


def uncovered_characters(words: Iterable[str]) -> list[str]:
    """The characters of ``words`` that no installed font has a glyph for (asked of fontconfig).

    Pango would draw each as an empty box. Letters of DejaVu's range are not
    asked about; spaces and joiners have no glyph of their own.
    """
    import shutil
    import subprocess

    wanted = sorted({ch for word in words for ch in word if ord(ch) > 0x24F and not ch.isspace()})
    wanted = [ch for ch in wanted if unicodedata.category(ch) not in ("Cf", "Mn", "Me", "Zs")]
    if not wanted or shutil.which("fc-list") is None:
        return []
    missing = []
    for ch in wanted:
        found = subprocess.run(
            ["fc-list", f":charset={ord(ch):x}", "family"], capture_output=True, text=True, check=False
        )
        if not found.stdout.strip():
            missing.append(ch)
    return missing


def missing_glyphs(words: Iterable[str]) -> str | None:
    """One line naming the characters of ``words`` no installed font draws, or None."""
    missing = uncovered_characters(words)
    if not missing:
        return None
    shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing[:5]) + (" ..." if len(missing) > 5 else "")
    return (
        f"no installed font draws {shown}: the video would show empty boxes; "
        "apt-get install fonts-noto-core fonts-noto-cjk fonts-symbola, or another font that has them "
        f"(or: {SETUP})"
    )


def missing_pieces() -> list[str]:
    """What this machine lacks to render, one line each, saying what to install.

    Returns an empty list when everything is there. Each line names the piece
    and the command that installs it, e.g. ``"font 'DejaVu Sans' is not
    installed (the scenes draw with it): apt-get install fonts-dejavu-core
    (or: bash scripts/setup.sh)"``.
    """
    problems = []
    loaded = set()
    for module, (piece, install) in _MODULES.items():
        try:
            importlib.import_module(module)
        except ImportError as error:
            reason = " ".join(str(error).split())
            problems.append(f"{piece} cannot be loaded ({reason}): {install} (or: {SETUP})")
        else:
            loaded.add(module)
    if "manimpango" in loaded:  # the font query goes through Pango
        fonts = installed_fonts()
        for font in FONTS:
            if font not in fonts:
                problems.append(
                    f"font '{font}' is not installed (the scenes draw with it): "
                    f"apt-get install fonts-dejavu-core (or: {SETUP})"
                )
    return problems
