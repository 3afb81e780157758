"""Themes: the light palette keeps the dark one's rules, and every topic reads in it.

The light theme is for printed handouts and bright slides. Its text colours
read at 4.5:1 on its paper, its roles stay apart for every vision as the dark
ones do, a scene shows each role in the theme's colour for it (colours on the
way between two roles included), and every topic, built dry in the light
theme, passes the layout and contrast checks.
"""

from __future__ import annotations

import numpy as np
import pytest
from manim import Square, tempconfig

from production.request import RenderRequest
from production.runner import manim_config
from scenes import TOPICS
from scenes.kit import palette
from scenes.kit.attention import legible_opacity
from scenes.kit.colour import MIN_CONTRAST, VISIONS, contrast_ratio, distance, min_distance, over, simulate
from scenes.kit.stage import ThemedCamera
from support.scene_harness import build_dry
from support.teaching import DIGIT_FLOOR

THEMES = list(palette.THEMES.values())


# -- the palettes ---------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_every_text_colour_reads_on_the_theme_s_background(theme):
    for name, colour in theme.text_colours.items():
        ratio = contrast_ratio(colour, theme.background)
        assert ratio >= MIN_CONTRAST, f"{theme.name} {name} {colour}: {ratio:.2f}:1"


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_every_two_roles_and_the_text_stay_apart_in_every_theme(theme, vision):
    closest, first, second = min_distance({**theme.roles, "TEXT": theme.text}, vision)
    assert closest >= palette.MIN_ROLE_DISTANCE, f"{theme.name}: {first} and {second}: ΔE {closest:.1f}"
    head = simulate(theme.head, vision)
    for name, colour in theme.roles.items():
        assert distance(head, simulate(colour, vision)) >= palette.MIN_ROLE_DISTANCE, name


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_weights_and_scores_read_on_their_shading_in_every_theme(theme):
    # The scenes cap the heat shading (and shade masked cells) by the dark colours'
    # contrast; the same opacities must leave the numbers legible in every theme.
    heat = legible_opacity(palette.WEIGHTS, palette.WEIGHTS)
    weights = theme.roles["WEIGHTS"]
    assert contrast_ratio(weights, over(weights, heat, theme.background)) >= MIN_CONTRAST
    masked = over(theme.mask, legible_opacity(palette.MASK, palette.MUTED), theme.background)
    assert contrast_ratio(theme.muted, masked) >= MIN_CONTRAST
    assert contrast_ratio(weights, masked) >= MIN_CONTRAST
    assert contrast_ratio(theme.roles["SCORES"], masked) >= MIN_CONTRAST  # the masking topic's scores


def test_the_dark_theme_is_the_palette_scenes_are_drawn_with():
    assert palette.DARK.background == palette.BACKGROUND and palette.DARK.text == palette.TEXT
    assert palette.DARK.roles == palette.ROLE_COLOURS
    for colour in (palette.QUERY, palette.MASK, "#123456"):
        assert palette.DARK.translate(colour) == colour.lower()


def test_the_light_theme_keeps_each_role_s_hue_family():
    # Query yellow (red and green over blue), key blue, value red: the colours teach the roles.
    def rgb(colour: str) -> tuple[int, int, int]:
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)

    r, g, b = rgb(palette.LIGHT.roles["QUERY"])
    assert min(r, g) > b
    r, g, b = rgb(palette.LIGHT.roles["KEY"])
    assert b > max(r, g)
    r, g, b = rgb(palette.LIGHT.roles["VALUE"])
    assert r > max(g, b)
    assert contrast_ratio(palette.LIGHT.background, "#ffffff") < 1.1  # paper: white, or nearly


def test_light_translates_each_palette_colour_to_its_role_s_light_colour():
    light = palette.LIGHT
    assert light.translate(palette.BACKGROUND) == light.background
    assert light.translate(palette.TEXT.upper()) == light.text
    assert light.translate(palette.QUERY) == light.roles["QUERY"]
    assert light.translate(palette.VALUE) == light.roles["VALUE"]
    assert light.translate(palette.HIGHLIGHT) == light.highlight
    assert light.translate("#123456") == "#123456"  # not the palette's, nor between two of its colours


def test_a_colour_between_two_roles_is_shown_between_their_light_colours():
    # Half way from TEXT #e8e6e3 to HIGHLIGHT #ffffff (an Indicate, a colour animation):
    # #f4f3f1 (0.5·e8 + 0.5·ff = f3.5, rounded as the frame stores it). Light shows half way
    # between its text and its highlight, computed here channel by channel.
    light = palette.LIGHT
    text, highlight = light.text, light.highlight
    expected = "#" + "".join(
        f"{round((int(text[i : i + 2], 16) + int(highlight[i : i + 2], 16)) / 2):02x}" for i in (1, 3, 5)
    )
    shown = light.translate("#f4f3f1")
    assert max(abs(int(shown[i : i + 2], 16) - int(expected[i : i + 2], 16)) for i in (1, 3, 5)) <= 1


def test_the_themed_camera_paints_roles_and_background_in_the_theme(tmp_path):
    settings = manim_config(tmp_path, quality="low", output_format="png", progress=False)
    with tempconfig(settings):
        camera = ThemedCamera()
        camera.theme = palette.LIGHT
        camera.background_color = palette.LIGHT.background
        camera.reset()
        square = Square(side_length=2).set_fill(palette.QUERY, opacity=1).set_stroke(width=0)
        camera.capture_mobject(square)
        pixels = camera.pixel_array
    height, width = pixels.shape[:2]

    def hex_at(y: int, x: int) -> str:
        return "#" + "".join(f"{int(v):02x}" for v in pixels[y, x, :3])

    assert hex_at(height // 2, width // 2) == palette.LIGHT.roles["QUERY"]
    assert hex_at(2, 2) == palette.LIGHT.background


def test_a_request_carries_its_theme_to_a_worker_and_into_the_cache_key(tmp_path):
    from attention_math import load_example
    from production.cache import render_key

    dark = RenderRequest(topic="softmax", example="default", media_dir=tmp_path)
    light = RenderRequest(topic="softmax", example="default", media_dir=tmp_path, theme="light")
    assert dark.theme == "dark"
    assert RenderRequest.from_json(light.to_json()) == light
    lesson = load_example("default")
    assert render_key(dark, lesson) != render_key(light, lesson)
    with pytest.raises(ValueError, match="unknown theme 'sepia'; choose from dark, light"):
        RenderRequest(topic="softmax", example="default", media_dir=tmp_path, theme="sepia")


def test_a_scene_refuses_an_unknown_theme(traces):
    from scenes import topic_class

    with pytest.raises(ValueError, match="unknown theme 'sepia'"):
        topic_class("embeddings")(traces("default", "embeddings"), theme="sepia")


# -- every topic in the light theme ------------------------------------------------------


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_topic_reads_in_the_light_theme(topic, traces, scene_media):
    scene, log = build_dry(topic, traces("default", topic), scene_media, theme="light")
    assert scene.theme is palette.LIGHT
    assert log.plays > 0
    for check in ("untraced", "mismatched", "off_frame", "overlaps", "caption_overlaps", "low_contrast"):
        assert getattr(log, check) == [], f"{check}: {getattr(log, check)[:3]}"
    assert log.screen.lowest_contrast >= MIN_CONTRAST, log.screen.lowest_contrast_text
    assert log.screen.smallest_digit >= DIGIT_FLOOR, log.screen.smallest_digit_text
    assert np.allclose(scene.camera.background_color.to_rgb(), [1.0, 1.0, 1.0], atol=0.02)
