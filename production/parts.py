"""One video rendered by several processes at once: its steps split into parts, joined by stream copy.

A single Manim render keeps about one core busy. :func:`render_in_parts` uses
more for one video:

1. a dry run of the scene (nothing drawn, every animation skipped to its end)
   gives its story: the steps and when each starts, the narration with its
   timing, the numbers drawn, the captions;
2. :func:`split_steps` cuts the steps into consecutive parts of about equal
   cost (:func:`step_costs`: a second of moving picture costs about four of
   still picture);
3. each part renders in a process of its own (this one renders the first):
   the scene plays the steps before its part skipped, so it reaches the part's
   first picture exactly as a whole render would, draws the part's steps
   (:attr:`scenes.kit.stage.TopicScene.part`), and stops after the part's last
   step has held still;
4. :func:`join_movies` puts the parts' movies one after the other without
   encoding again (stream copy), and the parts' per-step clips are listed in
   one index.

Manim encodes every animation as a segment of its own, and a part's movie is
those segments joined, so the joined video has the same encoded frames as a
render in one process; the tests compare them frame by frame. The last part
draws the poster (the last frame) and writes the captions file (it holds every
caption, as each process plays the whole story up to its end).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attention_math.trace import Trace
from scenes import topic_class
from scenes.kit.narration import use_voice

from .encoding import install_still_frame_encoding
from .shape_store import install_shape_store

if TYPE_CHECKING:
    from PIL.Image import Image

    from scenes.kit.stage import StepTiming, TopicScene

__all__ = [
    "MAX_PARTS",
    "Parts",
    "join_movies",
    "parts_for_cores",
    "render_in_parts",
    "split_steps",
    "step_costs",
]

_PROJECT = Path(__file__).resolve().parent.parent
#: At most this many processes render one video (each holds a whole scene in memory).
MAX_PARTS = 4
#: What a second of still picture costs to render, against a second of moving picture (measured at
#: 720p30 on the default multihead video: about 0.2 s and 0.9 s per second of video).
STILL_COST = 0.25
#: A video with less than this many seconds of moving picture (still seconds weighed by STILL_COST)
#: per part is not split so far: starting a process and catching up with the story cost more.
MIN_COST_PER_PART = 4.0


def parts_for_cores() -> int:
    """How many processes one video is rendered by when nothing else renders: the usable cores, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_PARTS, cores))


def step_costs(timeline: Sequence[StepTiming]) -> list[float]:
    """What each step costs to render: seconds of moving picture, a still second as :data:`STILL_COST`."""
    return [step.moving + STILL_COST * max(0.0, step.end - step.start - step.moving) for step in timeline]


def split_steps(costs: Sequence[float], parts: int) -> list[tuple[int, int]]:
    """Consecutive (first, last) step numbers (1-based) whose ``costs`` add up to about equal shares.

    Each part after the first starts at the step where the running total of
    the costs before it is nearest that part's share; no part is empty, so
    there are at most as many parts as steps (at least one).
    """
    count = len(costs)
    if count == 0:
        raise ValueError("a video without steps cannot be split")
    parts = max(1, min(parts, count))
    before = [0.0]  # before[i]: the cost of the steps before step i + 1
    for cost in costs:
        before.append(before[-1] + cost)
    firsts = [1]
    for k in range(1, parts):
        share = before[-1] * k / parts
        later_parts = parts - k - 1  # each needs a step of its own after this part's first
        candidates = range(firsts[-1] + 1, count - later_parts + 1)
        firsts.append(min(candidates, key=lambda step: (abs(before[step - 1] - share), step)))
    ends = [first - 1 for first in firsts[1:]] + [count]
    return list(zip(firsts, ends, strict=True))


@dataclass(frozen=True)
class _PartJob:
    """What a process needs to render one part (sent to it by pickling)."""

    topic: str
    trace: Trace
    part: tuple[int, int]
    folder: Path
    settings: dict[str, object]
    theme: str
    #: Seconds each sentence is spoken for, as the parent's voice timed them (None: silent).
    spoken: dict[str, float] | None
    last: bool


@dataclass(frozen=True)
class _PartFiles:
    movie: Path
    sections_index: Path | None
    subtitles: Path | None
    poster: Path | None


@dataclass(frozen=True)
class Parts:
    """A video rendered in parts and joined: the files a render in one process would give."""

    #: The scene of the dry run: steps, timeline, narration and numbers, as a whole render has them.
    scene: TopicScene
    movie: Path
    sections_index: Path | None
    subtitles: Path | None
    poster: Image
    duration: float
    frame_rate: float
    #: The parts rendered, as (first, last) step numbers.
    steps: tuple[tuple[int, int], ...]
    #: What ``meanwhile`` returned (see :func:`render_in_parts`).
    meanwhile: object = None


