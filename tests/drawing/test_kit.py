"""The drawing kit's pieces on their own: index labels, the layout checks, column widths, the shape store."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Mobject, Text

from scenes.kit import widgets
from scenes.kit.heads import first_head
from scenes.kit.widgets import MatrixView, NumberFactory, entries, label, match_columns, use_shape_store
from support.layout import mismatched_numbers, untraced_numbers


@pytest.fixture
def trace(traces):
    return traces("default")  # two heads


def test_each_head_has_its_number_from_one_in_the_trace(trace):
    assert [trace.get(f"heads[{h}].number") for h in range(len(trace.heads))] == [1, 2]
    head = first_head(trace)
    assert (head.index, head.several, head.number_path) == (0, True, "heads[0].number")
    assert head.path("weights[2][0]") == "heads[0].weights[2][0]"


def test_a_head_tag_reads_its_number_from_the_trace_and_is_recorded(trace):
    numbers = NumberFactory(trace)
    tag = numbers.index_label("heads[1].number", "head {}")
    assert tag.text.replace(" ", "") == "head2"
    entry = {e.path: e for e in numbers.registry}["heads[1].number"]
    assert (entry.value, entry.text) == (2.0, "2")
    assert untraced_numbers([tag]) == []
    assert mismatched_numbers([tag], trace, numbers.decimals) == []


@pytest.mark.parametrize("template", ["head 1{}", "head {}{}", "head"])
def test_an_index_template_with_its_own_digit_or_without_one_slot_is_refused(trace, template):
    with pytest.raises(ValueError, match="no digit"):
        NumberFactory(trace).index_label("heads[1].number", template)


def test_the_layout_check_refuses_a_made_up_index(trace):
    numbers = NumberFactory(trace)
    made_up = Text("head 3", font=widgets.LABEL_FONT)
    assert untraced_numbers([made_up]) == ["head3"]  # Text keeps no spaces
    # A traced label whose template smuggles in a digit, or whose text is not its template's.
    forged = numbers.index_label("heads[1].number", "head {}")
    forged.trace_template = "head 1{}"
    wrong = numbers.index_label("heads[0].number", "head {}")
    wrong.trace_template = "row {}"
    problems = mismatched_numbers([forged, wrong], trace, numbers.decimals)
    assert len(problems) == 2
    assert "no digit" in problems[0] and "row 1" in problems[1]


def test_a_label_refuses_a_digit():
    with pytest.raises(ValueError, match="digit"):
        label("head 2")


def test_a_column_width_spaces_the_columns_and_the_brackets_follow(trace):
    numbers = NumberFactory(trace)
    view = MatrixView(numbers, entries("x"), trace.x.shape, row_labels=[numbers.token(i) for i in range(4)])
    centre = view.brackets.get_center()[0]
    gap = view.brackets[0].get_left()[0] - view.row_labels[0].get_right()[0]
    # Numbers sit on their column's decimal point, not on the slot's centre: they keep that offset.
    offsets = [view.cell(2, j).get_center()[0] - view.slot(2, j)[0] for j in range(4)]
    assert view.set_column_width(1.5) is view
    xs = [view.slot(0, j)[0] for j in range(4)]
    assert np.allclose(np.diff(xs), 1.5) and np.isclose(np.mean(xs), centre)
    assert [view.cell(2, j).get_center()[0] - xs[j] for j in range(4)] == pytest.approx(offsets)
    assert view.brackets.get_center()[0] == pytest.approx(centre)
    assert view.brackets.width == pytest.approx(4 * 1.5 + 0.04, abs=0.01)
    assert view.brackets[0].get_left()[0] - view.row_labels[0].get_right()[0] == pytest.approx(gap)
    assert view.make_cell(3, 1).get_center()[0] == pytest.approx(view.cell(3, 1).get_center()[0])
    assert view.row_box(0, "#ffffff").width == pytest.approx(4 * 1.5 - 0.08, abs=0.01)


def test_matched_views_line_their_columns_up(trace):
    numbers = NumberFactory(trace)
    w_o = MatrixView(numbers, entries("w_o"), trace.w_o.shape)
    output = MatrixView(numbers, entries("output"), trace.output.shape, filled=False)
    match_columns(w_o, output)
    assert w_o.column_width == output.column_width == max(w_o.column_width, output.column_width)
    output.next_to(w_o, np.array([0.0, -1.0, 0.0]))
    output.set_x(w_o.brackets.get_center()[0])
    assert [w_o.slot(0, j)[0] for j in range(4)] == pytest.approx([output.slot(0, j)[0] for j in range(4)])


class _Store:
    def __init__(self) -> None:
        self.kept: dict[str, Mobject] = {}
        self.loads: list[str] = []

    def load(self, key: str) -> Mobject | None:
        self.loads.append(key)
        return self.kept.get(key)

    def save(self, key: str, mob: Mobject) -> None:
        self.kept[key] = mob


def test_built_shapes_go_to_the_installed_store_by_a_hex_key():
    store = _Store()
    previous = use_shape_store(store)
    try:
        first = label("a word only this test draws")
        assert len(store.kept) == 1
        (key,) = store.kept
        assert len(key) == 64 and int(key, 16) >= 0
        # A new process would find it there: forget the built prototypes, then draw again.
        widgets._PROTOTYPES.clear()
        again = label("a word only this test draws")
        assert store.loads[-1] == key and len(store.kept) == 1
        assert np.array_equal(first.get_all_points(), again.get_all_points())
    finally:
        use_shape_store(previous)


def test_a_share_drawn_as_a_percentage_reads_as_the_lesson_states_it_and_is_checked_as_one():
    # seed 002's softmax [0, 1]: weights 0 and 1 are "0%" and "100%"; at 4 decimals 0.1234 is "12.34%".
    from attention_math import compute, load_example

    trace = compute(load_example("token-residual"))
    numbers = NumberFactory(trace)
    shown = numbers.percent("heads[0].weights[0][1]")
    assert shown.text == "100%" and shown.trace_format == "percent"
    (entry,) = numbers.registry
    assert entry.percent == "100%" and entry.text == "1"
    assert mismatched_numbers([shown], trace, numbers.decimals) == []
    shown.trace_format = "number"  # the same text checked as a plain number is a mismatch
    assert mismatched_numbers([shown], trace, numbers.decimals) != []
