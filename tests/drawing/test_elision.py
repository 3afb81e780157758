"""A large matrix is elided, never shrunk: MatrixView draws chosen rows and columns, addressed as before."""

from __future__ import annotations

import pytest
from manim import VGroup

from scenes.kit.widgets import (
    DIGIT_FLOOR,
    ElidedEntryError,
    MatrixView,
    NumberFactory,
    digit_height,
    entries,
    fit_with_elision,
    shown_indices,
)

LARGEST = "lessons/largest.toml"


@pytest.fixture
def numbers(traces):
    return NumberFactory(traces(LARGEST))  # 6 tokens, d_model 8


@pytest.fixture
def x_view(numbers):
    """X of the largest lesson, rows we, read, twice and columns 0, 1, 7 shown."""
    return MatrixView(numbers, entries("embeddings"), (6, 8), rows=[0, 1, 5], columns=[0, 1, 7])


@pytest.mark.parametrize(
    ("count", "room", "focus", "shown"),
    [
        (4, 4, (), (0, 1, 2, 3)),  # fits: all
        (8, 5, (), (0, 1, 2, 7)),  # 0 1 2 ⋯ 7
        (8, 5, (5,), (0, 5, 6, 7)),  # 0 ⋯ 5 6 7: the focus kept, the gap after it filled
        (8, 7, (), (0, 1, 2, 3, 4, 7)),  # 0 1 2 3 4 ⋯ 7
        (6, 4, (2,), (2, 5)),  # ⋯ 2 ⋯ 5: two runs skipped, two marks
    ],
)
def test_the_shown_indices_and_their_marks_fill_the_room(count, room, focus, shown):
    assert shown_indices(count, room, focus) == shown


def test_only_the_shown_entries_are_drawn_and_recorded(numbers, x_view):
    drawn = {cell.trace_path for cell in x_view.cells}
    expected = {f"embeddings[{i}][{j}]" for i in (0, 1, 5) for j in (0, 1, 7)}
    assert drawn == expected
    assert {entry.path for entry in numbers.registry} == expected


def test_shown_entries_keep_their_original_indices(lessons, x_view):
    lesson = lessons(LARGEST)
    # The lesson file's last row, last column: 0.1 (embeddings[5][7]); row 1, column 0: 0.6.
    assert float(lesson.embeddings[5][7]) == 0.1 and float(lesson.embeddings[1][0]) == 0.6
    assert x_view.cell(5, 7).text == "0.1"
    assert x_view.cell(1, 0).text == "0.6"
    assert [cell.trace_path for cell in x_view.row(5)] == [f"embeddings[5][{j}]" for j in (0, 1, 7)]
    assert [cell.trace_path for cell in x_view.column(7)] == [f"embeddings[{i}][7]" for i in (0, 1, 5)]


def test_a_skipped_row_and_column_each_get_their_marks(x_view):
    marks = [mark.text for mark in x_view.ellipses]
    # Rows 2-4 and columns 2-6 are skipped: a row of ⋮ under the three columns,
    # a column of ⋯ beside the three rows, ⋱ where they cross.
    assert sorted(marks) == sorted(["⋮"] * 3 + ["⋯"] * 3 + ["⋱"])
    assert x_view.grid_shape == (4, 4)
    dots = [mark for mark in x_view.ellipses if mark.text == "⋯"]
    for mark in dots:
        assert x_view.column_x(1) < mark.get_x() < x_view.column_x(7)
    colons = [mark for mark in x_view.ellipses if mark.text == "⋮"]
    for mark in colons:
        assert x_view.row_y(5) < mark.get_y() < x_view.row_y(1)


@pytest.mark.parametrize(
    "ask",
    [
        lambda view: view.cell(3, 0),
        lambda view: view.cell(0, 4),
        lambda view: view.row(2),
        lambda view: view.column(6),
        lambda view: view.make_cell(4, 7),
        lambda view: view.cell_box(0, 3, "#ffffff"),
        lambda view: view.slot(2, 2),
    ],
)
def test_an_elided_entry_is_refused_with_a_clear_error(x_view, ask):
    with pytest.raises(ElidedEntryError, match="is elided"):
        ask(x_view)


def test_a_row_box_spans_the_marks_of_skipped_columns(x_view):
    box = x_view.row_box(0, "#ffffff")
    assert box.get_left()[0] < x_view.cell(0, 0).get_left()[0]
    assert box.get_right()[0] > x_view.cell(0, 7).get_right()[0]


def test_numbers_in_a_column_line_up_on_their_decimal_point(numbers):
    # Q of the largest lesson has two decimals, trailing zeros dropped: "−1.04", "0.5", "1".
    view = MatrixView(numbers, entries("q"), (6, 8))
    varied = 0
    for j in range(8):
        points = []
        for cell in view.column(j):
            glyphs = [c for c in cell.text if not c.isspace()]
            before = glyphs.index(".") if "." in glyphs else len(glyphs)
            # The glyph before the point (an integer's last digit) is where the column aligns.
            points.append(cell[before - 1].get_x())
        varied += len({len(cell.text) for cell in view.column(j)}) > 1
        assert max(points) - min(points) < 1e-6
    assert varied  # some column mixes lengths, so centring would have misaligned it


def test_fitting_elides_until_the_digits_reach_the_floor(numbers):
    rooms = []

    def build(row_room: int, column_room: int) -> VGroup:
        rooms.append((row_room, column_room))
        return VGroup(
            MatrixView(
                numbers,
                entries("w_q"),
                (8, 8),
                rows=shown_indices(8, row_room),
                columns=shown_indices(8, column_room),
            )
        )

    # A box too narrow for eight columns at the floor: columns go first, rows stay.
    picture = fit_with_elision(build, rows=8, columns=8, max_width=4.0, max_height=7.0)
    assert digit_height(picture) >= DIGIT_FLOOR
    assert picture.width <= 4.0 + 1e-6
    assert rooms[0] == (8, 8) and rooms[-1][0] == 8 and rooms[-1][1] < 8
