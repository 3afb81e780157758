"""Render-speed benchmark: how long each topic takes, against the encoder's own limit.

One run measures, each render in a child process of its own (so peak memory is
that render's alone and a cold run really starts cold):

* every topic of the default example at low quality (854×480, 15 fps), cold
  (fresh media dir, fresh process) then warm (second run into the same media dir);
  chosen topics at high quality (1920×1080, 60 fps), warm only (time budget);
* for each: wall seconds of ``render_topic``, seconds of render per second of
  video, CPU seconds (user + system, robust to a busy machine), peak RSS;
* the lower bound: encoding the same frames (decoded from the rendered video)
  with Manim's own segment encoder and settings (same codec, pixel format,
  options, same per-animation segments), frames already in memory, and each
  topic's ratio render time ÷ lower bound;
* how cost grows with the lesson (tokens and d_model of 2, 4 and 8) for the
  ``scores`` and ``multihead`` topics;
* preview latency: ``python render.py --scene T --preview``, process start included;
* ``render.py --all --jobs 1`` vs ``--jobs 2`` when the CLI has that batch mode.

Writes ``bench/results/render_bench.md`` and ``.json``. Run it on a quiet machine::

    make bench                                 # the full run (about 25 minutes on 2 cores)
    python bench/render_bench.py --quick       # a fast subset, for checking the script
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
CACHE_ENV = "ATTENTION_VIDEO_CACHE"  # production.shape_store.CACHE_ENV, named here before sys.path is set

#: What the full run renders at high quality: warm only, the shortest video, to fit the time budget.
HIGH_TOPICS = ("embeddings",)
#: What the parts measurement renders at medium quality, in as many processes as cores.
PARTS_TOPICS = ("multihead",)
#: What the batch measurement renders (None: ``--all``). Six topics of similar length, so two
#: workers can split them evenly; every topic would take about twice as long.
BATCH_TOPICS: tuple[str, ...] | None = (
    "embeddings",
    "positional",
    "projection",
    "scores",
    "softmax",
    "weighted_sum",
)
#: The lesson sizes of the growth measurement: (tokens, d_model), one axis at a time around 4×4.
GROWTH_SIZES = ((2, 4), (4, 4), (8, 4), (4, 2), (4, 8))
GROWTH_TOPICS = ("scores", "multihead")
QUICK_TOPICS = ("scores",)
QUICK_GROWTH_SIZES = ((2, 2), (4, 2), (2, 4))
#: Whole-run budget: optional measurements are skipped (and marked so) past it.
BUDGET_SECONDS = 35 * 60

TARGETS = {
    "preview_ratio": 2.5,  # warm preview, process start included, ÷ `import manim`
    "medium_ratio": 2.5,  # render ÷ encode-only lower bound, default (medium) quality, warm
    "parts_speedup": 1.6,  # one video in parts on every core vs in one process
    "low_ratio": 4.0,  # render ÷ encode-only lower bound, low quality, warm
    "high_ratio": 2.0,  # the same at high quality
    "batch_speedup": 1.7,  # --all --jobs 2 vs --jobs 1
    "growth_exponent": 1.0,  # cost ∝ cells^k with k at most this
}

WORDS = ("we", "read", "the", "long", "lesson", "twice", "then", "rest")


# --------------------------------------------------------------------------- child processes


@dataclass
class ChildRun:
    """One child process: its wall time, CPU time and peak memory, and what it reported."""

    command: list[str]
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    returncode: int
    report: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""


def run_child(
    command: list[str], *, report: Path | None = None, cache_dir: Path | None = None, timeout: float = 1800
) -> ChildRun:
    """Run ``command``, reaping it with ``wait4`` to read its own rusage (peak RSS, CPU).

    ``cache_dir`` is the child's cache of built text and formula mobjects
    (``$ATTENTION_VIDEO_CACHE``): a new folder makes the run cold.
    """
    env = dict(os.environ)
    if cache_dir is not None:
        env[CACHE_ENV] = str(cache_dir)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        tail = err.read().decode("utf-8", "replace")[-2000:]
    data: dict[str, Any] = {}
    if report is not None and report.exists():
        data = json.loads(report.read_text())
    return ChildRun(
        command=command,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux: kilobytes
        returncode=proc.returncode,
        report=data,
        stderr_tail=tail if proc.returncode else "",
    )


def _child_command(kind: str, spec: dict[str, Any], report: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), kind, json.dumps(spec), str(report)]


def _lesson(spec: dict[str, Any]):
    from attention_math import lesson_from_dict, load_example

    if "lesson" in spec:
        return lesson_from_dict(spec["lesson"], spec["example"])
    return load_example(spec["example"])


def child_render(spec: dict[str, Any], report: Path) -> None:
    """In the child: render one topic through ``render_topic``, recording Manim's segments."""
    started = time.perf_counter()
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    from attention_math import compute
    from production.runner import render_topic
    from scenes import lesson_for

    imported = time.perf_counter()
    segments: list[int] = []
    specs: list[dict[str, Any]] = []
    original_init, original_finish = VideoSegmentEncoder.__init__, VideoSegmentEncoder.finish

    def init(self, *, target, spec):  # type: ignore[no-untyped-def]
        original_init(self, target=target, spec=spec)
        if not specs:
            specs.append(_spec_json(spec))

    def finish(self):  # type: ignore[no-untyped-def]
        if not self._closed:
            segments.append(self._next_pts)
        original_finish(self)

    VideoSegmentEncoder.__init__, VideoSegmentEncoder.finish = init, finish  # type: ignore[method-assign]
    trace = compute(lesson_for(spec["topic"], _lesson(spec)))
    voice = None
    if spec.get("narration", True) and not spec.get("preview", False):
        from production.batch import loaded_voice

        voice = loaded_voice(None)  # loaded before the clock starts, as render.py's preflight does
    cpu_before = time.process_time()
    before = time.perf_counter()
    result = render_topic(
        spec["topic"],
        trace,
        example=spec["example"],
        media_dir=Path(spec["media_dir"]),
        quality=spec["quality"],
        preview=spec.get("preview", False),
        voice=voice,
        parts=spec.get("parts", 1),
    )
    render_s = time.perf_counter() - before
    cpu_render = time.process_time() - cpu_before
    numbers = json.loads(result.manifest.read_text())["numbers"]
    report.write_text(
        json.dumps(
            {
                "import_s": imported - started,
                "render_s": render_s,
                "render_cpu_s": cpu_render,
                "video_s": result.duration,
                "video": str(result.video) if result.video else None,
                "segments": segments,
                "frames": sum(segments),
                "encoder": specs[0] if specs else None,
                "numbers_drawn": len(numbers),
            }
        )
    )