def render_in_parts(
    topic: str,
    trace: Trace,
    *,
    folder: Path,
    settings: dict[str, object],
    theme: str,
    parts: int,
    voice_seconds: Callable[[str], float] | None,
    on_start: Callable[[], None] | None = None,
    meanwhile: Callable[[TopicScene, float], object] | None = None,
) -> Parts | None:
    """Render the topic's video in up to ``parts`` processes (this one included), into ``folder``.

    ``settings`` are the Manim settings of a whole render (call outside
    ``tempconfig``); ``voice_seconds`` times the narration (None: silent).
    ``meanwhile(story, duration)`` is called once this process has drawn its
    part, while the other parts finish (the video's sound is made then); what
    it returns is :attr:`Parts.meanwhile`. Returns None when the video is too
    short to be worth splitting; the caller then renders it whole.
    """
    # The other processes start now: they load their libraries while this one reads the story.
    workers = [_Worker.start(folder / f"part-{number}") for number in range(2, parts + 1)]
    try:
        return _render_parts(
            topic, trace, workers, folder, settings, theme, voice_seconds, on_start, meanwhile
        )
    finally:
        _stop(workers)


def _render_parts(
    topic: str,
    trace: Trace,
    workers: list[_Worker],
    folder: Path,
    settings: dict[str, object],
    theme: str,
    voice_seconds: Callable[[str], float] | None,
    on_start: Callable[[], None] | None,
    meanwhile: Callable[[TopicScene, float], object] | None,
) -> Parts | None:
    from manim import tempconfig

    timed: dict[str, float] = {}

    def timing(text: str) -> float:
        assert voice_seconds is not None
        seconds = timed[text] = voice_seconds(text)
        return seconds

    with tempconfig({**settings, "dry_run": True, "media_dir": str(folder / "story")}):
        previous = use_voice(timing if voice_seconds is not None else None)
        try:
            story: TopicScene = topic_class(topic)(trace, theme=theme, skip_animations=True)
            story.render()
        finally:
            use_voice(previous)
        from manim import config

        frame_rate = float(config.frame_rate)
    duration = float(story.renderer.time)
    costs = step_costs(story.timeline)
    count = min(len(workers) + 1, max(1, int(sum(costs) // MIN_COST_PER_PART)))
    steps = split_steps(costs, count)
    if len(steps) < 2:
        return None
    if on_start:
        on_start()
    jobs = [
        _PartJob(
            topic,
            trace,
            part,
            folder / f"part-{number}",
            settings,
            theme,
            timed if voice_seconds is not None else None,
            last=number == len(steps),
        )
        for number, part in enumerate(steps, start=1)
    ]
    busy = workers[: len(jobs) - 1]
    for worker, job in zip(busy, jobs[1:], strict=True):
        worker.give(job)
    own = _render_part(jobs[0])
    extra = meanwhile(story, duration) if meanwhile is not None else None
    files = [own] + [worker.finish() for worker in busy]
    movie = folder / f"joined{own.movie.suffix}"
    join_movies([part.movie for part in files], movie)
    last = files[-1]
    assert last.poster is not None  # the last part draws it
    from PIL import Image as PILImage

    with PILImage.open(last.poster) as image:
        poster = image.copy()
    return Parts(
        scene=story,
        movie=movie,
        sections_index=_joined_sections([part.sections_index for part in files], folder / "sections"),
        subtitles=last.subtitles,
        poster=poster,
        duration=duration,
        frame_rate=frame_rate,
        steps=tuple(steps),
        meanwhile=extra,
    )


@dataclass
class _Worker:
    """A process that renders one part: ``python -m production.parts``, told its job on its input.

    A fresh interpreter, not a fork (it holds none of this one's threads or
    locks) and not :mod:`multiprocessing` (which runs the caller's main module
    again: a script calling ``render`` at its top would start over). It is
    started before its job is known, so that it loads its libraries meanwhile;
    the job goes in a file in the render's private work folder, and its path
    on the worker's input. A worker given no job exits.
    """

    folder: Path
    process: subprocess.Popen[bytes]
    log: Path
    job: _PartJob | None = None

    @classmethod
    def start(cls, folder: Path) -> _Worker:
        from .cache import held_lock_files  # cache -> request -> runner -> parts: imported when used

        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "log.txt"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT), env.get("PYTHONPATH")]))
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "production.parts"],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                pass_fds=held_lock_files(),  # the topic's lock stays held while the part's process lives
            )
        return cls(folder, process, log)

    def give(self, job: _PartJob) -> None:
        """Send the worker its job."""
        job_file = self.folder / "job.pickle"
        job_file.write_bytes(pickle.dumps(job))
        self.job = job
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(f"{job_file}\n".encode())
            self.process.stdin.close()
        except BrokenPipeError:  # it died already: finish() says how
            pass

    def finish(self) -> _PartFiles:
        """The files of the worker's part, once it has exited; RuntimeError with its last lines if not."""
        assert self.job is not None
        status = self.process.wait()
        answer = self.folder / "files.pickle"
        if status != 0 or not answer.exists():
            tail = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
            first, last = self.job.part
            raise RuntimeError(
                f"{self.job.topic}: the process rendering steps {first}-{last} exited with status {status}"
                + (": " + " / ".join(tail) if tail else "")
            )
        files: _PartFiles = pickle.loads(answer.read_bytes())
        return files


