"""The legibility checks find what they should: text on fills, and the kit's fills keep text legible."""

from __future__ import annotations

import pytest
from manim import RIGHT, Rectangle, Text

from scenes.kit import palette
from scenes.kit.attention import legible_opacity
from scenes.kit.colour import MIN_CONTRAST, contrast_ratio, over
from support.layout import low_contrast, text_contrasts


def _cell(text_colour: str, fill: str, opacity: float) -> list:
    tile = Rectangle(width=1.0, height=0.6, fill_color=fill, fill_opacity=opacity, stroke_width=0)
    tile.set_z_index(-1)
    return [tile, Text("0.73", color=text_colour, font_size=26)]


def test_text_on_the_bare_background_is_measured_against_it():
    [(_, ratio, _)] = text_contrasts([Text("0.5", color=palette.TEXT)])
    assert ratio == pytest.approx(contrast_ratio(palette.TEXT, palette.BACKGROUND), abs=0.05)


def test_teal_text_on_a_strong_teal_tile_is_refused():
    # The old weight grid's problem: a number in its tile's colour on a strong tile.
    problems = low_contrast(_cell(palette.WEIGHTS, palette.WEIGHTS, 0.75))
    assert len(problems) == 1 and "0.73" in problems[0]


def test_dark_text_on_a_strong_tile_passes():
    assert low_contrast(_cell(palette.BACKGROUND, palette.WEIGHTS, 0.75)) == []


def test_a_fill_beside_the_text_does_not_count():
    tile, text = _cell(palette.WEIGHTS, palette.WEIGHTS, 0.9)
    tile.shift(RIGHT * 2)
    assert low_contrast([tile, text]) == []


@pytest.mark.parametrize("role", ["WEIGHTS", "SCORES", "QUERY", "KEY", "VALUE", "CONTEXT"])
def test_heat_shading_is_capped_where_its_own_colour_still_reads(role):
    colour = getattr(palette, role)
    limit = legible_opacity(colour, colour)
    assert contrast_ratio(colour, over(colour, limit, palette.BACKGROUND)) >= MIN_CONTRAST
    if limit < 1.0:
        assert contrast_ratio(colour, over(colour, limit + 0.02, palette.BACKGROUND)) < MIN_CONTRAST
