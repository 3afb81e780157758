"""Renders never leave broken files, run side by side, repeat exactly, and stay readable.

* Interrupted renders: a real ``render.py`` process is killed (SIGTERM, SIGINT,
  SIGKILL) at several points of a render; every file under its final name is
  complete (the previous render's, or none), no work folder is left (SIGKILL
  aside, and the next run removes that one), and the next run succeeds.
* Concurrency: three renders at once in one media folder, two of them the same
  topic, with one shared cache of built mobjects: all succeed, all files whole.
* Determinism: the same lesson and settings give a byte-identical numbers
  manifest and the same poster pixels, whatever the hash seed or cache state.
* Missing system pieces: found before any rendering, each saying what to install.
* Layout: every topic drawn for a lesson with huge scores and a repeated token
  keeps every text on the frame, apart from the others and off the caption.

Renders are low quality, of ``i-love-coding`` (the smallest example) and its
short ``masking`` topic, so the whole file runs in about a minute on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from attention_math import compute, load_example
from production import preflight
from scenes import TOPICS, lesson_for
from support.lessons import LARGE_SCORES
from support.paths import ACCEPTED_LESSONS, ROOT

ACCEPTED = ACCEPTED_LESSONS
EXAMPLE, TOPIC = "i-love-coding", "masking"
FINAL_NAMES = [f"{TOPIC}.mp4", f"{TOPIC}.png", f"{TOPIC}.numbers.json", f"{TOPIC}.srt", f"{TOPIC}.vtt"]


@pytest.fixture(scope="module")
def mobject_cache(tmp_path_factory) -> Path:
    """One cache of built mobjects for this module's renders, empty at the start."""
    return tmp_path_factory.mktemp("mobject-cache")


def start(*args: str, media: Path, cache: Path | str, seed: str = "0") -> subprocess.Popen[str]:
    """``python render.py ARGS --media-dir MEDIA`` as a process of its own."""
    env = {**os.environ, "ATTENTION_VIDEO_CACHE": str(cache), "PYTHONHASHSEED": seed}
    return subprocess.Popen(
        [sys.executable, "render.py", *args, "--media-dir", str(media)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=timeout)
    return process.returncode, stderr


def render(*args: str, media: Path, cache: Path | str, seed: str = "0") -> tuple[int, str]:
    return finish(start(*args, media=media, cache=cache, seed=seed))


def work_folders(out_dir: Path, topic: str = TOPIC) -> list[Path]:
    return sorted(out_dir.glob(f".{topic}-*")) if out_dir.is_dir() else []


# -------------------------------------------------------------- what a whole file is


def frames_of(video: Path) -> int:
    """Decode every frame (a truncated file fails here); the number of frames."""
    with av.open(str(video)) as container:
        return sum(1 for _ in container.decode(video=0))


def snapshot(out_dir: Path, topic: str = TOPIC) -> dict[str, object]:
    """What a complete render of ``topic`` left: each file decoded or parsed."""
    sections = out_dir / f"{topic}.sections"
    index = json.loads((sections / "index.json").read_text(encoding="utf-8"))
    clips = [entry["video"] for entry in index]
    assert clips and all((sections / clip).stat().st_size > 0 for clip in clips)
    with Image.open(out_dir / f"{topic}.png") as poster:
        pixels = np.asarray(poster.convert("RGB"))
    return {
        "frames": frames_of(out_dir / f"{topic}.mp4"),
        "poster": pixels,
        "manifest": json.loads((out_dir / f"{topic}.numbers.json").read_text(encoding="utf-8")),
        "srt": (out_dir / f"{topic}.srt").read_text(encoding="utf-8"),
        "vtt": (out_dir / f"{topic}.vtt").read_text(encoding="utf-8"),
        "sections": index,
    }


def assert_same_render(found: dict[str, object], reference: dict[str, object]) -> None:
    for name, value in reference.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(found[name], value), name
        else:
            assert found[name] == value, name


def assert_cache_readable(cache: Path) -> None:
    """Every entry of the mobject cache loads (a torn write would not)."""
    from manim import Mobject

    import scenes.kit.widgets  # noqa: F401  # the classes an entry names are the kit's, imported first
    from production.shape_codec import decode

    entries = list(cache.rglob("*.npz"))
    assert entries
    for entry in entries:
        assert isinstance(decode(entry.stem, entry.read_bytes()), Mobject), entry


# ------------------------------------------------------------------ interruptions


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], how: signal.Signals) -> bool:
    """Send ``how`` once ``ready()`` holds; False if the render ended first."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.send_signal(how)
            return True
        time.sleep(0.01)
    return False


def constructing(out_dir: Path) -> Callable[[], bool]:
    return lambda: bool(work_folders(out_dir))


def writing_video(out_dir: Path) -> Callable[[], bool]:
    """Manim has written some of the animation's partial movie files, not all."""
    return lambda: any(
        # In the work folder, or in a part's folder in it when the steps render in parts.
        len(list(folder.glob("**/videos/*/partial_movie_files/*/*.mp4"))) >= 3
        for folder in work_folders(out_dir)
    )


