"""Topic ``scores``: Q·Kᵀ cell by cell, then the scale ÷ √d_k.

Step by step: the head's queries Q and keys K side by side; one score in full
as the dot product of a query row with a key row (each product from
``heads[h].score_terms``, then their sum ``heads[h].scores[i][j]``); every other
score filled row by row; then every score divided by √d_k (``scale``), giving
``heads[h].scaled`` — or, when the lesson does not scale, a caption saying so
and no division. Multi-head lessons show the first head.
"""

from __future__ import annotations

from collections.abc import Callable

from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    PI,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Rectangle,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from scenes.kit import palette
from scenes.kit.attention import DotProductPanel, add_row_labels, token_matrix
from scenes.kit.equations import APPROX, Kind
from scenes.kit.narration import Num, Tok
from scenes.kit.stage import Region, TopicScene
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    MatrixView,
    TracedText,
    digit_height,
    entries,
    fit_in_frame,
    formula,
    label,
    shown_indices,
)

__all__ = ["ScoresScene"]

# Room between Q and K, and between the scores and the dot product under them.
PANEL_GAP = 0.3


class ScoresScene(TopicScene):
    """Scores as query-key dot products: one cell in full, then the matrix, then ÷ √d_k."""

    topic = "scores"

    def construct(self) -> None:
        head = self.first_head
        n = head.trace.q.shape[0]
        i, j = 0, min(1, n - 1)
        title = self.title("{{ S : s }} = {{ Q : q }} dot {{ K^T : k }}")
        q_view, k_view, arrow, s_view, panel = self._layout(title, i, j)
        self.head_mark = self.head_tag(head.index) if head.several else None
        if self.head_mark is not None:
            self.corner_tag(self.head_mark, title)

        roles = self.say(
            "Every token has a query, what it is looking for, and a key, what it offers to the others."
        )
        if head.several:
            self.step(
                "Each head scores on its own: here, the first head",
                say=(
                    self.say(
                        "Each head computes scores of its own; we follow head", Num(head.number_path), "."
                    ),
                    roles,
                ),
            )
        else:
            self.step(
                "A score says how well a query matches a key",
                say=(roles, self.say("A score says how well one query matches one key.")),
            )
        marks = [FadeIn(self.head_mark)] if self.head_mark is not None else []
        self.play(FadeIn(title), FadeIn(q_view), FadeIn(k_view), *marks, run_time=1.0)
        self.wait(0.8)

        self.step(
            "Every query is compared with every key",
            say=self.say(
                "Every query is compared with every key: one row of scores per query, one column per key."
            ),
        )
        self.play(
            FadeIn(arrow),
            FadeIn(s_view.brackets),
            FadeIn(s_view.heading),
            FadeIn(s_view.column_labels),
            run_time=1.0,
        )
        self.wait(0.5)

        self.step(
            "One score in full: a query row against a key row",
            say=self.say("One score in full: the query of", Tok(i), "against the key of", Tok(j), "."),
        )
        worked = self._one_score(q_view, k_view, s_view, panel, i, j)

        self.step(
            "The same dot product for every query and key",
            say=self.say("Every other score is the same dot product: one query row against one key row."),
        )
        # The dot product stayed on screen through its step's pause; now it makes room.
        self.play(FadeOut(worked), run_time=0.5)
        self._fill_rest(q_view, s_view, skip={(i, j)})
        self.wait(0.5)

        if self.trace.lesson.scale:
            self._scale(title, VGroup(q_view, k_view, arrow), s_view, i, j)
        else:
            self.step(
                "This lesson does not scale: the scores stay as they are",
                say=self.say(
                    "This lesson does not divide by the square root of the key width, "
                    "so these scores go to the softmax as they are."
                ),
            )
            self.play(FadeOut(VGroup(q_view, k_view, arrow)), run_time=0.6)
            block = VGroup(s_view, self._row_names(s_view))
            stand_in = Rectangle(width=block.width, height=block.height).set_opacity(0)
            fit_in_frame(stand_in, max_height=self._room_below(title), max_growth=1.5)
            stand_in.move_to((0, (title.get_bottom()[1] + self.caption_top) / 2, 0))
            self._move_block(s_view, block, stand_in)
            self.wait(2.5)

    def _layout(
        self, title: VMobject, i: int, j: int
    ) -> tuple[MatrixView, MatrixView, VMobject, MatrixView, DotProductPanel]:
        """Q, K, an arrow, the empty scores and the dot product of score (i, j) (not shown), fitted.

        Two arrangements, the one that draws larger wins: Q, K and the scores in
        one line with the dot product under them, or Q above K with the scores
        and the dot product stacked right of them (a wide lesson's digits stay
        at the legible floor this way).
        """
        numbers, head = self.numbers, self.first_head
        n, d_k = head.trace.q.shape
        q_view = MatrixView(
            numbers,
            entries(head.path("q")),
            (n, d_k),
            colour=palette.QUERY,
            name=formula("Q").set_color(palette.QUERY),
            row_labels=[numbers.token(a) for a in range(n)],
        )
        k_view = MatrixView(
            numbers,
            entries(head.path("k")),
            (n, d_k),
            colour=palette.KEY,
            name=formula("K").set_color(palette.KEY),
            row_labels=[numbers.token(b) for b in range(n)],
        )
        s_view = token_matrix(
            numbers,
            entries(head.path("scores")),
            n,
            colour=palette.SCORES,
            name=formula("{{ Q : q }} dot {{ K^T : k }}", {"q": palette.QUERY, "k": palette.KEY}),
            filled=False,
            row_labels=False,  # its rows are Q's rows, named on the left; named when Q leaves
        )
        panel = DotProductPanel(
            numbers,
            [head.path(f"q[{i}][{m}]") for m in range(d_k)],
            [head.path(f"k[{j}][{m}]") for m in range(d_k)],
            [head.path(f"score_terms[{i}][{j}][{m}]") for m in range(d_k)],
            head.path(f"scores[{i}][{j}]"),
            left_label=VGroup(
                formula("q").set_color(palette.QUERY), numbers.token(i, colour=palette.QUERY)
            ).arrange(RIGHT, buff=0.15),
            right_label=VGroup(
                formula("k").set_color(palette.KEY), numbers.token(j, colour=palette.KEY)
            ).arrange(RIGHT, buff=0.15),
            equations=self.equations,
        )
        arrow = label("→", colour=palette.MUTED)
        room = self.content(below=title, gap=0.35)
        if self.upright:
            # A narrow frame: everything in one column, the arrow pointing down.
            arranged = [self._column(q_view, k_view, arrow, s_view, panel, room)]
        else:
            arranged = [
                self._in_line(q_view, k_view, arrow, s_view, panel, room),
                self._stacked(q_view, k_view, arrow, s_view, panel, room),
            ]
            # A frame too narrow for either (4:3, a wide lesson): Q over K beside the scores, or one column.
            digit = min(digit_height(part) or DIGIT_FLOOR for part in (q_view, k_view, s_view, panel))
            if max(found[0] for found in arranged) * digit < DIGIT_FLOOR - 1e-9:
                arranged.append(self._paired(q_view, k_view, arrow, s_view, panel, room))
                arranged.append(self._column(q_view, k_view, arrow, s_view, panel, room))
        layout = max(arranged, key=lambda found: found[0])[1]
        layout()
        return q_view, k_view, arrow, s_view, panel

    @staticmethod
    def _line_up(q_view: MatrixView, k_view: MatrixView, arrow: VMobject, s_view: MatrixView) -> None:
        """Q and K level with the scores, by their brackets (not their headings), the arrow between."""
        for view in (q_view, k_view):
            view.shift(UP * (s_view.brackets.get_center()[1] - view.brackets.get_center()[1]))
        arrow.set_y(s_view.brackets.get_center()[1])

    def _in_line(
        self,
        q_view: MatrixView,
        k_view: MatrixView,
        arrow: VMobject,
        s_view: MatrixView,
        panel: DotProductPanel,
        room: Region,
    ) -> tuple[float, Callable[[], None]]:
        """How large Q K → S in one line, the dot product under them, would be; and how to arrange it."""
        row = VGroup(q_view, k_view, arrow, s_view).arrange(RIGHT, buff=0.4)
        self._line_up(q_view, k_view, arrow, s_view)
        width = max(row.width, panel.width)
        height = row.height + PANEL_GAP + panel.height
        factor = min(1.3, room.width / width, room.height / height)

        def arrange() -> None:
            row.arrange(RIGHT, buff=0.4)
            self._line_up(q_view, k_view, arrow, s_view)
            row.scale(factor)
            panel.scale(factor)
            panel.next_to(row, DOWN, buff=PANEL_GAP * factor)
            both = VGroup(row, panel)
            both.move_to(room.centre)
            # The matrices as high as they go; the dot product's room is what is left under them.
            both.shift(UP * (room.top - row.get_top()[1]))
            row.set_x(0)
            panel.set_x(0)

        return factor, arrange

    def _stacked(
        self,
        q_view: MatrixView,
        k_view: MatrixView,
        arrow: VMobject,
        s_view: MatrixView,
        panel: DotProductPanel,
        room: Region,
    ) -> tuple[float, Callable[[], None]]:
        """How large Q over K, → S over the dot product, would be; and how to arrange it."""
        width = max(q_view.width, k_view.width) + arrow.width + 0.6 + max(s_view.width, panel.width)
        height = max(q_view.height + k_view.height, s_view.height + panel.height) + PANEL_GAP
        factor = min(1.3, room.width / width, room.height / height)

        def arrange() -> None:
            left = VGroup(q_view, k_view).arrange(DOWN, buff=PANEL_GAP)
            right = VGroup(s_view, panel).arrange(DOWN, buff=PANEL_GAP, aligned_edge=LEFT)
            whole = VGroup(left, arrow, right).arrange(RIGHT, buff=0.3)
            arrow.set_y(s_view.brackets.get_center()[1])
            left.align_to(right, UP)
            whole.scale(factor)
            whole.move_to(room.centre)

        return factor, arrange

    def _paired(
        self,
        q_view: MatrixView,
        k_view: MatrixView,
        arrow: VMobject,
        s_view: MatrixView,
        panel: DotProductPanel,
        room: Region,
    ) -> tuple[float, Callable[[], None]]:
        """How large Q over K → S, the dot product under them all, would be; and how to arrange it.

        For a frame not wide enough for Q, K and S in one line, with few tokens
        and wide keys: Q and K are short, so stacking them costs little height.
        """
        width = max(max(q_view.width, k_view.width) + 0.3 + arrow.width + 0.3 + s_view.width, panel.width)
        height = max(q_view.height + PANEL_GAP + k_view.height, s_view.height) + PANEL_GAP + panel.height
        factor = min(1.3, room.width / width, room.height / height)

        def arrange() -> None:
            left = VGroup(q_view, k_view).arrange(DOWN, buff=PANEL_GAP)
            middle = left.get_center()[0]  # the two brackets centred on one line, not the names left of them
            for view in (q_view, k_view):
                view.shift(RIGHT * (middle - view.brackets.get_center()[0]))
            row = VGroup(left, arrow, s_view).arrange(RIGHT, buff=0.3)
            s_view.shift(UP * (left.get_center()[1] - s_view.brackets.get_center()[1]))
            arrow.set_y(s_view.brackets.get_center()[1])
            row.scale(factor)
            panel.scale(factor)
            whole = VGroup(row, panel).arrange(DOWN, buff=PANEL_GAP * factor)
            whole.move_to(room.centre)
            row.set_x(0)
            panel.set_x(0)

        return factor, arrange

    @staticmethod
    def _column(
        q_view: MatrixView,
        k_view: MatrixView,
        arrow: VMobject,
        s_view: MatrixView,
        panel: DotProductPanel,
        room: Region,
    ) -> tuple[float, Callable[[], None]]:
        """How large Q over K, ↓, the scores and the dot product in one column are; and how to arrange it."""
        matrices = (q_view, k_view, arrow, s_view)
        views = (q_view, k_view, s_view)
        # The arrow points down once arranged: its width and height swap.
        width = max(arrow.height, *(view.width for view in views))
        column_height = arrow.width + sum(view.height for view in views) + 4 * PANEL_GAP
        # The dot product, wide for its few numbers, may be drawn smaller than the matrices.
        factor = min(1.3, room.width / width)
        # It may reach a little nearer the frame's sides than the matrices (its ends are labels and signs).
        panel_factor = min(factor, (room.width + 0.2) / panel.width)
        height = factor * column_height + panel_factor * panel.height
        if height > room.height:
            factor, panel_factor = (f * room.height / height for f in (factor, panel_factor))

        def arrange() -> None:
            arrow.rotate(-PI / 2)
            column = VGroup(*matrices).arrange(DOWN, buff=PANEL_GAP)
            for part in (q_view, k_view, s_view):
                part.shift(RIGHT * -part.brackets.get_center()[0])
            arrow.set_x(0)
            column.scale(factor, about_point=ORIGIN)
            panel.scale(panel_factor)
            whole = VGroup(column, panel).arrange(DOWN, buff=PANEL_GAP * factor)
            whole.move_to(room.centre)
            panel.set_x(0)

        return min(factor, panel_factor), arrange

    def _room_below(self, title: VMobject) -> float:
        return float(title.get_bottom()[1] - self.caption_top - 0.5)

    def _row_names(self, view: MatrixView) -> VGroup:
        """Query tokens beside the rows of ``view`` at its current size (not added)."""
        return add_row_labels(
            view, [self.numbers.token(i, colour=palette.QUERY) for i in range(view.shape[0])]
        )

    def _move_block(self, view: MatrixView, block: VGroup, stand_in: Rectangle) -> None:
        """Move ``view`` so ``block`` (view + row names) fills ``stand_in``, then name its rows."""
        factor = stand_in.width / block.width
        centre = stand_in.get_center() + (view.get_center() - block.get_center()) * factor
        self.play(view.animate.scale(factor).move_to(centre), run_time=0.9)
        self.play(FadeIn(self._row_names(view)), run_time=0.5)

    def _one_score(
        self,
        q_view: MatrixView,
        k_view: MatrixView,
        s_view: MatrixView,
        panel: DotProductPanel,
        i: int,
        j: int,
    ) -> VGroup:
        """Query row i and key row j side by side, their products, and the sum into cell (i, j).

        Returns what stays on screen for the step's pause (the panel and its boxes)."""
        d_k = q_view.shape[1]
        q_box = q_view.row_box(i, palette.QUERY)
        k_box = k_view.row_box(j, palette.KEY)
        self.play(Create(q_box), Create(k_box), run_time=0.7)
        self.play(
            panel.bring_factors(
                [q_view.cell(i, m) for m in range(d_k)], [k_view.cell(j, m) for m in range(d_k)]
            ),
            run_time=1.0,
        )

        about = ["about"] if panel.equals.text == APPROX else []
        self.step(
            "Multiply matching entries, then add the products",
            say=(
                self.say(
                    "Multiply matching entries and add the products: the dot product is",
                    *about,
                    Num(self.first_head.path(f"scores[{i}][{j}]")),
                    ".",
                ),
                self.say("The larger the dot product, the better this query and this key match."),
            ),
        )
        for m in range(d_k):
            self.play(panel.product(m), run_time=0.5 if d_k > 3 else 0.7)
        self.play(panel.total(), run_time=0.7)
        cell = s_view.make_cell(i, j)
        s_box = s_view.cell_box(i, j, palette.SCORES)
        self.play(Create(s_box), TransformFromCopy(panel.result, cell), run_time=0.9)
        s_view.set_cell(i, j, cell)
        return VGroup(panel, q_box, k_box, s_box)

    def _fill_rest(self, q_view: MatrixView, s_view: MatrixView, skip: set[tuple[int, int]]) -> None:
        """Each query row in turn fills its row of scores."""
        n = s_view.shape[0]
        box = None
        for i in range(n):
            columns = [j for j in range(n) if (i, j) not in skip]
            cells = [s_view.make_cell(i, j) for j in columns]
            new_box = q_view.row_box(i, palette.QUERY)
            intro = [Create(new_box)] if box is None else [ReplacementTransform(box, new_box)]
            self.play(
                *intro,
                LaggedStart(*(FadeIn(c, shift=0.1 * DOWN) for c in cells), lag_ratio=0.2),
                run_time=0.7,
            )
            for j, c in zip(columns, cells, strict=True):
                s_view.set_cell(i, j, c)
            box = new_box
        if box is not None:
            self.play(FadeOut(box), run_time=0.3)

    def _scale(self, title: VMobject, leaving: VGroup, s_view: MatrixView, i: int, j: int) -> None:
        """Every score ÷ √d_k: the factor from the trace, one cell in full, then the rest."""
        middle, scaled_view, block, stand_in, final = self._scale_layout(title, s_view, i, j)
        d_line, root_line, divide, middle_arrow = middle
        root_about = ["about"] if self._root_sign == APPROX else []
        self.step(
            "Divide by √d_k: wide keys make big scores, and softmax would turn too sharp",
            say=(
                self.say(
                    "Each key has",
                    Num("d_k"),
                    "entries, so every score is divided by the square root of",
                    Num("d_k"),
                    ", which is",
                    *root_about,
                    Num("scale"),
                    ".",
                ),
                self.say(
                    "Otherwise wider keys would give ever larger scores, "
                    "and the softmax would saturate into all or nothing."
                ),
            ),
        )
        # Inline slash, not a fraction: a built-up fraction would make the title tall.
        new_title = self.title("{{ S : s }} = {{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)")

        self.play(FadeOut(leaving), ReplacementTransform(title, new_title), run_time=0.7)
        self._move_block(s_view, block, stand_in)
        self.play(FadeIn(d_line), run_time=0.6)
        self.play(FadeIn(root_line), run_time=0.6)
        self.play(
            FadeIn(divide),
            Create(middle_arrow),
            FadeIn(scaled_view.brackets),
            FadeIn(scaled_view.ellipses),
            FadeIn(scaled_view.heading),
            FadeIn(scaled_view.column_labels),
            *([FadeIn(scaled_view.row_labels)] if len(scaled_view.row_labels) else []),
            run_time=0.9,
        )
        scale = root_line[2]
        assert isinstance(scale, TracedText)
        worked = self._one_division(s_view, scaled_view, scale, final, i, j)

        self.step(
            "Every score shrinks by the same factor",
            say=self.say(
                "Every score is divided by the same number, so their order stays the same "
                "and only the gaps between them change."
            ),
        )
        self.play(FadeOut(worked), run_time=0.4)
        cells = [
            ((a, b), scaled_view.make_cell(a, b)) for a, b in scaled_view.shown_entries() if (a, b) != (i, j)
        ]
        self.play(
            LaggedStart(*(TransformFromCopy(s_view.cell(a, b), c) for (a, b), c in cells), lag_ratio=0.08),
            run_time=min(2.5, 0.6 + 0.06 * len(cells)),
        )
        for (a, b), c in cells:
            scaled_view.set_cell(a, b, c)
        self.wait(0.8)

        self.step(
            "The scaled scores go on to the softmax",
            say=self.say("These scaled scores are what the softmax turns into attention weights, next."),
        )
        self.wait(2.0)

    def _scale_layout(
        self, title: VMobject, s_view: MatrixView, i: int, j: int
    ) -> tuple[VGroup, MatrixView, VGroup, Rectangle, VGroup]:
        """The scores, d_k and its square root, and the empty scaled scores, side by side.

        Returns the middle (d_k, √d_k, ÷ √d_k, an arrow), the scaled scores,
        the scores with their row names, a stand-in of where those go, and the
        whole layout. The middle stands between the two matrices, or (when that
        draws larger) only ÷ √d_k and the arrow do, d_k and √d_k going under
        them; columns of the scaled scores are elided ("⋯", never column
        ``j``, the one divided in full) when the digits would fall under the
        legible floor.
        """
        numbers = self.numbers
        n = s_view.shape[0]
        d_k, scale = numbers.number("d_k"), numbers.number("scale")
        d_line = VGroup(formula("d_k ="), d_k).arrange(RIGHT, buff=0.15)
        self._root_sign = self.equations.record(Kind.SQUARE_ROOT, [d_k], scale, decimals=numbers.decimals)
        root_line = VGroup(formula("sqrt(d_k)"), label(self._root_sign, colour=palette.TEXT), scale).arrange(
            RIGHT, buff=0.15
        )
        divide = formula("div sqrt(d_k)")
        middle_arrow = Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.7)
        # Where the scores matrix goes: a stand-in of its size in the new layout.
        block = VGroup(s_view, self._row_names(s_view))
        digit = (digit_height(s_view) or DIGIT_FLOOR) / s_view.scale_factor  # a digit at scale one
        room = self.content(below=title, gap=0.35)

        def arranged(
            column_room: int, below: int, stacked: bool
        ) -> tuple[float, VGroup, MatrixView, Rectangle, VGroup]:
            mark = numbers.checkpoint()
            parts = VGroup(d_line.copy(), root_line.copy(), divide.copy(), middle_arrow.copy())
            p_d, p_root, p_divide, p_arrow = parts
            scaled_view = token_matrix(
                numbers,
                entries(self.first_head.path("scaled")),
                n,
                colour=palette.SCORES,
                name=formula(
                    "{{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)", {"q": palette.QUERY, "k": palette.KEY}
                ),
                filled=False,
                # The same rows as the scores on its left; under them (a narrow frame), named again.
                row_labels=stacked,
                columns=shown_indices(n, column_room, [j]),
            )
            stand_in = Rectangle(width=block.width, height=block.height).set_opacity(0)
            scaled_view.scale(s_view.scale_factor)
            # At the matrices' scale, so the two matrices get the width.
            parts.scale(max(s_view.scale_factor, 0.75))
            if stacked:
                # A narrow frame: the scaled scores under the scores, the arrow pointing down.
                p_arrow.rotate(-PI / 2)
                between = VGroup(
                    VGroup(p_d, p_root).arrange(RIGHT, buff=0.5),
                    VGroup(p_arrow, p_divide).arrange(RIGHT, buff=0.3),
                ).arrange(DOWN, buff=0.2)
                final = VGroup(stand_in, between, scaled_view).arrange(DOWN, buff=0.3)
                bracket_x = stand_in.get_center()[0] + s_view.brackets.get_center()[0] - block.get_center()[0]
                scaled_view.shift(RIGHT * (bracket_x - scaled_view.brackets.get_center()[0]))
                between.shift(RIGHT * (bracket_x - p_arrow.get_center()[0]))
            else:
                if below == 1:
                    between = VGroup(p_divide, p_arrow).arrange(DOWN, buff=0.2)
                    top = VGroup(stand_in, between, scaled_view).arrange(RIGHT, buff=0.35)
                    under = VGroup(p_d, p_root).arrange(RIGHT, buff=0.8)
                    final = VGroup(top, under).arrange(DOWN, buff=0.35)
                elif below == 2:
                    # Only the arrow between the matrices; ÷ √d_k under it, d_k and √d_k beside that.
                    p_arrow.scale(0.6)  # short: it only points from one matrix to the other
                    between = VGroup(p_arrow)
                    top = VGroup(stand_in, between, scaled_view).arrange(RIGHT, buff=0.3)
                    under = VGroup(p_d, p_root, p_divide).arrange(RIGHT, buff=0.6)
                    final = VGroup(top, under).arrange(DOWN, buff=0.35)
                else:
                    between = VGroup(p_d, p_root, p_divide, p_arrow).arrange(DOWN, buff=0.25)
                    final = VGroup(stand_in, between, scaled_view).arrange(RIGHT, buff=0.45)
                # Line the two matrices up by their brackets, whatever their headings' heights.
                bracket_y = stand_in.get_center()[1] + s_view.brackets.get_center()[1] - block.get_center()[1]
                scaled_view.shift(UP * (bracket_y - scaled_view.brackets.get_center()[1]))
                between.set_y(bracket_y)
            # Every layout: fit it, measure its smallest digit, and take back the numbers it drew.
            fit_in_frame(final, max_height=room.height, max_width=room.width, max_growth=1.3)
            final.move_to(room.centre)
            smallest = min(
                digit * scaled_view.scale_factor,
                digit * s_view.scale_factor * stand_in.width / block.width,
                digit_height(parts) or DIGIT_FLOOR,
            )
            numbers.rollback(mark)
            return smallest, parts, scaled_view, stand_in, final

        tried: list[tuple[float, VGroup, MatrixView, Rectangle, VGroup]] = []
        # Phases, each with fewer columns in turn, until the digits reach the floor: side by side
        # (the middle between the matrices or d_k and √d_k under them); side by side with only the
        # arrow between; stacked (an upright frame has only this one).
        phases = ((True, (0,)),) if self.upright else ((False, (0, 1)), (False, (2,)), (True, (0,)))
        for stacked, ways in phases:
            if tried and tried[-1][0] >= DIGIT_FLOOR - 1e-9:
                break
            for column_room in range(n, min(n, 3) - 1, -1):
                for below in ways:
                    tried.append(arranged(column_room, below, stacked))
                    if tried[-1][0] >= DIGIT_FLOOR - 1e-9:
                        break
                if tried[-1][0] >= DIGIT_FLOOR - 1e-9:
                    break
        _, middle, scaled_view, stand_in, final = max(tried, key=lambda found: found[0])
        return middle, scaled_view, block, stand_in, final

    def _one_division(
        self, s_view: MatrixView, scaled_view: MatrixView, scale: TracedText, final: VGroup, i: int, j: int
    ) -> VGroup:
        """Score (i, j) divided by √d_k, written out, into its cell of the scaled scores.

        Returns what stays on screen for the step's pause (the division and its boxes)."""
        numbers, head = self.numbers, self.first_head
        score = numbers.number(head.path(f"scores[{i}][{j}]"), colour=palette.SCORES)
        scale = numbers.number("scale")
        scaled = numbers.number(head.path(f"scaled[{i}][{j}]"), colour=palette.SCORES)
        sign = self.equations.record(Kind.QUOTIENT, [score, scale], scaled, decimals=numbers.decimals)
        self.step(
            "One score divided in full",
            say=self.say(
                "The score of",
                Tok(i),
                "against",
                Tok(j),
                ",",
                Num(head.path(f"scores[{i}][{j}]")),
                ", divided by",
                Num("scale"),
                ", gives" if sign == "=" else ", gives about",
                Num(head.path(f"scaled[{i}][{j}]")),
                ".",
            ),
        )
        equation = VGroup(
            score, label("÷", colour=palette.MUTED), scale, label(sign, colour=palette.MUTED), scaled
        ).arrange(RIGHT, buff=0.2)
        below = final.get_bottom()[1]
        equation.move_to((0, (below + self.caption_top) / 2, 0))
        if equation.get_bottom()[1] < self.caption_top + 0.05:
            # No room under the matrices: put it above them, under the title.
            equation.next_to(final, UP, buff=0.1)
        source_box = s_view.cell_box(i, j, palette.HIGHLIGHT)
        target_box = scaled_view.cell_box(i, j, palette.HIGHLIGHT)
        self.play(Create(source_box), TransformFromCopy(s_view.cell(i, j), equation[0]), run_time=0.8)
        self.play(FadeIn(equation[1]), TransformFromCopy(scale, equation[2]), run_time=0.7)
        self.play(FadeIn(equation[3]), FadeIn(equation[4]), run_time=0.6)
        cell = scaled_view.make_cell(i, j)
        self.play(Create(target_box), TransformFromCopy(equation[4], cell), run_time=0.8)
        scaled_view.set_cell(i, j, cell)
        return VGroup(equation, source_box, target_box)
