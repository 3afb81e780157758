"""The batch's progress lines and summary: plain into a pipe, drawn with rich on a terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

from production.progress import Progress, print_summary, summary_table
from production.request import Outcome, RenderRequest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def outcomes(media: Path) -> list[Outcome]:
    def request(topic: str) -> RenderRequest:
        return RenderRequest(topic=topic, example="default", media_dir=media, quality="low")

    return [
        Outcome(request("embeddings"), "ok", 12.34, media / "default" / "embeddings.mp4"),
        Outcome(request("scores"), "failed", 3.0, message="RuntimeError: [boom]"),
        Outcome(request("softmax"), "skipped", 0.01, media / "default" / "softmax.mp4"),
    ]


def run(progress: Progress, done: list[Outcome]) -> None:
    for outcome in done[:2]:
        progress.started(outcome.request.topic)
    progress.tick({"embeddings": 0.0, "scores": 0.0})
    for outcome in done:
        progress.finished(outcome, outcome.request.topic)
    progress.close()


def test_into_a_pipe_each_start_and_finish_is_one_plain_line(tmp_path):
    stream = io.StringIO()
    run(Progress(3, stream, width=10), outcomes(tmp_path))
    lines = stream.getvalue().splitlines()
    assert "\x1b" not in stream.getvalue()  # no colour, no cursor movement
    assert lines[:2] == ["      start       embeddings", "      start       scores"]
    assert lines[2].startswith("[1/3] ok          embeddings    12.3 s  ")
    assert lines[3] == "[2/3] failed      scores         3.0 s  RuntimeError: [boom]"
    assert lines[4].startswith("[3/3] skipped     softmax        0.0 s  ")
    assert len(lines) == 5


def test_on_a_terminal_the_same_lines_come_coloured_by_status(tmp_path):
    stream = Terminal()
    run(Progress(3, stream, width=10), outcomes(tmp_path))
    text = stream.getvalue()
    assert "\x1b[32mok" in text  # green
    assert "\x1b[1;31mfailed" in text  # bold red
    plain = ANSI.sub("", text)
    for line in (
        "start       embeddings",
        "[1/3] ok          embeddings    12.3 s",
        "[2/3] failed      scores         3.0 s  RuntimeError: [boom]",  # brackets are not markup
        "[3/3] skipped     softmax        0.0 s",
    ):
        assert line in plain


def test_a_live_bar_shows_the_topics_rendering_and_is_cleared_at_the_end(tmp_path):
    stream = Terminal()
    progress = Progress(3, stream, width=10)
    progress.started("embeddings")
    assert progress._bar is not None and progress._bar.live.is_started
    descriptions = [task.description.strip() for task in progress._bar.tasks]
    assert descriptions == ["all topics", "embeddings"]
    progress.finished(outcomes(tmp_path)[0], "embeddings")
    assert [task.description.strip() for task in progress._bar.tasks] == ["all topics"]
    assert progress._bar.tasks[0].completed == 1
    progress.close()
    assert progress._bar is None


def test_the_summary_into_a_pipe_is_the_plain_table(tmp_path):
    stream = io.StringIO()
    print_summary(outcomes(tmp_path), stream=stream)
    assert stream.getvalue() == summary_table(outcomes(tmp_path)) + "\n"


def test_the_summary_on_a_terminal_is_a_table_with_the_same_rows(tmp_path):
    stream = Terminal()
    print_summary(outcomes(tmp_path), show_example=True, stream=stream)
    rows = [line.split() for line in ANSI.sub("", stream.getvalue()).splitlines() if line.strip()]
    assert rows[0] == ["example", "topic", "seconds", "status", "output"]
    body = [row for row in rows if row[0] == "default"]
    assert [row[1:4] for row in body] == [
        ["embeddings", "12.3", "ok"],
        ["scores", "3.0", "failed"],
        ["softmax", "0.0", "skipped"],
    ]
    assert " ".join(body[1][4:]) == "RuntimeError: [boom]"
