"""Show that a change altered nothing a viewer sees: render before and after it, compare.

Renders the chosen topics of the chosen built-in examples twice, once from a git
worktree of a base revision ("before") and once from the current working tree
("after"), with the same interpreter, each into a media folder of its own and with
a fresh cache of built shapes (``$ATTENTION_VIDEO_CACHE``) per side. Then compares,
for every topic × example, what a render writes for the viewer:

* the poster ``T.png``, pixel by pixel;
* the numbers manifest ``T.numbers.json``: its steps, and every number path with
  its value and text;
* the captions ``T.srt`` and ``T.vtt``, as text;
* the step index ``T.sections/index.json``: each step's caption, start and end.

The one intended difference of the restructure: multi-head views draw head tags
("head 1", "head 2") read from the new trace paths ``heads[N].number``. A manifest
that only gained such paths is "intended: head tags", and a poster that differs in
a topic whose manifest gained them is "intended: head tags drawn". Anything else
that differs is a failure.

Usage::

    python scripts/compare_renders.py                          # 3e8f222 vs the working tree
    python scripts/compare_renders.py --base HEAD~1 --topics embeddings,multihead --examples default
    python scripts/compare_renders.py --quality low --jobs 2 --keep /tmp/compare

Exit status: 0 everything is the same or an intended difference, 1 something else
differs (or is missing), 2 a usage error (an unknown revision, topic or example).

The comparison functions (``compare_*``) read only the files of two media folders,
so they are tested on folders made by hand (``tests/producing/test_compare_renders.py``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import click
import numpy as np
from PIL import Image

__all__ = [
    "DEFAULT_BASE",
    "HEAD_TAG_PATH",
    "IGNORED",
    "Finding",
    "TopicComparison",
    "compare_captions",
    "compare_manifests",
    "compare_media",
    "compare_posters",
    "compare_steps",
    "compare_topic",
    "format_report",
    "main",
    "verdict",
]

#: The last commit before the restructure.
DEFAULT_BASE = "3e8f222"
#: Trace paths of the head tags the restructure adds to multi-head views.
HEAD_TAG_PATH = re.compile(r"heads\[\d+\]\.number")
#: Fields that legitimately differ between the two renders, and how they are treated.
IGNORED = {
    "T.numbers.json lesson_source": (
        "the absolute path of the lesson file, inside each side's own tree: compared by file name only"
    ),
    "MEDIA/.cache records": "code hashes, file sizes and times, which differ by design: not compared",
}
#: Differences listed under the table per finding; more are counted.
MAX_DETAILS = 8

Status = Literal["same", "intended", "differs"]


# ------------------------------------------------------------------ comparing two media folders


@dataclass(frozen=True)
class Finding:
    """What one comparison found: a status, a short cell for the table, and the details."""

    status: Status
    summary: str = ""
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.status == "same":
            return "same"
        if self.status == "intended":
            return f"intended: {self.summary}"
        return self.summary

    @property
    def ok(self) -> bool:
        return self.status != "differs"


SAME = Finding("same")


def _differs(summary: str, details: Sequence[str] = ()) -> Finding:
    return Finding("differs", summary, tuple(details))


def _missing(before: Path, after: Path) -> Finding | None:
    """A failure naming the side(s) a file is missing from, or None if both have it."""
    sides = [side for side, path in (("before", before), ("after", after)) if not path.exists()]
    if not sides:
        return None
    where = "both sides" if len(sides) == 2 else f"the {sides[0]} side"
    return _differs(
        f"missing on {where}", [f"{path} is missing" for path in (before, after) if not path.exists()]
    )


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _short(value: object, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class ManifestFinding:
    """A manifest comparison, and whether the after side gained head-tag paths."""

    finding: Finding
    gained_head_tags: bool


def compare_manifests(before: Path, after: Path) -> ManifestFinding:
    """Compare two ``T.numbers.json`` files: their steps, numbers and other fields.

    Numbers are compared by path, value and text (exact: the same code gives the
    same floats). Only added ``heads[N].number`` paths is the intended difference.
    ``lesson_source`` is compared by file name (see `IGNORED`).
    """
    missing = _missing(before, after)
    if missing:
        return ManifestFinding(missing, gained_head_tags=False)
    old, new = _read_json(before), _read_json(after)
    problems: list[str] = []
    details: list[str] = []

    for key in sorted((set(old) | set(new)) - {"numbers", "steps"}):
        was, now = old.get(key), new.get(key)
        if key == "lesson_source" and isinstance(was, str) and isinstance(now, str):
            was, now = Path(was).name, Path(now).name
        if was != now:
            problems.append(f"{key} changed")
            details.append(f"{key}: {_short(was)} → {_short(now)}")

    old_steps, new_steps = old.get("steps", []), new.get("steps", [])
    if old_steps != new_steps:
        problems.append("steps changed")
        for i in range(max(len(old_steps), len(new_steps))):
            was = old_steps[i] if i < len(old_steps) else None
            now = new_steps[i] if i < len(new_steps) else None
            if was != now:
                details.append(f"steps[{i}]: {_short(was)} → {_short(now)}")

    old_numbers: dict[str, Any] = old.get("numbers", {})
    new_numbers: dict[str, Any] = new.get("numbers", {})
    added = [path for path in new_numbers if path not in old_numbers]
    removed = [path for path in old_numbers if path not in new_numbers]
    changed = [path for path in old_numbers if path in new_numbers and old_numbers[path] != new_numbers[path]]
    head_tags = [path for path in added if HEAD_TAG_PATH.fullmatch(path)]
    other_added = [path for path in added if not HEAD_TAG_PATH.fullmatch(path)]
    if changed:
        problems.append(f"{_count(len(changed), 'path')} changed")
        details += [f"{path}: {_short(old_numbers[path])} → {_short(new_numbers[path])}" for path in changed]
    if removed:
        problems.append(f"{_count(len(removed), 'path')} removed")
        details += [f"removed {path}: {_short(old_numbers[path])}" for path in removed]
    if other_added:
        problems.append(f"{_count(len(other_added), 'path')} added")
        details += [f"added {path}: {_short(new_numbers[path])}" for path in other_added]

    gained = bool(head_tags)
    tags = f"added {', '.join(head_tags)}"
    if problems:
        summary = ", ".join(problems)
        if gained:
            summary += f" (and +{_count(len(head_tags), 'head tag')})"
            details.append(f"intended: {tags}")
        return ManifestFinding(_differs(summary, details), gained)
    if gained:
        return ManifestFinding(Finding("intended", "head tags", (tags,)), gained)
    return ManifestFinding(SAME, gained)


def compare_posters(before: Path, after: Path, head_tags_drawn: bool = False) -> Finding:
    """Compare two posters pixel by pixel (decoded; the PNG bytes may differ).

    A difference of pixels only (same size and mode) is intended when
    ``head_tags_drawn``: the topic's manifest gained head-tag paths.
    """
    missing = _missing(before, after)
    if missing:
        return missing
    with Image.open(before) as old_image, Image.open(after) as new_image:
        old_shape, new_shape = _describe(old_image), _describe(new_image)
        if old_shape != new_shape:
            return _differs("size or mode changed", [f"{old_shape} → {new_shape}"])
        old_pixels = np.asarray(old_image).astype(np.int16)
        new_pixels = np.asarray(new_image).astype(np.int16)
    if np.array_equal(old_pixels, new_pixels):
        return SAME
    difference = np.abs(old_pixels - new_pixels)
    per_pixel = difference.reshape(*difference.shape[:2], -1).max(axis=2)
    count, largest = int(np.count_nonzero(per_pixel)), int(per_pixel.max())
    rows, columns = np.nonzero(per_pixel)
    where = f"within x {columns.min()}–{columns.max()}, y {rows.min()}–{rows.max()}"
    what = f"{count} of {per_pixel.size} pixels differ, max channel difference {largest}"
    if head_tags_drawn:
        return Finding("intended", f"head tags drawn ({count} px)", (f"{what}, {where}",))
    return _differs(f"{count} px differ (max Δ {largest})", [f"{what}, {where}"])


def _describe(image: Image.Image) -> str:
    width, height = image.size
    return f"{width}×{height} {image.mode}"


def _first_difference(old: str, new: str) -> str:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number in range(max(len(old_lines), len(new_lines))):
        was = old_lines[number] if number < len(old_lines) else "(end of file)"
        now = new_lines[number] if number < len(new_lines) else "(end of file)"
        if was != now:
            return f"line {number + 1}: {_short(was)} → {_short(now)}"
    return "line endings differ"


def compare_captions(before: Sequence[Path], after: Sequence[Path]) -> Finding:
    """Compare caption files (``T.srt``, ``T.vtt``) pairwise, as text."""
    problems: dict[str, str] = {}  # kind ("srt") -> what differs
    details: list[str] = []
    for old, new in zip(before, after, strict=True):
        kind = new.suffix.lstrip(".")
        missing = _missing(old, new)
        if missing:
            problems[kind] = missing.summary
            details += missing.details
            continue
        old_text, new_text = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
        if old_text != new_text:
            problems[kind] = "changed"
            details.append(f"{new.name} {_first_difference(old_text, new_text)}")
    if not problems:
        return SAME
    kinds, what = " and ".join(problems), set(problems.values())
    if len(what) == 1:
        return _differs(f"{kinds} {what.pop()}", details)
    return _differs(", ".join(f"{kind} {problem}" for kind, problem in problems.items()), details)


#: The fields of a step-index entry that a viewer meets: its text and its place in the video.
#: The others (clip name, frame count, codec, ...) are compared too, and named after these.
STEP_FIELDS = ("step", "caption", "start", "end")


def compare_steps(before: Path, after: Path) -> Finding:
    """Compare two step indexes (``T.sections/index.json``) entry by entry, every field.

    The summary names the changed fields, the viewer's (`STEP_FIELDS`) first.
    """
    missing = _missing(before, after)
    if missing:
        return missing
    old, new = _read_json(before), _read_json(after)
    problems: list[str] = []
    details: list[str] = []
    if len(old) != len(new):
        problems.append("step count changed")
        details.append(f"{len(old)} steps → {len(new)}")
    changed: set[str] = set()
    for i, (was, now) in enumerate(zip(old, new, strict=False)):
        for key in [*STEP_FIELDS, *sorted((set(was) | set(now)) - set(STEP_FIELDS))]:
            if was.get(key) != now.get(key):
                changed.add(key)
                details.append(f"step index [{i}] {key}: {_short(was.get(key))} → {_short(now.get(key))}")
    if changed:
        viewer_first = [key for key in STEP_FIELDS if key in changed] + sorted(changed - set(STEP_FIELDS))
        problems.append(f"{'/'.join(viewer_first)} changed")
    return _differs(", ".join(problems), details) if problems else SAME


@dataclass(frozen=True)
class TopicComparison:
    """Everything compared for one topic of one example."""

    example: str
    topic: str
    poster: Finding
    manifest: Finding
    captions: Finding
    steps: Finding

    @property
    def findings(self) -> dict[str, Finding]:
        return {
            "poster": self.poster,
            "manifest": self.manifest,
            "captions": self.captions,
            "steps": self.steps,
        }

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings.values())

    @property
    def intended(self) -> bool:
        return any(finding.status == "intended" for finding in self.findings.values())


def compare_topic(before_media: Path, after_media: Path, example: str, topic: str) -> TopicComparison:
    """Compare the files of ``topic`` of ``example`` under two media folders (``MEDIA/example/topic.*``)."""
    old, new = before_media / example, after_media / example
    manifest = compare_manifests(old / f"{topic}.numbers.json", new / f"{topic}.numbers.json")
    captions = [f"{topic}.srt", f"{topic}.vtt"]
    return TopicComparison(
        example=example,
        topic=topic,
        poster=compare_posters(old / f"{topic}.png", new / f"{topic}.png", manifest.gained_head_tags),
        manifest=manifest.finding,
        captions=compare_captions([old / name for name in captions], [new / name for name in captions]),
        steps=compare_steps(
            old / f"{topic}.sections" / "index.json", new / f"{topic}.sections" / "index.json"
        ),
    )


def compare_media(
    before_media: Path, after_media: Path, examples: Sequence[str], topics: Sequence[str]
) -> list[TopicComparison]:
    """`compare_topic` for every example × topic, example by example."""
    return [
        compare_topic(before_media, after_media, example, topic) for example in examples for topic in topics
    ]


def format_report(comparisons: Sequence[TopicComparison]) -> str:
    """The table (example, topic, poster, manifest, captions, steps) and the details of each difference."""
    header = ["example", "topic", "poster", "manifest", "captions", "steps"]
    rows = [[c.example, c.topic, *(str(finding) for finding in c.findings.values())] for c in comparisons]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * width for width in widths]), *map(line, rows)]
    for c in comparisons:
        for aspect, finding in c.findings.items():
            if not finding.details:
                continue
            out.append(f"\n{c.example}/{c.topic} {aspect}: {finding}")
            out += [f"  {detail}" for detail in finding.details[:MAX_DETAILS]]
            if len(finding.details) > MAX_DETAILS:
                out.append(f"  … and {len(finding.details) - MAX_DETAILS} more")
    out.append("\nNot compared as-is: " + "; ".join(f"{name}: {why}" for name, why in IGNORED.items()) + ".")
    return "\n".join(out)


def verdict(comparisons: Sequence[TopicComparison], failed_renders: int = 0) -> str:
    """One line: whether a viewer sees the same, and what differs."""
    failed = [c for c in comparisons if not c.ok]
    intended = [c for c in comparisons if c.ok and c.intended]
    same = len(comparisons) - len(failed) - len(intended)
    pairs = _count(len(comparisons), "topic × example pair")
    renders = f"; {_count(failed_renders, 'render command')} failed" if failed_renders else ""
    if not comparisons:
        return f"FAILED: nothing was compared{renders}"
    if failed:
        return (
            f"FAILED: {len(failed)} of {pairs} differ beyond the intended head tags "
            f"({same} the same, {len(intended)} with head tags only){renders}"
        )
    if intended:
        return f"OK: {pairs}: {same} the same, {len(intended)} differing only by the intended head tags"
    return f"OK: {pairs}, all the same"


# ------------------------------------------------------------------ rendering both sides

REPOSITORY = Path(__file__).resolve().parent.parent


class UsageProblem(Exception):
    """A problem with the command line (exit status 2)."""


@dataclass
class Side:
    """One side of the comparison: a source tree, its media folder and its shape cache."""

    label: str  # "before 3e8f222", "after (working tree)"
    tree: Path
    media: Path
    cache: Path
    topics: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def _say(message: str) -> None:
    click.echo(message, err=True)


def _git(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(REPOSITORY), *args], capture_output=True, text=True, check=check)


def resolve_revision(revision: str) -> str:
    """The commit ``revision`` names, as a full hash; `UsageProblem` if it names none."""
    found = _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
    if found.returncode != 0:
        raise UsageProblem(f"'{revision}' is not a git revision of {REPOSITORY}")
    return found.stdout.strip()


@contextmanager
def worktree(commit: str, path: Path, keep: bool) -> Iterator[Path]:
    """A detached git worktree of ``commit`` at ``path``, removed afterwards unless ``keep``."""
    added = _git("worktree", "add", "--detach", "--quiet", str(path), commit, check=False)
    if added.returncode != 0:
        raise UsageProblem(f"cannot make a worktree of {commit[:7]} at {path}: {added.stderr.strip()}")
    try:
        yield path
    finally:
        if not keep:
            _git("worktree", "remove", "--force", str(path), check=False)
            _git("worktree", "prune", check=False)


def _environment(side: Side) -> dict[str, str]:
    """The side's own packages first (over the editable install), and a shape cache of its own."""
    return {**os.environ, "PYTHONPATH": str(side.tree), "ATTENTION_VIDEO_CACHE": str(side.cache)}


