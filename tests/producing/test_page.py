"""The lesson page's HTML, from files laid out as a render leaves them (no rendering here)."""

from __future__ import annotations

import json
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

from production.output import Cue, write_vtt
from production.page import number_tables, write_examples_index, write_page
from scenes import TOPICS


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each caption and list item."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[tuple[str, str]] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data):
        if self._open and data.strip():
            self.text.append((self._open[-1], data.strip()))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(path: Path) -> Tags:
    tags = Tags()
    tags.feed(path.read_text(encoding="utf-8"))
    return tags


MANIFEST = {
    "topic": "softmax",
    "steps": ["Softmax turns scores into weights", "Every row of weights adds up to one"],
    "numbers": {
        "tokens[0]": {"value": "the", "text": "the"},
        "tokens[1]": {"value": "cat", "text": "cat"},
        "heads[0].weights[0][0]": {"value": 0.6, "text": "0.6"},
        "heads[0].weights[0][1]": {"value": 0.4, "text": "0.4"},
        "heads[0].weights[1][0]": {"value": 0.25, "text": "0.25"},
        "heads[0].weights[1][1]": {"value": 0.75, "text": "0.75"},
        "heads[0].row_sums[0]": {"value": 1.5, "text": "1.5"},
        "q_terms[0][0][1]": {"value": 0.5, "text": "0.5"},
        "d_k": {"value": 2, "text": "2"},
        "w_q[0][0]": {"value": -1.0, "text": "−1"},
    },
}


def lay_out(out_dir: Path, topic: str, *, video: bool = True) -> None:
    """The files a render of ``topic`` leaves (the video's content does not matter here)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (854, 480)).save(out_dir / f"{topic}.png")
    (out_dir / f"{topic}.numbers.json").write_text(json.dumps({**MANIFEST, "topic": topic}))
    if video:
        (out_dir / f"{topic}.mp4").write_bytes(b"")
        write_vtt(
            [
                Cue(0, 2, "Softmax turns scores into weights"),
                Cue(2, 5, "Every row of weights adds up to one"),
            ],
            out_dir / f"{topic}.vtt",
        )
        sections = out_dir / f"{topic}.sections"
        sections.mkdir()
        index = [
            {"name": "01-a", "video": "01-a.mp4", "step": 1, "start": 0.0, "end": 2.0},
            {"name": "02-b", "video": "02-b.mp4", "step": 2, "start": 2.0, "end": 5.0},
        ]
        (sections / "index.json").write_text(json.dumps(index))


def test_weights_table_has_tokens_as_row_and_column_headers_and_the_screen_text():
    tables = number_tables(MANIFEST)
    assert "<caption" in tables and "heads[0].weights</caption>" in tables
    weights = tables.split("heads[0].weights</caption>")[1].split("</table>")[0]
    assert weights.count('<th scope="col">the</th>') == 1 and '<th scope="row">cat</th>' in weights
    assert '<td title="heads[0].weights[1][1]">0.75</td>' in weights
    assert "−1" in tables  # the manifest's text, as on screen


def test_products_and_running_sums_are_left_to_the_json_file():
    tables = number_tables(MANIFEST)
    assert "q_terms" not in tables
    assert '<th scope="row">d_k</th><td title="d_k">2</td>' in tables


def test_page_has_a_video_with_poster_captions_steps_and_numbers_per_topic_in_the_given_order(tmp_path):
    topics = ["scores", "softmax"]
    for topic in topics:
        lay_out(tmp_path, topic)
    page = write_page(tmp_path, topics, title="Lesson", description="the cat")
    tags = parse(page)

    videos = tags.all("video")
    assert [v["id"] for v in videos] == ["video-scores", "video-softmax"]
    assert [v["poster"] for v in videos] == ["scores.png", "softmax.png"]
    assert [s["src"] for s in tags.all("source")] == ["scores.mp4", "softmax.mp4"]
    track = tags.all("track")[1]
    assert track["kind"] == "captions"
    # Inline: a browser refuses a separate .vtt file on a page opened from disk.
    assert track["src"].startswith("data:text/vtt")
    assert urllib.parse.unquote(track["src"].split(",", 1)[1]) == (tmp_path / "softmax.vtt").read_text()
    steps = [a for a in tags.all("a") if a.get("data-start") is not None]
    assert [(a["href"], a["data-start"]) for a in steps[2:]] == [
        ("softmax.sections/01-a.mp4", "0.000"),
        ("softmax.sections/02-b.mp4", "2.000"),
    ]
    assert ("a", "Every row of weights adds up to one") in tags.text
    assert [s["id"] for s in tags.all("section")] == topics


def test_page_needs_no_network(tmp_path):
    lay_out(tmp_path, "softmax")
    page = write_page(tmp_path, ["softmax"], title="Lesson")
    tags = parse(page)
    assert tags.all("link") == [{"rel": "icon", "href": "data:,"}]  # no favicon request either
    for attrs in tags.tags:
        for name in ("src", "href", "poster"):
            value = attrs[1].get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert all("src" not in attrs for attrs in tags.all("script"))


def test_a_failed_topic_is_listed_with_its_reason_and_a_preview_shows_posters(tmp_path):
    lay_out(tmp_path, "softmax", video=False)
    page = write_page(
        tmp_path,
        ["softmax", "block"],
        title="L",
        output_format="png",
        problems={"block": "RuntimeError: boom"},
    )
    tags = parse(page)
    assert tags.all("video") == []
    assert tags.all("img")[0]["src"] == "softmax.png"
    assert ("p", "Not available: RuntimeError: boom") in tags.text


def test_examples_index_links_each_example_page(tmp_path):
    page = write_examples_index(tmp_path, {"default": "the cat sat down", "token-residual": "seed 002"})
    assert [a["href"] for a in parse(page).all("a")] == ["default/index.html", "token-residual/index.html"]


def test_every_topic_has_a_summary_for_the_page():
    assert all(TOPICS.values())


def test_a_light_page_for_light_videos_dark_text_on_white_and_the_themes_role_colours(tmp_path):
    from scenes.kit import palette

    lay_out(tmp_path, "softmax")
    dark = write_page(tmp_path, ["softmax"], title="t").read_text()
    light = write_page(tmp_path, ["softmax"], title="t", theme="light").read_text()
    # The colours, written here as the palette module states them (dark) and as the light theme does.
    assert "color-scheme: dark" in dark and f"background: {palette.BACKGROUND}" in dark
    assert "color-scheme: light" in light and "background: #ffffff" in light and "color: #1d1f24" in light
    # The weights table takes the light theme's weights colour, the value its red.
    assert "#005a43" in light and palette.WEIGHTS not in light
    index = write_examples_index(tmp_path, {"default": ""}, look="light", theme="light")
    assert index.name == "index-light.html" and "background: #ffffff" in index.read_text()
    assert 'href="default/light/index.html"' in index.read_text()
