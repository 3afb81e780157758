"""Build a topic scene without writing video, checking the screen after every animation."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from manim import tempconfig

from production.runner import manim_config
from scenes import topic_class
from scenes.kit import palette
from scenes.kit.stage import TopicScene
from support.layout import (
    caption_overlaps,
    low_contrast,
    mismatched_numbers,
    off_frame,
    overlaps,
    text_contrasts,
    untraced_numbers,
)
from support.teaching import ScreenMeasures


@dataclass
class ScreenLog:
    """What the checks found after each animation (empty lists: all good)."""

    plays: int = 0
    untraced: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    off_frame: list[str] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)
    caption_overlaps: list[str] = field(default_factory=list)
    low_contrast: list[str] = field(default_factory=list)
    #: The smallest digit and the lowest contrast seen (see support.teaching).
    screen: ScreenMeasures = field(default_factory=ScreenMeasures)


def _install_shape_store() -> None:
    """Keep built shapes on disk as the runner does, when production has a store (else in memory)."""
    if importlib.util.find_spec("production.shape_store") is None:
        return
    importlib.import_module("production.shape_store").install_shape_store()


def build_dry(
    topic: str, trace: object, media_dir: Path, *, theme: str = "dark", aspect: str = "16:9"
) -> tuple[TopicScene, ScreenLog]:
    """Run the scene's construct with Manim's dry_run; check the screen after every play.

    ``theme`` is the look it is shown in (contrast is measured in its colours),
    ``aspect`` the frame's shape (``16:9``, ``4:3``, ``9:16``).
    """
    shown = palette.THEMES[theme]
    _install_shape_store()
    log = ScreenLog()
    cls = topic_class(topic)

    class Checked(cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            # Jump each animation to its end state: the checks look at the
            # screen after every animation, so in-between frames are not needed.
            self.renderer._original_skipping_status = True
            self.renderer.skip_animations = True

        def play(self, *args: object, **kwargs: object) -> None:
            super().play(*args, **kwargs)
            if self._waiting:
                # A wait shows the picture the animation before it left (no scene uses
                # updaters, so nothing moves during a wait): it was checked then.
                return
            log.plays += 1
            where = f"after animation {log.plays} ({self.steps[-1] if self.steps else 'start'})"
            log.untraced += [f"{where}: {p}" for p in untraced_numbers(self.mobjects)]
            log.mismatched += [
                f"{where}: {p}" for p in mismatched_numbers(self.mobjects, self.trace, self.numbers.decimals)
            ]
            log.off_frame += [f"{where}: {p}" for p in off_frame(self.mobjects)]
            log.overlaps += [f"{where}: {p}" for p in overlaps(self.mobjects)]
            log.caption_overlaps += [f"{where}: {p}" for p in caption_overlaps(self.mobjects, self._caption)]
            contrasts = text_contrasts(self.mobjects, theme=shown)  # once per picture, for both measures
            log.low_contrast += [f"{where}: {p}" for p in low_contrast(self.mobjects, contrasts=contrasts)]
            log.screen.look(self.mobjects, contrasts)

    settings = manim_config(media_dir, quality="low", output_format="mp4", progress=False, aspect=aspect)
    settings["dry_run"] = True
    with tempconfig(settings):
        scene = Checked(trace, theme=theme)
        scene.render()
    return scene, log