def finishing(out_dir: Path) -> Callable[[], bool]:
    """The animation is written; the web video, captions and clips are being made."""
    return lambda: any((folder / "done").is_dir() for folder in work_folders(out_dir))


@pytest.mark.render
def test_a_render_killed_at_any_point_leaves_whole_files_or_none_and_the_next_run_succeeds(
    tmp_path, mobject_cache
):
    media = tmp_path / "media"
    out_dir = media / EXAMPLE
    args = ("--scene", TOPIC, "--example", EXAMPLE, "--quality", "low", "--narration", "off")

    # 1. The first render ever, stopped while writing video: nothing under a final name.
    process = start(*args, media=media, cache=mobject_cache)
    assert kill_when(process, writing_video(out_dir), signal.SIGTERM), "the render ended before it was killed"
    status, stderr = finish(process)
    assert status == 130 and "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert [p.name for p in out_dir.iterdir() if not p.name.startswith(".")] == []
    assert work_folders(out_dir) == []

    # 2. A complete render: the reference.
    status, stderr = render(*args, media=media, cache=mobject_cache)
    assert status == 0, stderr
    reference = snapshot(out_dir)
    assert reference["frames"] > 15 * 5

    # 3. Renders of the same topic killed at several points: the files stay whole.
    outcomes = []
    for ready, how in (
        (constructing(out_dir), signal.SIGINT),
        (writing_video(out_dir), signal.SIGINT),
        (finishing(out_dir), signal.SIGTERM),
    ):
        process = start(*args, "--force", media=media, cache=mobject_cache)
        killed = kill_when(process, ready, how)
        status, stderr = finish(process)
        assert status in (0, 130), stderr
        assert "Traceback" not in stderr, stderr
        outcomes.append((how.name, killed, status))
        print(f"{how.name}: sent={killed} status={status}")
        assert work_folders(out_dir) == [], f"{how.name}: work folder left"
        assert_same_render(snapshot(out_dir), reference)
    assert sum(killed and status == 130 for _, killed, status in outcomes) >= 2, outcomes

    # 4. SIGKILL cannot be caught: the work folder stays, the files stay whole...
    process = start(*args, "--force", media=media, cache=mobject_cache)
    assert kill_when(process, writing_video(out_dir), signal.SIGKILL)
    assert finish(process)[0] == -signal.SIGKILL
    assert len(work_folders(out_dir)) == 1
    assert_same_render(snapshot(out_dir), reference)

    # 5. ...and the next run removes it and succeeds, with the same files.
    status, stderr = render(*args, media=media, cache=mobject_cache)
    assert status == 0, stderr
    assert work_folders(out_dir) == []
    assert_same_render(snapshot(out_dir), reference)
    assert_cache_readable(mobject_cache)


def test_an_interruption_between_moving_files_into_place_leaves_each_file_whole(tmp_path, monkeypatch):
    """The moves are where a kill would matter most; hit that window every time."""
    import production.files as files
    import production.runner as runner

    trace = compute(lesson_for(TOPIC, load_example(EXAMPLE)))
    first = runner.render_topic(
        TOPIC, trace, example=EXAMPLE, media_dir=tmp_path, quality="low", preview=True
    )
    before = {path: path.read_bytes() for path in (first.poster, first.manifest)}
    moves = []
    real_replace = os.replace

    def replace_then_stop(source, target):
        moves.append(target)
        if len(moves) == 2:
            raise KeyboardInterrupt  # as SIGINT, or SIGTERM through render.py's handler
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", replace_then_stop)  # what publishes each finished file
    with pytest.raises(KeyboardInterrupt):
        runner.render_topic(TOPIC, trace, example=EXAMPLE, media_dir=tmp_path, quality="low", preview=True)
    assert len(moves) == 2
    for path, content in before.items():
        assert path.read_bytes() == content  # the new one is the same render: whole either way
    with Image.open(first.poster) as poster:
        poster.load()
    json.loads(first.manifest.read_text(encoding="utf-8"))
    assert work_folders(tmp_path / EXAMPLE) == []


