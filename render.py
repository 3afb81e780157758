"""attention-video command line: render attention topics, or check a lesson's numbers.

Examples::

    python render.py --scene projection                 # default example, medium quality
    python render.py --scene projection --preview       # last frame only, fast
    python render.py --scene projection --lesson my.toml --quality low
    python render.py --list                             # topics and built-in examples
    python render.py check my.toml                      # stated numbers vs computed
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from attention_math import (
    DEFAULT_EXAMPLE,
    EXAMPLES,
    LessonError,
    check_claims,
    compute,
    format_report,
    load_example,
    load_lesson,
)
from attention_math.lesson import Lesson
from scenes import DEFAULT_TOPIC, TOPICS, drawable_problem, lesson_for, topic_problem

QUALITY_NAMES = ("low", "medium", "high", "4k")
FORMAT_NAMES = ("mp4", "webm", "gif", "png")


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _resolve_lesson(lesson_path: str | None, example: str | None) -> tuple[Lesson, str]:
    """The lesson to use and the name its output folder gets."""
    if lesson_path and example:
        raise click.UsageError("give either --lesson or --example, not both")
    if lesson_path:
        lesson = load_lesson(lesson_path)
        return lesson, lesson.name
    name = example or DEFAULT_EXAMPLE
    return load_example(name), name


def _list() -> None:
    width = max(map(len, [*TOPICS, *EXAMPLES]))
    click.echo("Topics (--scene):")
    for name, summary in TOPICS.items():
        click.echo(f"  {name:<{width}}  {summary}")
    click.echo("\nBuilt-in examples (--example):")
    for name, description in EXAMPLES.items():
        marker = " (default)" if name == DEFAULT_EXAMPLE else ""
        click.echo(f"  {name:<{width}}  {description}{marker}")


@click.group(
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Run 'python render.py check --help' for the lesson checker.",
)
@click.option(
    "--scene",
    "topic",
    type=click.Choice(list(TOPICS)),
    default=DEFAULT_TOPIC,
    show_default=True,
    help="Topic to render (see --list).",
)
@click.option("--lesson", "lesson_path", metavar="FILE", help="Your lesson file (.toml or .json).")
@click.option(
    "--example",
    type=click.Choice(list(EXAMPLES)),
    help=f"Built-in example to render (default: {DEFAULT_EXAMPLE}).",
)
@click.option("--quality", type=click.Choice(QUALITY_NAMES), default="medium", show_default=True,
              help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60.")
@click.option("--format", "output_format", type=click.Choice(FORMAT_NAMES), default="mp4", show_default=True,
              help="Video container; png writes only the last frame.")
@click.option("--preview", is_flag=True, help="Render only the last frame as a PNG (fast).")
@click.option("--list", "list_only", is_flag=True, help="List topics and built-in examples, then exit.")
@click.option("--media-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("media"),
              show_default=True, help="Where rendered files go: MEDIA_DIR/<example>/<topic>.*")
@click.pass_context
def cli(
    ctx: click.Context,
    topic: str,
    lesson_path: str | None,
    example: str | None,
    quality: str,
    output_format: str,
    preview: bool,
    list_only: bool,
    media_dir: Path,
) -> None:
    """Render one topic of transformer self-attention as a video whose every
    number comes from the verified maths of a lesson.

    Writes MEDIA_DIR/<example>/<topic>.<format>, a poster <topic>.png and
    <topic>.numbers.json (each number drawn, by trace path).
    """
    if ctx.invoked_subcommand is not None:
        return
    if list_only:
        _list()
        return
    try:
        lesson, name = _resolve_lesson(lesson_path, example)
        problem = drawable_problem(lesson)
        if problem:
            raise LessonError(None, problem)
        trace = compute(lesson_for(topic, lesson))
        problem = topic_problem(topic, trace)
        if problem:
            raise LessonError(None, problem)
    except LessonError as error:
        _fail(str(error))
        return

    from scenes.runner import render_topic

    what = "preview" if preview else f"{quality} quality {output_format}"
    click.echo(f"Rendering '{topic}' of '{name}' ({what})...", err=True)
    started = time.perf_counter()
    try:
        result = render_topic(
            topic,
            trace,
            example=name,
            media_dir=media_dir,
            quality=quality,
            output_format=output_format,
            preview=preview,
            progress=sys.stderr.isatty(),
        )
    except KeyboardInterrupt:
        _fail("interrupted; no partial files were kept", status=130)
        return
    seconds = time.perf_counter() - started
    if result.video is not None:
        click.echo(f"video:   {result.video}  ({result.duration:.1f} s of video)")
    click.echo(f"poster:  {result.poster}")
    click.echo(f"numbers: {result.manifest}")
    click.echo(f"done in {seconds:.1f} s", err=True)


@cli.command()
@click.argument("lesson", metavar="LESSON")
def check(lesson: str) -> None:
    """Check the numbers a lesson states against the computed ones.

    LESSON is a lesson file (.toml or .json) or the name of a built-in example.
    Prints each claim (name, stated, computed) at the lesson's display precision.
    Exit status: 0 all agree, 1 some disagree, 2 the lesson cannot be read.
    """
    try:
        if lesson in EXAMPLES and not Path(lesson).exists():
            loaded = load_example(lesson)
        else:
            loaded = load_lesson(lesson)
        trace = compute(loaded)
        results = check_claims(loaded, trace)
    except LessonError as error:
        _fail(str(error))
        return
    click.echo(format_report(results, loaded))
    if any(not r.agrees for r in results):
        sys.exit(1)


def main() -> None:
    cli(prog_name="render.py")


if __name__ == "__main__":
    main()
