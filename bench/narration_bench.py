"""Narration's share of a render: a warm narrated render against a warm silent one, side by side.

Usage::

    python bench/narration_bench.py [--topics softmax,multihead] [--example default] [--runs 2]

For each topic, in one process: one silent and one narrated render to warm the
caches (shapes, synthesised speech), then ``--runs`` rounds of a silent render
and a narrated render, alternating; the fastest of each counts. Prints per
topic the seconds of each, the seconds of video each made (narration lengthens
steps: a step lasts as long as its speech), the ratio of render times and the
ratio per second of video; and how many sentences the timed narrated renders
had to synthesise (0: the audio came from the cache). Ratios are measured in
one run, so they hold on any machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attention_math import compute, load_example  # noqa: E402
from production.runner import render_topic  # noqa: E402
from production.voice import load_voice  # noqa: E402
from scenes import lesson_for  # noqa: E402


@click.command(help=__doc__)
@click.option("--topics", default="softmax,multihead", show_default=True, help="Comma-separated topics.")
@click.option("--example", default="default", show_default=True, help="Built-in example.")
@click.option("--quality", default="low", show_default=True, help="Render quality.")
@click.option("--runs", default=2, show_default=True, help="Timed rounds per topic.")
def main(topics: str, example: str, quality: str, runs: int) -> None:
    voice = load_voice()
    lesson = load_example(example)
    rows = []
    with tempfile.TemporaryDirectory(prefix="narration-bench-") as folder:
        media = Path(folder)
        for topic in topics.split(","):
            trace = compute(lesson_for(topic, lesson))

            def render(narrated: bool, trace=trace, topic=topic) -> tuple[float, float]:
                started = time.perf_counter()
                result = render_topic(
                    topic,
                    trace,
                    example=example,
                    media_dir=media,
                    quality=quality,
                    voice=voice if narrated else None,
                )
                return time.perf_counter() - started, result.duration

            render(False)
            render(True)
            before = voice.synthesised
            silent = min(render(False) for _ in range(runs))
            spoken = min(render(True) for _ in range(runs))
            rows.append((topic, silent, spoken, voice.synthesised - before))
            click.echo(f"{topic}: silent {silent[0]:.1f} s, narrated {spoken[0]:.1f} s", err=True)
    click.echo(f"narration's share, {quality} quality, example {example}, warm caches, fastest of {runs}\n")
    click.echo(
        "| topic | silent s | narrated s | video s silent / narrated | render ratio "
        "| per video second | synthesised |"
    )
    click.echo("| --- | --- | --- | --- | --- | --- | --- |")
    for topic, (silent_s, silent_video), (spoken_s, spoken_video), synthesised in rows:
        per_second = (spoken_s / spoken_video) / (silent_s / silent_video)
        click.echo(
            f"| {topic} | {silent_s:.1f} | {spoken_s:.1f} | {silent_video:.1f} / {spoken_video:.1f} "
            f"| {spoken_s / silent_s:.2f}× | {per_second:.2f}× | {synthesised} |"
        )


if __name__ == "__main__":
    main()
