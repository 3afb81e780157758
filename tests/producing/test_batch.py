"""Batch rendering: requests, the cache key, the render record, the topic lock, the plan and the scheduler.

No Manim here: renders are stand-ins that write the files a render writes.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import production.runner
from attention_math import compute, load_example
from production import batch, cache
from production.batch import load_lessons, plan_renders, render_one, run_batch
from production.cache import RenderRecord, cached_result, record_path, render_key, write_record
from production.files import write_text_atomically
from production.progress import Progress, summary_table
from production.request import Outcome, RenderRequest, WorkerReply
from production.runner import RenderResult
from production.settings import DEFAULT_QUALITY, QUALITIES
from scenes import TOPICS
from support.cli import run
from support.paths import ROOT


def job(tmp_path: Path, topic: str = "softmax", **changes: object) -> RenderRequest:
    settings: dict[str, object] = {"quality": "low", **changes}
    return RenderRequest(topic=topic, example="default", media_dir=tmp_path, **settings)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the request


def test_a_request_goes_to_a_worker_and_back_unchanged(tmp_path):
    request = job(
        tmp_path, "masking", lesson_file=tmp_path / "my lesson.toml", output_format="webm", force=True
    )
    assert RenderRequest.from_json(request.to_json()) == request
    assert RenderRequest.from_json(job(tmp_path).to_json()).lesson_file is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"quality": "ultra"}, "unknown quality 'ultra'"),
        ({"output_format": "avi"}, "unknown format 'avi'"),
        ({"topic": "sofmax"}, "unknown topic 'sofmax'"),
        ({"preview": "yes"}, "preview: expected bool"),
        ({"media_dir": None}, "media_dir: expected str"),
    ],
)
def test_a_malformed_request_is_refused_when_read(tmp_path, change, problem):
    data = {**json.loads(job(tmp_path).to_json()), **change}
    with pytest.raises(ValueError, match=problem):
        RenderRequest.from_json(json.dumps(data))
    with pytest.raises(ValueError, match="expected a JSON object"):
        RenderRequest.from_json("[1, 2]")


def test_a_request_is_built_by_keyword_with_the_one_default_quality(tmp_path):
    with pytest.raises(TypeError):
        RenderRequest("softmax", "default", tmp_path)  # type: ignore[misc]
    assert RenderRequest(topic="softmax", example="default", media_dir=tmp_path).quality == DEFAULT_QUALITY
    assert DEFAULT_QUALITY == "medium"


def test_a_worker_reply_reads_back_and_a_bad_one_is_refused(tmp_path):
    reply = WorkerReply(status="ok", output=tmp_path / "default" / "softmax.mp4")
    assert WorkerReply.from_json(reply.to_json()) == reply
    assert WorkerReply.from_json('{"status": "failed", "message": "boom"}').message == "boom"
    for text in ('{"status": "done"}', '{"status": "ok", "output": 3}', "not json"):
        with pytest.raises(ValueError):
            WorkerReply.from_json(text)


def test_the_quality_table_gives_the_frames_manim_renders():
    from manim.constants import QUALITIES as MANIM_QUALITIES

    for name, quality in QUALITIES.items():
        manim = MANIM_QUALITIES[quality.manim_key]
        assert (manim["pixel_width"], manim["pixel_height"], manim["frame_rate"]) == (
            quality.width,
            quality.height,
            quality.fps,
        ), name


# ------------------------------------------------------------------------- the key


def test_key_follows_the_lessons_numbers_and_settings_but_not_its_claims(tmp_path):
    lesson = load_example("default")
    key = render_key(job(tmp_path), lesson)
    assert render_key(job(tmp_path), load_example("default")) == key
    embeddings = np.array(lesson.embeddings)
    embeddings[0, 0] += 1e-12  # a change no display shows is still a change of input
    assert render_key(job(tmp_path), dataclasses.replace(lesson, embeddings=embeddings)) != key
    assert render_key(job(tmp_path), dataclasses.replace(lesson, decimals=3)) != key
    assert render_key(job(tmp_path, quality="medium"), lesson) != key
    assert render_key(job(tmp_path, output_format="webm"), lesson) != key
    assert render_key(job(tmp_path, topic="scores"), lesson) != key
    assert render_key(job(tmp_path), dataclasses.replace(lesson, claims={"q": np.zeros((4, 4))})) == key


def test_masking_is_keyed_on_the_causal_lesson_it_draws(tmp_path):
    lesson = load_example("default")
    causal = dataclasses.replace(lesson, causal=True)
    assert render_key(job(tmp_path, topic="masking"), lesson) == render_key(
        job(tmp_path, topic="masking"), causal
    )


def test_code_version_changes_with_any_scene_or_maths_source(tmp_path, monkeypatch):
    for package in ("scenes", "scenes/kit", "attention_math"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "module.py").write_text("x = 1\n")
    (tmp_path / "scenes" / "notes.txt").write_text("not code")
    monkeypatch.setattr(cache, "_PROJECT", tmp_path)
    cache.code_version.cache_clear()
    try:
        before = cache.code_version()
        (tmp_path / "scenes" / "notes.txt").write_text("still not code")
        cache.code_version.cache_clear()
        assert cache.code_version() == before
        (tmp_path / "attention_math" / "module.py").write_text("x = 2\n")
        cache.code_version.cache_clear()
        assert cache.code_version() != before
        before = cache.code_version()
        (tmp_path / "scenes" / "kit" / "module.py").write_text("x = 2\n")
        cache.code_version.cache_clear()
        assert cache.code_version() != before
    finally:
        cache.code_version.cache_clear()


def test_code_version_follows_the_output_code_but_not_the_page_progress_scheduler_or_cli(
    tmp_path, monkeypatch
):
    for package in ("scenes", "attention_math"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "module.py").write_text("x = 1\n")
    (tmp_path / "production" / "templates").mkdir(parents=True)
    around = [
        "production/page.py",
        "production/progress.py",
        "production/batch.py",
        "production/worker.py",
        "production/request.py",
        "production/cache.py",
        "production/settings.py",
        "production/templates/page.html",
        "render.py",
    ]
    for name in [*around, *cache.OUTPUT_MODULES]:
        (tmp_path / name).write_text("x = 1\n")
    monkeypatch.setattr(cache, "_PROJECT", tmp_path)
    cache.code_version.cache_clear()
    try:
        before = cache.code_version()
        for name in around:
            (tmp_path / name).write_text("x = 2  # edited\n")
            cache.code_version.cache_clear()
            assert cache.code_version() == before, name
        assert set(cache.OUTPUT_MODULES) >= {"production/runner.py", "production/output.py"}
        for name in cache.OUTPUT_MODULES:
            (tmp_path / name).write_text(f"x = 3  # {name} edited\n")
            cache.code_version.cache_clear()
            assert cache.code_version() != before, name
            before = cache.code_version()
    finally:
        cache.code_version.cache_clear()


def test_the_key_follows_the_library_versions_and_the_frame_a_quality_gives(tmp_path, monkeypatch):
    lesson = load_example("default")
    key = render_key(job(tmp_path), lesson)
    assert set(cache.LIBRARIES) == {"manim", "av", "manimpango", "typst", "numpy", "pycairo"}
    versions = {**cache._library_versions(), "av": "0.0.1"}
    monkeypatch.setattr(cache, "_library_versions", lambda: versions)
    assert render_key(job(tmp_path), lesson) != key
    monkeypatch.undo()
    assert render_key(job(tmp_path), lesson) == key
    faster = dataclasses.replace(QUALITIES["low"], fps=24)
    monkeypatch.setitem(QUALITIES, "low", faster)
    assert render_key(job(tmp_path), lesson) != key


# ------------------------------------------------------------------ the record


def test_record_is_never_seen_half_written_while_two_processes_rewrite_it(tmp_path):
    path = tmp_path / "cache" / "softmax.mp4.json"
    write_text_atomically(path, json.dumps({"writer": "none"}))
    writer = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from production.files import write_text_atomically
        name = sys.argv[1]
        for n in range(150):
            record = {{"writer": name, "n": n, "padding": "x" * 200_000}}
            write_text_atomically(Path({str(path)!r}), json.dumps(record), durable=True)
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", writer, name]) for name in ("a", "b")]
    reads = 0
    while any(w.poll() is None for w in writers):
        record = json.loads(path.read_text())  # raises if a read ever sees a partial file
        assert record["writer"] in ("none", "a", "b")
        reads += 1
    assert [w.returncode for w in writers] == [0, 0]
    assert reads > 10
    assert json.loads(path.read_text())["n"] == 149
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


def fake_render(seconds: float = 0.0, calls: list | None = None):
    """A stand-in for ``render_topic`` that writes the files a render writes."""

    def render_topic(
        topic,
        trace,
        *,
        example,
        media_dir,
        quality,
        output_format,
        preview,
        progress,
        on_start,
        voice=None,
        theme="dark",
        aspect="16:9",
        gif_width=640,
        gif_fps=10,
        parts=1,
    ):
        if calls is not None:
            calls.append(topic)
        time.sleep(seconds)
        out = Path(media_dir) / example
        out.mkdir(parents=True, exist_ok=True)
        files = {}
        for suffix in (output_format, "png", "numbers.json", "srt", "vtt"):
            files[suffix] = out / f"{topic}.{suffix}"
            files[suffix].write_text(f"{topic} {suffix} {time.time_ns()}")
        sections = out / f"{topic}.sections"
        sections.mkdir(exist_ok=True)
        (sections / "index.json").write_text("[]")
        return RenderResult(
            topic,
            files[output_format],
            files["png"],
            files["numbers.json"],
            12.5,
            files["srt"],
            files["vtt"],
            sections,
        )

    return render_topic


def test_an_unchanged_topic_is_skipped_and_force_or_a_changed_file_renders_it_again(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", fake_render(calls=calls))
    trace = compute(load_example("default"))
    first = render_one(job(tmp_path), trace)
    assert first.status == "ok" and first.output == tmp_path / "default" / "softmax.mp4"
    again = render_one(job(tmp_path), trace)
    assert again.status == "skipped" and again.result == first.result
    assert calls == ["softmax"]

    assert render_one(job(tmp_path, force=True), trace).status == "ok"
    (tmp_path / "default" / "softmax.sections" / "index.json").write_text("[ ]")
    assert render_one(job(tmp_path), trace).status == "ok"
    (tmp_path / "default" / "softmax.png").unlink()
    assert render_one(job(tmp_path), trace).status == "ok"
    assert render_one(job(tmp_path, output_format="webm"), trace).status == "ok"
    changed = compute(dataclasses.replace(load_example("default"), scale=False))
    assert render_one(job(tmp_path), changed).status == "ok"
    assert len(calls) == 6
    assert render_one(job(tmp_path), changed).status == "skipped"


def test_previews_are_not_cached(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", fake_render(calls=calls))
    trace = compute(load_example("default"))
    render_one(job(tmp_path, preview=True), trace)
    render_one(job(tmp_path, preview=True), trace)
    assert calls == ["softmax", "softmax"]
    assert not record_path(job(tmp_path, preview=True)).exists()


def test_a_corrupt_record_means_render_again(tmp_path, monkeypatch):
    monkeypatch.setattr(production.runner, "render_topic", fake_render())
    trace = compute(load_example("default"))
    render_one(job(tmp_path), trace)
    record_path(job(tmp_path)).write_text('{"schema": 1, "key": "trunc')
    assert cached_result(job(tmp_path), render_key(job(tmp_path), trace.lesson)) is None
    assert render_one(job(tmp_path), trace).status == "ok"


def test_two_renders_of_one_topic_at_once_take_turns_and_the_second_finds_the_first(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", fake_render(seconds=0.5, calls=calls))
    trace = compute(load_example("default"))
    outcomes: list[Outcome] = []
    waited = threading.Event()

    def render() -> None:
        outcomes.append(render_one(job(tmp_path), trace, on_wait=waited.set))

    threads = [threading.Thread(target=render) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    assert waited.is_set()
    assert sorted(o.status for o in outcomes) == ["ok", "skipped"]
    assert calls == ["softmax"]
    record = json.loads(record_path(job(tmp_path)).read_text())
    assert set(record["files"]) == {
        "softmax.mp4",
        "softmax.png",
        "softmax.numbers.json",
        "softmax.srt",
        "softmax.vtt",
        "softmax.sections/index.json",
    }


# ------------------------------------------------------------------------ the plan

NARROW = (
    'tokens = ["a", "b"]\nembeddings = [[1, 0], [0, 1]]\n'
    "w_q = [[1], [0]]\nw_k = [[1], [0]]\nw_v = [[1], [1]]\n"
)


def test_the_plan_computes_each_lesson_once_per_process(tmp_path, monkeypatch):
    computed: list[bool] = []
    real_compute = batch.compute

    def compute_counted(lesson):
        computed.append(lesson.causal)
        return real_compute(lesson)

    monkeypatch.setattr(batch, "compute", compute_counted)
    lessons = load_lessons(None, "default")
    requests = [job(tmp_path, topic) for topic in TOPICS]
    plan = plan_renders(requests, lessons)
    assert computed == [False, True]  # the lesson as it is, and the causal one the masking topic draws
    assert plan.problems == {} and plan.runnable == requests
    assert plan.traces[requests[0]] is plan.traces[requests[-1]]
    masking = next(r for r in requests if r.topic == "masking")
    assert plan.traces[masking].lesson.causal


def test_a_topic_that_cannot_be_drawn_fails_in_the_plan_and_the_others_render(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", fake_render(calls=calls))
    lesson_file = tmp_path / "narrow.toml"
    lesson_file.write_text(NARROW)
    lessons = load_lessons(str(lesson_file), None)
    assert list(lessons) == ["narrow"]
    requests = [
        RenderRequest(
            topic=topic, example="narrow", media_dir=tmp_path, lesson_file=lesson_file, quality="low"
        )
        for topic in ("softmax", "block", "overview")
    ]
    plan = plan_renders(requests, lessons)
    assert list(plan.problems) == [requests[1]] and plan.problems[requests[1]].startswith("block: ")
    outcomes = batch.run_plan(plan, in_process=True)  # one render path: here, a batch rendered in-process
    assert [o.status for o in outcomes] == ["ok", "failed", "ok"]
    assert outcomes[1].message == plan.problems[requests[1]]
    assert calls == ["softmax", "overview"]


def test_a_lesson_too_large_to_draw_stops_the_plan(tmp_path):
    from attention_math import LessonError

    lessons = load_lessons(str(ROOT / "tests" / "bad_lessons" / "seven-tokens.toml"), None)
    request = RenderRequest(topic="softmax", example="seven-tokens", media_dir=tmp_path)
    with pytest.raises(LessonError, match="7 tokens"):
        plan_renders([request], lessons)


# ------------------------------------------------------------------ the scheduler


WORKER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    job, result = json.loads(sys.argv[1]), sys.argv[2]
    time.sleep(0.2)
    if job["topic"] == "scores":
        print("Traceback (most recent call last):\\nRuntimeError: the scores scene broke")
        reply = {"status": "failed", "message": "RuntimeError: the scores scene broke"}
        open(result, "w").write(json.dumps(reply))
        sys.exit(1)
    if job["topic"] == "softmax":
        os.kill(os.getpid(), signal.SIGKILL)
    open(result, "w").write(json.dumps({"status": "ok", "output": "/media/" + job["topic"] + ".mp4"}))
    """
)


