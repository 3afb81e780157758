"""Render settings: the one table of qualities, the frame shapes, the themes and the output formats.

The command line offers these names (and their help), requests carry them, the
cache key includes them and the runner turns a quality name into Manim's
setting here, so a quality is named and described in one place only. A frame
shape (:data:`ASPECTS`: ``16:9``, ``4:3`` for classroom projectors, ``9:16`` for
phones) keeps the quality's short side in pixels and 8 scene units, so text is
as many pixels high in every shape (:func:`frame_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ASPECTS",
    "DEFAULT_ASPECT",
    "DEFAULT_FORMAT",
    "DEFAULT_GIF_FPS",
    "DEFAULT_GIF_WIDTH",
    "DEFAULT_QUALITY",
    "DEFAULT_THEME",
    "FORMATS",
    "QUALITIES",
    "STILLS_FOLDER",
    "THEMES",
    "VIDEO_FORMATS",
    "Aspect",
    "Quality",
    "frame_settings",
    "look_folder",
    "output_folder",
    "quality_help",
]


@dataclass(frozen=True)
class Quality:
    """One render quality: Manim's name for it, the frame it gives and what it is for."""

    manim_key: str  # Manim's ``config.quality`` value
    width: int  # pixels
    height: int
    fps: int
    description: str

    @property
    def short(self) -> str:
        """``480p15``: height and frame rate, as a video player says it."""
        return f"{self.height}p{self.fps}"


#: name -> quality, from the fastest to render to the finest. Manim's own table
#: (``manim.constants.QUALITIES``) gives the same frames; a test keeps them in step.
QUALITIES: dict[str, Quality] = {
    "low": Quality("low_quality", 854, 480, 15, "drafts and tests: quick to render"),
    "medium": Quality("medium_quality", 1280, 720, 30, "the default: sharp on a laptop screen"),
    "high": Quality("high_quality", 1920, 1080, 60, "full HD for a projector or a lecture recording"),
    "4k": Quality("fourk_quality", 3840, 2160, 60, "4K, slow to render"),
}
DEFAULT_QUALITY = "medium"

#: Output formats: a video container, or ``png`` for the last frame only.
FORMATS = ("mp4", "webm", "gif", "png")
VIDEO_FORMATS = ("mp4", "webm", "gif")
DEFAULT_FORMAT = "mp4"

#: Stills (``--preview``, ``--format png``) go in this folder inside the lesson's, so a
#: preview never replaces a video's poster, numbers manifest or lesson page.
STILLS_FOLDER = "preview"


def quality_help() -> str:
    """``low 480p15, medium 720p30, high 1080p60, 4k 2160p60.``: the qualities in one line."""
    return ", ".join(f"{name} {quality.short}" for name, quality in QUALITIES.items()) + "."


@dataclass(frozen=True)
class Aspect:
    """A frame shape: ``across`` by ``down`` (16 by 9), and what it is for."""

    across: int
    down: int
    description: str

    @property
    def name(self) -> str:
        return f"{self.across}:{self.down}"

    def pixels(self, quality: Quality) -> tuple[int, int]:
        """Width and height in pixels at ``quality``: its short side (its height), the long one to scale.

        The long side is rounded to an even number, as H.264's 4:2:0 colour needs.
        """
        short = quality.height
        long = 2 * round(short * max(self.across, self.down) / min(self.across, self.down) / 2)
        return (long, short) if self.across >= self.down else (short, long)

    def frame(self) -> tuple[float, float]:
        """Width and height of the frame in scene units: the short side is 8, as in Manim's default."""
        short = 8.0
        long = short * max(self.across, self.down) / min(self.across, self.down)
        return (long, short) if self.across >= self.down else (short, long)


#: name -> frame shape.
ASPECTS: dict[str, Aspect] = {
    "16:9": Aspect(16, 9, "the default: screens and video sites"),
    "4:3": Aspect(4, 3, "classroom projectors"),
    "9:16": Aspect(9, 16, "phones, upright"),
}
DEFAULT_ASPECT = "16:9"

#: The looks a video can have (colours in scenes.kit.palette.THEMES).
THEMES = ("dark", "light")
DEFAULT_THEME = "dark"

#: A GIF's default width in pixels and frames per second: small enough for a
#: slide or a chat message, smooth enough for the animations.
DEFAULT_GIF_WIDTH = 640
DEFAULT_GIF_FPS = 10


def frame_settings(quality: str, aspect: str) -> dict[str, object]:
    """Manim's frame settings (pixels and scene units) for ``quality`` in the shape ``aspect``.

    Applied after the quality's own (``config.quality``), they replace its frame.
    """
    if aspect not in ASPECTS:
        raise ValueError(f"unknown aspect {aspect!r}; choose from {', '.join(ASPECTS)}")
    shape = ASPECTS[aspect]
    width, height = shape.pixels(QUALITIES[quality])
    frame_width, frame_height = shape.frame()
    return {
        "pixel_width": width,
        "pixel_height": height,
        "frame_height": frame_height,
        "frame_width": frame_width,
    }


def look_folder(theme: str, aspect: str) -> str:
    """The folder of a look other than the default: ``""`` (dark 16:9), ``light``, ``9x16``, ``light-4x3``."""
    parts = [theme] if theme != DEFAULT_THEME else []
    if aspect != DEFAULT_ASPECT:
        parts.append(aspect.replace(":", "x"))
    return "-".join(parts)


def output_folder(
    media_dir: Path,
    example: str,
    *,
    still: bool = False,
    theme: str = DEFAULT_THEME,
    aspect: str = DEFAULT_ASPECT,
) -> Path:
    """Where a render of ``example`` writes.

    ``MEDIA/<example>/`` for the default look; another theme or shape in its
    own folder inside it (``light/``, ``9x16/``, ``light-4x3/``), so a light or
    upright render never replaces the default one; stills in ``preview/``
    inside that.
    """
    folder = media_dir / example
    look = look_folder(theme, aspect)
    if look:
        folder = folder / look
    return folder / STILLS_FOLDER if still else folder
