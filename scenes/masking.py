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
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from attention_math.facts import focus, masked_future
from scenes.kit import palette
from scenes.kit.attention import cell_shade, heat_cells, legible_opacity, token_matrix
from scenes.kit.narration import Num, Part, Sentence, Tok, say_focus
from scenes.kit.stage import TopicScene
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    FRAME_MARGIN,
    MatrixView,
    animate,
    digit_height,
    entries,
    fit_in_frame,
    formula,
    label,
)

__all__ = ["MaskingScene"]

# A band under the matrices for the one-cell equation; the matrices centred above it.
BAND = 0.9
#: Hidden cells are shaded as strongly as their greyed numbers still read at 4.5:1.
MASK_SHADE = legible_opacity(palette.MASK, palette.MUTED)


class MaskingScene(TopicScene):
    """Causal mask: scores above the diagonal become −∞, so their weights are zero."""

    topic = "masking"

    def construct(self) -> None:
        head = self.first_head
        n = head.trace.weights.shape[0]
        scaled = self.trace.lesson.scale
        self.score_name = (
            "{{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)" if scaled else "{{ Q : q }} dot {{ K^T : k }}"
        )
        # Upper triangle: query i paired with a later key j.
        self.hidden = [(i, j) for i in range(n) for j in range(n) if j > i]
        title = self.title('{{ A : a }} = op("softmax")(' + self.score_name + " + {{ M : m }})")
        scores, arrow, weights, layout = self._layout(title)

        decoder = self.say(
            "In a decoder, a token may look only at itself and the tokens before it: "
            "the later ones are not written yet."
        )
        if head.several:
            self.step(
                "Causal attention, shown for the first head",
                say=(
                    decoder,
                    self.say("We follow head", Num(head.number_path), "; every head is masked the same way."),
                ),
            )
        else:
            self.step(
                "Causal attention: scores as usual, then a mask",
                say=(decoder, self.say("The scores are computed as usual; the mask comes next.")),
            )
        # A multi-head lesson: the head drawn is named for as long as it is shown.
        tag = self.corner_tag(self.head_tag(head.index), title) if head.several else None
        self.play(FadeIn(title), FadeIn(scores), *([FadeIn(tag)] if tag is not None else []), run_time=1.0)
        self.wait(0.6)

        self.step("Above the diagonal, a token meets a later token", say=self._later_said())
        shades = VGroup(*(cell_shade(scores, i, j, palette.MASK, MASK_SHADE) for i, j in self.hidden))
        self.play(LaggedStart(*(FadeIn(s) for s in shades), lag_ratio=0.1), run_time=1.0)
        self.wait(1.2)
        self._mask(scores)

        self.step(
            "The softmax turns each row into weights",
            say=self.say("The softmax then turns each row of scores into weights that add up to one."),
        )
        self.play(
            FadeIn(arrow),
            FadeIn(weights.brackets),
            FadeIn(weights.heading),
            FadeIn(weights.column_labels),
            *([FadeIn(weights.row_labels)] if self.upright else []),
            run_time=0.9,
        )
        self.wait(0.8)
        row_box = self._one_row(scores, weights, layout)
        self._every_row(scores, weights, row_box)

        self.step("A token cannot look at later tokens", say=self._closing_said())
        greyed = [animate(weights.cell(i, j)).set_color(palette.MUTED).build() for i, j in self.hidden]
        self.play(LaggedStart(*greyed, lag_ratio=0.05), run_time=1.0)
        self.wait(2.5)

    def _layout(self, title: VMobject) -> tuple[MatrixView, VGroup, MatrixView, VGroup]:
        """The scores, an arrow through the softmax, the empty weights; fitted above the equation band."""
        numbers, head = self.numbers, self.first_head
        n = head.trace.weights.shape[0]
        field = "scaled" if self.trace.lesson.scale else "scores"
        scores = token_matrix(
            numbers,
            entries(head.path(field)),
            n,
            colour=palette.SCORES,
            name=formula(self.score_name, palette.roles(self.score_name)),
        )
        weights = token_matrix(
            numbers,
            entries(head.path("weights")),
            n,
            colour=palette.WEIGHTS,
            name=formula("A").set_color(palette.WEIGHTS),
            filled=False,
            # The same rows as the scores beside it; under them (a narrow frame), named again.
            row_labels=self.upright,
        )
        arrow = VGroup(
            formula('op("softmax")'),
            Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.6),
        ).arrange(DOWN, buff=0.15)
        room = title.get_bottom()[1] - self.caption_top - BAND - 0.4
        width = self.frame_width - 2 * FRAME_MARGIN
        layout = VGroup(scores, arrow, weights).arrange(RIGHT, buff=0.4)
        weights.shift(UP * (scores.brackets.get_center()[1] - weights.brackets.get_center()[1]))
        arrow.set_y(scores.brackets.get_center()[1])
        smallest = digit_height(scores) or DIGIT_FLOOR
        if self.upright:
            # A narrow frame: the weights under the scores, the softmax arrow pointing down.
            arrow = VGroup(
                Arrow(UP, DOWN, color=palette.MUTED, buff=0, stroke_width=4).scale(0.4),
                formula('op("softmax")'),
            ).arrange(RIGHT, buff=0.2)
            layout = VGroup(scores, arrow, weights).arrange(DOWN, buff=0.3)
            weights.shift(RIGHT * (scores.brackets.get_center()[0] - weights.brackets.get_center()[0]))
            arrow.shift(RIGHT * (scores.brackets.get_center()[0] - arrow[0].get_center()[0]))
        elif min(1.3, width / layout.width, room / layout.height) * smallest < DIGIT_FLOOR:
            # Too wide to read with the arrow between the matrices: it goes over
            # a narrow gap instead, on the line of their names (name, softmax, A).
            VGroup(scores, weights).arrange(RIGHT, buff=0.6)
            weights.shift(UP * (scores.brackets.get_center()[1] - weights.brackets.get_center()[1]))
            gap = (scores.brackets.get_right()[0] + weights.brackets.get_left()[0]) / 2
            arrow.set_x(gap).shift(UP * (scores.heading.get_center()[1] - arrow[1].get_center()[1]))
        fit_in_frame(layout, max_width=width, max_height=room, max_growth=1.3)
        layout.move_to((0, (title.get_bottom()[1] + self.caption_top + BAND) / 2, 0))
        return scores, arrow, weights, layout

    def _mask(self, scores: MatrixView) -> None:
        """The hidden scores become −∞ (the masked scores from the trace); the name gains + M."""
        numbers, head = self.numbers, self.first_head
        self.step("Those scores become minus infinity", say=self._minus_infinity_said())
        masked_text = self.score_name + " + {{ M : m }}"
        masked_name = (
            formula(masked_text, palette.roles(masked_text))
            .scale(scores.scale_factor)
            .move_to(scores.heading)
        )
        replaced = []
        for i, j in self.hidden:
            cell = numbers.number(
                head.path(f"masked[{i}][{j}]"), colour=palette.TEXT, font_size=scores.font_size
            )
            cell.scale(scores.scale_factor).move_to(scores.slot(i, j))
            replaced.append(((i, j), cell))
        self.play(
            ReplacementTransform(scores.heading, masked_name),
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

    def _one_row(self, scores: MatrixView, weights: MatrixView, layout: VGroup) -> SurroundingRectangle:
        """One row in full: the second query sees itself and the first token, not the later ones.

        Returns the box around that row of scores, still shown.
        """
        numbers, head = self.numbers, self.first_head
        n = weights.shape[0]
        r = min(1, n - 1)
        j_hidden = min(r + 1, n - 1)
        self.step("e to the minus infinity is zero: no weight at all", say=self._one_row_said(r, j_hidden))
        row_box = scores.row_box(r, palette.HIGHLIGHT)
        self.play(Create(row_box), run_time=0.5)
        if j_hidden > r:
            equation = VGroup(
                label("exp(", colour=palette.MUTED),
                numbers.number(head.path(f"masked[{r}][{j_hidden}]")),
                label(")", colour=palette.MUTED),
                label("=", colour=palette.MUTED),
                numbers.number(head.path(f"exp[{r}][{j_hidden}]")),
            ).arrange(RIGHT, buff=0.12)
            fit_in_frame(equation, max_height=layout.get_bottom()[1] - self.caption_top - 0.2)
            equation.move_to((0, (layout.get_bottom()[1] + self.caption_top) / 2, 0))
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
        row_heat = self._row_heat(weights, r)
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
        self._shown_row = r
        return row_box

    def _every_row(self, scores: MatrixView, weights: MatrixView, row_box: SurroundingRectangle) -> None:
        """Every other row of weights, its hidden cells shaded as the mask."""
        n = weights.shape[0]
        weights_path = self.first_head.path("weights")
        self.step(
            "The same for every row: weight only on the past",
            say=(
                self.say("Every row goes through the softmax the same way."),
                say_focus(
                    self.narrator, focus(self.trace, self.first_head.index, 0), weights_path=weights_path
                ),
                *(
                    ()
                    if n == 1
                    else (
                        say_focus(
                            self.narrator,
                            focus(self.trace, self.first_head.index, n - 1),
                            weights_path=weights_path,
                        ),
                    )
                ),
            ),
        )
        box = row_box
        for i in [a for a in range(n) if a != self._shown_row]:
            cells = [weights.make_cell(i, j) for j in range(n)]
            new_box = scores.row_box(i, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(box, new_box),
                LaggedStart(*(FadeIn(c, shift=0.1 * RIGHT) for c in cells), lag_ratio=0.15),
                FadeIn(self._row_heat(weights, i)),
                run_time=0.7,
            )
            for j, cell in enumerate(cells):
                weights.set_cell(i, j, cell)
            box = new_box
        self.play(FadeOut(box), run_time=0.3)

    # -- narration -----------------------------------------------------------------------

    def _hidden_from(self, row: int) -> tuple[list[int], Sentence | None]:
        """The tokens the mask hides from ``row`` (a fact), and the fact's sentence when it hides none."""
        fact = masked_future(self.trace, self.first_head.index, row)
        hidden: list[int] = fact.found["hidden"]
        if hidden:
            return hidden, None
        return hidden, self.say(
            "Nothing comes after", Tok(row), ", so the mask hides nothing from it.", facts=[fact]
        )

    def _later_said(self) -> tuple[Sentence, ...]:
        """Which cells are shaded: the first token's row says it for the rest."""
        fact = masked_future(self.trace, self.first_head.index, 0)
        if not fact.found["hidden"]:
            return (
                self.say(
                    "With a single token, nothing comes later, so there is nothing to hide.", facts=[fact]
                ),
            )
        return (
            self.say(
                "Every shaded cell pairs a token with a later one, which a decoder has not written yet."
            ),
            self.say(
                Tok(0),
                ", the first token, must not see",
                *_tokens(fact.found["hidden"], "or"),
                ".",
                facts=[fact],
            ),
        )

    def _minus_infinity_said(self) -> tuple[Sentence, ...]:
        """The mask adds minus infinity to the hidden scores, spoken from the first one drawn."""
        fact = masked_future(self.trace, self.first_head.index, 0)
        hidden = fact.found["hidden"]
        if not hidden:
            return (self.say("Here no score is hidden, so the mask changes nothing.", facts=[fact]),)
        return (
            self.say(
                "The mask M adds",
                Num(self.first_head.path(f"masked[0][{hidden[0]}]")),
                "to each hidden score, before the softmax.",
                facts=[fact],
            ),
            self.say("Whatever the score was, it can no longer win any attention."),
        )

    def _one_row_said(self, r: int, j_hidden: int) -> tuple[Sentence, ...]:
        """Row ``r`` through the softmax: e to minus infinity is zero, then where its weight goes."""
        head = self.first_head
        hidden, nothing = self._hidden_from(r)
        where = say_focus(self.narrator, focus(self.trace, head.index, r), weights_path=head.path("weights"))
        if nothing is not None:
            return nothing, where
        zero = self.say(
            "The softmax takes e to each score: e to the",
            Num(head.path(f"masked[{r}][{j_hidden}]")),
            "is",
            Num(head.path(f"exp[{r}][{j_hidden}]")),
            ", so",
            *_tokens(hidden),
            "gets" if len(hidden) == 1 else "get",
            "no weight.",
            facts=[masked_future(self.trace, head.index, r)],
        )
        return zero, self.say("The weights that are left still add up to one."), where

    def _closing_said(self) -> tuple[Sentence, ...]:
        """What the zeros above the diagonal mean."""
        fact = masked_future(self.trace, self.first_head.index, 0)
        if not fact.found["hidden"]:
            return (self.say("A single token can only ever look at itself.", facts=[fact]),)
        return (
            self.say(
                "The zeros above the diagonal are the mask at work: each token's weight rests on itself "
                "and the tokens before it.",
                facts=[fact],
            ),
            self.say("So the model cannot peek at the word it is learning to predict."),
        )

    def _row_heat(self, weights: MatrixView, i: int) -> VGroup:
        """Row i's shading: weights by strength, hidden cells in the mask colour."""
        head = self.first_head.trace
        n = weights.shape[1]
        shown = [(i, j) for j in range(n) if (i, j) not in self.hidden]
        heat = heat_cells(
            weights,
            lambda a, b: float(head.weights[a][b]),
            palette.WEIGHTS,
            max_opacity=0.4,
            cells=shown,
        )
        masks = VGroup(
            *(cell_shade(weights, i, j, palette.MASK, MASK_SHADE) for j in range(n) if (i, j) in self.hidden)
        )
        return VGroup(heat, masks)


def _tokens(indices: list[int], last: str = "and") -> list[Part]:
    """``"a"``, ``"a and b"``, ``"a, b and c"`` (or ``last`` for "and") as sentence parts."""
    parts: list[Part] = []
    for n, index in enumerate(indices):
        if n:
            parts.append(last if n == len(indices) - 1 else ",")
        parts.append(Tok(index))
    return parts