def list_names(side: Side) -> tuple[list[str], list[str]] | None:
    """The topics and built-in examples that side's ``render.py --list`` names; None if it fails."""
    listed = subprocess.run(
        [sys.executable, "render.py", "--list"],
        cwd=side.tree,
        env=_environment(side),
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        _say(f"[{side.label}] 'python render.py --list' failed:\n{listed.stderr.strip()}")
        return None
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in listed.stdout.splitlines():
        if line and not line[0].isspace():
            current = sections.setdefault(line.split()[0].lower(), [])
        elif line.strip():
            current.append(line.split()[0])
    return sections.get("topics", []), sections.get("built-in", [])


def render_commands(
    side: Side, topics: Sequence[str], examples: Sequence[str], quality: str, jobs: int
) -> list[list[str]]:
    """``render.py`` commands rendering the ``topics`` × ``examples`` that this side knows."""
    known_topics = [topic for topic in topics if topic in side.topics]
    known_examples = [example for example in examples if example in side.examples]
    if not known_topics or not known_examples:
        return []
    which = ["--all"] if known_topics == side.topics else ["--topics", ",".join(known_topics)]
    common = ["--quality", quality, "--media-dir", str(side.media), "--jobs", str(jobs), "--force"]
    # One command per example named (--example takes one name, or all).
    per_command = ["all"] if known_examples == side.examples else known_examples
    return [[sys.executable, "render.py", *which, "--example", example, *common] for example in per_command]


def render_side(side: Side, commands: Sequence[Sequence[str]]) -> list[str]:
    """Run ``commands`` in the side's tree, their output on stderr; the commands that failed."""
    side.media.mkdir(parents=True, exist_ok=True)
    side.cache.mkdir(parents=True, exist_ok=True)
    failed = []
    for command in commands:
        shown = shlex.join(["python", *command[1:]])
        _say(f"\n[{side.label}] {side.tree}$ {shown}")
        status = subprocess.run(
            command, cwd=side.tree, env=_environment(side), stdout=sys.stderr, stderr=sys.stderr, check=False
        ).returncode
        if status != 0:
            _say(f"[{side.label}] exit status {status}")
            failed.append(f"{side.label}: {shown} exited with status {status}")
    return failed


def _parse_names(value: str | None, known: Sequence[str], what: str) -> list[str]:
    """The comma-separated names of ``value`` (all ``known`` if None), in ``known`` order."""
    if value is None:
        return list(known)
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise UsageProblem(
            f"unknown {what} {', '.join(map(repr, unknown)) or '(none given)'}; valid: {', '.join(known)}"
        )
    return [name for name in known if name in names]


def _union(first: Sequence[str], second: Sequence[str]) -> list[str]:
    return [*first, *(name for name in second if name not in first)]


@dataclass(frozen=True)
class Request:
    base: str
    after: str | None
    quality: str
    topics: str | None
    examples: str | None
    jobs: int
    keep: Path | None


def run(request: Request) -> int:
    """Render both sides, compare, print the report; the exit status."""
    base = resolve_revision(request.base)
    after = resolve_revision(request.after) if request.after else None
    if request.keep:
        if request.keep.exists() and any(request.keep.iterdir()):
            raise UsageProblem(f"--keep folder {request.keep} is not empty")
        request.keep.mkdir(parents=True, exist_ok=True)
        root = request.keep.resolve()
    else:
        root = Path(tempfile.mkdtemp(prefix="compare-renders-"))
    try:
        with worktree(base, root / "before-tree", keep=request.keep is not None) as before_tree:
            before = Side(f"before {base[:7]}", before_tree, root / "before-media", root / "before-cache")
            if after is None:
                return _render_and_compare(request, before, Path(REPOSITORY), "after (working tree)", root)
            with worktree(after, root / "after-tree", keep=request.keep is not None) as after_tree:
                return _render_and_compare(request, before, after_tree, f"after {after[:7]}", root)
    finally:
        if request.keep:
            removals = "; ".join(
                f"git worktree remove --force {tree}" for tree in sorted(root.glob("*-tree"))
            )
            _say(f"\nkept in {root}; to remove its worktrees: {removals}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _render_and_compare(
    request: Request, before: Side, after_tree: Path, after_label: str, root: Path
) -> int:
    after = Side(after_label, after_tree, root / "after-media", root / "after-cache")
    listed = {side.label: list_names(side) for side in (before, after)}
    for side, other in ((before, after), (after, before)):
        names = listed[side.label] or listed[other.label]
        if names is None:
            click.echo("error: neither side's render.py lists its topics (see above)", err=True)
            return 1
        side.topics, side.examples = names
        if listed[side.label] is None:
            _say(f"[{side.label}] rendering anyway, with the names {other.label} lists: it will fail")
    topics = _parse_names(request.topics, _union(before.topics, after.topics), "topic")
    examples = _parse_names(request.examples, _union(before.examples, after.examples), "example")
    for side in (before, after):
        for kind, wanted, known in (("topics", topics, side.topics), ("examples", examples, side.examples)):
            absent = [name for name in wanted if name not in known]
            if absent:
                _say(f"[{side.label}] does not know the {kind} {', '.join(absent)}: they will be missing")

    failed_commands: list[str] = []
    for side in (before, after):
        failed_commands += render_side(
            side, render_commands(side, topics, examples, request.quality, request.jobs)
        )

    comparisons = compare_media(before.media, after.media, examples, topics)
    click.echo(f"\nbefore: {before.label} ({before.tree})\nafter:  {after.label} ({after.tree})")
    click.echo(
        f"{request.quality} quality; {_count(len(topics), 'topic')} × {_count(len(examples), 'example')}\n"
    )
    click.echo(format_report(comparisons))
    for failure in failed_commands:
        click.echo(f"render failed: {failure}")
    click.echo(verdict(comparisons, len(failed_commands)))
    return 0 if all(c.ok for c in comparisons) and comparisons else 1


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    metavar="REV",
    help="Git revision rendered as 'before' (default: the last commit before the restructure).",
)
@click.option(
    "--after",
    metavar="REV",
    hidden=True,
    help="Testing: render a worktree of REV as 'after' instead of the working tree.",
)
@click.option(
    "--quality",
    type=click.Choice(["low", "medium", "high", "4k"]),
    default="low",
    show_default=True,
    help="Render quality of both sides.",
)
@click.option("--topics", metavar="A,B,...", help="Topics to compare [default: all].")
@click.option("--examples", metavar="A,B,...", help="Built-in examples to compare [default: all].")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="number of cores",
    metavar="N",
    help="Topics rendered at once on each side.",
)
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Keep the worktree and both media folders in DIR (new or empty) instead of a temporary folder.",
)
def main(
    base: str,
    after: str | None,
    quality: str,
    topics: str | None,
    examples: str | None,
    jobs: int,
    keep: Path | None,
) -> None:
    """Render topics × built-in examples before (--base) and after (the working tree)
    a change, and show that posters, numbers manifests, captions and step indexes
    are equal, apart from the intended head tags.

    Exit status: 0 same (or only the intended head tags), 1 something else
    differs, 2 a usage error.
    """
    try:
        status = run(Request(base, after, quality, topics, examples, jobs, keep))
    except UsageProblem as problem:
        raise click.UsageError(str(problem)) from None
    except KeyboardInterrupt:
        _say("error: interrupted")
        sys.exit(130)
    sys.exit(status)


if __name__ == "__main__":
    main()
