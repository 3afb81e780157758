"""Render settings: the one table of qualities and the output format names.

The command line offers these names (and their help), requests carry them, the
cache key includes them and the runner turns a quality name into Manim's
setting here, so a quality is named and described in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_FORMAT",
    "DEFAULT_QUALITY",
    "FORMATS",
    "QUALITIES",
    "STILLS_FOLDER",
    "VIDEO_FORMATS",
    "Quality",
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


def output_folder(media_dir: Path, example: str, *, still: bool = False) -> Path:
    """Where a render of ``example`` writes: ``MEDIA/<example>/``, stills in ``MEDIA/<example>/preview/``."""
    folder = media_dir / example
    return folder / STILLS_FOLDER if still else folder


def quality_help() -> str:
    """``low 480p15, medium 720p30, high 1080p60, 4k 2160p60.``: the qualities in one line."""
    return ", ".join(f"{name} {quality.short}" for name, quality in QUALITIES.items()) + "."
