"""Render many topics: parallel worker processes, a cache of unchanged renders, a summary.

A :class:`Job` is one topic of one lesson at some render settings. :func:`render_one`
renders a job in this process unless its last render is still current: the
cache key (:func:`render_key`) covers the lesson's arrays and settings, the
scene code (:func:`code_version`: every ``scenes/*.py`` and
``attention_math/*.py``) and the render settings, and a record of the last
render also pins each output file's size and modification time, so a file
replaced by anything else (a preview, another format, a hand edit) is noticed.

Records live in ``MEDIA/.cache/<example>/<topic>.<format>.json``, written to a
temporary file and renamed over the old one; a render holds the topic's lock
(``flock`` on ``<topic>.lock`` beside it) from the cache check to the record,
so two renders of the same topic never interleave their files, and the second
one finds the first one's record.

:func:`run_batch` runs jobs in worker processes (``python -m production.batch``),
at most ``workers`` at a time: a topic that fails, or whose process dies, is
reported and the others go on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TextIO

import numpy as np

from attention_math.lesson import Lesson
from scenes import lesson_for

from .runner import RenderResult

__all__ = [
    "Job",
    "Outcome",
    "Progress",
    "cached_result",
    "code_version",
    "default_jobs",
    "record_path",
    "render_key",
    "render_one",
    "run_batch",
    "summary_table",
    "topic_lock",
    "write_record",
]

CACHE_DIR = ".cache"
RECORD_SCHEMA = 1
_PROJECT = Path(__file__).resolve().parent.parent
_CODE_PACKAGES = ("scenes", "attention_math")


@dataclass(frozen=True)
class Job:
    """One topic of one lesson to render into ``media_dir/example``.

    ``lesson_path`` is the lesson file; None means the built-in example ``example``.
    """

    topic: str
    example: str
    media_dir: Path
    quality: str = "medium"
    output_format: str = "mp4"
    preview: bool = False
    force: bool = False
    lesson_path: str | None = None

    @property
    def out_dir(self) -> Path:
        return Path(self.media_dir) / self.example

    @property
    def cacheable(self) -> bool:
        """Previews are not cached: they are the fast path already."""
        return not self.preview and self.output_format != "png"

    def to_json(self) -> str:
        return json.dumps({**dataclasses.asdict(self), "media_dir": str(self.media_dir)})

    @classmethod
    def from_json(cls, text: str) -> Job:
        data = json.loads(text)
        return cls(**{**data, "media_dir": Path(data["media_dir"])})


@dataclass
class Outcome:
    """How a job went: ``status`` is ``ok``, ``skipped`` (unchanged), ``failed`` or ``interrupted``."""

    job: Job
    status: str
    seconds: float
    output: Path | None = None
    message: str = ""
    log: str = ""
    result: RenderResult | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in ("ok", "skipped")


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------------- the key


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 of the sources that decide what a video shows: ``scenes/*.py``, ``attention_math/*.py``."""
    digest = hashlib.sha256()
    for package in _CODE_PACKAGES:
        for path in sorted((_PROJECT / package).rglob("*.py")):
            digest.update(f"{path.relative_to(_PROJECT).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _plain(value: object) -> object:
    """``value`` as JSON data, exactly: floats keep every digit (``repr``)."""
    if isinstance(value, np.ndarray):
        return {"dtype": str(value.dtype), "shape": list(value.shape), "data": value.ravel().tolist()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def lesson_inputs(topic: str, lesson: Lesson) -> dict[str, object]:
    """What the trace of ``topic`` is computed from: the lesson's arrays and settings.

    Leaves out ``claims``: the checker reads them, the scenes do not.
    """
    drawn = lesson_for(topic, lesson)
    return {f.name: _plain(getattr(drawn, f.name)) for f in dataclasses.fields(drawn) if f.name != "claims"}


def render_key(job: Job, lesson: Lesson) -> str:
    """The cache key of ``job``: lesson inputs, scene code version and render settings."""
    payload = {
        "schema": RECORD_SCHEMA,
        "topic": job.topic,
        "example": job.example,
        "lesson": lesson_inputs(job.topic, lesson),
        "code": code_version(),
        "settings": {
            "quality": job.quality,
            "format": job.output_format,
            "manim": _version("manim"),
            "av": _version("av"),
        },
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------ records and the lock


def _cache_dir(job: Job) -> Path:
    return Path(job.media_dir) / CACHE_DIR / job.example


def record_path(job: Job) -> Path:
    """Where the record of ``job``'s last render is kept."""
    return _cache_dir(job) / f"{job.topic}.{job.output_format}.json"


def write_record(path: Path, record: Mapping[str, object]) -> None:
    """Write ``record`` as JSON to ``path`` atomically: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(record, file, indent=2, ensure_ascii=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_record(path: Path) -> dict | None:
    """The record at ``path``, or None if there is none or it cannot be read."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("schema") == RECORD_SCHEMA else None


def _fingerprints(result: RenderResult, out_dir: Path) -> dict[str, list[int]]:
    prints = {}
    for path in result.files:
        stat = path.stat()
        prints[path.relative_to(out_dir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return prints


def _result_json(result: RenderResult, out_dir: Path) -> dict[str, object]:
    def rel(path: Path | None) -> str | None:
        return None if path is None else path.relative_to(out_dir).as_posix()

    return {
        "video": rel(result.video),
        "poster": rel(result.poster),
        "manifest": rel(result.manifest),
        "subtitles": rel(result.subtitles),
        "captions": rel(result.captions),
        "sections": rel(result.sections),
        "duration": result.duration,
    }


def cached_result(job: Job, key: str) -> RenderResult | None:
    """The files of ``job``'s last render if its key is ``key`` and every file is untouched."""
    record = read_record(record_path(job))
    if record is None or record.get("key") != key:
        return None
    out_dir = job.out_dir
    for name, (size, mtime_ns) in record.get("files", {}).items():
        try:
            stat = (out_dir / name).stat()
        except OSError:
            return None
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return None
    saved = record["result"]

    def path(name: str) -> Path | None:
        return None if saved.get(name) is None else out_dir / saved[name]

    result = RenderResult(
        topic=job.topic,
        video=path("video"),
        poster=out_dir / saved["poster"],
        manifest=out_dir / saved["manifest"],
        duration=float(saved["duration"]),
        subtitles=path("subtitles"),
        captions=path("captions"),
        sections=path("sections"),
    )
    # A file added to the sections folder since is not in the record: recount.
    if sorted(p.relative_to(out_dir).as_posix() for p in result.files) != sorted(record.get("files", {})):
        return None
    return result


@contextmanager
def topic_lock(job: Job, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``job``'s topic (per example folder) while the block runs."""
    import fcntl

    path = _cache_dir(job) / f"{job.topic}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def _lock_is_free(job: Job) -> bool:
    import fcntl

    path = _cache_dir(job) / f"{job.topic}.lock"
    if not path.exists():
        return True
    with open(path, "a+b") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(file, fcntl.LOCK_UN)
        return True


# ------------------------------------------------------------------- one job here


def render_one(
    job: Job,
    trace: object,
    *,
    progress: bool = False,
    on_start: Callable[[], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Outcome:
    """Render ``job`` from ``trace`` in this process, or skip it if its last render is current.

    ``trace`` is ``compute(lesson_for(job.topic, lesson))``. With ``job.force``
    the cache is not consulted (the new render still records itself).
    """
    from .runner import render_topic

    started = time.perf_counter()
    key = render_key(job, trace.lesson) if job.cacheable else None  # type: ignore[attr-defined]
    with topic_lock(job, on_wait):
        _remove_work_folders(job)  # left by a render killed outright (SIGKILL): no one else holds the lock
        if key is not None and not job.force:
            cached = cached_result(job, key)
            if cached is not None:
                return Outcome(job, "skipped", time.perf_counter() - started, cached.video, result=cached)
        result = render_topic(
            job.topic,
            trace,  # type: ignore[arg-type]
            example=job.example,
            media_dir=job.media_dir,
            quality=job.quality,
            output_format=job.output_format,
            preview=job.preview,
            progress=progress,
            on_start=on_start,
        )
        seconds = time.perf_counter() - started
        if key is not None:
            write_record(
                record_path(job),
                {
                    "schema": RECORD_SCHEMA,
                    "key": key,
                    "topic": job.topic,
                    "example": job.example,
                    "quality": job.quality,
                    "format": job.output_format,
                    "code_version": code_version(),
                    "render_seconds": round(seconds, 3),
                    "result": _result_json(result, job.out_dir),
                    "files": _fingerprints(result, job.out_dir),
                },
            )
    return Outcome(job, "ok", seconds, result.video or result.poster, result=result)


# --------------------------------------------------------------- many jobs, in workers


class Progress:
    """One line per topic start and finish; on a terminal also a live line of what is running."""

    def __init__(
        self, total: int, stream: TextIO | None = None, live: bool | None = None, width: int = 12
    ) -> None:
        self.total = total
        self.width = width  # of the label column
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.done = 0
        self._status_shown = False
        self._last_tick = 0.0

    def _line(self, text: str) -> None:
        self._clear()
        print(text, file=self.stream, flush=True)

    def _clear(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False

    def started(self, job: Job, label: str) -> None:
        self._line(f"{'':{2 * len(str(self.total)) + 3}} {'start':<11} {label}")

    def finished(self, outcome: Outcome, label: str) -> None:
        self.done += 1
        where = f"  {_display(outcome.output)}" if outcome.output else ""
        note = f"  {outcome.message}" if outcome.message else ""
        self._line(
            f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.status:<11} {label:<{self.width}}"
            f"  {outcome.seconds:6.1f} s{where}{note}"
        )

    def tick(self, running: Mapping[str, float]) -> None:
        now = time.perf_counter()
        if not self.live or not running or now - self._last_tick < 0.5:
            return
        self._last_tick = now
        parts = ", ".join(f"{label} {now - since:.0f} s" for label, since in running.items())
        self._clear()
        self.stream.write(f"  rendering: {parts}")
        self.stream.flush()
        self._status_shown = True

    def close(self) -> None:
        self._clear()
        self.stream.flush()


def _display(path: Path | None) -> str:
    """``path`` relative to the working directory when it is inside it."""
    if path is None:
        return "-"
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


Launcher = Callable[[Job, Path, TextIO], "subprocess.Popen[bytes]"]


def _launch(job: Job, result_file: Path, log: TextIO) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "production.batch", job.to_json(), str(result_file)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )


def run_batch(
    jobs: Sequence[Job],
    *,
    workers: int,
    lessons: Mapping[str, Lesson] | None = None,
    progress: Progress | None = None,
    launch: Launcher = _launch,
    label: Callable[[Job], str] = lambda job: job.topic,
) -> list[Outcome]:
    """Render ``jobs`` in at most ``workers`` processes at once; outcomes in the order of ``jobs``.

    Jobs start longest first, by their last render's time where it is recorded.

    With ``lessons`` (example name -> lesson), a job whose last render is
    current is skipped here without starting a process. On Ctrl-C the running
    workers are stopped (they remove their work folders) and the jobs not
    finished come back ``interrupted``.
    """
    progress = progress or Progress(len(jobs))
    outcomes: dict[int, Outcome] = {}
    pending = deque(sorted(enumerate(jobs), key=lambda item: -_last_seconds(item[1])))
    running: dict[int, tuple[subprocess.Popen[bytes], float, Path, TextIO]] = {}
    with tempfile.TemporaryDirectory(prefix="attention-video-batch-") as scratch:
        try:
            while pending or running:
                while pending and len(running) < max(1, workers):
                    index, job = pending.popleft()
                    skipped = _skip_here(job, lessons)
                    if skipped is not None:
                        outcomes[index] = skipped
                        progress.finished(skipped, label(job))
                        continue
                    result_file = Path(scratch) / f"{index}.json"
                    log = open(Path(scratch) / f"{index}.log", "w+", encoding="utf-8")
                    progress.started(job, label(job))
                    running[index] = (launch(job, result_file, log), time.perf_counter(), result_file, log)
                for index, (process, since, result_file, log) in list(running.items()):
                    if process.poll() is None:
                        continue
                    del running[index]
                    outcomes[index] = _collect(jobs[index], process, since, result_file, log)
                    progress.finished(outcomes[index], label(jobs[index]))
                progress.tick({label(jobs[i]): since for i, (_, since, _, _) in running.items()})
                time.sleep(0.05)
        except KeyboardInterrupt:
            _stop(running)
            for index, (_, since, _, log) in running.items():
                outcomes[index] = Outcome(jobs[index], "interrupted", time.perf_counter() - since)
                log.close()
                _remove_orphaned_work(jobs[index])
            for index, job in pending:
                outcomes[index] = Outcome(job, "interrupted", 0.0)
        finally:
            progress.close()
    return [outcomes[i] for i in range(len(jobs))]


def _last_seconds(job: Job) -> float:
    """How long the topic's last render took (infinite if unknown): the longest start first.

    Starting the longest renders first keeps the workers busy to the end; jobs
    never rendered keep their order, ahead of the others.
    """
    record = read_record(record_path(job))
    seconds = record.get("render_seconds") if record else None
    return float(seconds) if isinstance(seconds, (int, float)) else float("inf")


def _skip_here(job: Job, lessons: Mapping[str, Lesson] | None) -> Outcome | None:
    if lessons is None or job.force or not job.cacheable or job.example not in lessons:
        return None
    started = time.perf_counter()
    cached = cached_result(job, render_key(job, lessons[job.example]))
    if cached is None:
        return None
    return Outcome(job, "skipped", time.perf_counter() - started, cached.video, result=cached)


def _collect(
    job: Job, process: subprocess.Popen[bytes], since: float, result_file: Path, log: TextIO
) -> Outcome:
    seconds = time.perf_counter() - since
    log.seek(0)
    text = log.read()
    log.close()
    try:
        reply = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        reply = None
    if process.returncode == 0 and reply and reply.get("status") in ("ok", "skipped"):
        output = Path(reply["output"]) if reply.get("output") else None
        return Outcome(job, reply["status"], seconds, output)
    if reply and reply.get("message"):
        message = reply["message"]
    elif process.returncode and process.returncode < 0:
        message = f"worker killed by signal {-process.returncode}"
    else:
        message = f"worker exited with status {process.returncode}"
    if process.returncode != 0:
        _remove_orphaned_work(job)
    return Outcome(job, "failed", seconds, message=message, log=text)


def _stop(running: Mapping[int, tuple[subprocess.Popen[bytes], float, Path, TextIO]]) -> None:
    """Stop the workers. Ctrl-C in a terminal reached them already: give them time to clean up."""
    processes = [entry[0] for entry in running.values()]

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


def _remove_orphaned_work(job: Job) -> None:
    """Work folders of a worker that died before its own clean-up, if no one renders the topic now."""
    if not job.out_dir.is_dir() or not _lock_is_free(job):
        return
    _remove_work_folders(job)


def _remove_work_folders(job: Job) -> None:
    """Remove the topic's work folders and the old folders a publish swapped out.

    Only with the topic's lock held, or seen free.
    """
    import shutil

    for pattern in (f".{job.topic}-*", f".{job.topic}.*.old-*"):
        for folder in job.out_dir.glob(pattern):
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)


def summary_table(outcomes: Sequence[Outcome], *, show_example: bool = False) -> str:
    """A plain-text table: topic, seconds, status, output (and example when several)."""
    rows = []
    for outcome in outcomes:
        job = outcome.job
        output = _display(outcome.output) if outcome.succeeded else (outcome.message or "-")
        row = [job.topic, f"{outcome.seconds:.1f}", outcome.status, output]
        rows.append([job.example, *row] if show_example else row)
    header = ["topic", "seconds", "status", "output"]
    if show_example:
        header = ["example", *header]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    numeric = header.index("seconds")

    def fmt(row: Sequence[str]) -> str:
        cells = [
            str(cell).rjust(widths[i]) if i == numeric else str(cell).ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    lines = [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]
    return "\n".join(lines)


# ------------------------------------------------------------------------ the worker


def _worker(job_json: str, result_file: str) -> int:
    """Render one job (a worker process of :func:`run_batch`); the outcome goes to ``result_file``."""
    from attention_math import compute, load_example, load_lesson

    reply: dict[str, object]
    status = 0
    try:
        job = Job.from_json(job_json)
        lesson = load_lesson(job.lesson_path) if job.lesson_path else load_example(job.example)
        trace = compute(lesson_for(job.topic, lesson))
        outcome = render_one(job, trace)
        reply = {"status": outcome.status, "seconds": outcome.seconds, "output": str(outcome.output or "")}
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # reported to the parent; the traceback goes to the log
        traceback.print_exc()
        message = str(error).strip().splitlines()
        reply = {"status": "failed", "message": f"{type(error).__name__}: {message[0] if message else ''}"}
        status = 1
    Path(result_file).write_text(json.dumps(reply), encoding="utf-8")
    return status


if __name__ == "__main__":
    from .interrupts import stop_cleanly_on_signals

    stop_cleanly_on_signals()  # as render.py does: SIGTERM and a lost Ctrl-C still clean up
    if len(sys.argv) != 3:
        sys.exit("usage: python -m production.batch JOB_JSON RESULT_FILE  (a worker of render.py --all)")
    sys.exit(_worker(sys.argv[1], sys.argv[2]))