def fake_launch(started: list[str]):
    def launch(job: RenderRequest, result_file: Path, log):
        started.append(job.topic)
        return subprocess.Popen(
            [sys.executable, "-c", WORKER, job.to_json(), str(result_file)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    return launch


def test_a_failed_topic_does_not_stop_the_others(tmp_path):
    topics = ["embeddings", "scores", "softmax", "weighted_sum", "overview"]
    jobs = [job(tmp_path, topic) for topic in topics]
    started: list[str] = []
    stream = io.StringIO()
    outcomes = run_batch(jobs, workers=2, launch=fake_launch(started), progress=Progress(len(jobs), stream))
    assert started == topics
    assert [o.request.topic for o in outcomes] == topics
    assert [o.status for o in outcomes] == ["ok", "failed", "failed", "ok", "ok"]
    assert outcomes[1].message == "RuntimeError: the scores scene broke"
    assert "Traceback" in outcomes[1].log
    assert outcomes[2].message == "worker killed by signal 9"
    assert outcomes[4].output == Path("/media/overview.mp4")

    lines = stream.getvalue().splitlines()  # not a terminal: one line per start and per finish
    assert len(lines) == 10
    assert sum("start" in line for line in lines) == 5
    assert lines[-1].startswith("[5/5]")


def old_record(request: RenderRequest, seconds: float) -> RenderRecord:
    """The record of a render of ``request`` long ago, with another key: only its time counts."""
    out = request.out_dir
    result = RenderResult(request.topic, None, out / "x.png", out / "x.numbers.json", 1.0)
    return RenderRecord(
        key="old",
        topic=request.topic,
        example=request.example,
        quality=request.quality,
        output_format=request.output_format,
        code_version="old",
        render_seconds=seconds,
        result=result,
        files={},
    )


def test_the_longest_renders_start_first_and_new_topics_before_them(tmp_path):
    seconds = {"embeddings": 9.0, "multihead": 47.5, "block": 18.3}
    for topic, taken in seconds.items():
        write_record(job(tmp_path, topic), old_record(job(tmp_path, topic), taken))
    topics = ["embeddings", "projection", "multihead", "block"]
    started: list[str] = []
    outcomes = run_batch(
        [job(tmp_path, t) for t in topics],
        workers=1,
        launch=fake_launch(started),
        progress=Progress(4, io.StringIO()),
    )
    assert started == ["projection", "multihead", "block", "embeddings"]
    assert [o.request.topic for o in outcomes] == topics  # reported in pipeline order all the same


def test_no_more_workers_run_than_asked(tmp_path):
    running, most = 0, 0
    lock = threading.Lock()

    class Counted(subprocess.Popen):
        def poll(self):
            nonlocal running
            code = super().poll()
            if code is not None and not getattr(self, "_counted", False):
                self._counted = True
                with lock:
                    running -= 1
            return code

    def launch(job: RenderRequest, result_file: Path, log):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        return Counted([sys.executable, "-c", WORKER, job.to_json(), str(result_file)], stdout=log)

    jobs = [job(tmp_path, topic) for topic in ("embeddings", "positional", "projection", "overview")]
    outcomes = run_batch(jobs, workers=2, launch=launch, progress=Progress(4, io.StringIO()))
    assert [o.status for o in outcomes] == ["ok"] * 4
    assert most == 2


def test_summary_table_has_topic_seconds_status_and_output(tmp_path):
    outcomes = [
        Outcome(job(tmp_path, "embeddings"), "ok", 12.34, tmp_path / "default" / "embeddings.mp4"),
        Outcome(job(tmp_path, "scores"), "failed", 3.0, message="RuntimeError: boom"),
        Outcome(job(tmp_path, "softmax"), "skipped", 0.01, tmp_path / "default" / "softmax.mp4"),
    ]
    lines = summary_table(outcomes).splitlines()
    assert lines[0].split() == ["topic", "seconds", "status", "output"]
    assert lines[2].split()[:3] == ["embeddings", "12.3", "ok"]
    assert lines[2].endswith("embeddings.mp4")
    assert lines[3].split()[:3] == ["scores", "3.0", "failed"] and lines[3].endswith("RuntimeError: boom")
    assert lines[4].split()[:3] == ["softmax", "0.0", "skipped"]


def test_the_real_worker_reports_a_lesson_it_cannot_read(tmp_path):
    broken = job(tmp_path, lesson_file=tmp_path / "missing.toml")
    [outcome] = run_batch([broken], workers=1, progress=Progress(1, io.StringIO()))
    assert outcome.status == "failed"
    assert "missing.toml" in outcome.message
    assert not (tmp_path / "default").exists()


# ------------------------------------------------------------------ the command line


def test_unknown_topics_are_refused_with_the_valid_names(tmp_path):
    result = run("--topics", "softmax,sofmax", "--media-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "sofmax" in result.output and "weighted_sum" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scene", "softmax", "--all"], "either --scene or --all/--topics"),
        (["--all", "--topics", "softmax"], "either --all or --topics"),
        (["--scene", "softmax", "--page"], "--page needs --all or --topics"),
        (["--all", "--lesson", "x.toml", "--example", "default"], "either --lesson or --example"),
    ],
)
def test_conflicting_batch_options_are_refused(tmp_path, args, message):
    result = run(*args, "--media-dir", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.output
    assert not any(tmp_path.iterdir())


def test_a_bad_lesson_stops_a_batch_before_anything_renders(tmp_path):
    lesson = tmp_path / "bad.toml"
    lesson.write_text(
        'tokens = ["a"]\nembeddings = [[1, 2]]\nw_q = [[1, 0], [0, 1]]\nw_k = [[1, 0], [0, 1]]\n'
    )
    result = run("--all", "--lesson", str(lesson), "--media-dir", str(tmp_path / "media"))
    assert result.exit_code == 2
    assert result.output.strip().startswith("error:") and "w_v" in result.output
    assert not (tmp_path / "media").exists()


def test_ctrl_c_stops_the_workers_and_reports_the_unfinished_topics_interrupted(tmp_path):
    sleeper = (
        "import signal, sys, time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    sys.exit(130)\n"
    )
    processes: list[subprocess.Popen] = []

    def launch(job: RenderRequest, result_file: Path, log):
        processes.append(
            subprocess.Popen([sys.executable, "-c", sleeper], stdout=log, stderr=subprocess.STDOUT)
        )
        return processes[-1]

    jobs = [job(tmp_path, topic) for topic in ("embeddings", "positional", "projection")]
    timer = threading.Timer(
        1.0, lambda: os.kill(os.getpid(), signal.SIGINT)
    )  # Ctrl-C reaching this process only
    timer.start()
    started = time.perf_counter()
    outcomes = run_batch(jobs, workers=2, launch=launch, progress=Progress(3, io.StringIO()))
    timer.join()
    assert [o.status for o in outcomes] == ["interrupted"] * 3
    assert len(processes) == 2 and all(p.poll() is not None for p in processes)
    assert time.perf_counter() - started < 20


def test_the_single_topic_command_skips_an_unchanged_render_too(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", fake_render(calls=calls))
    args = ["--scene", "softmax", "--quality", "low", "--narration", "off", "--media-dir", str(tmp_path)]
    assert run(*args).exit_code == 0
    again = run(*args)
    assert again.exit_code == 0 and "unchanged since its last render" in again.output
    assert calls == ["softmax"]
    assert run(*args, "--force").exit_code == 0
    assert calls == ["softmax", "softmax"]


@pytest.mark.render
def test_ctrl_c_during_a_real_batch_exits_130_and_keeps_no_partial_files(tmp_path):
    root = ROOT
    command = [
        sys.executable,
        str(root / "render.py"),
        "--topics",
        "embeddings,masking",
        "--jobs",
        "2",
        "--quality",
        "low",
        "--narration",
        "off",
        "--media-dir",
        str(tmp_path),
    ]
    # A session of its own, so that Ctrl-C reaches the command and its workers, as in a terminal.
    process = subprocess.Popen(
        command,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    out = tmp_path / "default"
    deadline = time.monotonic() + 120
    while not (out.is_dir() and len([p for p in out.iterdir() if p.name.startswith(".")]) == 2):
        assert time.monotonic() < deadline and process.poll() is None, "the workers did not start rendering"
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    assert "interrupted" in stderr and "0 ok, 0 failed, 2 interrupted" in stdout
    assert list(out.iterdir()) == []


# -- issue 12: output names stay inside the media folder; jobs fit the machine ----------


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("..", "lesson"),  # "...toml": would write into the media folder's parent
        (".", "lesson"),  # "..toml": into the media root
        (".cache", "cache"),  # into the cache records
        ("teacher's lesson", "teacher-s-lesson"),  # an apostrophe breaks Manim's joining of movies
        ("a/b", "a-b"),
        ("lesson-1", "lesson-1"),
        ("café", "café"),
    ],
)
def test_a_lesson_files_stem_becomes_one_plain_folder_inside_the_media_folder(tmp_path, stem, name):
    from production.batch import output_name

    assert output_name(stem) == name
    request = RenderRequest(topic="softmax", example=output_name(stem), media_dir=tmp_path)
    assert request.out_dir.resolve().parent == tmp_path.resolve()


@pytest.mark.parametrize("example", ["..", ".", ".cache", "a/b", "../up"])
def test_a_request_refuses_an_output_outside_its_media_folder(tmp_path, example):
    with pytest.raises(ValueError, match=r"plain folder name|outside the media folder"):
        RenderRequest(topic="softmax", example=example, media_dir=tmp_path)


def test_a_lesson_named_dot_dot_renders_into_the_media_folder_not_its_parent(tmp_path):
    lesson = tmp_path / "...toml"
    lesson.write_text(
        'tokens = ["a", "b"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\n'
        "w_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\n",
        encoding="utf-8",
    )
    from production.batch import load_lessons

    assert list(load_lessons(str(lesson), None)) == ["lesson"]


def test_jobs_are_bounded_by_cores_and_by_memory(monkeypatch):
    from production import batch

    monkeypatch.setattr(batch, "default_jobs", lambda: 8)
    monkeypatch.setattr(batch, "available_memory", lambda: 3 * 2**30)
    assert batch.job_limit("low") == (6, "memory")  # 3 GiB / 500 MiB
    assert batch.job_limit("4k") == (1, "memory")  # one 4k render at a time in 3 GiB
    monkeypatch.setattr(batch, "available_memory", lambda: 64 * 2**30)
    assert batch.job_limit("high") == (8, "cores")
    monkeypatch.setattr(batch, "available_memory", lambda: None)
    assert batch.job_limit("4k") == (8, "cores")


def test_more_jobs_than_the_machine_allows_are_clamped_with_a_note(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import render

    monkeypatch.setattr(render, "job_limit", lambda quality: (2, "cores"))
    seen = {}
    monkeypatch.setattr(
        render, "_render_batch", lambda plan, topics, *, workers, page: seen.update(w=workers)
    )
    result = CliRunner().invoke(
        render.cli,
        ["--topics", "softmax,scores", "--jobs", "60", "--preview", "--media-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert seen["w"] == 2
    assert "--jobs 60 is more than this machine's cores allow; using 2" in result.output


def test_render_refuses_claims_that_name_nothing_with_the_same_line_as_check(tmp_path):
    from click.testing import CliRunner

    import render

    lesson = tmp_path / "claims.toml"
    lesson.write_text(
        'tokens = ["a", "b"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\n'
        "w_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\n"
        '[claims]\n"q[7][0]" = 1.0\n',
        encoding="utf-8",
    )
    checked = CliRunner().invoke(render.cli, ["check", str(lesson)])
    rendered = CliRunner().invoke(
        render.cli, ["--lesson", str(lesson), "--preview", "--media-dir", str(tmp_path / "media")]
    )
    line = "error: claims.q[7][0]: names nothing in the trace: index 7 is past the end of q (length 2)"
    assert checked.exit_code == rendered.exit_code == 2
    assert checked.output.strip() == rendered.output.strip() == line
    assert not (tmp_path / "media").exists()


@pytest.mark.render
def test_a_media_folder_with_an_apostrophe_renders_a_video(tmp_path):
    # Manim joins partial movies through an FFmpeg list file; an apostrophe broke it ('<none>').
    from attention_math import compute, load_example
    from production.runner import render_topic

    media = tmp_path / "teacher's media"
    result = render_topic(
        "embeddings",
        compute(load_example("i-love-coding")),
        example="i-love-coding",
        media_dir=media,
        quality="low",
    )
    assert result.video is not None and result.video.stat().st_size > 0
    assert result.video.parent == media / "i-love-coding"
    assert [p.name for p in (media / "i-love-coding").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (28, "the disk is full"),
        (27, "a file grew past the file-size limit"),
        (30, "the file system is read-only"),
    ],
)
def test_a_full_disk_or_read_only_folder_is_one_line_and_keeps_the_previous_files(
    tmp_path, monkeypatch, code, cause
):
    import errno
    import os

    from click.testing import CliRunner

    import render
    from production import runner

    assert (errno.ENOSPC, errno.EFBIG, errno.EROFS) == (28, 27, 30)
    media = tmp_path / "media"
    args = ["--scene", "softmax", "--example", "i-love-coding", "--preview", "--media-dir", str(media)]
    assert CliRunner().invoke(render.cli, args).exit_code == 0
    poster = media / "i-love-coding" / "preview" / "softmax.png"  # a still: beside no video
    before = poster.read_bytes()

    def no_room(source, target):
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(runner, "publish", no_room)
    result = CliRunner().invoke(render.cli, [*args, "--force"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == f"error: {poster.parent}: {cause}; the previous files were kept"
    assert "Traceback" not in result.output
    assert poster.read_bytes() == before
    assert [p.name for p in poster.parent.iterdir() if p.name.startswith(".")] == []


def test_the_cache_key_is_the_same_whichever_way_the_lesson_path_is_typed(tmp_path, monkeypatch):
    from attention_math import load_lesson
    from production.cache import render_key

    lesson = tmp_path / "mine.toml"
    lesson.write_text(
        'tokens = ["a", "b"]\nembeddings = [[1.0, 0.0], [0.0, 1.0]]\n'
        "w_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    request = RenderRequest(topic="softmax", example="mine", media_dir=tmp_path / "media", lesson_file=lesson)
    typed = [
        load_lesson("mine.toml"),
        load_lesson(lesson),
        load_lesson("./sub/../mine.toml".replace("sub/../", "")),
    ]
    assert len({render_key(request, each) for each in typed}) == 1


def test_a_batch_killed_outright_leaves_no_scratch_folder_after_the_next_batch(tmp_path):
    import subprocess
    import sys

    from production import batch

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs
    stale = tmp_path / f"attention-video-batch-{dead.pid}-abc"
    stale.mkdir()
    (stale / "reply.json").write_text("{}")
    alive = tmp_path / f"attention-video-batch-{os.getpid()}-xyz"
    alive.mkdir()
    batch._remove_stale_scratch(tmp_path)
    assert not stale.exists()
    assert alive.exists()  # a running batch's folder is left alone


@pytest.mark.render
def test_a_worker_stops_when_its_batch_is_killed_outright_and_publishes_nothing(tmp_path):
    import json
    import signal
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[2]
    media = tmp_path / "media"
    request = RenderRequest(
        topic="multihead", example="default", media_dir=media, quality="low", narration=False, force=True
    )
    # A stand-in batch: starts one worker, says its pid, then waits (as run_batch does).
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "w = subprocess.Popen([sys.executable, '-m', 'production.worker', sys.argv[1], sys.argv[2]])\n"
            "print(w.pid, flush=True)\n"
            "time.sleep(600)\n",
            request.to_json(),
            str(tmp_path / "reply.json"),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    out = media / "default"
    deadline = time.monotonic() + 120
    while not list(out.glob(".multihead-*")) and time.monotonic() < deadline:
        time.sleep(0.2)  # until the worker is rendering
    assert list(out.glob(".multihead-*")), "the worker never started rendering"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{worker}/stat").read_text().split()[2] == "Z":
            break
        time.sleep(0.2)
    else:
        os.kill(worker, signal.SIGKILL)
        raise AssertionError("the worker went on after its batch was killed")
    assert not (out / "multihead.mp4").exists()
    assert list(out.glob(".multihead-*")) == []  # it cleaned up its work folder
    assert not (tmp_path / "reply.json").exists() or json.loads((tmp_path / "reply.json").read_text())


def same_render(calls: list[str]):
    """A stand-in for ``render_topic`` whose files are the same bytes each time, as a real render's are.

    The video and its clips differ by format; the poster, manifest and captions
    do not (an MP4 and a WebM of one lesson show and say the same).
    """
    from production.output import sections_name
    from production.settings import output_folder

    def render_topic(
        topic,
        trace,
        *,
        example,
        media_dir,
        quality,
        output_format,
        preview,
        progress,
        on_start,
        voice=None,
        **look,
    ):
        calls.append(f"{topic}.{output_format}")
        out = output_folder(Path(media_dir), example, still=preview or output_format == "png")
        out.mkdir(parents=True, exist_ok=True)
        files = {}
        video = (output_format, "png", "numbers.json", "srt", "vtt")
        suffixes = ("png", "numbers.json") if preview else video
        for suffix in suffixes:
            files[suffix] = out / f"{topic}.{suffix}"
            files[suffix].write_text(f"{topic} {suffix} {'still' if preview else 'video'}")
        sections = None
        if not preview:
            sections = out / sections_name(topic, output_format)
            sections.mkdir(exist_ok=True)
            (sections / "index.json").write_text(f"[clips in {output_format}]")
        return RenderResult(
            topic,
            files.get(output_format),
            files["png"],
            files["numbers.json"],
            12.5,
            files.get("srt"),
            files.get("vtt"),
            sections,
        )

    return render_topic


def test_alternating_mp4_and_webm_renders_each_once(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", same_render(calls))
    trace = compute(load_example("default"))
    for output_format in ("mp4", "webm", "mp4", "webm", "mp4"):
        render_one(job(tmp_path, output_format=output_format), trace)
    assert calls == ["softmax.mp4", "softmax.webm"]
    out = tmp_path / "default"
    assert (out / "softmax.sections" / "index.json").read_text() == "[clips in mp4]"
    assert (out / "softmax.webm.sections" / "index.json").read_text() == "[clips in webm]"


def test_a_file_changed_in_place_is_noticed_even_with_its_size_and_time_kept(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", same_render(calls))
    trace = compute(load_example("default"))
    render_one(job(tmp_path), trace)
    manifest = tmp_path / "default" / "softmax.numbers.json"
    stat = manifest.stat()
    text = manifest.read_text()
    manifest.write_text(text.upper())  # same size
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time
    assert render_one(job(tmp_path), trace).status == "ok"
    assert calls == ["softmax.mp4", "softmax.mp4"]
    assert manifest.read_text() == text


def test_a_render_interrupted_while_its_files_move_into_place_is_rendered_again(tmp_path, monkeypatch):
    """A new manifest beside an old video: the record (written last) no longer matches: not trusted."""
    calls: list[str] = []
    trace = compute(load_example("default"))
    monkeypatch.setattr(production.runner, "render_topic", same_render(calls))
    render_one(job(tmp_path), trace)
    record_before = record_path(job(tmp_path)).read_bytes()

    def half_published(topic, trace, **settings):
        # A render of changed numbers that is interrupted after its manifest, before its video.
        result = same_render(calls)(topic, trace, **settings)
        result.manifest.write_text("new numbers")
        raise KeyboardInterrupt

    monkeypatch.setattr(production.runner, "render_topic", half_published)
    with pytest.raises(KeyboardInterrupt):
        render_one(job(tmp_path, force=True), trace)
    assert record_path(job(tmp_path)).read_bytes() == record_before  # no record of the half render
    assert cached_result(job(tmp_path), render_key(job(tmp_path), trace.lesson)) is None
    monkeypatch.setattr(production.runner, "render_topic", same_render(calls))
    assert render_one(job(tmp_path), trace).status == "ok"  # rendered again, not skipped


def test_a_preview_keeps_to_its_own_folder_and_leaves_the_video_current(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", same_render(calls))
    trace = compute(load_example("default"))
    video = render_one(job(tmp_path), trace)
    poster = (tmp_path / "default" / "softmax.png").read_bytes()
    still = render_one(job(tmp_path, preview=True), trace)
    assert still.result.poster == tmp_path / "default" / "preview" / "softmax.png"
    assert (tmp_path / "default" / "softmax.png").read_bytes() == poster
    assert job(tmp_path, preview=True).out_dir == tmp_path / "default" / "preview"
    assert render_one(job(tmp_path), trace).status == "skipped"
    assert video.status == "ok" and len(calls) == 2  # the video, the preview; then nothing


def test_a_batch_that_skips_a_topic_still_clears_what_a_killed_render_of_it_left(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", same_render(calls))
    lessons = {"default": load_example("default")}
    trace = compute(lessons["default"])
    render_one(job(tmp_path), trace)
    left = tmp_path / "default" / ".softmax-k1ll3d"  # a work folder of a render killed outright
    left.mkdir()
    (left / "frame.png").write_bytes(b"half")
    outcomes = run_batch([job(tmp_path)], workers=1, lessons=lessons)
    assert [o.status for o in outcomes] == ["skipped"]
    assert not left.exists()


def test_each_look_renders_into_its_own_folder_and_keeps_its_own_record(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(production.runner, "render_topic", look_render(calls))
    trace = compute(load_example("default"))
    looks = [{}, {"theme": "light"}, {"aspect": "9:16"}, {"theme": "light", "aspect": "4:3"}]
    folders = ["default", "default/light", "default/9x16", "default/light-4x3"]
    for look, folder in zip(looks, folders, strict=True):
        outcome = render_one(job(tmp_path, **look), trace)
        assert outcome.output == tmp_path / folder / "softmax.mp4"
        assert job(tmp_path, **look, preview=True).out_dir == tmp_path / folder / "preview"
    for look in looks:  # nothing replaced another look's files: every one is still current
        assert render_one(job(tmp_path, **look), trace).status == "skipped"
    assert len(calls) == len(looks)
    assert (tmp_path / "default" / "softmax.mp4").read_text() == "softmax dark 16:9"


def look_render(calls: list[str]):
    """A stand-in for ``render_topic`` whose video says the look it was rendered in."""
    from production.settings import output_folder

    def render_topic(topic, trace, *, example, media_dir, output_format, preview, theme, aspect, **rest):
        calls.append(topic)
        out = output_folder(Path(media_dir), example, still=preview, theme=theme, aspect=aspect)
        out.mkdir(parents=True, exist_ok=True)
        suffixes = (output_format, "png", "numbers.json")
        video, poster, manifest = (out / f"{topic}.{suffix}" for suffix in suffixes)
        video.write_text(f"{topic} {theme} {aspect}")
        poster.write_text(f"{topic} poster {theme} {aspect}")
        manifest.write_text("{}")
        return RenderResult(topic, video, poster, manifest, 12.5)

    return render_topic
