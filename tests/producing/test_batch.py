"""Batch rendering: the cache key, the render record, the topic lock and the scheduler (no Manim here)."""

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
from click.testing import CliRunner

import production.runner
from attention_math import compute, load_example
from production import batch
from production.batch import (
    Job,
    Outcome,
    Progress,
    cached_result,
    record_path,
    render_key,
    render_one,
    run_batch,
)
from production.runner import RenderResult
from render import cli
from support.paths import ROOT


def job(tmp_path: Path, topic: str = "softmax", **changes: object) -> Job:
    return Job(topic, "default", tmp_path, **{"quality": "low", **changes})  # type: ignore[arg-type]


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
    for package in ("scenes", "attention_math"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "module.py").write_text("x = 1\n")
    (tmp_path / "scenes" / "notes.txt").write_text("not code")
    monkeypatch.setattr(batch, "_PROJECT", tmp_path)
    batch.code_version.cache_clear()
    try:
        before = batch.code_version()
        (tmp_path / "scenes" / "notes.txt").write_text("still not code")
        batch.code_version.cache_clear()
        assert batch.code_version() == before
        (tmp_path / "attention_math" / "module.py").write_text("x = 2\n")
        batch.code_version.cache_clear()
        assert batch.code_version() != before
    finally:
        batch.code_version.cache_clear()


# ------------------------------------------------------------------ the record


def test_record_is_never_seen_half_written_while_two_processes_rewrite_it(tmp_path):
    path = tmp_path / "cache" / "softmax.mp4.json"
    batch.write_record(path, {"writer": "none"})
    writer = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from production.batch import write_record
        name = sys.argv[1]
        for n in range(150):
            write_record(Path({str(path)!r}), {{"writer": name, "n": n, "padding": "x" * 200_000}})
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
        topic, trace, *, example, media_dir, quality, output_format, preview, progress, on_start
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
    def launch(job: Job, result_file: Path, log):
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
    assert [o.job.topic for o in outcomes] == topics
    assert [o.status for o in outcomes] == ["ok", "failed", "failed", "ok", "ok"]
    assert outcomes[1].message == "RuntimeError: the scores scene broke"
    assert "Traceback" in outcomes[1].log
    assert outcomes[2].message == "worker killed by signal 9"
    assert outcomes[4].output == Path("/media/overview.mp4")

    lines = stream.getvalue().splitlines()  # not a terminal: one line per start and per finish
    assert len(lines) == 10
    assert sum("start" in line for line in lines) == 5
    assert lines[-1].startswith("[5/5]")


def test_the_longest_renders_start_first_and_new_topics_before_them(tmp_path):
    seconds = {"embeddings": 9.0, "multihead": 47.5, "block": 18.3}
    for topic, taken in seconds.items():
        batch.write_record(
            record_path(job(tmp_path, topic)), {"schema": 1, "key": "old", "render_seconds": taken}
        )
    topics = ["embeddings", "projection", "multihead", "block"]
    started: list[str] = []
    outcomes = run_batch(
        [job(tmp_path, t) for t in topics],
        workers=1,
        launch=fake_launch(started),
        progress=Progress(4, io.StringIO()),
    )
    assert started == ["projection", "multihead", "block", "embeddings"]
    assert [o.job.topic for o in outcomes] == topics  # reported in pipeline order all the same


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

    def launch(job: Job, result_file: Path, log):
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
    lines = batch.summary_table(outcomes).splitlines()
    assert lines[0].split() == ["topic", "seconds", "status", "output"]
    assert lines[2].split()[:3] == ["embeddings", "12.3", "ok"]
    assert lines[2].endswith("embeddings.mp4")
    assert lines[3].split()[:3] == ["scores", "3.0", "failed"] and lines[3].endswith("RuntimeError: boom")
    assert lines[4].split()[:3] == ["softmax", "0.0", "skipped"]


def test_the_real_worker_reports_a_lesson_it_cannot_read(tmp_path):
    broken = job(tmp_path, lesson_path=str(tmp_path / "missing.toml"))
    [outcome] = run_batch([broken], workers=1, progress=Progress(1, io.StringIO()))
    assert outcome.status == "failed"
    assert "missing.toml" in outcome.message
    assert not (tmp_path / "default").exists()


# ------------------------------------------------------------------ the command line


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


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

    def launch(job: Job, result_file: Path, log):
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
    args = ["--scene", "softmax", "--quality", "low", "--media-dir", str(tmp_path)]
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
