"""The palette stays legible: for colour-blind viewers, and as text on the dark background."""

from __future__ import annotations

import pytest

from scenes.kit import palette
from scenes.kit.colour import (
    MIN_CONTRAST,
    VISIONS,
    contrast_ratio,
    distance,
    min_distance,
    over,
    readable_on,
    simulate,
)

ROLES = palette.ROLE_COLOURS


# -- the arithmetic, against published values -------------------------------------------


def test_contrast_ratio_matches_wcag_examples():
    # WCAG 2: black on white is 21:1, a colour on itself 1:1; #767676 on white is the
    # lightest grey that passes AA (4.54:1).
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#336699", "#336699") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_greys_look_the_same_to_every_vision():
    # The simulation matrices' rows each sum to one: neutral greys are unchanged.
    for vision in VISIONS:
        assert distance(simulate("#808080", vision), "#808080") < 0.5


def test_red_and_green_collapse_for_protanopia_and_deuteranopia():
    # The reason for this test file: pure red and a green of similar lightness
    # are far apart for normal vision and close for red-green colour blindness.
    normal = distance("#d62728", "#2ca02c")
    for vision in ("protanopia", "deuteranopia"):
        seen = distance(simulate("#d62728", vision), simulate("#2ca02c", vision))
        assert seen < normal / 2


def test_lab_distance_of_black_and_white_is_one_hundred():
    assert distance("#000000", "#ffffff") == pytest.approx(100.0, abs=0.1)


def test_a_fill_over_a_backdrop_is_their_mix():
    assert over("#ffffff", 0.5, "#000000") in ("#7f7f7f", "#808080")
    assert over("#ff0000", 0.0, "#0f1117") == "#0f1117"
    assert over("#ff0000", 1.0, "#0f1117") == "#ff0000"


def test_readable_on_keeps_a_legible_colour_and_replaces_an_illegible_one():
    assert readable_on("#000000", "#ffffff", light="#eeeeee", dark="#111111") == "#ffffff"
    assert readable_on("#ffffff", "#eeeeee", light="#eeeeee", dark="#111111") == "#111111"


# -- the palette ---------------------------------------------------------------------------


@pytest.mark.parametrize("vision", VISIONS)
def test_every_two_roles_and_text_stay_apart_for_every_vision(vision):
    colours = {**ROLES, "TEXT": palette.TEXT}
    closest, first, second = min_distance(colours, vision)
    assert closest >= palette.MIN_ROLE_DISTANCE, f"{first} and {second}: ΔE {closest:.1f} ({vision})"


@pytest.mark.parametrize("vision", VISIONS)
def test_head_tags_are_told_apart_from_every_role(vision):
    head = simulate(palette.HEAD, vision)
    for name, colour in ROLES.items():
        assert distance(head, simulate(colour, vision)) >= palette.MIN_ROLE_DISTANCE, name


def test_heads_never_take_a_role_colour():
    for index in range(8):
        assert palette.head_colour(index) not in ROLES.values()


@pytest.mark.parametrize("name", [*ROLES, "TEXT", "HEAD", "MUTED"])
def test_every_text_colour_reads_on_the_background(name):
    assert contrast_ratio(getattr(palette, name), palette.BACKGROUND) >= MIN_CONTRAST