def _stop(workers: Sequence[_Worker]) -> None:
    """Stop workers still running (no job for them, this render failed or was interrupted); wait for them."""
    for worker in workers:
        stdin = worker.process.stdin
        if stdin is not None and not stdin.closed:
            try:
                stdin.close()  # no job: it exits
            except BrokenPipeError:
                pass
        if worker.job is not None and worker.process.poll() is None:
            worker.process.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def _render_part(job: _PartJob) -> _PartFiles:
    """Render one part in this process (the parent's, or a worker's)."""
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    job.folder.mkdir(parents=True, exist_ok=True)
    spoken = job.spoken
    with tempconfig({**job.settings, "media_dir": str(job.folder)}):
        install_shape_store()
        install_still_frame_encoding()
        previous = use_voice(spoken.__getitem__ if spoken is not None else None)
        try:
            scene = topic_class(job.topic)(job.trace, theme=job.theme, part=job.part)
            scene.render()
        finally:
            use_voice(previous)
        writer = scene.renderer.file_writer
        movie = Path(writer.movie_file_path)
        index = writer.output_plan.section_index
        poster = None
        if job.last:
            poster = job.folder / "poster.png"
            renderer = scene.renderer
            if not isinstance(renderer, CairoRenderer):  # the poster is read from Cairo's camera
                raise TypeError(f"{job.topic}: rendered with {type(renderer).__name__}, not Cairo")
            renderer.camera.get_image().save(poster)
    subtitles = movie.with_suffix(".srt")
    return _PartFiles(
        movie=movie,
        sections_index=index if index is not None and index.exists() else None,
        subtitles=subtitles if subtitles.exists() else None,
        poster=poster,
    )


def join_movies(movies: Sequence[Path], target: Path) -> None:
    """Write ``movies`` (same codec and settings) one after the other into ``target``, without encoding."""
    import av

    listing = target.with_name(target.name + ".ffconcat")
    lines = ["ffconcat version 1.0"]
    for movie in movies:
        quoted = str(Path(movie).resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        with (
            av.open(str(listing), format="concat", options={"safe": "0"}) as joined,
            av.open(str(target), mode="w") as out,
        ):
            source = joined.streams.video[0]
            stream = out.add_stream_from_template(source)
            for packet in joined.demux(source):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = stream
                out.mux(packet)
    finally:
        listing.unlink(missing_ok=True)


def _joined_sections(indexes: Sequence[Path | None], folder: Path) -> Path | None:
    """One Manim section index listing every part's clips in order, the clips moved beside it."""
    if any(index is None for index in indexes):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    for index in indexes:
        assert index is not None
        for entry in json.loads(index.read_text(encoding="utf-8")):
            clip = index.parent / entry["video"]
            moved = folder / clip.name
            if moved.exists():
                raise RuntimeError(f"two parts made a clip named {clip.name}")
            shutil.move(clip, moved)
            entries.append({**entry, "video": moved.name})
    joined = folder / "index.json"
    joined.write_text(json.dumps(entries, indent=4), encoding="utf-8")
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """A worker: ``python -m production.parts`` reads its job file's path on its input (:class:`_Worker`)."""
    from .interrupts import stop_cleanly_on_signals, stop_with_parent

    stop_cleanly_on_signals()
    stop_with_parent()  # it goes when the render that started it goes
    if list(sys.argv[1:] if argv is None else argv):
        print("usage: python -m production.parts  (a worker of one video's render; its job comes on stdin)")
        return 1
    # Load what a part needs while the parent reads the story.
    import manim  # noqa: F401

    import scenes.kit  # noqa: F401

    line = sys.stdin.readline().strip()
    if not line:  # no job after all
        return 0
    job_file = Path(line)
    job: _PartJob = pickle.loads(job_file.read_bytes())  # written by our own parent, in its private folder
    files = _render_part(job)
    (job.folder / "files.pickle").write_bytes(pickle.dumps(files))
    return 0


if __name__ == "__main__":
    # Run as the module it is imported as, so that what it pickles names production.parts, not __main__.
    from production.parts import main as _main

    sys.exit(_main())
