"""Skipped plays (previews, dry runs, the steps before a part) end on Manim's own picture.

A skipped FadeIn, FadeOut or Create is not begun: the kit puts a stand-in in its
place that leaves what the animation leaves (scenes.kit.stage._AtItsEnd). For
every topic and every built-in example, the last picture of the dry build the
other tests check (the stand-ins in it) is compared pixel for pixel with the
last picture of the same scene skipped by Manim itself (every animation begun
and finished), and their clocks agree. That a skipped scene ends where a drawn
one does is checked on real renders in tests/producing/test_parts.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from manim import Create, FadeIn, FadeOut, LaggedStart, Square, tempconfig

from attention_math import EXAMPLES
from production.runner import manim_config
from scenes import TOPICS, topic_class
from scenes.kit import stage


def _last_picture(scene) -> np.ndarray:
    scene.renderer.update_frame(scene, ignore_skipping=True)
    return np.array(scene.renderer.get_frame())


def _skipped_by_manim(topic, trace, media):
    settings = manim_config(media, quality="low", output_format="mp4", progress=False)
    settings["dry_run"] = True
    with tempconfig(settings):
        scene = topic_class(topic)(trace, skip_animations=True)
        scene.render()
    return scene


@pytest.mark.parametrize("source", list(EXAMPLES))
@pytest.mark.parametrize("topic", list(TOPICS))
def test_a_skipped_build_ends_on_the_picture_of_manims_own_skipping(
    topic, source, built, traces, scene_media, monkeypatch
):
    scene, _log = built(topic, source)
    ours = _last_picture(scene)
    monkeypatch.setattr(stage, "_at_its_end", lambda animation: animation)  # every animation played out
    manims = _skipped_by_manim(topic, traces(source, topic), scene_media)
    assert manims.renderer.time == pytest.approx(scene.renderer.time, abs=1e-9)
    theirs = _last_picture(manims)
    assert ours.shape == theirs.shape
    differing = int((ours != theirs).any(axis=-1).sum())
    assert differing == 0, f"{differing} pixels differ"


def test_only_animations_that_end_as_they_began_are_stood_in_for_and_groups_keep_their_timing():
    shown, gone, drawn, moved = Square(), Square(), Square(), Square()
    group = LaggedStart(FadeIn(shown), Create(drawn), lag_ratio=0.5, run_time=2)
    starts = list(group.anims_with_timings["start"]), list(group.anims_with_timings["end"])
    assert stage._at_its_end(group) is group
    assert all(isinstance(a, stage._AtItsEnd) for a in group.animations)
    assert list(group.anims_with_timings["anim"]) == group.animations
    assert (list(group.anims_with_timings["start"]), list(group.anims_with_timings["end"])) == starts
    out = stage._at_its_end(FadeOut(gone))
    assert isinstance(out, stage._AtItsEnd) and out.remover and not out.introducer
    assert stage._at_its_end(FadeIn(shown)).introducer
    # Ending elsewhere than alpha 1 (there and back) is played out as Manim plays it.
    from manim import there_and_back

    bounce = FadeIn(moved, rate_func=there_and_back)
    assert stage._at_its_end(bounce) is bounce
