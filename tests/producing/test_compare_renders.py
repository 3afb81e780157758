"""scripts/compare_renders.py: the before/after comparison, on small media folders made here (no renders)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from support.paths import ROOT


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_renders", ROOT / "scripts" / "compare_renders.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


compare = _load_script()

EXAMPLE, TOPIC = "default", "multihead"
STEPS = [
    "Q, K and V split into two heads",
    "Each head attends on its own",
    "Concatenated and projected by W_o",
]
NUMBERS: dict[str, dict[str, Any]] = {
    "q[0][0]": {"value": 0.07, "text": "0.07"},
    "heads[0].weights[0][1]": {"value": 0.4012, "text": "0.40"},
    "output[1][0]": {"value": -1.25, "text": "−1.25"},
}


def write_render(
    media: Path,
    *,
    tree: str = "/somewhere/before-tree",
    steps: list[str] | None = None,
    numbers: dict[str, dict[str, Any]] | None = None,
    poster: np.ndarray | None = None,
    srt_caption: str = STEPS[0],
    end: float = 2.733333,
    example: str = EXAMPLE,
    topic: str = TOPIC,
) -> Path:
    """The files a render of ``topic`` writes under ``media/example/``, small and made up."""
    steps = STEPS if steps is None else steps
    folder = media / example
    (folder / f"{topic}.sections").mkdir(parents=True, exist_ok=True)
    manifest = {
        "topic": topic,
        "example": example,
        "lesson_source": f"{tree}/attention_math/examples/{example}.toml",
        "decimals": 2,
        "steps": steps,
        "numbers": NUMBERS if numbers is None else numbers,
    }
    (folder / f"{topic}.numbers.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    pixels = np.zeros((48, 64, 3), dtype=np.uint8) if poster is None else poster
    Image.fromarray(pixels).save(folder / f"{topic}.png")
    (folder / f"{topic}.srt").write_text(
        f"1\n00:00:00,000 --> 00:00:02,733\n{srt_caption}\n", encoding="utf-8"
    )
    (folder / f"{topic}.vtt").write_text(
        f"WEBVTT\n\n00:00:00.000 --> 00:00:02.733\n{STEPS[0]}\n", encoding="utf-8"
    )
    index = [
        {"name": "01-q-k-and-v", "video": "01-q-k-and-v.mp4", "step": 1, "caption": steps[0], "start": 0.0},
        {"name": "02-each-head", "video": "02-each-head.mp4", "step": 2, "caption": steps[1], "start": end},
    ]
    index[0]["end"], index[1]["end"] = end, end + 3.0
    (folder / f"{topic}.sections" / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return folder


@pytest.fixture
def before(tmp_path: Path) -> Path:
    media = tmp_path / "before-media"
    write_render(media)
    return media


def compare_with(before: Path, tmp_path: Path, **changes: Any) -> Any:
    """Write the after side with ``changes`` and compare the one topic."""
    after = tmp_path / "after-media"
    write_render(after, tree="/elsewhere/main", **changes)
    return compare.compare_topic(before, after, EXAMPLE, TOPIC)


def with_head_tags() -> dict[str, dict[str, Any]]:
    return {
        **NUMBERS,
        "heads[0].number": {"value": 1, "text": "head 1"},
        "heads[1].number": {"value": 2, "text": "head 2"},
    }


def poster_with_a_tag() -> np.ndarray:
    pixels = np.zeros((48, 64, 3), dtype=np.uint8)
    pixels[2:6, 3:12] = (255, 221, 85)
    return pixels


# ------------------------------------------------------------------ the same render


def test_the_same_files_are_the_same_in_every_aspect(before: Path, tmp_path: Path) -> None:
    result = compare_with(before, tmp_path)
    assert {aspect: str(finding) for aspect, finding in result.findings.items()} == {
        "poster": "same",
        "manifest": "same",
        "captions": "same",
        "steps": "same",
    }
    assert result.ok and not result.intended
    assert compare.verdict([result]) == "OK: 1 topic × example pair, all the same"


def test_the_lesson_file_path_of_each_tree_is_not_a_difference(before: Path, tmp_path: Path) -> None:
    """Each side reads the example from its own tree: only the file name is compared."""
    assert compare_with(before, tmp_path).manifest.status == "same"
    report = compare.format_report([compare_with(before, tmp_path)])
    assert "lesson_source" in report.splitlines()[-1]


# ------------------------------------------------------------------ the intended head tags


def test_only_added_head_tag_paths_are_the_intended_difference(before: Path, tmp_path: Path) -> None:
    result = compare_with(before, tmp_path, numbers=with_head_tags())
    assert str(result.manifest) == "intended: head tags"
    assert result.manifest.details == ("added heads[0].number, heads[1].number",)
    assert result.ok and result.intended


def test_a_poster_that_draws_the_head_tags_is_intended(before: Path, tmp_path: Path) -> None:
    result = compare_with(before, tmp_path, numbers=with_head_tags(), poster=poster_with_a_tag())
    assert result.poster.status == "intended"
    assert str(result.poster) == "intended: head tags drawn (36 px)"
    assert result.ok
    assert compare.verdict([result]) == (
        "OK: 1 topic × example pair: 0 the same, 1 differing only by the intended head tags"
    )


def test_the_same_poster_with_head_tags_in_the_manifest_is_the_same(before: Path, tmp_path: Path) -> None:
    """The tags may be drawn in earlier frames only: the poster need not change."""
    assert compare_with(before, tmp_path, numbers=with_head_tags()).poster.status == "same"


def test_another_head_path_added_is_a_failure(before: Path, tmp_path: Path) -> None:
    numbers = {**with_head_tags(), "heads[1].weights[0][0]": {"value": 0.5, "text": "0.50"}}
    result = compare_with(before, tmp_path, numbers=numbers)
    assert str(result.manifest) == "1 path added (and +2 head tags)"
    assert not result.ok


# ------------------------------------------------------------------ failures


def test_a_changed_number_is_a_failure(before: Path, tmp_path: Path) -> None:
    numbers = {**NUMBERS, "heads[0].weights[0][1]": {"value": 0.4051, "text": "0.41"}}
    result = compare_with(before, tmp_path, numbers=numbers)
    assert str(result.manifest) == "1 path changed"
    assert result.manifest.details == (
        'heads[0].weights[0][1]: {"value": 0.4012, "text": "0.40"} → {"value": 0.4051, "text": "0.41"}',
    )
    assert not result.ok
    assert compare.verdict([result], failed_renders=1) == (
        "FAILED: 1 of 1 topic × example pair differ beyond the intended head tags "
        "(0 the same, 0 with head tags only); 1 render command failed"
    )


def test_a_removed_number_is_a_failure(before: Path, tmp_path: Path) -> None:
    numbers = {path: entry for path, entry in NUMBERS.items() if path != "output[1][0]"}
    result = compare_with(before, tmp_path, numbers=numbers)
    assert str(result.manifest) == "1 path removed"
    assert not result.ok


def test_a_changed_step_text_in_the_manifest_is_a_failure(before: Path, tmp_path: Path) -> None:
    steps = [*STEPS[:2], "Concatenated, then projected by W_o"]
    result = compare_with(before, tmp_path, steps=steps)
    assert str(result.manifest) == "steps changed"
    assert result.manifest.details[0].startswith("steps[2]: ")


def test_a_changed_poster_pixel_without_head_tags_is_a_failure(before: Path, tmp_path: Path) -> None:
    pixels = np.zeros((48, 64, 3), dtype=np.uint8)
    pixels[10, 20] = (0, 40, 0)
    result = compare_with(before, tmp_path, poster=pixels)
    assert str(result.poster) == "1 px differ (max Δ 40)"
    assert result.poster.details == (
        "1 of 3072 pixels differ, max channel difference 40, within x 20–20, y 10–10",
    )
    assert not result.ok


def test_a_poster_of_another_size_is_a_failure(before: Path, tmp_path: Path) -> None:
    result = compare_with(before, tmp_path, poster=np.zeros((48, 66, 3), dtype=np.uint8))
    assert str(result.poster) == "size or mode changed"
    assert result.poster.details == ("64×48 RGB → 66×48 RGB",)


def test_a_changed_caption_is_a_failure(before: Path, tmp_path: Path) -> None:
    result = compare_with(before, tmp_path, srt_caption="Q, K and V split in two heads")
    assert str(result.captions) == "srt changed"
    assert result.captions.details == (
        'multihead.srt line 3: "Q, K and V split into two heads" → "Q, K and V split in two heads"',
    )
    assert not result.ok


def test_a_step_that_ends_later_is_a_failure(before: Path, tmp_path: Path) -> None:
    result = compare_with(before, tmp_path, end=2.8)
    assert str(result.steps) == "start/end changed"
    assert not result.ok


def test_a_missing_file_is_a_failure(before: Path, tmp_path: Path) -> None:
    after = tmp_path / "after-media"
    folder = write_render(after)
    (folder / f"{TOPIC}.vtt").unlink()
    (folder / f"{TOPIC}.png").unlink()
    result = compare.compare_topic(before, after, EXAMPLE, TOPIC)
    assert str(result.poster) == "missing on the after side"
    assert str(result.captions) == "vtt missing on the after side"
    (folder / f"{TOPIC}.srt").write_text("changed", encoding="utf-8")
    result = compare.compare_topic(before, after, EXAMPLE, TOPIC)
    assert str(result.captions) == "srt changed, vtt missing on the after side"
    (folder / f"{TOPIC}.srt").unlink()
    result = compare.compare_topic(before, after, EXAMPLE, TOPIC)
    assert str(result.captions) == "srt and vtt missing on the after side"
    assert not result.ok


def test_a_topic_rendered_on_neither_side_is_a_failure(before: Path, tmp_path: Path) -> None:
    (results,) = compare.compare_media(before, tmp_path / "after-media", [EXAMPLE], ["masking"])
    assert str(results.manifest) == "missing on both sides"
    assert not results.ok


# ------------------------------------------------------------------ the report


def test_the_table_has_a_row_per_topic_and_the_details_below(before: Path, tmp_path: Path) -> None:
    write_render(before, topic="softmax")
    after = tmp_path / "after-media"
    write_render(after, numbers=with_head_tags(), poster=poster_with_a_tag())
    write_render(after, topic="softmax", srt_caption="changed")
    comparisons = compare.compare_media(before, after, [EXAMPLE], ["softmax", TOPIC])
    lines = compare.format_report(comparisons).splitlines()
    assert lines[0].split() == ["example", "topic", "poster", "manifest", "captions", "steps"]
    assert lines[2].split() == ["default", "softmax", "same", "same", "srt", "changed", "same"]
    assert lines[3].startswith("default  multihead  intended: head tags drawn (36 px)  intended: head tags")
    assert "default/softmax captions: srt changed" in lines
    assert compare.verdict(comparisons) == (
        "FAILED: 1 of 2 topic × example pairs differ beyond the intended head tags "
        "(0 the same, 1 with head tags only)"
    )


# ------------------------------------------------------------------ the command line, without rendering


def side(topics: list[str], examples: list[str]) -> Any:
    return compare.Side("before", Path("/tree"), Path("/media"), Path("/cache"), topics, examples)


def test_every_topic_of_every_example_is_one_command() -> None:
    (command,) = compare.render_commands(side(["a", "b"], ["x", "y"]), ["a", "b"], ["x", "y"], "low", 2)
    assert command[1:] == [
        *["render.py", "--all", "--example", "all", "--quality", "low"],
        *["--media-dir", "/media", "--jobs", "2", "--force"],
    ]


def test_some_examples_are_one_command_each_with_the_topics_named() -> None:
    commands = compare.render_commands(
        side(["a", "b", "c"], ["x", "y", "z"]), ["a", "c"], ["x", "z"], "low", 1
    )
    assert [command[2:6] for command in commands] == [
        ["--topics", "a,c", "--example", "x"],
        ["--topics", "a,c", "--example", "z"],
    ]


def test_a_topic_a_side_does_not_know_is_left_out_of_its_commands() -> None:
    (command,) = compare.render_commands(side(["a"], ["x"]), ["a", "new"], ["x"], "low", 1)
    assert command[2:4] == ["--all", "--example"]


# These two run git in the project's own repository: the test command runs in a clone.


def test_a_bad_revision_is_a_usage_error() -> None:
    outcome = CliRunner().invoke(compare.main, ["--base", "no-such-revision", "--topics", "embeddings"])
    assert outcome.exit_code == 2
    assert "'no-such-revision' is not a git revision" in outcome.output


def test_no_worktree_is_left_behind_by_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "compare-renders"
    root.mkdir()
    monkeypatch.setattr(compare.tempfile, "mkdtemp", lambda **_: str(root))
    outcome = CliRunner().invoke(compare.main, ["--base", "HEAD", "--topics", "no-such-topic"])
    assert outcome.exit_code == 2
    assert "unknown topic 'no-such-topic'" in outcome.output
    assert not root.exists()
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout
    assert str(root) not in listed