def child_frames(spec: dict[str, Any], report: Path) -> None:
    """In the child: whether the videos decode to the same frames (a SHA-256 of each frame compared)."""
    import hashlib

    import av

    digests = []
    for video in spec["videos"]:
        with av.open(video) as container:
            digests.append(
                [
                    hashlib.sha256(f.to_ndarray(format="rgb24").tobytes()).hexdigest()
                    for f in container.decode(video=0)
                ]
            )
    report.write_text(
        json.dumps({"frames": [len(d) for d in digests], "same": all(d == digests[0] for d in digests)})
    )


def _spec_json(spec: Any) -> dict[str, Any]:
    return {
        "container_format": spec.container_format,
        "codec": spec.codec,
        "pixel_format": spec.pixel_format,
        "width": spec.width,
        "height": spec.height,
        "frame_rate": [spec.frame_rate.numerator, spec.frame_rate.denominator],
        "options": [list(option) for option in spec.options],
    }


def child_encode(spec: dict[str, Any], report: Path) -> None:
    """In the child: the lower bound. Encode the video's frames again, from memory.

    Frames are decoded from the rendered video (untimed) one Manim segment at a
    time into RGBA arrays, then encoded with Manim's own ``VideoSegmentEncoder``
    and resolved encoder settings (timed: open, every frame, flush, close).
    """
    from fractions import Fraction

    import av
    import numpy as np
    from manim._config.video_encoder import VideoEncoderSpec
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    enc = spec["encoder"]
    encoder_spec = VideoEncoderSpec(
        container_format=enc["container_format"],
        codec=enc["codec"],
        pixel_format=enc["pixel_format"],
        width=enc["width"],
        height=enc["height"],
        frame_rate=Fraction(*enc["frame_rate"]),
        options=tuple(tuple(option) for option in enc["options"]),  # type: ignore[misc]
    )
    work = Path(tempfile.mkdtemp(prefix="encode-bound-"))
    encode_s = decode_s = encode_cpu_s = 0.0
    frames_encoded = 0
    try:
        with av.open(spec["video"]) as container:
            decoded = container.decode(video=0)
            for index, count in enumerate(spec["segments"]):
                before = time.perf_counter()
                frames = []
                for _ in range(count):
                    frame = next(decoded, None)
                    if frame is None:
                        break
                    # Manim hands the encoder C-contiguous RGBA arrays; a decoded frame's rows may be padded.
                    frames.append(np.ascontiguousarray(frame.to_ndarray(format="rgba")))
                decode_s += time.perf_counter() - before
                if not frames:
                    break
                cpu = time.process_time()
                before = time.perf_counter()
                encoder = VideoSegmentEncoder(
                    target=work / f"{index:05d}.{enc['container_format']}", spec=encoder_spec
                )
                for pixels in frames:
                    encoder.write_frame(pixels)
                encoder.finish()
                encode_s += time.perf_counter() - before
                encode_cpu_s += time.process_time() - cpu
                frames_encoded += len(frames)
                del frames
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.write_text(
        json.dumps(
            {
                "encode_s": encode_s,
                "encode_cpu_s": encode_cpu_s,
                "decode_s": decode_s,
                "frames": frames_encoded,
                "segments": len(spec["segments"]),
            }
        )
    )


