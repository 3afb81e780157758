"""Slow tier: `render.py --topics ... --page` and `--all --preview --page` for real, in headless Chromium.

The page is opened from disk (file://) and served over HTTP on 127.0.0.1 by a
``http.server`` that answers range requests, as any web server does (a browser
seeks in a video by asking for byte ranges). Chromium (the system's, no
download) is driven by playwright: no console errors, every video has a duration and
seeks, and the captions track loads its cues.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import pytest
from playwright.sync_api import ConsoleMessage, sync_playwright

from attention_math import EXAMPLES
from production.output import mp4_boxes
from scenes import TOPICS
from support.paths import ROOT

pytestmark = pytest.mark.render

PAGE_TOPICS = ["embeddings", "masking"]  # two short topics: the page's video checks
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render(*args: str, media: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "render.py"),
            *args,
            "--quality",
            "low",
            "--narration",
            "off",
            "--media-dir",
            str(media),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def lesson_page(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str], float]:
    media = tmp_path_factory.mktemp("media")
    started = time.perf_counter()
    result = render("--topics", ",".join(PAGE_TOPICS), "--page", "--jobs", "2", media=media)
    return media, result, time.perf_counter() - started


def test_batch_renders_the_topics_and_ends_with_a_summary_table(lesson_page):
    media, result, _ = lesson_page
    assert result.returncode == 0, result.stdout + result.stderr
    for topic in PAGE_TOPICS:
        assert f"start       {topic}" in result.stderr  # progress: a line when each topic starts...
    assert re.search(r"^\[2/2\] ok ", result.stderr, re.M)  # ... and one when it finishes
    lines = result.stdout.splitlines()
    header = next(
        i for i, line in enumerate(lines) if line.split() == ["topic", "seconds", "status", "output"]
    )
    rows = [line.split() for line in lines[header + 2 : header + 2 + len(PAGE_TOPICS)]]
    assert [(row[0], row[2]) for row in rows] == [(topic, "ok") for topic in PAGE_TOPICS]
    assert all(row[3].endswith(f"default/{row[0]}.mp4") for row in rows)
    assert "2 topics in" in result.stdout and "2 ok, 0 failed" in result.stdout
    assert (media / "default" / "index.html").exists()


def test_a_second_run_skips_every_unchanged_topic(lesson_page):
    media, first, seconds = lesson_page
    assert first.returncode == 0
    videos = {t: (media / "default" / f"{t}.mp4").stat().st_mtime_ns for t in PAGE_TOPICS}
    started = time.perf_counter()
    again = render("--topics", ",".join(PAGE_TOPICS), "--page", "--jobs", "2", media=media)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 ok, 2 skipped, 0 failed" in again.stdout
    assert time.perf_counter() - started < seconds / 2
    assert {t: (media / "default" / f"{t}.mp4").stat().st_mtime_ns for t in PAGE_TOPICS} == videos


def test_each_topic_has_a_web_ready_video_captions_and_step_clips(lesson_page):
    media, result, _ = lesson_page
    assert result.returncode == 0
    out = media / "default"
    for topic in PAGE_TOPICS:
        video = out / f"{topic}.mp4"
        boxes = mp4_boxes(video)
        assert boxes.index("moov") < boxes.index("mdat")  # plays before it has fully downloaded
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
            seconds = float(stream.duration * stream.time_base)
        steps = json.loads((out / f"{topic}.numbers.json").read_text())["steps"]
        clips = json.loads((out / f"{topic}.sections" / "index.json").read_text())
        assert [c["caption"] for c in clips] == steps
        for clip in clips:
            assert (out / f"{topic}.sections" / clip["video"]).is_file()  # relative to the index
        vtt = (out / f"{topic}.vtt").read_text()
        cue_times = re.findall(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> ", vtt, re.M)
        starts = [int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000 for h, m, s, ms in cue_times]
        assert len(starts) == len(steps)
        assert starts == pytest.approx([c["start"] for c in clips], abs=0.001)  # captions and clips agree
        assert clips[-1]["end"] == pytest.approx(seconds, abs=0.1)
        texts = [line for block in vtt.strip().split("\n\n")[1:] for line in block.splitlines()[2:]]
        assert texts == steps  # the step captions, which hold no numbers by design
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no work folders left


# --------------------------------------------------------------------- the browser


class RangeHandler(SimpleHTTPRequestHandler):
    """``http.server`` plus byte ranges (RFC 9110), quietly."""

    def log_message(self, format, *args):
        pass

    def send_head(self):
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = match.groups()
        start = int(first) if first else max(0, size - int(last))
        end = min(int(last), size - 1) if first and last else size - 1
        if start >= size:
            self.send_error(416)
            return None
        file = open(path, "rb")
        file.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return file

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0:
            chunk = source.read(min(64 * 1024, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(directory)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Browser:
    """Headless system Chromium driven by playwright: open a page, evaluate script, collect console errors.

    No browser is downloaded: playwright launches the Chromium the system has
    (``executable_path``). Console errors include failed loads (Chromium logs
    them as errors) and uncaught exceptions in the page.
    """

    def __init__(self, executable: str) -> None:
        self.playwright = sync_playwright().start()
        try:
            self.chromium = self.playwright.chromium.launch(
                executable_path=executable, headless=True, args=["--no-sandbox", "--mute-audio"]
            )
        except Exception:
            self.playwright.stop()
            raise
        self.page = self.chromium.new_page()
        self.page.set_default_timeout(60_000)
        self.errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"[:500]))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            self.errors.append(f"{message.text} {message.location.get('url', '')}"[:500])

    def open(self, url: str) -> None:
        self.errors.clear()
        self.page.goto(url, wait_until="load")

    def evaluate(self, script: str) -> object:
        return json.loads(self.page.evaluate(script))

    def console_errors(self) -> list[str]:
        return list(self.errors)

    def close(self) -> None:
        self.chromium.close()
        self.playwright.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/setup.sh installs it)")
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")
    chromium = Browser(CHROMIUM)
    try:
        yield chromium
    finally:
        chromium.close()


# Per video: wait for its metadata, load the captions, seek to the middle, load the poster.
CHECK_VIDEOS = """
(async () => {
  const wait = (target, events, ms) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve("timeout"), ms);
    for (const name of events) {
      target.addEventListener(name, () => { clearTimeout(timer); resolve(name); }, {once: true});
    }
  });
  const results = [];
  for (const video of document.querySelectorAll("video")) {
    if (video.readyState < 1) await wait(video, ["loadedmetadata", "error"], 20000);
    const track = video.querySelector("track");
    if (track) {
      track.track.mode = "hidden";  // loads the cues without drawing them over the drawn captions
      if (track.readyState < 2) await wait(track, ["load", "error"], 20000);
    }
    const target = Math.round(video.duration * 10 / 2) / 10;
    video.currentTime = target;
    const seek = await wait(video, ["seeked", "error"], 20000);
    const poster = new Image();
    poster.src = video.poster;
    const posterLoaded = await poster.decode().then(() => poster.naturalWidth, () => 0);
    results.push({
      id: video.id, duration: video.duration, error: video.error && video.error.code, seek, target,
      currentTime: video.currentTime, trackState: track ? track.readyState : null,
      cues: track && track.track.cues ? track.track.cues.length : 0, posterWidth: posterLoaded,
    });
  }
  return JSON.stringify({sections: [...document.querySelectorAll("section.topic")].map((s) => s.id),
                         tables: document.querySelectorAll("table.numbers").length, videos: results});
})()
"""


@pytest.mark.parametrize("where", ["file", "http"])
def test_page_plays_seeks_and_loads_captions_in_a_real_browser(lesson_page, browser, where):
    media, result, _ = lesson_page
    assert result.returncode == 0, result.stdout + result.stderr
    out = media / "default"
    steps = {t: len(json.loads((out / f"{t}.numbers.json").read_text())["steps"]) for t in PAGE_TOPICS}
    with serve(out) as base:
        browser.open(f"{base}/index.html" if where == "http" else (out / "index.html").as_uri())
        report = browser.evaluate(CHECK_VIDEOS)
    assert browser.console_errors() == []
    assert report["sections"] == PAGE_TOPICS
    assert report["tables"] >= len(PAGE_TOPICS)
    assert [v["id"] for v in report["videos"]] == [f"video-{t}" for t in PAGE_TOPICS]
    for video, topic in zip(report["videos"], PAGE_TOPICS, strict=True):
        assert video["error"] is None and video["duration"] > 10, video
        assert video["seek"] == "seeked" and abs(video["currentTime"] - video["target"]) < 0.2, video
        assert video["trackState"] == 2 and video["cues"] == steps[topic], video
        assert video["posterWidth"] == 854, video


def test_all_topics_preview_page_lists_every_topic_in_pipeline_order(tmp_path, browser):
    # The cheap way through `--all --page` with every topic: last frames only.
    result = render("--all", "--preview", "--page", "--jobs", "2", media=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(TOPICS)} topics in" in result.stdout
    page = tmp_path / "default" / "preview" / "index.html"  # stills keep out of the videos' folder
    browser.open(page.as_uri())
    report = browser.evaluate(
        """(() => {
             const topics = [...document.querySelectorAll("section.topic")];
             return JSON.stringify({
               sections: topics.map((s) => s.id),
               posters: topics.map((s) => s.querySelector("img")).map((i) => i.complete && i.naturalWidth),
               steps: topics.map((s) => s.querySelectorAll(".steps li").length),
               tables: topics.map((s) => s.querySelectorAll("table").length)});
           })()"""
    )
    assert browser.console_errors() == []
    assert report["sections"] == list(TOPICS)
    assert report["posters"] == [854] * len(TOPICS)
    assert all(n >= 3 for n in report["steps"]) and all(n >= 1 for n in report["tables"])


def test_example_all_writes_a_page_per_example_and_an_index_of_them(tmp_path):
    real = tmp_path / "default" / "index.html"  # a real render's page: previews must leave it alone
    real.parent.mkdir()
    real.write_text("the videos' page")
    result = render(
        "--example", "all", "--topics", "embeddings", "--preview", "--page", "--jobs", "2", media=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("example"))
    assert header.split() == ["example", "topic", "seconds", "status", "output"]
    for name in EXAMPLES:
        assert (tmp_path / name / "preview" / "embeddings.png").is_file()
        assert not (tmp_path / name / "embeddings.png").exists()
        assert 'id="embeddings"' in (tmp_path / name / "preview" / "index.html").read_text()
    index = (tmp_path / "previews.html").read_text()
    assert all(f'href="{name}/preview/index.html"' in index for name in EXAMPLES)
    assert real.read_text() == "the videos' page" and not (tmp_path / "index.html").exists()