@pytest.fixture
def own_signal_handlers():
    saved = {
        signum: signal.getsignal(signum)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM)
    }
    saved_hook = sys.unraisablehook
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    sys.unraisablehook = saved_hook


def test_sigterm_interrupts_like_ctrl_c(own_signal_handlers):
    from production.interrupts import stop_cleanly_on_signals

    stop_cleanly_on_signals()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler runs here


def test_a_signal_ignored_from_the_start_stays_ignored(own_signal_handlers):
    """``nohup render.py ...`` must survive the terminal closing."""
    from production.interrupts import stop_cleanly_on_signals

    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    stop_cleanly_on_signals()
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL


def test_an_interrupt_python_drops_in_a_weakref_callback_is_raised_again(own_signal_handlers):
    """As when Ctrl-C lands while Manim's objects are being freed."""
    import weakref

    from production.interrupts import stop_cleanly_on_signals

    class Thing:
        pass

    def callback(_):
        raise KeyboardInterrupt  # what the signal handler does, here where Python ignores it

    stop_cleanly_on_signals()
    thing = Thing()
    ref = weakref.ref(thing, callback)
    with pytest.raises(KeyboardInterrupt):
        del thing  # the callback runs and its exception is dropped...
        assert ref() is None
        time.sleep(1)  # ...then raised again here, in ordinary code


# ------------------------------------------------------------------- side by side


@pytest.mark.render
def test_renders_at_the_same_time_do_not_spoil_each_others_files_or_the_cache(tmp_path):
    media, cache = tmp_path / "media", tmp_path / "mobject-cache"
    same = ("--scene", TOPIC, "--example", EXAMPLE, "--quality", "low", "--narration", "off")
    other = ("--scene", "overview", "--example", EXAMPLE, "--quality", "low", "--narration", "off")
    processes = [
        start(*same, media=media, cache=cache),
        start(*same, media=media, cache=cache),
        start(*other, media=media, cache=cache),
    ]
    results = [finish(process) for process in processes]
    assert [status for status, _ in results] == [0, 0, 0], [stderr for _, stderr in results]

    out_dir = media / EXAMPLE
    assert work_folders(out_dir, TOPIC) == work_folders(out_dir, "overview") == []
    for topic in (TOPIC, "overview"):
        found = snapshot(out_dir, topic)
        assert found["manifest"]["topic"] == topic
        video_seconds = found["sections"][-1]["end"]
        assert abs(found["frames"] - video_seconds * 15) <= 2  # every frame there, at 15 fps
        record = json.loads((media / ".cache" / EXAMPLE / f"{topic}.mp4.json").read_text(encoding="utf-8"))
        assert record["topic"] == topic
    assert_cache_readable(cache)
    # The two renders of one topic took turns: the second found the first one's files.
    status, stderr = render(*same, media=media, cache=cache)
    assert status == 0 and "unchanged since its last render" in stderr, stderr


# --------------------------------------------------------------------- determinism


@pytest.mark.render
def test_the_same_lesson_gives_the_same_numbers_and_pixels_every_time(tmp_path):
    lesson = str(ACCEPTED / "large-scores.toml")
    args = ("--scene", "softmax", "--lesson", lesson, "--preview", "--quality", "low")
    cache = tmp_path / "mobject-cache"
    # No cache and another hash seed; then an empty cache; then the same cache, warm.
    runs = [
        start(*args, media=tmp_path / "a", cache="off", seed="1"),
        start(*args, media=tmp_path / "b", cache=cache, seed="2"),
    ]
    assert [finish(process)[0] for process in runs] == [0, 0]
    assert render(*args, media=tmp_path / "c", cache=cache, seed="3")[0] == 0

    manifests, posters = [], []
    for run in "abc":
        out_dir = tmp_path / run / "large-scores" / "preview"
        manifests.append((out_dir / "softmax.numbers.json").read_bytes())
        with Image.open(out_dir / "softmax.png") as poster:
            posters.append(np.asarray(poster.convert("RGB")))
    assert manifests[0] == manifests[1] == manifests[2]
    assert posters[0].shape == (480, 854, 3)
    assert np.array_equal(posters[0], posters[1]) and np.array_equal(posters[0], posters[2])


