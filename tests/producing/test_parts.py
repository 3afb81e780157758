"""One video rendered by several processes (production.parts) is the video one process renders.

The split is checked on hand-made timelines; the render for real: the same
topic, narrated, rendered whole and in two parts gives the same decoded
frames, the same audio, poster, numbers manifest, captions, transcript and
per-step clips.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from attention_math import compute, load_example
from production import parts as parts_module
from production.parts import split_steps
from production.runner import render_topic
from production.voice import load_voice
from scenes import lesson_for, topic_class

TOPIC = "embeddings"  # the shortest video: about 20 s, so two parts of more than 8 s


# -- where the steps are cut -------------------------------------------------------


def test_each_part_starts_at_the_step_nearest_its_share_of_the_time():
    costs = [2.0, 3.0, 4.0, 5.0, 6.0, 4.0]  # six steps; before each: 0, 2, 5, 9, 14, 20 of 24
    # Halves: 12 is nearest the 14 before step 5 (2 away; the 9 before step 4 is 3 away).
    assert split_steps(costs, 2) == [(1, 4), (5, 6)]
    # Thirds: 8 is nearest the 9 before step 4; 16 nearest the 14 before step 5 (20 is 4 away).
    assert split_steps(costs, 3) == [(1, 3), (4, 4), (5, 6)]
    assert split_steps(costs, 1) == [(1, 6)]


def test_no_part_is_empty_and_there_are_never_more_parts_than_steps():
    assert split_steps([1.0, 1.0, 1.0], 10) == [(1, 1), (2, 2), (3, 3)]
    # Most of the cost in the first step: each later part still gets a step of its own.
    assert split_steps([29.0, 0.5, 0.3, 0.2], 3) == [(1, 1), (2, 2), (3, 4)]
    with pytest.raises(ValueError, match="without steps"):
        split_steps([], 2)


def test_a_moving_second_costs_more_than_a_still_one():
    from production.parts import STILL_COST, step_costs
    from scenes.kit.stage import StepTiming

    # 10 s of step, 2 of them moving: 2 + 8 still seconds at STILL_COST each.
    assert step_costs([StepTiming("a", 5.0, 7.0, 15.0, moving=2.0)]) == [
        pytest.approx(2.0 + 8.0 * STILL_COST)
    ]
    assert 0 < STILL_COST < 1


@pytest.mark.parametrize("part", [(0, 2), (3, 2), (1,), "1-2", (1.0, 2.0), (True, 2)])
def test_a_scene_refuses_a_part_that_is_not_two_steps_in_order(part):
    trace = compute(lesson_for(TOPIC, load_example("default")))
    with pytest.raises(ValueError, match="part must be"):
        topic_class(TOPIC)(trace, part=part)


# -- the same video ---------------------------------------------------------------


def _frames(path: Path) -> list[bytes]:
    with av.open(str(path)) as video:
        return [frame.to_ndarray(format="rgb24").tobytes() for frame in video.decode(video=0)]


def _sound(path: Path) -> np.ndarray:
    with av.open(str(path)) as video:
        return np.concatenate([frame.to_ndarray().ravel() for frame in video.decode(audio=0)])


@pytest.fixture(scope="module")
def whole_and_parts(tmp_path_factory):
    trace = compute(lesson_for(TOPIC, load_example("default")))
    voice = load_voice()
    results = []
    started = []  # the parts other processes rendered
    real_give = parts_module._Worker.give

    def give(worker, job):
        started.append(job.part)
        return real_give(worker, job)

    for parts in (1, 2):
        media = tmp_path_factory.mktemp(f"parts-{parts}")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(parts_module._Worker, "give", give)
            render_topic(
                TOPIC, trace, example="default", media_dir=media, quality="low", voice=voice, parts=parts
            )
        results.append(media / "default")
    assert len(started) == 1 and started[0][0] > 2, (
        f"the second part was not rendered by another process: {started}"
    )
    return results


@pytest.mark.render
def test_a_video_rendered_in_two_parts_has_the_frames_and_sound_of_one_rendered_whole(whole_and_parts):
    whole, parts = whole_and_parts
    video = f"{TOPIC}.mp4"
    frames = _frames(whole / video)
    assert len(frames) > 100
    assert _frames(parts / video) == frames
    assert np.array_equal(_sound(parts / video), _sound(whole / video))
    assert np.array_equal(
        np.asarray(Image.open(parts / f"{TOPIC}.png")), np.asarray(Image.open(whole / f"{TOPIC}.png"))
    )


@pytest.mark.render
def test_a_video_rendered_in_two_parts_has_the_same_captions_manifest_transcript_and_clips(whole_and_parts):
    whole, parts = whole_and_parts
    for name in (f"{TOPIC}.numbers.json", f"{TOPIC}.srt", f"{TOPIC}.vtt", f"{TOPIC}.transcript.md"):
        assert (parts / name).read_bytes() == (whole / name).read_bytes(), name
    clips = whole / f"{TOPIC}.sections"
    index = json.loads((clips / "index.json").read_text(encoding="utf-8"))
    assert len(index) >= 4
    assert json.loads((parts / f"{TOPIC}.sections" / "index.json").read_text(encoding="utf-8")) == index
    for entry in index:
        clip = entry["video"]
        assert _frames(parts / f"{TOPIC}.sections" / clip) == _frames(clips / clip), clip


def test_a_parts_process_holds_the_topics_lock_while_it_lives(tmp_path):
    """Killed outright, a render leaves its part processes; the next render must wait for them."""
    import os

    from production.cache import lock_is_free, topic_lock
    from production.request import RenderRequest

    request = RenderRequest(topic="softmax", example="default", media_dir=tmp_path)
    with topic_lock(request):
        worker = parts_module._Worker.start(tmp_path / "part-2")
        try:
            lock = next(
                fd
                for fd in os.listdir("/proc/self/fd")
                if os.readlink(f"/proc/self/fd/{fd}").endswith(".lock")
            )
            target = os.readlink(f"/proc/self/fd/{lock}")
            held = [
                os.readlink(f"/proc/{worker.process.pid}/fd/{fd}")
                for fd in os.listdir(f"/proc/{worker.process.pid}/fd")
            ]
            assert target in held
        finally:
            parts_module._stop([worker])  # no job: it exits
    assert worker.process.returncode == 0
    assert lock_is_free(request)
