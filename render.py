"""attention-video command line: render attention topics, or check a lesson's numbers.

Examples::

    python render.py --scene projection                 # default example, medium quality
    python render.py --scene projection --preview       # last frame only, fast
    python render.py --scene projection --lesson my.toml --quality low
    python render.py --all --page --quality low         # every topic, in parallel, and index.html
    python render.py --topics scores,softmax --jobs 2   # some topics
    python render.py --list                             # topics and built-in examples
    python render.py check my.toml                      # stated numbers vs computed
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from click.core import ParameterSource

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
from production.batch import Job, Outcome, Progress, default_jobs, render_one, run_batch, summary_table
from scenes import DEFAULT_TOPIC, TOPICS, drawable_problem, lesson_for, topic_problem

QUALITY_NAMES = ("low", "medium", "high", "4k")
FORMAT_NAMES = ("mp4", "webm", "gif", "png")


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _stop_if_pieces_missing() -> None:
    """Exit with status 1 before rendering if Cairo, Pango, Typst, PyAV or a font is missing."""
    from production.preflight import missing_pieces

    problems = missing_pieces()
    for problem in problems[:-1]:
        click.echo(f"error: {problem}", err=True)
    if problems:
        _fail(problems[-1], status=1)


def _resolve_lesson(lesson_path: str | None, example: str | None) -> tuple[Lesson, str]:
    """The lesson to use and the name its output folder gets."""
    if lesson_path and example:
        raise click.UsageError("give either --lesson or --example, not both")
    if lesson_path:
        lesson = load_lesson(lesson_path)
        return lesson, lesson.name
    name = example or DEFAULT_EXAMPLE
    return load_example(name), name


def _parse_topics(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in TOPICS]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown topic {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"valid topics: {', '.join(TOPICS)}",
            param_hint="'--topics'",
        )
    return [name for name in TOPICS if name in names]  # pipeline order


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
    type=click.Choice([*EXAMPLES, "all"]),
    help=f"Built-in example to render (default: {DEFAULT_EXAMPLE}); 'all' renders every example.",
)
@click.option(
    "--quality",
    type=click.Choice(QUALITY_NAMES),
    default="medium",
    show_default=True,
    help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_NAMES),
    default="mp4",
    show_default=True,
    help="Video container; png writes only the last frame.",
)
@click.option("--preview", is_flag=True, help="Render only the last frame as a PNG (fast).")
@click.option("--all", "all_topics", is_flag=True, help="Render every topic (in parallel, see --jobs).")
@click.option(
    "--topics", "topic_list", metavar="A,B,...", help="Render these topics (comma-separated), like --all."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Topics rendered at once with --all/--topics [default: number of cores].",
)
@click.option("--force", is_flag=True, help="Render even if the files of an unchanged render are there.")
@click.option("--page", is_flag=True, help="With --all/--topics: also write MEDIA_DIR/<example>/index.html.")
@click.option("--list", "list_only", is_flag=True, help="List topics and built-in examples, then exit.")
@click.option(
    "--media-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("media"),
    show_default=True,
    help="Where rendered files go: MEDIA_DIR/<example>/<topic>.*",
)
@click.pass_context
def cli(
    ctx: click.Context,
    topic: str,
    lesson_path: str | None,
    example: str | None,
    quality: str,
    output_format: str,
    preview: bool,
    all_topics: bool,
    topic_list: str | None,
    jobs: int | None,
    force: bool,
    page: bool,
    list_only: bool,
    media_dir: Path,
) -> None:
    """Render topics of transformer self-attention as videos whose every
    number comes from the verified maths of a lesson.

    Writes MEDIA_DIR/<example>/<topic>.<format> (web-ready), a poster
    <topic>.png, <topic>.numbers.json (each number drawn, by trace path),
    captions <topic>.srt and <topic>.vtt, and per-step clips in
    <topic>.sections/. A topic whose inputs, code and settings are unchanged
    since its last render is skipped (--force renders it again).
    """
    if ctx.invoked_subcommand is not None:
        return
    if list_only:
        _list()
        return
    batch = all_topics or topic_list is not None or example == "all"
    if batch:
        if ctx.get_parameter_source("topic") == ParameterSource.COMMANDLINE and (all_topics or topic_list):
            raise click.UsageError("give either --scene or --all/--topics, not both")
        if all_topics and topic_list is not None:
            raise click.UsageError("give either --all or --topics, not both")
        if all_topics:
            topics = list(TOPICS)
        else:
            topics = _parse_topics(topic_list) if topic_list is not None else [topic]
        _render_batch(
            topics,
            lesson_path=lesson_path,
            example=example,
            media_dir=media_dir,
            quality=quality,
            output_format=output_format,
            preview=preview,
            force=force,
            workers=jobs or default_jobs(),
            page=page,
        )
        return
    if page:
        raise click.UsageError("--page needs --all or --topics (the page shows the topics of the run)")
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
    _stop_if_pieces_missing()

    what = "preview" if preview else f"{quality} quality {output_format}"
    click.echo(f"Rendering '{topic}' of '{name}' ({what})...", err=True)
    job = Job(topic, name, media_dir, quality, output_format, preview, force)
    started = time.perf_counter()
    try:
        outcome = render_one(
            job,
            trace,
            progress=sys.stderr.isatty(),
            on_wait=lambda: click.echo(f"waiting for another render of '{topic}' to finish...", err=True),
        )
    except KeyboardInterrupt:
        _fail("interrupted; no partial files were kept", status=130)
        return
    seconds = time.perf_counter() - started
    result = outcome.result
    assert result is not None
    if outcome.status == "skipped":
        click.echo("unchanged since its last render: kept its files (--force renders it again)", err=True)
    if result.video is not None:
        click.echo(f"video:    {result.video}  ({result.duration:.1f} s of video)")
    click.echo(f"poster:   {result.poster}")
    click.echo(f"numbers:  {result.manifest}")
    if result.captions is not None:
        click.echo(f"captions: {result.captions}")
    if result.sections is not None:
        click.echo(f"clips:    {result.sections}/")
    click.echo(f"done in {seconds:.1f} s", err=True)


def _render_batch(
    topics: list[str],
    *,
    lesson_path: str | None,
    example: str | None,
    media_dir: Path,
    quality: str,
    output_format: str,
    preview: bool,
    force: bool,
    workers: int,
    page: bool,
) -> None:
    """Render ``topics`` of one example (or every one) in worker processes, then summarise."""
    if lesson_path and example:
        raise click.UsageError("give either --lesson or --example, not both")
    media_dir = media_dir.resolve()
    lessons: dict[str, Lesson] = {}
    problems: dict[tuple[str, str], str] = {}  # (example, topic) -> why it cannot be drawn
    try:
        if lesson_path:
            lesson = load_lesson(lesson_path)
            lessons[lesson.name] = lesson
        else:
            for name in EXAMPLES if example == "all" else [example or DEFAULT_EXAMPLE]:
                lessons[name] = load_example(name)
        for name, lesson in lessons.items():
            problem = drawable_problem(lesson)
            if problem:
                raise LessonError(None, problem)
            for topic in topics:
                problem = topic_problem(topic, compute(lesson_for(topic, lesson)))
                if problem:
                    problems[name, topic] = problem
    except LessonError as error:
        _fail(str(error))
        return
    _stop_if_pieces_missing()

    lesson_file = str(Path(lesson_path).resolve()) if lesson_path else None
    jobs = [
        Job(topic, name, media_dir, quality, output_format, preview, force, lesson_file)
        for name in lessons
        for topic in topics
    ]
    runnable = [job for job in jobs if (job.example, job.topic) not in problems]
    workers = max(1, min(workers, len(runnable)))
    what = "preview" if preview else f"{quality} quality {output_format}"
    several = len(lessons) > 1
    where = f"{len(lessons)} examples" if several else f"'{next(iter(lessons))}'"
    click.echo(f"Rendering {len(jobs)} topics of {where} ({what}), {workers} at a time...", err=True)
    started = time.perf_counter()
    rendered = iter(
        run_batch(
            runnable,
            workers=workers,
            lessons=lessons,
            progress=Progress(len(runnable), width=max(len(_label(job, several)) for job in jobs)),
            label=lambda job: _label(job, several),
        )
    )
    outcomes = [
        Outcome(job, "failed", 0.0, message=problems[job.example, job.topic])
        if (job.example, job.topic) in problems
        else next(rendered)
        for job in jobs
    ]
    seconds = time.perf_counter() - started
    click.echo(summary_table(outcomes, show_example=several))
    statuses = ("ok", "skipped", "failed", "interrupted")
    counts = {status: sum(o.status == status for o in outcomes) for status in statuses}
    tally = ", ".join(f"{n} {status}" for status, n in counts.items() if n or status in ("ok", "failed"))
    plural = "s" if workers > 1 else ""
    click.echo(f"{len(outcomes)} topics in {seconds:.1f} s with {workers} job{plural}: {tally}")
    for outcome in outcomes:
        if outcome.status == "failed" and outcome.log.strip():
            tail = "\n".join(outcome.log.strip().splitlines()[-15:])
            name = f"{outcome.job.example}/{outcome.job.topic}"
            click.echo(f"\n--- {name} failed; its output ends:\n{tail}", err=True)
    if counts["interrupted"]:
        _fail("interrupted; no partial files were kept", status=130)
        return
    if page:
        shown = "png" if preview or output_format == "png" else output_format
        _write_pages(lessons, topics, outcomes, media_dir, shown)
    if counts["failed"]:
        sys.exit(1)


def _label(job: Job, with_example: bool) -> str:
    return f"{job.example}/{job.topic}" if with_example else job.topic


def _write_pages(
    lessons: dict[str, Lesson],
    topics: list[str],
    outcomes: list[Outcome],
    media_dir: Path,
    output_format: str,
) -> None:
    from production.page import write_examples_index, write_page

    for name, lesson in lessons.items():
        problems = {
            o.job.topic: o.message or o.status for o in outcomes if o.job.example == name and not o.succeeded
        }
        path = write_page(
            media_dir / name,
            topics,
            title=f"Self-attention, step by step: {name}",
            description=lesson.description.strip(),
            output_format=output_format,
            problems=problems,
        )
        click.echo(f"page:     {path}")
    if len(lessons) > 1:
        index = write_examples_index(media_dir, {name: EXAMPLES.get(name, "") for name in lessons})
        click.echo(f"index:    {index}")


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
    from production.interrupts import stop_cleanly_on_signals

    stop_cleanly_on_signals()  # kill and Ctrl-C always reach the renders' clean-up
    cli(prog_name="render.py")


if __name__ == "__main__":
    main()
