"""attention-video command line: render attention topics, or check a lesson's numbers.

Examples::

    python render.py --scene projection                 # default example, medium quality
    python render.py --scene projection --preview       # last frame only, fast
    python render.py --scene projection --lesson my.toml --quality low
    python render.py --all --page --quality low         # every topic, in parallel, and index.html
    python render.py --topics scores,softmax --jobs 2   # some topics
    python render.py --list                             # topics and built-in examples
    python render.py check my.toml                      # stated numbers vs computed
    python render.py check my-lesson.md                 # ... read from Markdown, text, a notebook
    python render.py import my-lesson.md                # write my-lesson.toml from the text

Flags become one :class:`production.request.RenderRequest` per topic (and
example); :mod:`production.session` checks them all at once and what the
machine lacks to render them, as the Python API (:mod:`attention_video`)
does, and :mod:`production.batch` renders them (``run_plan``): one topic here
in this process, several in worker processes. This module only parses and prints.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
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
from production.batch import Plan, job_limit, run_plan
from production.parts import MAX_PARTS
from production.progress import Progress, print_summary
from production.request import Outcome, RenderRequest
from production.session import plan_session, readiness_problems
from production.settings import (
    ASPECTS,
    DEFAULT_ASPECT,
    DEFAULT_FORMAT,
    DEFAULT_GIF_FPS,
    DEFAULT_GIF_WIDTH,
    DEFAULT_QUALITY,
    DEFAULT_THEME,
    FORMATS,
    QUALITIES,
    THEMES,
    look_folder,
    output_folder,
    quality_help,
)
from scenes import DEFAULT_TOPIC, TOPICS

__all__ = ["check", "cli", "main", "program_name"]


def _fail(message: str, status: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    if status == 130:
        from production.interrupts import exit_interrupted

        exit_interrupted(status)  # Manim's encoder threads must not keep an interrupted render alive
    sys.exit(status)


def _stop_if_not_ready(plan: Plan) -> None:
    """Exit with status 1 before rendering if a system piece, a glyph or the voice is missing, a line each."""
    problems = readiness_problems(plan)
    for problem in problems[:-1]:
        click.echo(f"error: {problem}", err=True)
    if problems:
        _fail(problems[-1], status=1)


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
    epilog="The lesson checker has its own help: add 'check --help' to this command.",
)
@click.version_option(
    package_name="attention-video", message="%(prog)s %(version)s", help="Show the version and exit."
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
    type=click.Choice(list(QUALITIES)),
    default=DEFAULT_QUALITY,
    show_default=True,
    help=quality_help(),
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=DEFAULT_FORMAT,
    show_default=True,
    help="Video container; png writes only the last frame (as --preview does).",
)
@click.option(
    "--preview",
    is_flag=True,
    help="Render only the last frame as a PNG (fast), into MEDIA_DIR/<example>/preview/.",
)
@click.option(
    "--theme",
    type=click.Choice(THEMES),
    default=DEFAULT_THEME,
    show_default=True,
    help="Colours: dark, or light for printed handouts and bright slides.",
)
@click.option(
    "--aspect",
    type=click.Choice(list(ASPECTS)),
    default=DEFAULT_ASPECT,
    show_default=True,
    help="Frame shape: 16:9, 4:3 for classroom projectors, 9:16 for phones.",
)
@click.option(
    "--gif-width",
    type=click.IntRange(16, 7680),
    default=DEFAULT_GIF_WIDTH,
    show_default=True,
    metavar="PIXELS",
    help="With --format gif: its width (height to scale).",
)
@click.option(
    "--gif-fps",
    type=click.IntRange(1, 60),
    default=DEFAULT_GIF_FPS,
    show_default=True,
    metavar="N",
    help="With --format gif: frames per second.",
)
@click.option(
    "--narration",
    type=click.Choice(["on", "off"]),
    default="on",
    show_default=True,
    help="Speak each step with an offline voice (MP4 and WebM; GIF and PNG are silent). "
    "off: a silent video with the step captions.",
)
@click.option(
    "--voice",
    "voice_path",
    type=click.Path(path_type=Path),
    metavar="MODEL.onnx",
    help="Another Piper voice: its .onnx model, with its .onnx.json beside it "
    "[default: the bundled en_US joe voice].",
)
@click.option("--all", "all_topics", is_flag=True, help="Render every topic (in parallel, see --jobs).")
@click.option(
    "--topics", "topic_list", metavar="A,B,...", help="Render these topics (comma-separated), like --all."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Topics rendered at once with --all/--topics "
    "[default and most: one per core, fewer if memory is short].",
)
@click.option(
    "--parts",
    type=click.IntRange(min=1, max=MAX_PARTS),
    metavar="N",
    help="Processes that render the steps of one topic's video at once (--scene), joined without "
    f"encoding again [default: one per core, at most {MAX_PARTS}, fewer if memory is short].",
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
    theme: str,
    aspect: str,
    gif_width: int,
    gif_fps: int,
    narration: str,
    voice_path: Path | None,
    all_topics: bool,
    topic_list: str | None,
    jobs: int | None,
    parts: int | None,
    force: bool,
    page: bool,
    list_only: bool,
    media_dir: Path,
) -> None:
    """Render topics of transformer self-attention as videos whose every
    number comes from the verified maths of a lesson.

    Writes MEDIA_DIR/<example>/<topic>.<format> (web-ready), a poster
    <topic>.png, <topic>.numbers.json (each number drawn and spoken, by trace
    path), captions <topic>.srt and <topic>.vtt (the narration, or the step
    captions with --narration off), <topic>.transcript.md (what is said) and
    per-step clips in <topic>.sections/. A topic whose inputs, code and settings are unchanged
    since its last render is skipped (--force renders it again).
    """
    if ctx.invoked_subcommand is not None:
        return
    if list_only:
        _list()
        return
    several = all_topics or topic_list is not None or example == "all"
    if several:
        if ctx.get_parameter_source("topic") == ParameterSource.COMMANDLINE and (all_topics or topic_list):
            raise click.UsageError("give either --scene or --all/--topics, not both")
        if all_topics and topic_list is not None:
            raise click.UsageError("give either --all or --topics, not both")
        if all_topics:
            topics = list(TOPICS)
        else:
            topics = _parse_topics(topic_list) if topic_list is not None else [topic]
    else:
        if page:
            raise click.UsageError("--page needs --all or --topics (the page shows the topics of the run)")
        topics = [topic]
    if lesson_path and example:
        raise click.UsageError("give either --lesson or --example, not both")
    try:
        plan = plan_session(
            lesson_path,
            example,
            topics,
            media_dir=media_dir,
            quality=quality,
            output_format=output_format,
            preview=preview,
            force=force,
            narration=narration == "on",
            voice=voice_path,
            batch=several,
            theme=theme,
            aspect=aspect,
            gif_width=gif_width,
            gif_fps=gif_fps,
        )
    except LessonError as error:
        _fail(str(error))
        return
    _stop_if_not_ready(plan)
    if several:
        limit, reason = job_limit(quality)
        if jobs is not None and jobs > limit:
            click.echo(
                f"note: --jobs {jobs} is more than this machine's {reason} allow; using {limit}", err=True
            )
        _render_batch(plan, topics, workers=min(jobs or limit, limit), page=page)
    else:
        _render_one(plan, parts)


def _settings_text(request: RenderRequest) -> str:
    return "preview" if request.preview else f"{request.quality} quality {request.output_format}"


def _render_one(plan: Plan, parts: int | None = None) -> None:
    """Render the plan's one request here, its steps over ``parts`` processes, with Manim's progress bar."""
    [request] = plan.requests
    topic = request.topic
    click.echo(f"Rendering '{topic}' of '{request.example}' ({_settings_text(request)})...", err=True)
    started = time.perf_counter()
    try:
        [outcome] = run_plan(
            plan,
            in_process=True,
            parts=parts,
            manim_progress=sys.stderr.isatty(),
            on_wait=lambda: click.echo(f"waiting for another render of '{topic}' to finish...", err=True),
        )
    except KeyboardInterrupt:
        _fail("interrupted; no partial files were kept", status=130)
        return
    except OSError as error:  # a full disk, a file-size limit, a read-only media folder
        _fail(f"{_where(error, request)}: {_cause(error)}; the previous files were kept", status=1)
        return
    seconds = time.perf_counter() - started
    result = outcome.result
    assert result is not None  # rendered here
    if outcome.status == "skipped":
        click.echo("unchanged since its last render: kept its files (--force renders it again)", err=True)
    if result.video is not None:
        click.echo(f"video:    {result.video}  ({result.duration:.1f} s of video)")
    click.echo(f"poster:   {result.poster}")
    click.echo(f"numbers:  {result.manifest}")
    if result.captions is not None:
        click.echo(f"captions: {result.captions}")
    if result.transcript is not None:
        click.echo(f"transcript: {result.transcript}")
    if result.sections is not None:
        click.echo(f"clips:    {result.sections}/")
    click.echo(f"done in {seconds:.1f} s", err=True)


def _where(error: OSError, request: RenderRequest) -> str:
    """The folder (or file) an error is about: the one it names, else the request's output folder."""
    named = error.filename if isinstance(error.filename, str) else None
    return str(Path(named).parent if named and not Path(named).is_dir() else named or request.out_dir)


