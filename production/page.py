"""The lesson page: one HTML file beside the rendered topics of an example.

``write_page`` writes ``<media>/<example>/index.html`` from the files a render
left there: per topic its video (with poster and a captions ``<track>``), its
steps (each a link to its clip that also seeks the video), and its key
numbers as tables read from ``<topic>.numbers.json``, in the order given
(pipeline order). Everything is inline (CSS, a few lines of script, the
captions as a ``data:`` URL) and every link is relative, so the page works
opened from disk (``file://``: a browser will not load a separate ``.vtt``
file there) and served over HTTP alike, with no network access.
"""

from __future__ import annotations

import html
import json
import os
import re
import struct
import tempfile
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

from scenes import TOPICS
from scenes.kit import palette

__all__ = ["PAGE_NAME", "number_tables", "write_examples_index", "write_page"]

PAGE_NAME = "index.html"

# Trace names whose rows (and, for the attention matrices, columns) are the lesson's tokens.
_TOKEN_ROWS = {
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


def number_tables(manifest: Mapping[str, object]) -> str:
    """The manifest's numbers as HTML tables: one per matrix or vector, scalars in one more.

    Cells hold the manifest's ``text`` (the screen's formatting) with the trace
    path as a tooltip. Entries with three or more indices (per-entry products
    and running sums) are left to the JSON file.
    """
    numbers: Mapping[str, Mapping[str, object]] = manifest.get("numbers", {})  # type: ignore[assignment]
    groups: dict[str, dict[tuple[int, ...], tuple[str, str]]] = {}
    for path, entry in numbers.items():
        match = _PATH.match(path)
        assert match is not None  # the pattern matches every string
        indices = tuple(int(i) for i in _INDEX.findall(match.group("indices")))
        groups.setdefault(match.group("name"), {})[indices] = (
            str(entry.get("text", entry.get("value"))),
            path,
        )
    tokens = _labels(groups.get("token_labels") or groups.get("tokens", {}))  # labels: "the", "the′"
    vocab = _labels(groups.get("vocab", {}))

    tables, scalars = [], []
    for name, cells in groups.items():
        ranks = {len(index) for index in cells}
        if name in _LABELS or ranks - {0, 1, 2}:
            continue
        base = name.rsplit(".", 1)[-1]
        if ranks == {0}:
            text, path = cells[()]
            scalars.append(f'<tr><th scope="row">{_e(name)}</th><td title="{_e(path)}">{_e(text)}</td></tr>')
            continue
        if ranks == {1}:
            columns = tokens if base in _TOKEN_ROWS else vocab if base in _VOCAB_VECTORS else {}
            cells = {(0, *index): cell for index, cell in cells.items()}
            tables.append(_table(name, base, cells, row_labels={0: ""}, column_labels=columns, vector=True))
            continue
        if ranks == {2}:
            rows = tokens if base in _TOKEN_ROWS else vocab if base in _VOCAB_ROWS else {}
            columns = tokens if base in _TOKEN_COLUMNS else {}
            tables.append(_table(name, base, cells, row_labels=rows, column_labels=columns))
    if scalars:
        tables.append(
            f'<table class="numbers scalars"><caption>other numbers</caption>{"".join(scalars)}</table>'
        )
    return "\n".join(tables)


def _labels(cells: Mapping[tuple[int, ...], tuple[str, str]]) -> dict[int, str]:
    return {index[0]: text for index, (text, _) in cells.items() if len(index) == 1}


def _table(
    name: str,
    base: str,
    cells: Mapping[tuple[int, ...], tuple[str, str]],
    *,
    row_labels: Mapping[int, str],
    column_labels: Mapping[int, str],
    vector: bool = False,
) -> str:
    rows = sorted({index[0] for index in cells})
    columns = sorted({index[1] for index in cells})
    colour = _ROLE_COLOURS.get(base, palette.WEIGHT_MATRIX if base.startswith(("w_", "b_")) else palette.TEXT)
    head = "".join(f'<th scope="col">{_e(column_labels.get(j, str(j)))}</th>' for j in columns)
    body = []
    for i in rows:
        label = "" if vector else row_labels.get(i, str(i))
        tds = []
        for j in columns:
            text, path = cells.get((i, j), ("", ""))
            tds.append(f'<td title="{_e(path)}">{_e(text)}</td>' if path else "<td></td>")
        body.append(f'<tr><th scope="row">{_e(label)}</th>{"".join(tds)}</tr>')
    return (
        f'<table class="numbers"><caption style="color:{colour}">{_e(name)}</caption>'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _png_size(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as file:
            header = file.read(24)
    except OSError:
        return None
    if len(header) < 24 or header[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", header[16:24])


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _topic_section(out_dir: Path, topic: str, number: int, output_format: str, problem: str | None) -> str:
    title = f'<h2><span class="number">{number}.</span> {_e(topic.replace("_", " ").capitalize())}</h2>'
    summary = f'<p class="summary">{_e(TOPICS.get(topic, ""))}</p>'
    manifest_path = out_dir / f"{topic}.numbers.json"
    if problem or not manifest_path.exists():
        note = problem or "not rendered"
        failed = f'<p class="failed">Not available: {_e(note)}</p>'
        return f'<section class="topic" id="{_e(topic)}">{title}{summary}{failed}</section>'
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    poster = out_dir / f"{topic}.png"
    size = _png_size(poster) or (854, 480)
    dimensions = f'width="{size[0]}" height="{size[1]}"'
    video = out_dir / f"{topic}.{output_format}"
    video_id = f"video-{topic}"
    if output_format in ("mp4", "webm") and video.exists():
        vtt = out_dir / f"{topic}.vtt"
        track = ""
        if vtt.exists():
            data = "data:text/vtt;charset=utf-8," + urllib.parse.quote(vtt.read_text(encoding="utf-8"))
            # Not shown by default: the captions are drawn in the video already.
            track = f'<track kind="captions" srclang="en" label="Captions" src="{_e(data)}">'
        media = (
            f'<video id="{video_id}" controls preload="metadata" playsinline poster="{_e(poster.name)}" '
            f'width="{size[0]}" height="{size[1]}">'
            f'<source src="{_e(video.name)}" type="video/{output_format}">{track}'
            f'Your browser cannot play this video: <a href="{_e(video.name)}">download it</a>.</video>'
        )
    elif output_format == "gif" and video.exists():
        media = f'<img class="media" src="{_e(video.name)}" {dimensions} alt="{_e(topic)}, animated">'
    else:
        media = f'<img class="media" src="{_e(poster.name)}" {dimensions} alt="{_e(topic)}: the result">'

    clips: dict[int, dict] = {}
    index_path = out_dir / f"{topic}.sections" / "index.json"
    if index_path.exists():
        for entry in json.loads(index_path.read_text(encoding="utf-8")):
            if entry.get("step"):
                clips[int(entry["step"])] = entry
    items = []
    for number_, caption in enumerate(manifest.get("steps", []), 1):
        clip = clips.get(number_)
        if clip and video.exists() and output_format in ("mp4", "webm"):
            href = f"{topic}.sections/{clip['video']}"
            items.append(
                f'<li><a href="{_e(href)}" data-video="{video_id}" data-start="{float(clip["start"]):.3f}">'
                f'{_e(caption)}</a> <span class="time">{_clock(float(clip["start"]))}</span></li>'
            )
        else:
            items.append(f"<li>{_e(caption)}</li>")
    steps = f'<div class="steps"><h3>Steps</h3><ol>{"".join(items)}</ol></div>'

    files = [
        f for f in (video, out_dir / f"{topic}.vtt", out_dir / f"{topic}.srt", manifest_path) if f.exists()
    ]
    links = " · ".join(f'<a href="{_e(f.name)}">{_e(f.name)}</a>' for f in files)
    if index_path.exists():
        links += f' · <a href="{_e(topic)}.sections/index.json">per-step clips</a>'
    count = len(manifest.get("numbers", {}))
    numbers = (
        f'<details class="key-numbers" open><summary>Key numbers</summary>{number_tables(manifest)}'
        f'<p class="note">Every number in the video ({count}), by trace path: '
        f'<a href="{_e(manifest_path.name)}">{_e(manifest_path.name)}</a></p></details>'
    )
    return (
        f'<section class="topic" id="{_e(topic)}">{title}{summary}'
        f'<div class="player">{media}{steps}</div><p class="files">{links}</p>{numbers}</section>'
    )


_STYLE = f"""
:root {{ color-scheme: dark; }}
body {{ margin: 0; background: {palette.BACKGROUND}; color: {palette.TEXT};
  font: 16px/1.5 "DejaVu Sans", system-ui, sans-serif; }}
header, main {{ max-width: 1200px; margin: 0 auto; padding: 0 1.5rem; }}
header {{ padding-top: 1.5rem; }}
h1 {{ margin: 0 0 .25rem; font-size: 1.8rem; }}
h2 {{ margin: 2.5rem 0 .25rem; border-top: 1px solid {palette.MUTED}; padding-top: 1.5rem; }}
h3 {{ margin: 0 0 .5rem; font-size: 1rem; color: {palette.MUTED};
  text-transform: uppercase; letter-spacing: .05em; }}
a {{ color: {palette.KEY}; }}
nav ol {{ padding-left: 0; }}
nav li {{ display: inline-block; margin-right: 1.25rem; }}
.summary, .note, .files, .time {{ color: {palette.MUTED}; }}
.number {{ color: {palette.MUTED}; }}
.player {{ display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }}
video, .media {{ max-width: 100%; height: auto; background: {palette.BACKGROUND}; }}
.steps {{ flex: 1 1 260px; }}
.steps ol {{ margin: 0; padding-left: 1.5rem; }}
.steps li {{ margin-bottom: .35rem; }}
.failed {{ color: {palette.VALUE}; }}
details {{ margin-top: 1rem; }}
summary {{ cursor: pointer; font-weight: bold; }}
table.numbers {{ display: inline-table; border-collapse: collapse; margin: .75rem 1.5rem .75rem 0;
  font: 14px/1.3 "DejaVu Sans Mono", ui-monospace, monospace; vertical-align: top; }}
table.numbers caption {{ text-align: left; font-weight: bold; padding-bottom: .25rem; }}
table.numbers th {{ color: {palette.MUTED}; font-weight: normal; padding: .1rem .5rem; text-align: right; }}
table.numbers td {{ padding: .1rem .5rem; text-align: right; border: 1px solid {palette.MUTED}40; }}
"""

# Clicking a step plays the topic's video from that step (without script the link opens the clip).
_SCRIPT = """
document.querySelectorAll("a[data-start]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    var video = document.getElementById(link.dataset.video);
    if (!video) return;
    event.preventDefault();
    video.currentTime = parseFloat(link.dataset.start);
    var playing = video.play();
    if (playing && playing.catch) playing.catch(function () {});
  });
});
"""


def write_page(
    out_dir: Path,
    topics: Sequence[str],
    *,
    title: str,
    description: str = "",
    output_format: str = "mp4",
    problems: Mapping[str, str] | None = None,
) -> Path:
    """Write ``out_dir/index.html`` for ``topics`` (in that order) and return its path.

    ``problems`` maps a topic that did not render to why; it is listed with the reason.
    """
    problems = problems or {}
    nav = "".join(
        f'<li><span class="number">{n}.</span> <a href="#{_e(t)}">{_e(t.replace("_", " "))}</a></li>'
        for n, t in enumerate(topics, 1)
    )
    sections = "\n".join(
        _topic_section(out_dir, topic, number, output_format, problems.get(topic))
        for number, topic in enumerate(topics, 1)
    )
    intro = f"<p>{_e(description)}</p>" if description else ""
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<link rel="icon" href="data:,">
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
{intro}
<p class="note">Every number on screen comes from the verified computation of this lesson.</p>
<nav><ol>{nav}</ol></nav>
</header>
<main>
{sections}
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
    return _write_atomically(out_dir / PAGE_NAME, document)


def write_examples_index(media_dir: Path, examples: Mapping[str, str]) -> Path:
    """Write ``media_dir/index.html`` linking each example's page (name -> description)."""
    items = "".join(
        f'<li><a href="{_e(name)}/{PAGE_NAME}">{_e(name)}</a> '
        f'<span class="note">{_e(description)}</span></li>'
        for name, description in examples.items()
    )
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Self-attention lessons</title>
<link rel="icon" href="data:,">
<style>{_STYLE}</style>
</head>
<body>
<header><h1>Self-attention lessons</h1></header>
<main><ul>{items}</ul></main>
</body>
</html>
"""
    return _write_atomically(Path(media_dir) / PAGE_NAME, document)


def _write_atomically(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
