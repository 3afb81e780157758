"""scripts/teaching_report.py runs, reports the standard's measures, and fails on a miss.

The measures themselves are asserted for every topic × example in
test_topics.py (pace, stillness, cards, contrast, digits) from the same
built scenes; here the script that prints them for a person is run.
"""

from __future__ import annotations

import importlib.util

from click.testing import CliRunner

from support.paths import ROOT
from support.teaching import ScreenMeasures, TeachingMeasures


def _script():
    spec = importlib.util.spec_from_file_location("teaching_report", ROOT / "scripts" / "teaching_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_report_runs_and_says_a_topic_meets_the_standard():
    result = CliRunner().invoke(_script().main, ["--topics", "embeddings", "--examples", "i-love-coding"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("i-love-coding"))
    assert row.split()[1] == "embeddings" and row.rstrip().endswith("ok")
    assert "palette, deuteranopia: closest roles" in result.output
    assert "1 of 1 topic × example pairs meet the standard" in result.output


def test_a_row_names_each_measure_that_misses():
    from scenes.kit.stage import StepTiming

    screen = ScreenMeasures(smallest_digit=0.1, smallest_digit_text="0.5", lowest_contrast=3.0)
    screen.lowest_contrast_text = "0.5 on a tile"
    timeline = (
        StepTiming("Title", 0.0, 1.0, 2.5),
        StepTiming("ten words in one second is far too fast to read", 2.5, 3.0, 3.5),
        StepTiming("End", 3.5, 4.0, 5.5),
    )
    cells, misses = _script()._row("softmax", "made", TeachingMeasures(timeline, screen))
    assert misses == ["pace", "stillness", "digit '0.5'", "contrast 0.5 on a tile"]
    assert cells[-1].startswith("MISSES")
