"""Frame shapes: 16:9, 4:3 for classroom projectors and 9:16 for phones.

Each shape keeps the quality's short side (480 pixels at low quality) and 8
scene units across it, so a digit is as many pixels high in every shape; every
topic, built dry in 4:3 and in 9:16 for every built-in example, passes the layout checks: nothing off the
frame or overlapping, no caption over content, digits at the legible floor,
the title at the top and the caption at the bottom.
"""

from __future__ import annotations

import pytest
from manim import MathTypst, Square, VGroup, config

from attention_math import example_names
from production.request import RenderRequest
from production.runner import manim_config
from production.settings import ASPECTS, DEFAULT_ASPECT, frame_settings
from scenes import TOPICS
from scenes.kit.colour import MIN_CONTRAST
from scenes.kit.stage import EDGE
from scenes.kit.widgets import NumberFactory, TracedText, digit_height, first_legible, wrap_below
from support.layout import Box
from support.scene_harness import build_dry
from support.teaching import DIGIT_FLOOR

# Width x height in pixels, by hand: the short side is the quality's height (480,
# 720, 1080, 2160); the long side that times 16/9 or 4/3, rounded to an even number.
PIXELS = {
    ("16:9", "low"): (854, 480),
    ("16:9", "high"): (1920, 1080),
    ("4:3", "low"): (640, 480),
    ("4:3", "medium"): (960, 720),
    ("4:3", "4k"): (2880, 2160),
    ("9:16", "low"): (480, 854),
    ("9:16", "medium"): (720, 1280),
    ("9:16", "high"): (1080, 1920),
}


@pytest.mark.parametrize(("shape", "quality"), list(PIXELS))
def test_each_shape_has_its_pixels_at_each_quality(shape, quality):
    settings = frame_settings(quality, shape)
    assert (settings["pixel_width"], settings["pixel_height"]) == PIXELS[shape, quality]


@pytest.mark.parametrize(
    ("shape", "units"), [("16:9", (128 / 9, 8.0)), ("4:3", (32 / 3, 8.0)), ("9:16", (8.0, 128 / 9))]
)
def test_the_short_side_is_eight_units_in_every_shape(shape, units):
    settings = frame_settings("low", shape)
    assert (settings["frame_width"], settings["frame_height"]) == pytest.approx(units)


def test_sixteen_by_nine_is_the_default_and_manim_s_own_frame(tmp_path):
    assert DEFAULT_ASPECT == "16:9" and list(ASPECTS) == ["16:9", "4:3", "9:16"]
    from manim import tempconfig

    plain = manim_config(tmp_path, quality="medium", output_format="mp4", progress=False)
    with tempconfig(plain):
        assert (config.pixel_width, config.pixel_height) == (1280, 720)
        assert config.frame_height == pytest.approx(8.0)
        assert config.frame_width == pytest.approx(128 / 9)
    with tempconfig(
        manim_config(tmp_path, quality="low", output_format="mp4", progress=False, aspect="9:16")
    ):
        assert (config.pixel_width, config.pixel_height) == (480, 854)
        assert (config.frame_width, config.frame_height) == pytest.approx((8.0, 128 / 9))


def test_an_unknown_shape_is_refused_in_one_line(tmp_path):
    with pytest.raises(ValueError, match=r"unknown aspect '3:2'; choose from 16:9, 4:3, 9:16"):
        frame_settings("low", "3:2")
    with pytest.raises(ValueError, match=r"unknown aspect '3:2'"):
        RenderRequest(topic="softmax", example="default", media_dir=tmp_path, aspect="3:2")


def test_a_request_carries_its_shape_to_a_worker_and_into_the_cache_key(tmp_path):
    from attention_math import load_example
    from production.cache import render_key

    wide = RenderRequest(topic="softmax", example="default", media_dir=tmp_path)
    tall = RenderRequest(topic="softmax", example="default", media_dir=tmp_path, aspect="9:16")
    assert RenderRequest.from_json(tall.to_json()) == tall
    lesson = load_example("default")
    assert render_key(wide, lesson) != render_key(tall, lesson)


# Every topic x built-in example, in each shape other than 16:9 (which tests/drawing/test_topics.py builds).
SHAPED = [
    pytest.param(topic, example, shape, id=f"{topic}-{example}-{shape}")
    for shape in ("4:3", "9:16")
    for example in example_names()
    for topic in TOPICS
]


