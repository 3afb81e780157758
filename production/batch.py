"""Plan and run renders: one topic or many, here or in worker processes.

Every render goes the same way, whether the command line asked for one topic
or for all of them:

1. :func:`load_lessons` reads the lesson file or the built-in examples;
2. :func:`plan_renders` checks every lesson and every requested topic once
   (``scenes.drawable_problem``, ``scenes.topic_problem``), computing each
   trace once, and gives a :class:`Plan`: the requests, and why any of them
   cannot be drawn;
3. :func:`run_plan` renders the plan's requests. ``in_process`` renders them
   one after the other in this process from the plan's traces (a batch of one:
   Manim's progress bar shows, nothing is computed twice); otherwise
   :func:`run_batch` runs each in a worker process (``python -m
   production.worker``), at most ``workers`` at a time, skipping here those
   whose last render is current. A topic that fails, or whose process dies,
   is reported and the others go on.

:func:`render_one` renders one request in this process, unless its last render
is current (:mod:`production.cache`), holding the topic's lock throughout.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from attention_math import DEFAULT_EXAMPLE, EXAMPLES, LessonError, compute, load_example, load_lesson
from attention_math.check import check_claims
from attention_math.lesson import Lesson
from attention_math.trace import Trace
from scenes import drawable_problem, lesson_for, topic_problem

from . import runner
from .cache import (
    RenderRecord,
    cached_result,
    last_render_seconds,
    lock_is_free,
    remove_work_folders,
    render_key,
    topic_lock,
    write_record,
)
from .parts import parts_for_cores
from .progress import Progress
from .request import Outcome, RenderRequest, WorkerReply
from .voice import Voice, load_voice

__all__ = [
    "PEAK_BYTES",
    "Launcher",
    "Plan",
    "available_memory",
    "default_jobs",
    "default_parts",
    "job_limit",
    "load_lessons",
    "loaded_voice",
    "output_name",
    "plan_renders",
    "render_one",
    "run_batch",
    "run_plan",
    "voice_for",
]

_PROJECT = Path(__file__).resolve().parent.parent


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


#: Memory one render process may take at its peak, by quality (measured: 4k peaks at 2.3 GB).
PEAK_BYTES = {"low": 500 * 2**20, "medium": 700 * 2**20, "high": 1200 * 2**20, "4k": 2500 * 2**20}


def available_memory() -> int | None:
    """Bytes of memory available to new processes (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def job_limit(quality: str) -> tuple[int, str]:
    """How many renders at ``quality`` may run at once, and what sets the limit ("cores" or "memory").

    One per core (a render keeps about one core busy) and no more than the
    available memory holds at each render's peak.
    """
    cores = default_jobs()
    memory = available_memory()
    if memory is None:
        return cores, "cores"
    fits = max(1, memory // PEAK_BYTES.get(quality, PEAK_BYTES["4k"]))
    return (cores, "cores") if cores <= fits else (int(fits), "memory")


def default_parts(quality: str) -> int:
    """How many processes render one video's steps when it renders alone: one per core, as memory allows."""
    return min(parts_for_cores(), job_limit(quality)[0])


# ----------------------------------------------------------------------- the plan

_UNSAFE = re.compile(r"[^\w.-]+")


def output_name(stem: str) -> str:
    """The output folder for a lesson file's stem: one plain folder name inside the media folder.

    Characters other than letters, digits, ``_``, ``-`` and ``.`` become ``-``
    (an apostrophe breaks Manim's joining of partial movies; a slash would
    leave the folder); leading dots are dropped (``..`` would be the media
    folder's parent, ``.cache`` its cache records). What is left, or
    ``lesson`` when nothing is, names the folder.
    """
    cleaned = _UNSAFE.sub("-", stem).lstrip(".-").rstrip(".")
    return cleaned or "lesson"


def load_lessons(lesson_path: str | None, example: str | None) -> dict[str, Lesson]:
    """The lessons to render, by output name: the file's, or the example(s) (``all``: every one).

    Raises :class:`attention_math.LessonError` when the file cannot be read or is not a lesson.
    """
    if lesson_path:
        lesson = load_lesson(lesson_path)
        return {output_name(lesson.name): lesson}
    names = list(EXAMPLES) if example == "all" else [example or DEFAULT_EXAMPLE]
    return {name: load_example(name) for name in names}


@dataclass(frozen=True)
class Plan:
    """Requests checked and ready to render.

    ``lessons`` maps each output name to its lesson; ``traces`` gives each
    request the trace its topic draws (computed once per distinct lesson);
    ``problems`` maps a request that cannot be drawn to why.
    """

    requests: tuple[RenderRequest, ...]
    lessons: Mapping[str, Lesson]
    traces: Mapping[RenderRequest, Trace]
    problems: Mapping[RenderRequest, str]

    @property
    def runnable(self) -> list[RenderRequest]:
        """The requests without a problem, in order."""
        return [request for request in self.requests if request not in self.problems]


def plan_renders(requests: Sequence[RenderRequest], lessons: Mapping[str, Lesson]) -> Plan:
    """Check ``requests`` (drawn from ``lessons``, by their ``example``) before anything renders.

    A lesson the frame cannot show, or whose claims name nothing in its trace,
    raises :class:`attention_math.LessonError`;
    a topic that cannot be drawn from its lesson is a problem of the plan.
    Each trace is computed once: topics that draw the lesson as it is share one.
    """
    computed: dict[tuple[str, str | None], Trace] = {}
    for name, lesson in lessons.items():
        problem = drawable_problem(lesson)
        if problem:
            raise LessonError(None, problem)
        if lesson.claims:
            # Claims that name nothing are refused here as `check` refuses them (LessonError).
            computed[name, None] = compute(lesson)
            check_claims(lesson, computed[name, None])
    traces: dict[RenderRequest, Trace] = {}
    problems: dict[RenderRequest, str] = {}
    for request in requests:
        lesson = lessons[request.example]
        drawn = lesson_for(request.topic, lesson)
        # A topic that draws the lesson as it is shares its trace; one that changes it has its own.
        which = (request.example, None if drawn is lesson else request.topic)
        if which not in computed:
            computed[which] = compute(drawn)
        traces[request] = computed[which]
        problem = topic_problem(request.topic, traces[request])
        if problem:
            problems[request] = problem
    return Plan(tuple(requests), dict(lessons), traces, problems)


def run_plan(
    plan: Plan,
    *,
    workers: int = 1,
    in_process: bool = False,
    progress: Progress | None = None,
    label: Callable[[RenderRequest], str] = lambda request: request.topic,
    manim_progress: bool = False,
    on_wait: Callable[[], None] | None = None,
    parts: int | None = None,
) -> list[Outcome]:
    """Render ``plan``; one outcome per request, in the plan's order.

    A request with a problem is ``failed`` with the problem as its message.
    ``in_process`` renders here, one request after the other, with Manim's
    progress bar if ``manim_progress`` and ``on_wait`` called when another
    render holds a topic's lock, each video's steps split over ``parts``
    processes (None: :func:`default_parts` for its quality); an exception
    (Ctrl-C included) stops the run and goes to the caller. Otherwise
    requests render in at most ``workers`` worker processes
    (:func:`run_batch`), one each, reported to ``progress``.
    """
    runnable = plan.runnable
    if in_process:
        rendered = [
            render_one(
                request,
                plan.traces[request],
                progress=manim_progress,
                on_wait=on_wait,
                parts=default_parts(request.quality) if parts is None else parts,
            )
            for request in runnable
        ]
    else:
        rendered = run_batch(runnable, workers=workers, lessons=plan.lessons, progress=progress, label=label)
    done = iter(rendered)
    return [
        Outcome(request, "failed", 0.0, message=plan.problems[request])
        if request in plan.problems
        else next(done)
        for request in plan.requests
    ]


# ------------------------------------------------------------------- one, here


@functools.cache
def loaded_voice(model: Path | None) -> Voice:
    """The Piper voice ``model`` (None: the bundled one), loaded once per process."""
    return load_voice(model)


def voice_for(request: RenderRequest) -> Voice | None:
    """The voice a request speaks with (loaded once per process), or None when it is silent."""
    return loaded_voice(request.voice) if request.narrated else None


def render_one(
    request: RenderRequest,
    trace: Trace,
    *,
    progress: bool = False,
    on_start: Callable[[], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    parts: int = 1,
) -> Outcome:
    """Render ``request`` from ``trace`` in this process, or skip it if its last render is current.

    ``trace`` is ``compute(lesson_for(request.topic, lesson))``. With
    ``request.force`` the cache is not consulted (the new render still
    records itself). ``progress`` shows Manim's progress bar. A video's
    steps are rendered by up to ``parts`` processes (:mod:`production.parts`).
    """
    started = time.perf_counter()
    key = render_key(request, trace.lesson) if request.cacheable else None
    with topic_lock(request, on_wait):
        remove_work_folders(request)  # left by a render killed outright (SIGKILL): no one else holds the lock
        if key is not None and not request.force:
            cached = cached_result(request, key)
            if cached is not None:
                seconds = time.perf_counter() - started
                return Outcome(request, "skipped", seconds, cached.video, result=cached)
        result = runner.render_topic(
            request.topic,
            trace,
            example=request.example,
            media_dir=request.media_dir,
            quality=request.quality,
            output_format=request.output_format,
            preview=request.preview,
            progress=progress,
            on_start=on_start,
            voice=voice_for(request),
            theme=request.theme,
            aspect=request.aspect,
            gif_width=request.gif_width,
            gif_fps=request.gif_fps,
            parts=parts,
        )
        seconds = time.perf_counter() - started
        if key is not None:
            write_record(request, RenderRecord.of(request, key, result, seconds))
    return Outcome(request, "ok", seconds, result.video or result.poster, result=result)


# --------------------------------------------------------------- many, in workers

#: Starts the worker of a request, writing its reply to the path, its output to the log.
Launcher = Callable[[RenderRequest, Path, TextIO], "subprocess.Popen[bytes]"]


def _launch(request: RenderRequest, reply_file: Path, log: TextIO) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "production.worker", request.to_json(), str(reply_file)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


@dataclass
class _Running:
    process: subprocess.Popen[bytes]
    since: float
    reply_file: Path
    log: TextIO


def run_batch(
    requests: Sequence[RenderRequest],
    *,
    workers: int,
    lessons: Mapping[str, Lesson] | None = None,
    progress: Progress | None = None,
    launch: Launcher = _launch,
    label: Callable[[RenderRequest], str] = lambda request: request.topic,
) -> list[Outcome]:
    """Render ``requests`` in at most ``workers`` processes at once; outcomes in their order.

    Requests start longest first, by their last render's time where it is recorded.

    With ``lessons`` (output name -> lesson), a request whose last render is
    current is skipped here without starting a process. On Ctrl-C the running
    workers are stopped (they remove their work folders) and the requests not
    finished come back ``interrupted``.
    """
    progress = progress or Progress(len(requests))
    outcomes: dict[int, Outcome] = {}
    # The longest renders first keeps the workers busy to the end; requests never
    # rendered (an infinite time) keep their order, ahead of the others.
    pending = deque(sorted(enumerate(requests), key=lambda item: -last_render_seconds(item[1])))
    running: dict[int, _Running] = {}
    _remove_stale_scratch()
    with tempfile.TemporaryDirectory(prefix=f"{_SCRATCH}{os.getpid()}-") as scratch:
        try:
            while pending or running:
                while pending and len(running) < max(1, workers):
                    index, request = pending.popleft()
                    skipped = _skip_here(request, lessons)
                    if skipped is not None:
                        outcomes[index] = skipped
                        progress.finished(skipped, label(request))
                        continue
                    reply_file = Path(scratch) / f"{index}.json"
                    log = open(Path(scratch) / f"{index}.log", "w+", encoding="utf-8")
                    progress.started(label(request))
                    process = launch(request, reply_file, log)
                    running[index] = _Running(process, time.perf_counter(), reply_file, log)
                for index, worker in list(running.items()):
                    if worker.process.poll() is None:
                        continue
                    del running[index]
                    outcomes[index] = _collect(requests[index], worker)
                    progress.finished(outcomes[index], label(requests[index]))
                progress.tick({label(requests[i]): worker.since for i, worker in running.items()})
                time.sleep(0.05)
        except KeyboardInterrupt:
            _stop([worker.process for worker in running.values()])
            for index, worker in running.items():
                outcomes[index] = Outcome(requests[index], "interrupted", time.perf_counter() - worker.since)
                worker.log.close()
                _remove_orphaned_work(requests[index])
            for index, request in pending:
                outcomes[index] = Outcome(request, "interrupted", 0.0)
        finally:
            progress.close()
    return [outcomes[i] for i in range(len(requests))]


_SCRATCH = "attention-video-batch-"


def _remove_stale_scratch(folder: Path | None = None) -> None:
    """Remove the scratch folders of batches killed outright (``kill -9``): their process is gone."""
    folder = Path(tempfile.gettempdir()) if folder is None else folder
    for scratch in folder.glob(f"{_SCRATCH}*-*"):
        pid = scratch.name[len(_SCRATCH) :].partition("-")[0]
        if not pid.isdigit() or not scratch.is_dir() or scratch.stat().st_uid != os.getuid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(scratch, ignore_errors=True)
        except OSError:  # alive, someone else's
            continue


def _skip_here(request: RenderRequest, lessons: Mapping[str, Lesson] | None) -> Outcome | None:
    if lessons is None or request.force or not request.cacheable or request.example not in lessons:
        return None
    started = time.perf_counter()
    cached = cached_result(request, render_key(request, lessons[request.example]))
    if cached is None:
        return None
    # A topic skipped here starts no worker to clear what a killed render of it left.
    _remove_orphaned_work(request)
    return Outcome(request, "skipped", time.perf_counter() - started, cached.video, result=cached)


def _collect(request: RenderRequest, worker: _Running) -> Outcome:
    process = worker.process
    seconds = time.perf_counter() - worker.since
    worker.log.seek(0)
    text = worker.log.read()
    worker.log.close()
    try:
        reply: WorkerReply | None = WorkerReply.from_json(worker.reply_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        reply = None
    if process.returncode == 0 and reply is not None and reply.status in ("ok", "skipped"):
        return Outcome(request, reply.status, seconds, reply.output)
    if reply is not None and reply.message:
        message = reply.message
    elif process.returncode and process.returncode < 0:
        message = f"worker killed by signal {-process.returncode}"
    else:
        message = f"worker exited with status {process.returncode}"
    if process.returncode != 0:
        _remove_orphaned_work(request)
    return Outcome(request, "failed", seconds, message=message, log=text)


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Stop the workers. Ctrl-C in a terminal reached them already: give them time to clean up."""

    def wait(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while any(p.poll() is None for p in processes) and time.monotonic() < deadline:
            time.sleep(0.05)

    for grace, stop_signal in ((2.0, signal.SIGINT), (10.0, signal.SIGKILL)):
        wait(grace)
        for process in processes:
            if process.poll() is None:
                process.send_signal(stop_signal)
    wait(5.0)


def _remove_orphaned_work(request: RenderRequest) -> None:
    """Work folders of a worker that died before its own clean-up, if no one renders the topic now."""
    if request.out_dir.is_dir() and lock_is_free(request):
        remove_work_folders(request)