def _cause(error: OSError) -> str:
    """An OS error in words a user can act on."""
    import errno

    causes = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "a file grew past the file-size limit",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }
    return causes.get(error.errno or 0, error.strerror or error.__class__.__name__)


def _render_batch(plan: Plan, topics: list[str], *, workers: int, page: bool) -> None:
    """Render the plan in worker processes, then summarise (and write the lesson pages)."""
    lessons = plan.lessons
    workers = max(1, min(workers, len(plan.runnable)))
    several = len(lessons) > 1
    label: Callable[[RenderRequest], str] = (lambda r: r.label) if several else (lambda r: r.topic)
    where = f"{len(lessons)} examples" if several else f"'{next(iter(lessons))}'"
    what = _settings_text(plan.requests[0])
    click.echo(f"Rendering {len(plan.requests)} topics of {where} ({what}), {workers} at a time...", err=True)
    started = time.perf_counter()
    progress = Progress(len(plan.runnable), width=max(len(label(r)) for r in plan.requests))
    outcomes = run_plan(plan, workers=workers, progress=progress, label=label)
    seconds = time.perf_counter() - started
    print_summary(outcomes, show_example=several)
    statuses = ("ok", "skipped", "failed", "interrupted")
    counts = {status: sum(o.status == status for o in outcomes) for status in statuses}
    tally = ", ".join(f"{n} {status}" for status, n in counts.items() if n or status in ("ok", "failed"))
    plural = "s" if workers > 1 else ""
    click.echo(f"{len(outcomes)} topics in {seconds:.1f} s with {workers} job{plural}: {tally}")
    for outcome in outcomes:
        if outcome.status == "failed" and outcome.log.strip():
            tail = "\n".join(outcome.log.strip().splitlines()[-15:])
            click.echo(f"\n--- {outcome.request.label} failed; its output ends:\n{tail}", err=True)
    if counts["interrupted"]:
        _fail("interrupted; no partial files were kept", status=130)
        return
    if page:
        first = plan.requests[0]
        shown = "png" if first.preview or first.output_format == "png" else first.output_format
        _write_pages(lessons, topics, outcomes, first, shown)
    if counts["failed"]:
        sys.exit(1)


