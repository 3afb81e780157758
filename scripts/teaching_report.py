"""Report every topic × example against the teaching standard: pace, cards, digits, contrast, colours.

Usage::

    python scripts/teaching_report.py [--topics a,b] [--examples a,b,lessons/largest.toml]
                                      [--theme dark|light] [--aspect 16:9|4:3|9:16]

Builds each scene with Manim's dry run (no video is written), measures what it
really did (tests/support/teaching.py) and prints one row per topic × example:
the fastest caption (words per second of its step; at most 2.5), the shortest
stillness after a step's last animation (at least 1.5 s), the title and end
cards (under 3 s), the smallest digit drawn (at least 12 px at 480p) and the
lowest text contrast (at least 4.5:1); then the palette's smallest colour
difference for normal vision, protanopia and deuteranopia. ``--theme`` measures
contrast (and the palette) in that theme's colours, ``--aspect`` builds the
scenes in that frame shape. Exit status 1 if any measure misses the standard.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from attention_math import compute, example_names, load_example, load_lesson  # noqa: E402
from production.settings import ASPECTS, DEFAULT_ASPECT  # noqa: E402
from scenes import TOPICS, lesson_for  # noqa: E402
from scenes.kit import palette  # noqa: E402
from scenes.kit.stage import HOLD, WORDS_PER_SECOND  # noqa: E402
from support.scene_harness import build_dry  # noqa: E402
from support.teaching import (  # noqa: E402
    CARD_LIMIT,
    DIGIT_FLOOR,
    PIXELS_PER_UNIT_480P,
    TeachingMeasures,
    measure_scene,
    palette_distances,
)

LARGEST = "lessons/largest.toml"


def _row(topic: str, example: str, measures: TeachingMeasures) -> tuple[list[str], list[str]]:
    screen = measures.screen
    misses = []
    if measures.fastest_words_per_second > WORDS_PER_SECOND + 1e-6:
        misses.append("pace")
    if measures.shortest_still < HOLD - 1e-6:
        misses.append("stillness")
    if max(measures.title_card, measures.end_card) >= CARD_LIMIT:
        misses.append("cards")
    if screen.smallest_digit < DIGIT_FLOOR:
        misses.append(f"digit {screen.smallest_digit_text!r}")
    if screen.lowest_contrast < 4.5:
        misses.append(f"contrast {screen.lowest_contrast_text}")
    cells = [
        example,
        topic,
        str(len(measures.timeline)),
        f"{measures.fastest_words_per_second:.2f}",
        f"{measures.shortest_still:.2f}",
        f"{measures.title_card:.1f}/{measures.end_card:.1f}",
        f"{screen.smallest_digit * PIXELS_PER_UNIT_480P:.1f}",
        f"{screen.lowest_contrast:.2f}",
        "ok" if not misses else "MISSES: " + "; ".join(misses),
    ]
    return cells, misses


@click.command(help=__doc__)
@click.option("--topics", default=",".join(TOPICS), show_default=False, help="Comma-separated topics.")
@click.option(
    "--examples",
    default=",".join([*example_names(), LARGEST]),
    help="Comma-separated built-in examples or lesson files (relative to tests/).",
)
@click.option(
    "--theme", type=click.Choice(list(palette.THEMES)), default=palette.DEFAULT_THEME, show_default=True
)
@click.option("--aspect", type=click.Choice(list(ASPECTS)), default=DEFAULT_ASPECT, show_default=True)
def main(topics: str, examples: str, theme: str, aspect: str) -> None:
    header = [
        "example",
        "topic",
        "steps",
        "words/s max",
        "still min s",
        "cards s",
        "digit px min",
        "contrast min",
        "",
    ]
    rows = []
    missed = 0
    with tempfile.TemporaryDirectory(prefix="teaching-report-") as media:
        for example in examples.split(","):
            lesson = (
                load_lesson(ROOT / "tests" / example) if example.endswith(".toml") else load_example(example)
            )
            for topic in topics.split(","):
                trace = compute(lesson_for(topic, lesson))
                scene, log = build_dry(topic, trace, Path(media), theme=theme, aspect=aspect)
                cells, misses = _row(topic, Path(example).stem, measure_scene(scene, log.screen))
                rows.append(cells)
                missed += bool(misses)
                click.echo("  ".join(cells), err=True)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    click.echo()
    shown = palette.THEMES[theme]
    palette_missed = False
    for vision, (delta, first, second) in palette_distances(shown).items():
        verdict = "ok" if delta >= palette.MIN_ROLE_DISTANCE else "MISSES"
        palette_missed = palette_missed or delta < palette.MIN_ROLE_DISTANCE
        click.echo(
            f"palette, {vision}: closest roles {first} and {second}, "
            f"ΔE {delta:.1f} ({verdict}, {theme} theme)"
        )
    click.echo(f"\n{len(rows) - missed} of {len(rows)} topic × example pairs meet the standard")
    sys.exit(1 if missed or palette_missed else 0)


if __name__ == "__main__":
    main()