# --------------------------------------------------------------------------- lessons and machine


def growth_lesson(n_tokens: int, d_model: int, heads: int, seed: int) -> dict[str, Any]:
    """A lesson of one-decimal numbers in [-1, 1] (fixed seed), with W_o."""
    rng = random.Random(seed)

    def matrix(rows: int, cols: int) -> list[list[float]]:
        return [[rng.randint(-10, 10) / 10 for _ in range(cols)] for _ in range(rows)]

    return {
        "description": (
            f"benchmark lesson: {n_tokens} tokens, d_model {d_model}, {heads} head(s), one-decimal numbers"
        ),
        "tokens": list(WORDS[:n_tokens]),
        "embeddings": matrix(n_tokens, d_model),
        "w_q": matrix(d_model, d_model),
        "w_k": matrix(d_model, d_model),
        "w_v": matrix(d_model, d_model),
        "w_o": matrix(d_model, d_model),
        "heads": heads,
        "decimals": 2,
    }


def describe_machine() -> dict[str, Any]:
    import av
    import manim

    cpu_model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "manim": manim.__version__,
        "pyav": av.__version__,
        "platform": platform.platform(),
    }


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# --------------------------------------------------------------------------- the run


class Bench:
    """Runs the measurements in priority order, skipping optional ones past the budget."""

    def __init__(self, work: Path, budget_s: float, log: bool = True) -> None:
        self.work = work
        self.budget_s = budget_s
        self.started = time.perf_counter()
        self.log_enabled = log
        self.skipped: list[str] = []
        self.failures: list[str] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def log(self, message: str) -> None:
        if self.log_enabled:
            click.echo(f"[{self.elapsed():6.0f} s] {message}", err=True)

    def over_budget(self, what: str, estimate_s: float = 0.0) -> bool:
        if self.elapsed() + estimate_s > self.budget_s:
            self.skipped.append(
                f"{what} (time budget: {self.elapsed():.0f} s used, about {estimate_s:.0f} s more needed)"
            )
            self.log(f"skipped {what}: over the time budget")
            return True
        return False

    def render(
        self,
        topic: str,
        quality: str,
        media_dir: Path,
        cache_dir: Path,
        *,
        example: str = "default",
        lesson: dict[str, Any] | None = None,
        preview: bool = False,
        parts: int = 1,
    ) -> ChildRun:
        spec: dict[str, Any] = {
            "topic": topic,
            "quality": quality,
            "media_dir": str(media_dir),
            "example": example,
            "preview": preview,
            "narration": True,
            "parts": parts,
        }
        if lesson is not None:
            spec["lesson"] = lesson
        report = Path(tempfile.mkstemp(prefix="render-", suffix=".json", dir=self.work)[1])
        report.unlink()
        run = run_child(_child_command("_render", spec, report), report=report, cache_dir=cache_dir)
        if run.returncode:
            self.failures.append(
                f"render {topic} {quality} ({example}): exit {run.returncode}: "
                f"{run.stderr_tail.strip()[-400:]}"
            )
        return run

    def encode_bound(self, render: ChildRun) -> ChildRun | None:
        if render.returncode or not render.report.get("video") or not render.report.get("encoder"):
            return None
        report = Path(tempfile.mkstemp(prefix="encode-", suffix=".json", dir=self.work)[1])
        report.unlink()
        spec = {
            "video": render.report["video"],
            "segments": render.report["segments"],
            "encoder": render.report["encoder"],
        }
        run = run_child(_child_command("_encode", spec, report), report=report)
        if run.returncode:
            self.failures.append(
                f"encode bound of {render.report.get('video')}: exit {run.returncode}: "
                f"{run.stderr_tail.strip()[-400:]}"
            )
            return None
        return run

    def same_frames(self, videos: list[str]) -> dict[str, Any] | None:
        report = Path(tempfile.mkstemp(prefix="frames-", suffix=".json", dir=self.work)[1])
        report.unlink()
        run = run_child(_child_command("_frames", {"videos": videos}, report), report=report)
        if run.returncode:
            self.failures.append(
                f"comparing frames of {videos}: exit {run.returncode}: {run.stderr_tail[-400:]}"
            )
            return None
        return run.report

    def import_manim(self, runs: int = 3) -> float:
        """The median wall time of ``python -c "import manim"``, process start included."""
        times = sorted(run_child([sys.executable, "-c", "import manim"]).wall_s for _ in range(runs))
        return times[len(times) // 2]

    def cli(self, args: list[str], cache_dir: Path) -> ChildRun:
        run = run_child([sys.executable, "render.py", *args], cache_dir=cache_dir)
        if run.returncode:
            self.failures.append(
                f"render.py {' '.join(args)}: exit {run.returncode}: {run.stderr_tail.strip()[-400:]}"
            )
        return run


def _render_row(
    topic: str, quality: str, state: str, run: ChildRun, bound: ChildRun | None
) -> dict[str, Any]:
    rep = run.report
    row: dict[str, Any] = {
        "topic": topic,
        "quality": quality,
        "state": state,
        "ok": run.returncode == 0,
        "process_wall_s": round(run.wall_s, 2),
        "process_cpu_s": round(run.cpu_s, 2),
        "max_rss_mb": round(run.max_rss_mb, 1),
    }
    if run.returncode == 0:
        row.update(
            import_s=round(rep["import_s"], 2),
            render_s=round(rep["render_s"], 2),
            render_cpu_s=round(rep["render_cpu_s"], 2),
            render_cpu_per_video_s=round(rep["render_cpu_s"] / rep["video_s"], 3) if rep["video_s"] else None,
            video_s=round(rep["video_s"], 2),
            frames=rep["frames"],
            segments=len(rep["segments"]),
            render_per_video_s=round(rep["render_s"] / rep["video_s"], 3) if rep["video_s"] else None,
            numbers_drawn=rep["numbers_drawn"],
            encoder=rep["encoder"],
            video=rep["video"],
        )
    if bound is not None:
        b = bound.report
        row.update(
            encode_bound_s=round(b["encode_s"], 2),
            encode_bound_cpu_s=round(b["encode_cpu_s"], 2),
            encode_bound_frames=b["frames"],
            ratio=round(rep["render_s"] / b["encode_s"], 2) if b["encode_s"] else None,
            cpu_ratio=round(rep["render_cpu_s"] / b["encode_cpu_s"], 2) if b["encode_cpu_s"] else None,
        )
    return row


def _growth_exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(cost) against log(cells)."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def render_help() -> str:
    """``render.py --help``, to see which batch options the CLI has."""
    try:
        return subprocess.run(
            [sys.executable, "render.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def measure_batch(
    bench: Bench, results: dict[str, Any], topics: tuple[str, ...] | None, work: Path
) -> dict[str, Any]:
    """``render.py --topics ... --jobs 1`` then ``--jobs 2`` (low quality, fresh media dirs, ``--force``).

    ``topics`` empty means ``--all``; None means the measurement was not asked for.
    """
    from scenes import TOPICS

    if topics is None:
        return {"status": "skipped", "why": "not requested (--quick or --no-batch)"}
    help_text = render_help()
    if not (re.search(r"--all\b", help_text) and re.search(r"--jobs\b", help_text)):
        return {
            "status": "TODO",
            "why": "render.py has no --all/--jobs yet; re-run when the batch feature lands",
        }
    if topics and "--topics" in help_text:
        selection = ["--topics", ",".join(topics)]
    else:
        selection, topics = ["--all"], tuple(TOPICS)
    force = ["--force"] if "--force" in help_text else []
    measured = {
        r["topic"]: r["render_s"]
        for r in results["renders"]
        if r["quality"] == "low" and r["state"] == "warm" and r.get("render_s")
    }
    typical = sum(measured.values()) / len(measured) if measured else 20.0
    estimate = 1.7 * sum(measured.get(t, typical) + 1.5 for t in topics)  # --jobs 1, then about 0.7 of it
    if bench.over_budget(f"batch {' '.join(selection)} --jobs 1 vs 2", estimate):
        return {"status": "skipped", "why": "time budget"}
    runs = {}
    for jobs in (1, 2):
        media = work / f"batch-{jobs}"
        runs[jobs] = bench.cli(
            [*selection, "--jobs", str(jobs), "--quality", "low", *force, "--media-dir", str(media)],
            media / "mobject-cache",
        )
        bench.log(f"batch --jobs {jobs}: {runs[jobs].wall_s:.1f} s")
    return {
        "status": "measured",
        "command": f"render.py {' '.join(selection)} --jobs N --quality low {' '.join(force)}".strip(),
        "topics": topics,
        "jobs_1_wall_s": round(runs[1].wall_s, 1),
        "jobs_2_wall_s": round(runs[2].wall_s, 1),
        "jobs_1_cpu_s": round(runs[1].cpu_s, 1),
        "jobs_2_cpu_s": round(runs[2].cpu_s, 1),
        "speedup": round(runs[1].wall_s / runs[2].wall_s, 2) if runs[2].wall_s else None,
        "ok": runs[1].returncode == 0 and runs[2].returncode == 0,
    }


def run_bench(
    quick: bool,
    topics: tuple[str, ...],
    high_topics: tuple[str, ...],
    growth_topics: tuple[str, ...],
    growth_sizes: tuple[tuple[int, int], ...],
    batch: tuple[str, ...] | None,
    budget_s: float,
) -> dict[str, Any]:
    """Every measurement, in priority order; ``batch`` is the topics of the batch measurement (None: none)."""
    work = Path(tempfile.mkdtemp(prefix="render-bench-"))
    bench = Bench(work, budget_s)
    results: dict[str, Any] = {
        "mode": "quick" if quick else "full",
        "command": " ".join(["python bench/render_bench.py", *sys.argv[1:]]),
        "machine": describe_machine(),
        "load_average_start": load_average(),
        "settings": {
            "topics": list(topics),
            "high_quality_topics": list(high_topics),
            "high_quality_states": ["warm"],
            "growth_topics": list(growth_topics),
            "growth_sizes": [list(s) for s in growth_sizes],
            "budget_s": budget_s,
            "example": "default",
        },
        "renders": [],
        "parts": [],
        "import_manim_s": None,
        "previews": [],
        "growth": [],
        "batch": None,
        "targets": [],
    }
    try:
        # 0. What `import manim` takes on this machine: the yardstick of a preview.
        results["import_manim_s"] = round(bench.import_manim(), 3)
        bench.log(f"import manim: {results['import_manim_s']} s")

        # 1. Preview latency (the CLI, process start included), cold then warm.
        for topic in topics:
            media = work / f"preview-{topic}"
            for state in ("cold", "warm"):
                run = bench.cli(
                    ["--scene", topic, "--preview", "--media-dir", str(media)], media / "mobject-cache"
                )
                results["previews"].append(
                    {
                        "topic": topic,
                        "state": state,
                        "ok": run.returncode == 0,
                        "wall_s": round(run.wall_s, 2),
                        "cpu_s": round(run.cpu_s, 2),
                        "max_rss_mb": round(run.max_rss_mb, 1),
                    }
                )
                bench.log(f"preview {topic} {state}: {run.wall_s:.1f} s")

        # 2. Low quality, cold then warm, and the encode-only lower bound.
        for topic in topics:
            media = work / f"media-{topic}"
            for state in ("cold", "warm"):
                run = bench.render(topic, "low", media, media / "mobject-cache")
                bound = bench.encode_bound(run) if state == "warm" else None
                row = _render_row(topic, "low", state, run, bound)
                results["renders"].append(row)
                bench.log(
                    f"low {topic} {state}: render {row.get('render_s')} s, "
                    f"bound {row.get('encode_bound_s')} s"
                )

        def warm_renders(quality: str, chosen: tuple[str, ...], times_low: float, unknown: float) -> None:
            """Each topic at ``quality``, warm (into its low-quality runs' media dir), with its bound.

            Skipped past the budget, estimated as ``times_low`` the low render (``unknown`` s without one).
            """
            for topic in chosen:
                low = next((r for r in results["renders"] if r["topic"] == topic and r.get("render_s")), None)
                if bench.over_budget(
                    f"{quality} quality {topic}", low["render_s"] * times_low if low else unknown
                ):
                    continue
                media = work / f"media-{topic}"
                run = bench.render(topic, quality, media, media / "mobject-cache")
                row = _render_row(topic, quality, "warm", run, bench.encode_bound(run))
                results["renders"].append(row)
                bench.log(
                    f"{quality} {topic} warm: render {row.get('render_s')} s, "
                    f"bound {row.get('encode_bound_s')} s"
                )

        # 2b. The default quality (medium, 720p30), warm, narrated: what `make video` renders.
        warm_renders("medium", topics, 4, 120)

        # 2c. One video on every core: the same medium render with its steps in parts, frames compared.
        from production.parts import parts_for_cores

        cores = parts_for_cores()
        for topic in PARTS_TOPICS if cores > 1 else ():
            whole = next(
                (r for r in results["renders"] if r["topic"] == topic and r["quality"] == "medium"), None
            )
            if whole is None or not whole.get("render_s"):
                continue
            if bench.over_budget(f"parts {topic}", whole["render_s"]):
                continue
            media = work / f"parts-{topic}"
            run = bench.render(topic, "medium", media, work / f"media-{topic}" / "mobject-cache", parts=cores)
            entry: dict[str, Any] = {
                "topic": topic,
                "quality": "medium",
                "parts": cores,
                "ok": run.returncode == 0,
            }
            if run.returncode == 0:
                frames = bench.same_frames([whole["video"], run.report["video"]])
                entry.update(
                    whole_render_s=whole["render_s"],
                    parts_render_s=round(run.report["render_s"], 2),
                    speedup=round(whole["render_s"] / run.report["render_s"], 2),
                    process_cpu_s=round(run.cpu_s, 2),
                    frames=frames["frames"][0] if frames else None,
                    same_frames=frames["same"] if frames else None,
                )
            results["parts"].append(entry)
            bench.log(
                f"parts {topic}: {entry.get('parts_render_s')} s vs {entry.get('whole_render_s')} s whole"
            )

        # 3. High quality, warm only: about 10x the low render, plus its bound.
        warm_renders("high", high_topics, 15, 300)

        # 4. Batch rendering, when the CLI has it: the same topics with --jobs 1, then --jobs 2.
        results["batch"] = measure_batch(bench, results, batch, work)

        # 5. Growth with the lesson.
        for topic in growth_topics:
            for n_tokens, d_model in growth_sizes:
                # heads=2 needs an even d_model; 1 head where it is odd (none of the default sizes).
                heads = 2 if topic == "multihead" and d_model % 2 == 0 else 1
                if bench.over_budget(
                    f"growth {topic} {n_tokens}x{d_model}", 30 if topic == "multihead" else 12
                ):
                    continue
                lesson = growth_lesson(n_tokens, d_model, heads, seed=100 * n_tokens + d_model)
                name = f"bench-{n_tokens}x{d_model}"
                media = work / f"growth-{topic}-{name}"
                run = bench.render(topic, "low", media, media / "mobject-cache", example=name, lesson=lesson)
                row = _render_row(topic, "low", "cold", run, None)
                row.update(tokens=n_tokens, d_model=d_model, heads=heads)
                results["growth"].append(row)
                bench.log(
                    f"growth {topic} {n_tokens}x{d_model}: {row.get('render_s')} s, "
                    f"{row.get('numbers_drawn')} numbers"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results["encoder"] = {}
    for row in results["renders"]:
        if row.get("encoder"):
            results["encoder"].setdefault(row["quality"], row["encoder"])
        row.pop("encoder", None)
        row.pop("video", None)
    for row in results["growth"]:
        row.pop("encoder", None)
        row.pop("video", None)
    results["targets"] = evaluate_targets(results)
    results["skipped"] = bench.skipped
    results["failures"] = bench.failures
    results["load_average_end"] = load_average()
    results["elapsed_s"] = round(bench.elapsed(), 1)
    return results


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []
    warm_previews = [p for p in results["previews"] if p["state"] == "warm" and p["ok"]]
    manim = results.get("import_manim_s")
    if warm_previews and manim:
        worst = max(warm_previews, key=lambda p: p["wall_s"])
        over = sum(1 for p in warm_previews if p["wall_s"] > TARGETS["preview_ratio"] * manim)
        targets.append(
            {
                "target": f"every warm preview within {TARGETS['preview_ratio']}× `import manim` "
                f"({manim} s here; process start included)",
                "measured": f"worst {worst['wall_s']} s = {worst['wall_s'] / manim:.2f}× ({worst['topic']}); "
                f"{over} of {len(warm_previews)} topics over",
                "met": over == 0,
            }
        )
    for part in results.get("parts", []):
        if part.get("speedup") is not None:
            targets.append(
                {
                    "target": f"{part['topic']} at medium quality in {part['parts']} processes at least "
                    f"{TARGETS['parts_speedup']}× faster than in one, same decoded frames",
                    "measured": f"{part['speedup']}× "
                    f"({part['whole_render_s']} s -> {part['parts_render_s']} s), "
                    f"frames {'identical' if part['same_frames'] else 'DIFFERENT'} ({part['frames']})",
                    "met": part["speedup"] >= TARGETS["parts_speedup"] and bool(part["same_frames"]),
                }
            )
    for quality, key in (("medium", "medium_ratio"), ("low", "low_ratio"), ("high", "high_ratio")):
        rows = [
            r
            for r in results["renders"]
            if r["quality"] == quality and r["state"] == "warm" and r.get("ratio")
        ]
        if rows:
            worst = max(rows, key=lambda r: r["ratio"])
            targets.append(
                {
                    "target": f"{quality} quality render under {TARGETS[key]}× the encode-only lower bound",
                    "measured": f"worst {worst['ratio']}× ({worst['topic']})",
                    "met": worst["ratio"] < TARGETS[key],
                }
            )
        else:
            targets.append(
                {
                    "target": f"{quality} quality render under {TARGETS[key]}× the encode-only lower bound",
                    "measured": "not measured",
                    "met": None,
                }
            )
    batch = results.get("batch") or {}
    if batch.get("status") == "measured":
        targets.append(
            {
                "target": f"--all --jobs 2 at least {TARGETS['batch_speedup']}× faster than --jobs 1",
                "measured": f"{batch['speedup']}× ({len(batch['topics'])} topics)",
                "met": bool(batch["speedup"]) and batch["speedup"] >= TARGETS["batch_speedup"],
            }
        )
    else:
        targets.append(
            {
                "target": f"--all --jobs 2 at least {TARGETS['batch_speedup']}× faster than --jobs 1",
                "measured": f"{batch.get('status', 'not measured')}: {batch.get('why', '')}",
                "met": None,
            }
        )
    for topic in sorted({g["topic"] for g in results["growth"]}):
        points = [
            (g["numbers_drawn"], g["render_cpu_s"])
            for g in results["growth"]
            if g["topic"] == topic and g.get("numbers_drawn")
        ]
        exponent = _growth_exponent(points)
        if exponent is not None:
            targets.append(
                {
                    "target": f"{topic}: cost grows no worse than linearly in the numbers shown",
                    "measured": f"render CPU ∝ numbers^{exponent:.2f} over {len(points)} lessons",
                    "met": exponent <= TARGETS["growth_exponent"] + 0.1,
                }
            )
    return targets


# --------------------------------------------------------------------------- report


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> list[str]:
    lines = ["| " + " | ".join(title for _, title in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in columns) + " |")
    return lines


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    s = results["settings"]
    lines = [
        f"# Render benchmark ({results['mode']} run)",
        "",
        f"Generated by `{results.get('command', 'python bench/render_bench.py')}`; "
        "the same numbers are in the JSON file beside this one.",
        "",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gb']} GB; {m['platform']}; "
        f"Python {m['python']}, Manim {m['manim']}, PyAV {m['pyav']}.",
        f"Load average at start {results['load_average_start']}, at end {results['load_average_end']} "
        "(a load above the core count means other work shared the CPU: compare CPU seconds then).",
        f"Whole run: {results['elapsed_s']} s (budget {s['budget_s']:.0f} s).",
        "",
        "Cold: a fresh media dir, a fresh process and an empty cache of built text and formula mobjects "
        "(`$ATTENTION_VIDEO_CACHE`, see `production/shape_store.py`); "
        "Manim's own caching is off in every render. "
        "Warm: the second run with the same media dir and mobject cache. "
        "Render s: `render_topic` wall time in the child "
        "(process start and imports excluded; they are in process s). "
        "CPU s: user + system of the whole child process. Peak MB: the child's max RSS. "
        "Bound s: the encode-only lower bound — the same frames (decoded from the video), "
        "the same Manim `VideoSegmentEncoder` settings and per-animation segments, frames already in memory. "
        f"High quality: {', '.join(s['high_quality_topics']) or 'none'}, warm only (time budget).",
        "",
        "## Targets",
        "",
    ]
    for t in results["targets"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"- **{verdict}** — {t['target']}: {t['measured']}")
    lines += ["", "## Renders (default example)", ""]
    lines += _table(
        results["renders"],
        [
            ("topic", "topic"),
            ("quality", "quality"),
            ("state", "state"),
            ("render_s", "render s"),
            ("video_s", "video s"),
            ("render_per_video_s", "render s / video s"),
            ("frames", "frames"),
            ("process_wall_s", "process s"),
            ("process_cpu_s", "CPU s"),
            ("max_rss_mb", "peak MB"),
            ("encode_bound_s", "bound s"),
            ("ratio", "render ÷ bound"),
            ("render_cpu_s", "render CPU s"),
            ("encode_bound_cpu_s", "bound CPU s"),
            ("cpu_ratio", "CPU ratio"),
        ],
    )
    if results.get("parts"):
        lines += ["", "## One video in parts (`render.py --parts N`, medium quality, warm, narrated)", ""]
        lines += _table(
            results["parts"],
            [
                ("topic", "topic"),
                ("parts", "processes"),
                ("whole_render_s", "one process s"),
                ("parts_render_s", "in parts s"),
                ("speedup", "speedup"),
                ("process_cpu_s", "CPU s (parent)"),
                ("frames", "frames"),
                ("same_frames", "same decoded frames"),
            ],
        )
    lines += [
        "",
        "## Preview latency (`python render.py --scene T --preview`, process start included)",
        "",
        f'`python -c "import manim"` takes {results.get("import_manim_s")} s here (median of three).',
        "",
    ]
    lines += _table(
        results["previews"],
        [
            ("topic", "topic"),
            ("state", "state"),
            ("wall_s", "wall s"),
            ("cpu_s", "CPU s"),
            ("max_rss_mb", "peak MB"),
        ],
    )
    if results["growth"]:
        lines += [
            "",
            "## Growth with the lesson (low quality)",
            "",
            "Generated lessons of one-decimal numbers (fixed seeds); `scores` with 1 head, "
            "`multihead` with 2 (every d_model here is even, so no lesson needed to fall back to 1 head). "
            "8 tokens is more than the "
            "6 the CLI accepts as legible (`MAX_TOKENS`): those lessons are rendered through `render_topic` "
            "directly, for cost only. Numbers: distinct trace paths drawn (the matrix cells shown).",
            "",
        ]
        lines += _table(
            results["growth"],
            [
                ("topic", "topic"),
                ("tokens", "tokens"),
                ("d_model", "d_model"),
                ("heads", "heads"),
                ("numbers_drawn", "numbers"),
                ("render_s", "render s"),
                ("render_cpu_s", "render CPU s"),
                ("video_s", "video s"),
                ("render_cpu_per_video_s", "CPU s / video s"),
                ("max_rss_mb", "peak MB"),
            ],
        )
    batch = results.get("batch") or {}
    lines += ["", "## Batch (`render.py --all --jobs N`, low quality)", ""]
    if batch.get("status") == "measured":
        lines.append(
            f"`{batch['command']}` over {len(batch['topics'])} topics ({', '.join(batch['topics'])}): "
            f"--jobs 1 {batch['jobs_1_wall_s']} s, --jobs 2 {batch['jobs_2_wall_s']} s "
            f"(CPU {batch['jobs_1_cpu_s']} s and {batch['jobs_2_cpu_s']} s); speedup {batch['speedup']}×."
        )
    else:
        lines.append(f"**{batch.get('status', 'TODO')}**: {batch.get('why', '')}")
    encoder = results.get("encoder")
    if encoder:
        lines += [
            "",
            "## Encoder settings (read from Manim's resolved `VideoEncoderSpec` during the render)",
            "",
        ]
        for quality, spec in encoder.items():
            lines.append(
                f"- {quality}: {spec['container_format']}/{spec['codec']}/{spec['pixel_format']}, "
                f"{spec['width']}×{spec['height']} at {spec['frame_rate'][0]}/{spec['frame_rate'][1]} fps, "
                f"options {dict(spec['options'])}"
            )
    if results["skipped"]:
        lines += ["", "## Skipped", ""] + [f"- {s}" for s in results["skipped"]]
    if results["failures"]:
        lines += ["", "## Failures", ""] + [f"- {f}" for f in results["failures"]]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- command line


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--quick",
    is_flag=True,
    help=f"A fast subset: {', '.join(QUICK_TOPICS)} only, small growth lessons, no high quality, no batch.",
)
@click.option("--topics", help="Comma-separated topics (default: every topic; --quick: scores).")
@click.option(
    "--high",
    "high",
    help=(
        "Comma-separated topics to render at high quality, warm "
        f"(default: {','.join(HIGH_TOPICS)}; --quick: none)."
    ),
)
@click.option(
    "--batch/--no-batch",
    default=None,
    help="Measure render.py --jobs 1 vs --jobs 2 (default: yes, but not with --quick).",
)
@click.option(
    "--batch-topics",
    help="Comma-separated topics for the batch measurement, or 'all' for --all "
    f"(default: {','.join(BATCH_TOPICS) if BATCH_TOPICS else 'all'}).",
)
@click.option(
    "--budget-minutes",
    type=float,
    default=BUDGET_SECONDS / 60,
    show_default=True,
    help="Skip optional measurements once the run has taken this long.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=RESULTS,
    show_default=True,
    help="Where render_bench.md and render_bench.json go.",
)
@click.pass_context
def main(
    ctx: click.Context,
    quick: bool,
    topics: str | None,
    high: str | None,
    batch: bool | None,
    batch_topics: str | None,
    budget_minutes: float,
    out: Path,
) -> None:
    """Benchmark render speed: each topic at low and high quality, against the encoder's limit."""
    if ctx.invoked_subcommand is not None:
        return
    from scenes import TOPICS

    chosen = tuple(topics.split(",")) if topics else (QUICK_TOPICS if quick else tuple(TOPICS))
    unknown = [t for t in chosen if t not in TOPICS]
    if unknown:
        raise click.BadParameter(
            f"unknown topics {unknown}; choose from {', '.join(TOPICS)}", param_hint="--topics"
        )
    high_topics = tuple(t for t in (high.split(",") if high else ([] if quick else HIGH_TOPICS)) if t)
    growth_topics = QUICK_TOPICS if quick else GROWTH_TOPICS
    growth_sizes = QUICK_GROWTH_SIZES if quick else GROWTH_SIZES
    if batch is None:
        batch = not quick
    batch_selection: tuple[str, ...] | None = None
    if batch:
        if batch_topics == "all":
            batch_selection = ()
        elif batch_topics:
            batch_selection = tuple(batch_topics.split(","))
        else:
            batch_selection = BATCH_TOPICS or ()
    results = run_bench(
        quick,
        chosen,
        high_topics,
        growth_topics,
        growth_sizes,
        batch=batch_selection,
        budget_s=budget_minutes * 60,
    )
    out.mkdir(parents=True, exist_ok=True)
    stem = "render_bench_quick" if quick else "render_bench"
    (out / f"{stem}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / f"{stem}.md").write_text(markdown(results), encoding="utf-8")
    click.echo(markdown(results))
    click.echo(f"wrote {out / (stem + '.md')} and {out / (stem + '.json')}", err=True)


@main.command("_render", hidden=True)
@click.argument("spec")
@click.argument("report", type=click.Path(path_type=Path))
def _render_command(spec: str, report: Path) -> None:
    child_render(json.loads(spec), report)


@main.command("_frames", hidden=True)
@click.argument("spec")
@click.argument("report", type=click.Path(path_type=Path))
def _frames_command(spec: str, report: Path) -> None:
    child_frames(json.loads(spec), report)


@main.command("_encode", hidden=True)
@click.argument("spec")
@click.argument("report", type=click.Path(path_type=Path))
def _encode_command(spec: str, report: Path) -> None:
    child_encode(json.loads(spec), report)


if __name__ == "__main__":
    main()