def _write_pages(
    lessons: Mapping[str, Lesson],
    topics: list[str],
    outcomes: list[Outcome],
    first: RenderRequest,
    output_format: str,
) -> None:
    """Each lesson's page, in the run's folder (its look's, its stills'), and an index of several."""
    from production.page import write_examples_index, write_page

    media_dir, still, look = first.media_dir, output_format == "png", look_folder(first.theme, first.aspect)

    for name, lesson in lessons.items():
        problems = {
            o.request.topic: o.message or o.status
            for o in outcomes
            if o.request.example == name and not o.succeeded
        }
        path = write_page(
            output_folder(media_dir, name, still=still, theme=first.theme, aspect=first.aspect),
            topics,
            title=f"Self-attention, step by step: {name}",
            description=lesson.description.strip(),
            output_format=output_format,
            problems=problems,
            theme=first.theme,
        )
        click.echo(f"page:     {path}")
    if len(lessons) > 1:
        index = write_examples_index(
            media_dir,
            {name: EXAMPLES.get(name, "") for name in lessons},
            still=still,
            look=look,
            theme=first.theme,
        )
        click.echo(f"index:    {index}")


@cli.command()
@click.argument("lesson", metavar="LESSON")
def check(lesson: str) -> None:
    """Check the numbers a lesson states against the computed ones.

    LESSON is a lesson file (.toml or .json), a lesson as written (Markdown .md,
    plain text .txt or a Jupyter notebook .ipynb: its stated numbers are found
    and each is listed with its source line), or the name of a built-in example.
    Prints each claim (name, stated, computed) at the lesson's display precision.
    Exit status: 0 all agree, 1 some disagree, 2 the lesson cannot be read (or a
    text holds no usable worked example: one line says what is missing).
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


@cli.command(name="import")
@click.argument("text", metavar="LESSON")
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the lesson TOML (default: beside LESSON, with .toml).",
)
@click.option("--force", is_flag=True, help="Overwrite the lesson TOML if it exists.")
def import_text(text: str, output: Path | None, force: bool) -> None:
    """Read a lesson as written (.md, .txt or .ipynb) and write it as a lesson TOML.

    Prints what was found (tokens, embeddings, weights, settings, stated
    numbers) and on which source line, and how the text was read. The TOML
    holds the stated numbers as [claims]. Exit status: 0 written, 2 the text
    holds no usable example (one line says what is missing) or the TOML exists
    (use --force).
    """
    from attention_math.reading import TEXT_SUFFIXES, read_text_lesson
    from attention_math.reading.toml_writer import lesson_toml

    source = Path(text)
    if source.suffix.lower() not in TEXT_SUFFIXES:
        _fail(f"{text}: not a lesson text; import reads {', '.join(TEXT_SUFFIXES)} files")
    try:
        result = read_text_lesson(source)
    except LessonError as error:
        _fail(str(error))
        return
    target = output if output is not None else source.with_suffix(".toml")
    if target.exists() and not force:
        _fail(f"{target}: exists; use --force to overwrite it")
    labels = {item.what: item.label for item in result.found if item.label}
    header = [f"Lesson read from {source.name} by `python render.py import`."]
    if result.notes:
        header.append("How the text was read:")
    try:
        target.write_text(lesson_toml(result.lesson, labels=labels, header=header), encoding="utf-8")
    except OSError as error:
        _fail(f"{target}: cannot write the lesson ({error.strerror or error})")
    width = max(len(item.what) for item in result.found)
    click.echo(f"Read {source}:")
    for item in result.found:
        where = f"{item.where}: {item.label}" if item.label else item.where
        click.echo(f"  {item.what.ljust(width)}  {item.detail}" + (f"  ({where})" if where else ""))
    if result.notes:
        click.echo("How the text was read:")
        for note in result.notes:
            click.echo(f"  - {note}")
    click.echo(f"wrote {target}; check its numbers with: python render.py check {target}")


def main() -> None:
    from production.interrupts import stop_cleanly_on_signals

    stop_cleanly_on_signals()  # kill and Ctrl-C always reach the renders' clean-up
    cli(prog_name=program_name())


def program_name(argv0: str | None = None) -> str:
    """The name this command was run by (``argv0``, default ``sys.argv[0]``), as its help shows it.

    ``attention-video`` when installed, ``render.py`` when run as a script.
    """
    return Path(sys.argv[0] if argv0 is None else argv0).name or "attention-video"


if __name__ == "__main__":
    main()
