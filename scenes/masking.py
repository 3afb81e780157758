"""Topic ``masking``: causal attention — later tokens are hidden before the softmax.

The scenes registry gives this topic a causal trace (``scenes.lesson_for``).
Step by step: the head's scaled scores; the cells above the diagonal (a query
paired with a later key) shaded; those cells become −∞
(``heads[h].masked``); one row through the softmax, where e to the −∞ is zero
(``heads[h].exp``); then every row of the weights (``heads[h].weights``), with
zeros above the diagonal. Multi-head lessons show the first head.
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
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
)

from .kit import palette
from .kit.attention import cell_shade, heat_cells, token_matrix
from .kit.stage import TopicScene
from .kit.widgets import MatrixView, fit_in_frame, formula, label

__all__ = ["MaskingScene"]

HEAD = 0  # multi-head lessons: the first head stands for all


class MaskingScene(TopicScene):
    """Causal mask: scores above the diagonal become −∞, so their weights are zero."""

    topic = "masking"
    summary = "Causal masking: scores of later tokens become −∞ before the softmax, so their weights are zero"

    def construct(self) -> None:
        trace = self.trace
        numbers = self.numbers
        h = HEAD
        n = trace.heads[h].weights.shape[0]
        scaled = trace.lesson.scale
        field = "scaled" if scaled else "scores"
        score_name = (
            "{{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)" if scaled else "{{ Q : q }} dot {{ K^T : k }}"
        )
        all_roles = {"q": palette.QUERY, "k": palette.KEY, "m": palette.MASK, "a": palette.WEIGHTS}

        def roles(expression: str) -> dict[str, str]:
            # A formula may colour only the groups it has.
            return {name: colour for name, colour in all_roles.items() if f": {name} }}}}" in expression}

        # Upper triangle: query i paired with a later key j.
        hidden = [(i, j) for i in range(n) for j in range(n) if j > i]

        title_text = '{{ A : a }} = op("softmax")(' + score_name + " + {{ M : m }})"
        title = formula(title_text, roles(title_text))
        title.to_edge(UP, buff=0.3)

        scores = token_matrix(
            numbers,
            lambda i, j: f"heads[{h}].{field}[{i}][{j}]",
            n,
            colour=palette.SCORES,
            name=formula(score_name, roles(score_name)),
        )
        weights = token_matrix(
            numbers,
            lambda i, j: f"heads[{h}].weights[{i}][{j}]",
            n,
            colour=palette.WEIGHTS,
            name=formula("A").set_color(palette.WEIGHTS),
            filled=False,
            row_labels=False,  # the same rows as the scores beside it
        )
        arrow = VGroup(
            formula('op("softmax")'),
            Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.6),
        ).arrange(DOWN, buff=0.15)
        layout = VGroup(scores, arrow, weights).arrange(RIGHT, buff=0.4)
        weights.shift(UP * (scores.brackets.get_center()[1] - weights.brackets.get_center()[1]))
        arrow.set_y(scores.brackets.get_center()[1])
        # A band under the matrices for the one-cell equation; the matrices centred above it.
        band = 0.9
        room = title.get_bottom()[1] - self.caption_top - band - 0.4
        fit_in_frame(layout, max_height=room, max_growth=1.3)
        layout.move_to([0, (title.get_bottom()[1] + self.caption_top + band) / 2, 0])
        equation_y = (layout.get_bottom()[1] + self.caption_top) / 2

        if len(trace.heads) > 1:
            self.step("Causal attention, shown for the first head")
        else:
            self.step("Causal attention: scores as usual, then a mask")
        self.play(FadeIn(title), FadeIn(scores), run_time=1.0)
        self.wait(0.6)

        self.step("Above the diagonal, a token meets a later token")
        shades = VGroup(*(cell_shade(scores, i, j, palette.MASK, 0.45) for i, j in hidden))
        self.play(LaggedStart(*(FadeIn(s) for s in shades), lag_ratio=0.1), run_time=1.0)
        self.wait(1.2)

        self.step("Those scores become minus infinity")
        masked_text = score_name + " + {{ M : m }}"
        masked_name = formula(masked_text, roles(masked_text)).scale(scores.scale_factor).move_to(scores.name)
        replaced = []
        for i, j in hidden:
            cell = numbers.number(
                f"heads[{h}].masked[{i}][{j}]", colour=palette.TEXT, font_size=scores.font_size
            )
            cell.scale(scores.scale_factor).move_to(scores.slot(i, j))
            replaced.append(((i, j), cell))
        self.play(
            ReplacementTransform(scores.name, masked_name),
            LaggedStart(
                *(ReplacementTransform(scores.cell(i, j), cell) for (i, j), cell in replaced), lag_ratio=0.1
            ),
            run_time=1.2,
        )
        for (i, j), cell in replaced:
            # The old number is gone from the screen: forget it so the view holds only what is drawn.
            scores.cells.remove(scores.cell(i, j))
            scores.set_cell(i, j, cell)
        self.wait(0.8)

        self.step("The softmax turns each row into weights")
        self.play(
            FadeIn(arrow),
            FadeIn(weights.brackets),
            FadeIn(weights.name),
            FadeIn(weights.column_labels),
            run_time=0.9,
        )
        self.wait(0.8)

        # One row in full: the second query sees itself and the first token, not the later ones.
        r = min(1, n - 1)
        j_hidden = min(r + 1, n - 1)
        self.step("e to the minus infinity is zero: no weight at all")
        row_box = scores.row_box(r, palette.HIGHLIGHT)
        self.play(Create(row_box), run_time=0.5)
        if j_hidden > r:
            equation = VGroup(
                label("exp(", colour=palette.MUTED),
                numbers.number(f"heads[{h}].masked[{r}][{j_hidden}]"),
                label(")", colour=palette.MUTED),
                label("=", colour=palette.MUTED),
                numbers.number(f"heads[{h}].exp[{r}][{j_hidden}]"),
            ).arrange(RIGHT, buff=0.12)
            fit_in_frame(equation, max_height=layout.get_bottom()[1] - self.caption_top - 0.2)
            equation.move_to([0, equation_y, 0])
            self.play(
                TransformFromCopy(scores.cell(r, j_hidden), equation[1]),
                FadeIn(equation[0]),
                FadeIn(equation[2]),
                run_time=0.8,
            )
            self.play(FadeIn(equation[3]), FadeIn(equation[4]), run_time=0.6)
        else:
            equation = VGroup()
        row_cells = [weights.make_cell(r, j) for j in range(n)]
        row_heat = self._row_heat(weights, r, hidden)
        self.play(
            LaggedStart(
                *(TransformFromCopy(scores.cell(r, j), row_cells[j]) for j in range(n)), lag_ratio=0.15
            ),
            FadeIn(row_heat),
            run_time=1.2,
        )
        for j, cell in enumerate(row_cells):
            weights.set_cell(r, j, cell)
        self.wait(0.8)
        self.play(FadeOut(equation), run_time=0.4)

        self.step("The same for every row: weight only on the past")
        box = row_box
        for i in [a for a in range(n) if a != r]:
            cells = [weights.make_cell(i, j) for j in range(n)]
            new_box = scores.row_box(i, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(box, new_box),
                LaggedStart(*(FadeIn(c, shift=0.1 * RIGHT) for c in cells), lag_ratio=0.15),
                FadeIn(self._row_heat(weights, i, hidden)),
                run_time=0.7,
            )
            for j, cell in enumerate(cells):
                weights.set_cell(i, j, cell)
            box = new_box
        self.play(FadeOut(box), run_time=0.3)

        self.step("A token cannot look at later tokens")
        self.play(
            LaggedStart(
                *(weights.cell(i, j).animate.set_color(palette.MUTED) for i, j in hidden), lag_ratio=0.05
            ),
            run_time=1.0,
        )
        self.wait(2.5)

    def _row_heat(self, weights: MatrixView, i: int, hidden: list[tuple[int, int]]) -> VGroup:
        """Row i's shading: weights by strength, hidden cells in the mask colour."""
        trace = self.trace
        n = weights.shape[1]
        shown = [(i, j) for j in range(n) if (i, j) not in hidden]
        heat = heat_cells(
            weights,
            lambda a, b: float(trace.heads[HEAD].weights[a][b]),
            palette.WEIGHTS,
            max_opacity=0.4,
            cells=shown,
        )
        masks = VGroup(*(cell_shade(weights, i, j, palette.MASK, 0.45) for j in range(n) if (i, j) in hidden))
        return VGroup(heat, masks)
