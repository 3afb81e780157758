"""The lesson page: one HTML file beside the rendered topics of an example.

``write_page`` writes ``<media>/<example>/index.html`` from the files a render
left there: per topic its video (with poster and a captions ``<track>``), its
steps (each a link to its clip that also seeks the video), and its key
numbers as tables read from ``<topic>.numbers.json``, in the order given
(pipeline order). Everything is inline (CSS, a few lines of script, the
captions as a ``data:`` URL) and every link is relative, so the page works
opened from disk (``file://``: a browser will not load a separate ``.vtt``
file there) and served over HTTP alike, with no network access.

The HTML comes from the Jinja2 templates in ``production/templates/``
(``page.html`` and the ``topic.html`` section it repeats, ``numbers.html``,
``examples.html``, the shared ``base.html``, ``style.css`` and ``page.js``),
with every value escaped; this module reads the files and fills them in.
"""

from __future__ import annotations

import dataclasses
import json
import re
import struct
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from scenes import TOPICS
from scenes.kit import palette

from .files import write_text_atomically
from .output import sections_name
from .settings import STILLS_FOLDER

__all__ = ["PAGE_NAME", "STILLS_INDEX", "TopicSection", "number_tables", "write_examples_index", "write_page"]

PAGE_NAME = "index.html"
#: The index of the previews' pages, beside the videos' ``index.html`` in the media folder.
STILLS_INDEX = "previews.html"

# Trace names whose rows (and, for the attention matrices, columns) are the lesson's tokens.
_TOKEN_ROWS = {
    "ffn_pre",
    "norm_1_mean",
    "norm_1_std",
    "norm_2_mean",
    "norm_2_std",
    "embeddings",
    "positional",
    "x",
    "q",
    "k",
    "v",
    "scores",
    "scaled",
    "masked",
    "exp",
    "weights",
    "context",
    "concat",
    "output",
    "residual",
    "add_1",
    "norm_1",
    "ffn_hidden",
    "ffn_out",
    "add_2",
    "norm_2",
    "row_sums",
}
_TOKEN_COLUMNS = {"scores", "scaled", "masked", "exp", "weights"}
_VOCAB_ROWS = {"vocab_embeddings"}
_VOCAB_VECTORS = {"logits", "logit_exp", "probs"}
_LABELS = {"tokens", "token_labels", "vocab"}  # drawn as row and column headers, not as tables of their own

_ROLE_COLOURS = {
    "embeddings": palette.EMBEDDING,
    "x": palette.EMBEDDING,
    "positional": palette.POSITIONAL,
    "q": palette.QUERY,
    "k": palette.KEY,
    "v": palette.VALUE,
    "scores": palette.SCORES,
    "scaled": palette.SCORES,
    "masked": palette.SCORES,
    "exp": palette.WEIGHTS,
    "row_sums": palette.WEIGHTS,
    "weights": palette.WEIGHTS,
    "context": palette.CONTEXT,
    "concat": palette.CONTEXT,
    "output": palette.OUTPUT,
}

_PATH = re.compile(r"^(?P<name>.*?)(?P<indices>(?:\[\d+\])*)$")
_INDEX = re.compile(r"\[(\d+)\]")


