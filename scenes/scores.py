"""Topic ``scores``: Q·Kᵀ cell by cell, then the scale ÷ √d_k.

Step by step: the head's queries Q and keys K side by side; one score in full
as the dot product of a query row with a key row (each product from
``heads[h].score_terms``, then their sum ``heads[h].scores[i][j]``); every other
score filled row by row; then every score divided by √d_k (``scale``), giving
``heads[h].scaled`` — or, when the lesson does not scale, a caption saying so
and no division. Multi-head lessons show the first head.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
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

from .kit import palette
from .kit.attention import DotProductPanel, add_row_labels, token_matrix
from .kit.equations import Kind
from .kit.stage import TopicScene
from .kit.widgets import MatrixView, TracedText, entries, fit_in_frame, formula, label

__all__ = ["ScoresScene"]


class ScoresScene(TopicScene):
    """Scores as query-key dot products: one cell in full, then the matrix, then ÷ √d_k."""

    topic = "scores"

    def construct(self) -> None:
        head = self.first_head
        n = head.trace.q.shape[0]
        title = self.title("{{ S : s }} = {{ Q : q }} dot {{ K^T : k }}")
        q_view, k_view, arrow, s_view, layout = self._layout(title)

        if head.several:
            self.step("Each head scores on its own: here, the first head")
        else:
            self.step("A score says how well a query matches a key")
        self.play(FadeIn(title), FadeIn(q_view), FadeIn(k_view), run_time=1.0)
        self.wait(0.8)

        self.step("Every query is compared with every key")
        self.play(
            FadeIn(arrow),
            FadeIn(s_view.brackets),
            FadeIn(s_view.heading),
            FadeIn(s_view.column_labels),
            run_time=1.0,
        )
        self.wait(0.5)

        i, j = 0, min(1, n - 1)
        self.step("One score in full: a query row against a key row")
        worked = self._one_score(q_view, k_view, s_view, i, j, layout)

        self.step("The same dot product for every query and key")
        # The dot product stayed on screen through its step's pause; now it makes room.
        self.play(FadeOut(worked), run_time=0.5)
        self._fill_rest(q_view, s_view, skip={(i, j)})
        self.wait(0.5)

        if self.trace.lesson.scale:
            self._scale(title, VGroup(q_view, k_view, arrow), s_view, i, j)
        else:
            self.step("This lesson does not scale: the scores stay as they are")
            self.play(FadeOut(VGroup(q_view, k_view, arrow)), run_time=0.6)
            block = VGroup(s_view, self._row_names(s_view))
            stand_in = Rectangle(width=block.width, height=block.height).set_opacity(0)
            fit_in_frame(stand_in, max_height=self._room_below(title), max_growth=1.5)
            stand_in.move_to((0, (title.get_bottom()[1] + self.caption_top) / 2, 0))
            self._move_block(s_view, block, stand_in)
            self.wait(2.5)

    def _layout(self, title: VMobject) -> tuple[MatrixView, MatrixView, VMobject, MatrixView, VGroup]:
        """Q and K side by side, an arrow, and the empty scores under the title."""
        numbers, head = self.numbers, self.first_head
        n, d_k = head.trace.q.shape
        q_view = MatrixView(
            numbers,
            entries(head.path("q")),
            (n, d_k),
            colour=palette.QUERY,
            name=formula("Q").set_color(palette.QUERY),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        k_view = MatrixView(
            numbers,
            entries(head.path("k")),
            (n, d_k),
            colour=palette.KEY,
            name=formula("K").set_color(palette.KEY),
            row_labels=[numbers.token(j) for j in range(n)],
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
        arrow = label("→", colour=palette.MUTED)
        layout = VGroup(q_view, k_view, arrow, s_view).arrange(RIGHT, buff=0.4)
        # Line the three matrices up by their brackets, not by their headings.
        for view in (q_view, k_view):
            view.shift(UP * (s_view.brackets.get_center()[1] - view.brackets.get_center()[1]))
        arrow.set_y(s_view.brackets.get_center()[1])
        fit_in_frame(layout, max_height=4.1, max_growth=1.3)
        layout.next_to(title, DOWN, buff=0.35)
        layout.set_x(0)
        return q_view, k_view, arrow, s_view, layout

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
        self, q_view: MatrixView, k_view: MatrixView, s_view: MatrixView, i: int, j: int, layout: VGroup
    ) -> VGroup:
        """Query row i and key row j side by side, their products, and the sum into cell (i, j).

        Returns what stays on screen for the step's pause (the panel and its boxes)."""
        numbers, head = self.numbers, self.first_head
        d_k = q_view.shape[1]
        q_box = q_view.row_box(i, palette.QUERY)
        k_box = k_view.row_box(j, palette.KEY)
        self.play(Create(q_box), Create(k_box), run_time=0.7)

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
        room = layout.get_bottom()[1] - self.caption_top - 0.35
        fit_in_frame(panel, max_width=self.frame_width - 1.0, max_height=room)
        panel.next_to(layout, DOWN, buff=0.25).set_x(0)
        self.play(
            panel.bring_factors(
                [q_view.cell(i, m) for m in range(d_k)], [k_view.cell(j, m) for m in range(d_k)]
            ),
            run_time=1.0,
        )

        self.step("Multiply matching entries, then add the products")
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
        self.step("Divide by √d_k: wide keys make big scores, and softmax would turn too sharp")
        # Inline slash, not a fraction: a built-up fraction would make the title tall.
        new_title = self.title("{{ S : s }} = {{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)")
        middle, scaled_view, block, stand_in, final = self._scale_layout(title, s_view)
        d_line, root_line, divide, middle_arrow = middle

        self.play(FadeOut(leaving), ReplacementTransform(title, new_title), run_time=0.7)
        self._move_block(s_view, block, stand_in)
        self.play(FadeIn(d_line), run_time=0.6)
        self.play(FadeIn(root_line), run_time=0.6)
        self.play(
            FadeIn(divide),
            Create(middle_arrow),
            FadeIn(scaled_view.brackets),
            FadeIn(scaled_view.heading),
            FadeIn(scaled_view.column_labels),
            run_time=0.9,
        )
        scale = root_line[2]
        assert isinstance(scale, TracedText)
        worked = self._one_division(s_view, scaled_view, scale, final, i, j)

        self.step("Every score shrinks by the same factor")
        self.play(FadeOut(worked), run_time=0.4)
        n = s_view.shape[0]
        cells = [
            ((a, b), scaled_view.make_cell(a, b)) for a in range(n) for b in range(n) if (a, b) != (i, j)
        ]
        self.play(
            LaggedStart(*(TransformFromCopy(s_view.cell(a, b), c) for (a, b), c in cells), lag_ratio=0.08),
            run_time=min(2.5, 0.6 + 0.06 * len(cells)),
        )
        for (a, b), c in cells:
            scaled_view.set_cell(a, b, c)
        self.wait(0.8)

        self.step("The scaled scores go on to the softmax")
        self.wait(2.0)

    def _scale_layout(
        self, title: VMobject, s_view: MatrixView
    ) -> tuple[VGroup, MatrixView, VGroup, Rectangle, VGroup]:
        """The scores, d_k and its square root, and the empty scaled scores, side by side.

        Returns the middle column (d_k, √d_k, ÷ √d_k, an arrow), the scaled
        scores, the scores with their row names, a stand-in of where those go,
        and the whole layout.
        """
        numbers = self.numbers
        d_k, scale = numbers.number("d_k"), numbers.number("scale")
        d_line = VGroup(formula("d_k ="), d_k).arrange(RIGHT, buff=0.15)
        root_sign = self.equations.record(Kind.SQUARE_ROOT, [d_k], scale, decimals=numbers.decimals)
        root_line = VGroup(formula("sqrt(d_k)"), label(root_sign, colour=palette.TEXT), scale).arrange(
            RIGHT, buff=0.15
        )
        divide = formula("div sqrt(d_k)")
        middle_arrow = Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.7)
        middle = VGroup(d_line, root_line, divide, middle_arrow).arrange(DOWN, buff=0.25)
        # At the matrices' scale, so the two matrices get the width.
        middle.scale(max(s_view.scale_factor, 0.75))

        scaled_view = token_matrix(
            numbers,
            entries(self.first_head.path("scaled")),
            s_view.shape[0],
            colour=palette.SCORES,
            name=formula(
                "{{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)", {"q": palette.QUERY, "k": palette.KEY}
            ),
            filled=False,
            row_labels=False,  # the same rows as the scores on its left
        )
        # Where the scores matrix goes: a stand-in of its size in the new layout.
        block = VGroup(s_view, self._row_names(s_view))
        stand_in = Rectangle(width=block.width, height=block.height).set_opacity(0)
        scaled_view.scale(s_view.scale_factor)
        final = VGroup(stand_in, middle, scaled_view).arrange(RIGHT, buff=0.45)
        # Line the two matrices up by their brackets, whatever their headings' heights.
        bracket_y = stand_in.get_center()[1] + s_view.brackets.get_center()[1] - block.get_center()[1]
        scaled_view.shift(UP * (bracket_y - scaled_view.brackets.get_center()[1]))
        middle.set_y(bracket_y)
        fit_in_frame(final, max_height=self._room_below(title), max_growth=1.3)
        final.move_to((0, (title.get_bottom()[1] + self.caption_top) / 2, 0))
        return middle, scaled_view, block, stand_in, final

    def _one_division(
        self, s_view: MatrixView, scaled_view: MatrixView, scale: TracedText, final: VGroup, i: int, j: int
    ) -> VGroup:
        """Score (i, j) divided by √d_k, written out, into its cell of the scaled scores.

        Returns what stays on screen for the step's pause (the division and its boxes)."""
        numbers, head = self.numbers, self.first_head
        self.step("One score divided in full")
        score = numbers.number(head.path(f"scores[{i}][{j}]"), colour=palette.SCORES)
        scale = numbers.number("scale")
        scaled = numbers.number(head.path(f"scaled[{i}][{j}]"), colour=palette.SCORES)
        sign = self.equations.record(Kind.QUOTIENT, [score, scale], scaled, decimals=numbers.decimals)
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