# ------------------------------------------------------------- missing system pieces


def test_the_fonts_checked_are_the_fonts_the_scenes_draw_with():
    from scenes.kit.widgets import LABEL_FONT, NUMBER_FONT

    assert set(preflight.FONTS) == {NUMBER_FONT, LABEL_FONT}
    assert preflight.missing_pieces() == []  # this machine has everything


def test_without_the_fonts_render_says_what_to_install_before_rendering(tmp_path):
    """A real machine without fonts: fontconfig given a configuration with none."""
    empty = tmp_path / "no-fonts.conf"
    empty.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig></fontconfig>\n'
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(empty)}
    media = tmp_path / "media"
    result = subprocess.run(
        [
            sys.executable,
            "render.py",
            "--scene",
            TOPIC,
            "--example",
            EXAMPLE,
            "--preview",
            "--media-dir",
            str(media),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: font '{font}' is not installed (the scenes draw with it): "
        "apt-get install fonts-dejavu-core (or: bash scripts/setup.sh)"
        for font in preflight.FONTS
    ]
    assert result.stdout == "" and not media.exists()


@pytest.mark.parametrize(
    ("module", "install"),
    [
        ("typst", "pip install 'manim[typst]'"),
        ("cairo", "apt-get install libcairo2-dev"),
        ("manimpango", "apt-get install libpango1.0-dev"),
        ("av", "pip install av"),
    ],
)
def test_a_missing_library_is_named_with_what_installs_it(monkeypatch, tmp_path, module, install):
    from render import cli

    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails, as if not installed
    problems = preflight.missing_pieces()
    assert len(problems) == 1 and install in problems[0] and "bash scripts/setup.sh" in problems[0]
    media = tmp_path / "media"
    result = CliRunner().invoke(
        cli, ["--scene", TOPIC, "--example", EXAMPLE, "--preview", "--media-dir", str(media)]
    )
    assert result.exit_code == 1
    assert result.output == f"error: {problems[0]}\n"
    assert not media.exists()


def test_a_batch_render_checks_too_before_starting_any_worker(monkeypatch, tmp_path):
    from render import cli

    monkeypatch.setattr(preflight, "installed_fonts", lambda: set())
    media = tmp_path / "media"
    result = CliRunner().invoke(cli, ["--all", "--example", EXAMPLE, "--preview", "--media-dir", str(media)])
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.output.splitlines()] == ["error", "error"]
    assert "fonts-dejavu-core" in result.output and not media.exists()


def test_a_missing_font_found_by_the_font_query(monkeypatch):
    monkeypatch.setattr(preflight, "installed_fonts", lambda: {"DejaVu Sans", "Noto Sans"})
    assert preflight.missing_pieces() == [
        "font 'DejaVu Sans Mono' is not installed (the scenes draw with it): "
        "apt-get install fonts-dejavu-core (or: bash scripts/setup.sh)"
    ]


# --------------------------------------------------------------------------- layout


@pytest.mark.scene(source=LARGE_SCORES)
@pytest.mark.parametrize("topic", list(TOPICS))
def test_huge_scores_and_a_repeated_token_stay_readable_in_every_frame(built, topic):
    scene, log = built(topic, LARGE_SCORES)
    assert log.plays >= 3
    assert (log.untraced, log.mismatched) == ([], [])
    assert (log.off_frame, log.overlaps, log.caption_overlaps) == ([], [], [])
    drawn = {entry.path: entry.text for entry in scene.numbers.registry}
    labels = [text for path, text in drawn.items() if path.startswith("token_labels[")]
    assert not any(path.startswith("tokens[") for path in drawn)  # tokens are drawn by label
    assert len(labels) == len(set(labels)) >= 2
    if "token_labels[2]" in drawn:
        assert drawn["token_labels[2]"] == "row′" and drawn.get("token_labels[0]", "row") == "row"


def test_the_caption_check_sees_a_shape_over_the_caption():
    from manim import DOWN, Square, Text

    from support.layout import caption_overlaps

    caption = Text("A caption at the bottom", font="DejaVu Sans", font_size=24).to_edge(DOWN, buff=0.3)
    square = Square(side_length=1.0).move_to(caption.get_center())
    problems = caption_overlaps([caption, square], caption)
    assert len(problems) == 1 and problems[0].startswith("'Square' reaches into the caption")
    square.shift(3 * np.array([0.0, 1.0, 0.0]))
    assert caption_overlaps([caption, square], caption) == []