_PATH = re.compile(r"^(?P<name>.*?)(?P<indices>(?:\[\d+\])*)$")
_INDEX = re.compile(r"\[(\d+)\]")


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("production", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


class _Colours:
    """The palette's colours as a theme shows them: ``colours.TEXT`` is the theme's text colour."""

    def __init__(self, theme: palette.Theme) -> None:
        self.theme = theme
        self.scheme = "light" if theme.name == "light" else "dark"

    def __getattr__(self, name: str) -> str:
        return self.theme.translate(str(getattr(palette, name)))


def _render(template: str, theme: str = palette.DEFAULT_THEME, **values: Any) -> str:
    colours = _Colours(palette.THEMES[theme])
    return _templates().get_template(template).render(palette=colours, **values)


# ------------------------------------------------------------------- key numbers


@dataclass(frozen=True)
class _Cell:
    text: str
    path: str  # "" for an empty cell


@dataclass(frozen=True)
class _Row:
    label: str
    cells: list[_Cell]


@dataclass(frozen=True)
class _Table:
    name: str
    rows: list[_Row]
    columns: list[str] = field(default_factory=list)
    colour: str = ""
    scalars: bool = False


def number_tables(manifest: Mapping[str, Any], theme: str = palette.DEFAULT_THEME) -> Markup:
    """The manifest's numbers as HTML tables: one per matrix or vector, scalars in one more.

    Cells hold the manifest's ``text`` (the screen's formatting) with the trace
    path as a tooltip. Entries with three or more indices (per-entry products
    and running sums) are left to the JSON file.
    """
    numbers: Mapping[str, Mapping[str, object]] = manifest.get("numbers", {})
    groups: dict[str, dict[tuple[int, ...], _Cell]] = {}
    for path, entry in numbers.items():
        match = _PATH.match(path)
        assert match is not None  # the pattern matches every string
        indices = tuple(int(i) for i in _INDEX.findall(match.group("indices")))
        text = str(entry.get("text", entry.get("value")))
        groups.setdefault(match.group("name"), {})[indices] = _Cell(text, path)
    tokens = _labels(groups.get("token_labels") or groups.get("tokens", {}))  # labels: "the", "the′"
    vocab = _labels(groups.get("vocab", {}))

    tables: list[_Table] = []
    scalars: list[_Row] = []
    for name, cells in groups.items():
        ranks = {len(index) for index in cells}
        if name in _LABELS or ranks - {0, 1, 2}:
            continue
        base = name.rsplit(".", 1)[-1]
        if ranks == {0}:
            scalars.append(_Row(name, [cells[()]]))
        elif ranks == {1}:
            columns = tokens if base in _TOKEN_ROWS else vocab if base in _VOCAB_VECTORS else {}
            as_row = {(0, *index): cell for index, cell in cells.items()}
            tables.append(_table(name, base, as_row, row_labels={0: ""}, column_labels=columns))
        elif ranks == {2}:
            rows = tokens if base in _TOKEN_ROWS else vocab if base in _VOCAB_ROWS else {}
            columns = tokens if base in _TOKEN_COLUMNS else {}
            tables.append(_table(name, base, cells, row_labels=rows, column_labels=columns))
    if scalars:
        tables.append(_Table("other numbers", scalars, scalars=True))
    shown = palette.THEMES[theme]
    tables = [dataclasses.replace(t, colour=shown.translate(t.colour)) if t.colour else t for t in tables]
    return Markup(_render("numbers.html", theme, tables=tables).strip("\n"))


def _labels(cells: Mapping[tuple[int, ...], _Cell]) -> dict[int, str]:
    return {index[0]: cell.text for index, cell in cells.items() if len(index) == 1}


def _table(
    name: str,
    base: str,
    cells: Mapping[tuple[int, ...], _Cell],
    *,
    row_labels: Mapping[int, str],
    column_labels: Mapping[int, str],
) -> _Table:
    rows = sorted({index[0] for index in cells})
    columns = sorted({index[1] for index in cells})
    colour = _ROLE_COLOURS.get(base, palette.WEIGHT_MATRIX if base.startswith(("w_", "b_")) else palette.TEXT)
    return _Table(
        name,
        [_Row(row_labels.get(i, str(i)), [cells.get((i, j), _Cell("", "")) for j in columns]) for i in rows],
        columns=[column_labels.get(j, str(j)) for j in columns],
        colour=str(colour),
    )


# ------------------------------------------------------------------ the sections


@dataclass(frozen=True)
class _Step:
    caption: str
    href: str = ""  # the step's clip, when the video plays on the page
    start: str = ""  # seconds into the video, "12.500"
    clock: str = ""  # "0:12"


@dataclass(frozen=True)
class _Link:
    href: str
    text: str


@dataclass(frozen=True)
class TopicSection:
    """What the page shows of one topic (``templates/topic.html``).

    ``unavailable`` says why a topic has no files (then nothing else is
    shown); ``media`` is ``video``, ``gif`` or ``poster``, and file names are
    relative to the page.
    """

    topic: str
    number: int
    unavailable: str = ""
    media: str = "poster"
    output_format: str = "mp4"
    video: str = ""
    poster: str = ""
    captions: str = ""  # a data: URL of the WebVTT captions
    width: int = 854
    height: int = 480
    steps: list[_Step] = field(default_factory=list)
    files: list[_Link] = field(default_factory=list)
    manifest: str = ""
    count: int = 0
    numbers: Markup = field(default_factory=Markup)
    #: What the voice says, per step: (caption, sentences), when the video is narrated.
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return self.topic.replace("_", " ").capitalize()

    @property
    def summary(self) -> str:
        return TOPICS.get(self.topic, "")

    @property
    def video_id(self) -> str:
        return f"video-{self.topic}"


def _png_size(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as file:
            header = file.read(24)
    except OSError:
        return None
    if len(header) < 24 or header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _topic_section(
    out_dir: Path, topic: str, number: int, output_format: str, problem: str | None, theme: str
) -> TopicSection:
    manifest_path = out_dir / f"{topic}.numbers.json"
    if problem or not manifest_path.exists():
        return TopicSection(topic, number, unavailable=problem or "not rendered")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    poster = out_dir / f"{topic}.png"
    width, height = _png_size(poster) or (854, 480)
    video = out_dir / f"{topic}.{output_format}"
    plays = output_format in ("mp4", "webm") and video.exists()
    media = "video" if plays else "gif" if output_format == "gif" and video.exists() else "poster"
    captions = ""
    vtt = out_dir / f"{topic}.vtt"
    if plays and vtt.exists():
        captions = "data:text/vtt;charset=utf-8," + urllib.parse.quote(vtt.read_text(encoding="utf-8"))

    clips: dict[int, dict[str, Any]] = {}
    sections = sections_name(topic, output_format)
    index_path = out_dir / sections / "index.json"
    if index_path.exists():
        for entry in json.loads(index_path.read_text(encoding="utf-8")):
            if entry.get("step"):
                clips[int(entry["step"])] = entry
    steps = []
    for step, caption in enumerate(manifest.get("steps", []), 1):
        clip = clips.get(step)
        if clip and plays:
            start = float(clip["start"])
            href = f"{sections}/{clip['video']}"
            steps.append(_Step(caption, href, f"{start:.3f}", _clock(start)))
        else:
            steps.append(_Step(caption))

    transcript_path = out_dir / f"{topic}.transcript.md"
    files = [
        _Link(f.name, f.name)
        for f in (video, out_dir / f"{topic}.vtt", out_dir / f"{topic}.srt", transcript_path, manifest_path)
        if f.exists()
    ]
    spoken = [
        (entry["caption"], [sentence["text"] for sentence in entry["sentences"]])
        for entry in manifest.get("narration", [])
        if any(sentence.get("start") is not None for sentence in entry["sentences"])
    ]
    if index_path.exists():
        files.append(_Link(f"{sections}/index.json", "per-step clips"))
    return TopicSection(
        topic,
        number,
        media=media,
        output_format=output_format,
        video=video.name,
        poster=poster.name,
        captions=captions,
        width=width,
        height=height,
        steps=steps,
        files=files,
        manifest=manifest_path.name,
        count=len(manifest.get("numbers", {})),
        numbers=number_tables(manifest, theme),
        transcript=spoken if plays else [],
    )


# --------------------------------------------------------------------- the pages


def write_page(
    out_dir: Path,
    topics: Sequence[str],
    *,
    title: str,
    description: str = "",
    output_format: str = "mp4",
    problems: Mapping[str, str] | None = None,
    theme: str = palette.DEFAULT_THEME,
) -> Path:
    """Write ``out_dir/index.html`` for ``topics`` (in that order) and return its path.

    ``problems`` maps a topic that did not render to why; it is listed with the reason.
    The page takes the videos' ``theme`` (dark or light), numbers tables included.
    """
    problems = problems or {}
    sections = [
        _topic_section(out_dir, topic, number, output_format, problems.get(topic), theme)
        for number, topic in enumerate(topics, 1)
    ]
    document = _render("page.html", theme, title=title, description=description, sections=sections)
    return write_text_atomically(out_dir / PAGE_NAME, document)


def write_examples_index(
    media_dir: Path,
    examples: Mapping[str, str],
    *,
    still: bool = False,
    look: str = "",
    theme: str = palette.DEFAULT_THEME,
) -> Path:
    """Write ``media_dir/index.html`` linking each example's page (name -> description).

    With ``still``, the index of the previews' pages (in each example's
    ``preview/`` folder) is ``media_dir/previews.html``, beside the videos'
    index; a look other than the default (``look``: its folder, e.g.
    ``light``) has its own, ``index-light.html`` (``previews-light.html``).
    """
    stem = Path(STILLS_INDEX if still else PAGE_NAME).stem
    kind = " ".join(part for part in (look, "previews" if still else "") if part)
    document = _render(
        "examples.html",
        theme,
        title=f"Self-attention lessons ({kind})" if kind else "Self-attention lessons",
        examples=list(examples.items()),
        page_name="/".join(part for part in (look, STILLS_FOLDER if still else "", PAGE_NAME) if part),
    )
    return write_text_atomically(Path(media_dir) / f"{stem}{'-' + look if look else ''}.html", document)
