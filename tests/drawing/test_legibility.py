"""Legibility: the checks find text on fills, the kit's fills keep text legible, digits stay at the floor."""

from __future__ import annotations

import pytest
from manim import RIGHT, Rectangle, Text

from scenes.kit import palette
from scenes.kit.attention import legible_opacity
from scenes.kit.colour import MIN_CONTRAST, contrast_ratio, over
from scenes.kit.widgets import NumberFactory, digit_height
from support.layout import low_contrast, text_contrasts
from support.teaching import DIGIT_FLOOR


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


# -- digits at the floor on the largest lesson; tokens that read -----------------------


def _story_digit(topic: str, source: str, traces, scene_media) -> tuple[float, str, list[str]]:
    """The smallest digit of the story (the title card left out), its text, and the layout problems.

    The title card is the stage's, shared by every topic (its description is
    measured by the teaching report); this measures what the topic draws.
    """
    import support.teaching as teaching
    from support.scene_harness import build_dry

    measure = teaching._digit_height

    def story_only(text):
        return None if getattr(text, "trace_path", "") in ("title", "description") else measure(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(teaching, "_digit_height", story_only)
        _, log = build_dry(topic, traces(source, topic), scene_media)
    problems = log.off_frame + log.overlaps + log.caption_overlaps + log.untraced + log.mismatched
    return log.screen.smallest_digit, log.screen.smallest_digit_text, problems


@pytest.mark.parametrize("topic", ["projection", "masking", "scores", "softmax", "overview", "multihead"])
def test_the_largest_lesson_draws_no_digit_below_twelve_pixels(topic, traces, scene_media):
    # 6 tokens, d_model 8: drawn whole, projection's digits were 6 px high at 480p; masking's 11.6 px.
    smallest, text, problems = _story_digit(topic, "lessons/largest.toml", traces, scene_media)
    assert smallest >= DIGIT_FLOOR, f"{text!r} is {smallest * 60:.1f} px high at 480p"
    assert problems == []


def test_projection_of_the_largest_lesson_elides_rather_than_shrinks(traces, scene_media):
    from support.scene_harness import build_dry

    scene, _ = build_dry("projection", traces("lessons/largest.toml", "projection"), scene_media)
    drawn = {entry.path for entry in scene.numbers.registry}
    # The entry worked in full is drawn with all eight of its terms ...
    assert {f"q_terms[0][0][{m}]" for m in range(8)} <= drawn
    # ... but not all 48 entries of X: the rest are elided, and not listed as drawn.
    assert 0 < len({p for p in drawn if p.startswith("x[")}) < 48


def test_the_token_i_is_not_a_bare_bar(traces):
    # "I love coding": in DejaVu Sans its capital I is a stroke about a seventh as wide as it is high.
    numbers = NumberFactory(traces("i-love-coding"))
    token = numbers.token(0)
    assert token.text == "I"
    assert token.width >= 0.4 * token.height  # serifs: the number font's I


def test_a_description_too_wide_is_wrapped_not_shrunk(traces):
    from support.layout import mismatched_numbers

    trace = traces("lessons/largest.toml")  # its description says "6 tokens, d_model 8, 2 heads"
    numbers = NumberFactory(trace)
    whole = numbers.number("description", font_size=22)
    wrapped = numbers.number("description", font_size=22, max_width=whole.width / 2)
    assert wrapped.width <= whole.width / 2
    assert wrapped.height > 1.8 * whole.height  # two lines or more
    assert digit_height(wrapped) == pytest.approx(digit_height(whole))
    assert mismatched_numbers([wrapped], trace, numbers.decimals) == []