@pytest.mark.parametrize(("topic", "example", "shape"), SHAPED)
def test_every_topic_fits_every_shape(topic, example, shape, traces, scene_media):
    scene, log = build_dry(topic, traces(example, topic), scene_media, aspect=shape)
    width, height = frame_settings("low", shape)["frame_width"], frame_settings("low", shape)["frame_height"]
    # The camera keeps the frame's width and takes its height from the pixels (854 / 480, not 16 / 9).
    assert (scene.frame_width, scene.frame_height) == pytest.approx((width, height), rel=2e-3)
    assert log.plays > 0
    for check in ("untraced", "mismatched", "off_frame", "overlaps", "caption_overlaps", "low_contrast"):
        assert getattr(log, check) == [], f"{check}: {getattr(log, check)[:3]}"
    assert log.screen.smallest_digit >= DIGIT_FLOOR, log.screen.smallest_digit_text
    assert log.screen.lowest_contrast >= MIN_CONTRAST, log.screen.lowest_contrast_text
    # The end card's caption sits at the bottom of this frame, not of a 16:9 one.
    caption = scene._caption
    assert caption is not None
    assert Box.of(caption).bottom == pytest.approx(-float(height) / 2 + EDGE, abs=0.05)
    assert Box.of(caption).top <= scene.caption_top + 1e-6


@pytest.mark.parametrize("topic", ["softmax", "scores", "single_query"])
def test_the_head_tag_stands_clear_of_the_title_in_a_narrow_frame(topic, traces, scene_media):
    # The layout checks compare texts only; the title is a formula. Upright, a centred
    # title fitted to the frame's width ran under the tag in the top-right corner.
    scene, _ = build_dry(topic, traces("default", topic), scene_media, aspect="9:16")
    tag = scene.head_mark
    assert tag is not None and tag in scene.mobjects  # the default lesson has two heads: the first is named
    formulas = [mob for mob in scene.mobjects if isinstance(mob, MathTypst)]
    assert formulas  # the title, at least
    assert not any(Box.of(mob).intersects(Box.of(tag)) for mob in formulas)


def test_a_row_wraps_below_itself_for_a_narrow_frame():
    # Four unit squares at x = 0, 2, 4, 6; "a b" stay, "c d" go under them, c under b.
    a, b, c, d = (Square(side_length=1).move_to((x, 0, 0)) for x in (0, 2, 4, 6))
    moved = wrap_below(VGroup(a, b, c, d), (a, b), under=b, moved=c, buff=0.5)
    assert list(moved) == [c, d]
    # By hand: c's top (0.5) goes 0.5 under the first line's bottom (-0.5), so down 1.5; left 2.
    assert tuple(c.get_center()) == pytest.approx((2.0, -1.5, 0.0))
    assert tuple(d.get_center()) == pytest.approx((4.0, -1.5, 0.0))
    assert tuple(a.get_center()) == pytest.approx((0.0, 0.0, 0.0))


def test_the_first_layout_that_keeps_the_digit_floor_is_taken(traces):
    # Each "layout" is one of the default lesson's one-digit numbers (d_k "2", head indices
    # "0" and "1"), drawn with its digit this high: by hand, a one-glyph text is as high as its
    # glyph. Floor 0.2: 0.1 is under it, 0.3 the first at it.
    numbers = NumberFactory(traces("default"))
    paths = {0.1: "d_k", 0.3: "heads[0].index", 0.5: "heads[1].index", 0.15: "heads[0].index"}
    built: list[float] = []

    def build(height: float) -> TracedText:
        built.append(height)
        return numbers.number(paths[height]).scale_to_fit_height(height)

    option, mob = first_legible(build, (0.1, 0.3, 0.5), floor=0.2, numbers=numbers)
    assert (option, built) == (0.3, [0.1, 0.3])
    assert digit_height(mob) == pytest.approx(0.3)
    # The layout not kept is forgotten: only the kept one's number is in the manifest.
    assert [entry.path for entry in numbers.registry] == ["heads[0].index"]
    # None at the floor: the one with the largest digits, built again.
    built.clear()
    option, mob = first_legible(build, (0.1, 0.15), floor=0.2, numbers=numbers)
    assert (option, built) == (0.15, [0.1, 0.15, 0.15])
    assert digit_height(mob) == pytest.approx(0.15)
    assert [entry.path for entry in numbers.registry] == ["heads[0].index"]
    with pytest.raises(ValueError, match="at least one layout"):
        first_legible(build, ())
