"""Topic ``softmax``: one row of scores becomes attention weights, then every row.

Step by step: the head's scaled scores ``heads[h].scaled`` (the plain scores
when the lesson does not scale); one query's row in full — e to the power of
each score minus the row's largest (``heads[h].exp``), their sum
(``heads[h].row_sums``), one share divided out, then the row's weights
(``heads[h].weights``) as a bar chart whose bars, piled up, fill exactly one
whole bar; then every row of the weights matrix, and a split bar per row
showing that each row adds up to one. Multi-head lessons show the first head.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    LaggedStart,
    MathTypst,
    Rectangle,
    ReplacementTransform,
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from attention_math.facts import Fact, focus
from scenes.kit import palette
from scenes.kit.attention import SoftmaxBars, add_row_labels, heat_cells, share_bar, token_matrix
from scenes.kit.equations import APPROX, Kind
from scenes.kit.narration import Num, Part, Pct, Sentence, Tok
from scenes.kit.stage import TopicScene
from scenes.kit.widgets import (
    NUMBER_SIZE,
    MatrixView,
    entries,
    first_legible,
    fit_in_frame,
    fit_with_elision,
    formula,
    label,
    shown_indices,
)

__all__ = ["SoftmaxScene"]

ROW = 0  # the query whose row is shown in full


@dataclass
class _RowDetail:
    """One row's softmax written out: scores, exponentials, their sum, one share, the bars."""

    query: VGroup
    s_head: VMobject
    e_head: VMobject
    w_head: VMobject
    score_row: VGroup
    exp_row: VGroup
    bars: SoftmaxBars
    sum_group: VGroup
    share: VGroup
    pile_room: Rectangle
    pile_words: Text
    """Under the pile: "together = one", or "≈ one" when the rounded values shown do not add up to one."""
    largest: int
    """The column whose share is divided out in full: the largest weight's."""


class SoftmaxScene(TopicScene):
    """Softmax of the scores: one row in full (exp, sum, shares, bars), then every row sums to one."""

    topic = "softmax"

    def construct(self) -> None:
        trace = self.trace
        head = self.first_head
        n = head.trace.weights.shape[0]
        # The scores the softmax reads: scaled when the lesson scales, the plain scores otherwise.
        self.score_path = entries(head.path("scaled" if trace.lesson.scale else "scores"))
        score_name = (
            "{{ Q : q }} dot {{ K^T : k }} \\/ sqrt(d_k)"
            if trace.lesson.scale
            else "{{ Q : q }} dot {{ K^T : k }}"
        )
        self.score_name: Callable[[], MathTypst] = lambda: formula(
            score_name, {"q": palette.QUERY, "k": palette.KEY}
        )
        title = self.title('{{ A : a }} = op("softmax")(' + score_name + ")")
        # Between the title and the caption band.
        self.room = self.content(below=title, gap=0.2, caption_gap=0.2)

        scores = token_matrix(self.numbers, self.score_path, n, colour=palette.SCORES, name=self.score_name())
        fit_in_frame(scores, max_height=self.room.height, max_width=self.room.width, max_growth=1.4)
        scores.move_to(self.room.centre)
        self.head_mark = self.head_tag(head.index) if head.several else None
        if self.head_mark is not None:
            self.corner_tag(self.head_mark, title)

        shares = self.say("Softmax turns each row of scores into weights: shares that add up to one.")
        if head.several:
            self.step(
                "Softmax turns scores into weights, row by row: the first head",
                say=(
                    shares,
                    self.say("Every head does this on its own; we follow head", Num(head.number_path), "."),
                ),
            )
        else:
            self.step("Softmax turns each row of scores into weights", say=shares)
        marks = [FadeIn(self.head_mark)] if self.head_mark is not None else []
        self.play(FadeIn(title), FadeIn(scores), *marks, run_time=1.0)
        self.wait(0.6)

        shown = self._one_row(scores, ROW)
        self._all_rows(shown)

    # -- one row in full ------------------------------------------------------------

    def _one_row(self, scores: MatrixView, i: int) -> VGroup:
        """Row i: scores, e^(s − max), their sum, one share divided out, the bars, the pile.

        Returns what is on screen at its end (it leaves with the next step)."""
        detail = self._row_detail(i)
        n = scores.shape[0]
        score_row, exp_row, bars = detail.score_row, detail.exp_row, detail.bars

        head = self.first_head
        self.step(
            "One row in full: the scores of one query",
            say=self.say("Take one row in full: the scores of the query of", Tok(i), "against every key."),
        )
        box = scores.row_box(i, palette.HIGHLIGHT)
        self.play(Create(box), run_time=0.6)
        others = VGroup(*(m for m in scores.cells if m not in set(scores.row(i))))
        self.play(
            FadeOut(VGroup(others, scores.brackets, scores.heading, scores.row_labels, box)),
            *(ReplacementTransform(scores.cell(i, j), score_row[j]) for j in range(n)),
            ReplacementTransform(scores.column_labels, bars.labels),
            FadeIn(bars.baseline),
            FadeIn(detail.s_head),
            FadeIn(detail.query),
            run_time=1.2,
        )

        k = detail.largest
        self.step(
            "Subtract the row's largest score, take e to that power: e stays small",
            say=(
                self.say("Subtract the row's largest score from every score, then raise e to that power."),
                self.say(
                    "The largest becomes e to the power zero, which is",
                    Num(head.path(f"exp[{i}][{k}]")),
                    ", so no exponential can overflow.",
                ),
            ),
        )
        self.play(
            FadeIn(detail.e_head),
            LaggedStart(*(TransformFromCopy(score_row[j], exp_row[j]) for j in range(n)), lag_ratio=0.2),
            run_time=1.4,
        )
        self.wait(0.6)
        if float(self.first_head.trace.exp[i].min()) < 0.5 * 10.0 ** (-self.numbers.decimals):
            # Underflow: a score far below the row's largest gives e^(s − max) ≈ 0.
            smallest = int(head.trace.exp[i].argmin())
            self.step(
                "Far below the largest score, e to that power is almost zero",
                say=self.say(
                    "A score far below the largest gives e to a large negative power: it shows as",
                    Num(head.path(f"exp[{i}][{smallest}]")),
                    ".",
                ),
            )
            self.wait(1.0)

        sum_about = ["about"] if detail.sum_group[1].text == APPROX else []
        self.step(
            "Add them up: subtracting the largest changed no weight, only the size of e",
            say=(
                self.say(
                    "Add the exponentials up: the sum is", *sum_about, Num(head.path(f"row_sums[{i}]")), "."
                ),
                self.say(
                    "Subtracting the largest divided every exponential and the sum by the same factor, "
                    "so it cancels and no weight changes."
                ),
            ),
        )
        self.play(TransformFromCopy(exp_row, detail.sum_group[2]), FadeIn(detail.sum_group[:2]), run_time=1.0)
        self.wait(0.5)
        self._shares(detail)
        return self._pile(detail)

    def _row_detail(self, i: int) -> _RowDetail:
        """Row ``i``'s softmax laid out, above its bars, fitted between title and caption."""
        numbers, head = self.numbers, self.first_head
        n = head.trace.weights.shape[0]
        score_row = VGroup(*(numbers.number(self.score_path(i, j), colour=palette.SCORES) for j in range(n)))
        exps = [numbers.number(head.path(f"exp[{i}][{j}]")) for j in range(n)]
        exp_row = VGroup(*exps)
        bars = SoftmaxBars(
            numbers,
            [head.path(f"weights[{i}][{j}]") for j in range(n)],
            [numbers.token(j, colour=palette.KEY) for j in range(n)],
            colour=palette.WEIGHTS,
            max_height=1.8,
            min_column_width=max(m.width for m in [*score_row, *exp_row]),
            font_size=NUMBER_SIZE,
            # Shares as percentages, as a lesson says them: "36% to itself, 40% to 'a'".
            value_maker=numbers.percent,
        )
        row_h = max(m.height for m in [*score_row, *exp_row]) + 0.3
        # Rows above the height a weight of one would reach, so a full bar never hits them.
        value_h = max(m.height for m in bars.values)
        exp_y = bars.base_y + bars.full_height + 0.1 + value_h + 0.3 + row_h / 2
        score_y = exp_y + row_h
        for j in range(n):
            score_row[j].move_to((bars.column_x(j), score_y, 0))
            exp_row[j].move_to((bars.column_x(j), exp_y, 0))
        left_x = bars.get_left()[0] - 0.25
        s_head = formula("s").set_color(palette.SCORES)
        e_head = formula("e^(s - max)")
        w_head = formula("w").set_color(palette.WEIGHTS)
        for mob, y in ((s_head, score_y), (e_head, exp_y), (w_head, bars.base_y + bars.full_height / 2)):
            mob.move_to((left_x - mob.width / 2, y, 0))
        query = VGroup(
            label("query", colour=palette.MUTED, font_size=22), numbers.token(i, colour=palette.QUERY)
        ).arrange(RIGHT, buff=0.15)
        query.next_to(VGroup(s_head, score_row), UP, buff=0.3).align_to(s_head, LEFT)

        row_sum = numbers.number(head.path(f"row_sums[{i}]"))
        sum_sign = self.equations.record(Kind.SUM, list(exps), row_sum, decimals=numbers.decimals)
        sum_group = VGroup(
            label("sum", colour=palette.MUTED), label(sum_sign, colour=palette.MUTED), row_sum
        ).arrange(RIGHT, buff=0.15)
        sum_group.move_to((bars.get_right()[0] + 0.5 + sum_group.width / 2, exp_y, 0))
        # One share in full: the largest weight's, the one the eye goes to first.
        k = int(head.trace.weights[i].argmax())
        # The share as a number, then as a percentage: how the bars are labelled.
        share_parts = (
            numbers.number(head.path(f"exp[{i}][{k}]")),
            numbers.number(head.path(f"row_sums[{i}]")),
            numbers.number(head.path(f"weights[{i}][{k}]"), colour=palette.WEIGHTS),
            numbers.percent(head.path(f"weights[{i}][{k}]"), colour=palette.WEIGHTS),
        )
        share_sign = self.equations.record(
            Kind.QUOTIENT, share_parts[:2], share_parts[2], decimals=numbers.decimals
        )
        percent_sign = self.equations.record(
            Kind.QUOTIENT, share_parts[:2], share_parts[3], decimals=numbers.decimals
        )
        share = VGroup(
            share_parts[0],
            label("÷", colour=palette.MUTED),
            share_parts[1],
            label(share_sign, colour=palette.MUTED),
            share_parts[2],
            label(percent_sign, colour=palette.MUTED),
            share_parts[3],
        ).arrange(RIGHT, buff=0.15)
        share.move_to((bars.get_right()[0] + 0.5 + share.width / 2, bars.base_y + bars.full_height * 0.6, 0))
        # Where the piled-up bars go, as a stand-in so the whole layout fits the frame.
        # Its words go under it, on the token labels' line, and set how far right it stands.
        pile_words = bars.adds_up(self.equations)
        if self.upright:
            # A narrow frame: the pile close to the chart, its words under it, on the share's line.
            pile_x = bars.get_right()[0] + 0.6
        else:
            pile_x = bars.get_right()[0] + 0.3 + max(0.3, pile_words.width / 2)
        pile_room = Rectangle(width=0.6, height=bars.full_height).set_opacity(0)
        pile_room.move_to((pile_x, bars.base_y + bars.full_height / 2, 0))
        pile_words.move_to((pile_x, bars.labels.get_center()[1], 0))

        if self.upright:
            # A narrow frame: the sum and the share go under the chart, not beside it.
            sum_group.next_to(bars.labels, DOWN, buff=0.5).align_to(bars.baseline, LEFT)
            share.next_to(sum_group, DOWN, buff=0.4).align_to(bars.baseline, LEFT)
            # On the share's line (the share has gone when they show), ending where the pile ends.
            pile_words.set_y(share.get_center()[1]).align_to(pile_room, RIGHT)
        detail = VGroup(
            query, s_head, e_head, w_head, score_row, exp_row, bars, sum_group, share, pile_room, pile_words
        )
        fit_in_frame(detail, max_height=self.room.height - 0.3, max_growth=1.3)
        detail.move_to(self.room.centre)
        return _RowDetail(
            query,
            s_head,
            e_head,
            w_head,
            score_row,
            exp_row,
            bars,
            sum_group,
            share,
            pile_room,
            pile_words,
            largest=k,
        )

    def _shares(self, detail: _RowDetail) -> None:
        """The largest weight as its exponential's share of the sum, then every weight as a bar."""
        bars, share, k = detail.bars, detail.share, detail.largest
        head, i = self.first_head, ROW
        about = ["about"] if share[5].text == APPROX else []
        self.step(
            "Each weight is its exponential's share of the sum",
            say=(
                self.say(
                    "Each weight is its exponential's share of the sum: for",
                    Tok(k),
                    ",",
                    Num(head.path(f"exp[{i}][{k}]")),
                    "divided by",
                    Num(head.path(f"row_sums[{i}]")),
                    "is",
                    *about,
                    Pct(head.path(f"weights[{i}][{k}]")),
                    ".",
                ),
                self._focus_said(focus(self.trace, head.index, i)),
            ),
        )
        self.play(
            TransformFromCopy(detail.exp_row[k], share[0]),
            FadeIn(share[1]),
            TransformFromCopy(detail.sum_group[2], share[2]),
            run_time=0.9,
        )
        self.play(FadeIn(share[3]), FadeIn(share[4]), run_time=0.6)
        self.play(FadeIn(share[5]), FadeIn(share[6]), run_time=0.6)
        self.wait(1.2)  # long enough to redo the division by eye
        self.play(
            FadeIn(detail.w_head),
            ReplacementTransform(share[6], bars.values[k]),
            GrowFromEdge(bars.bars[k], DOWN),
            FadeOut(share[:6]),
            run_time=0.9,
        )
        rest = [j for j in range(len(bars.bars)) if j != k]
        if rest:
            self.play(
                LaggedStart(*(GrowFromEdge(bars.bars[j], DOWN) for j in rest), lag_ratio=0.15),
                LaggedStart(*(FadeIn(bars.values[j], shift=0.1 * UP) for j in rest), lag_ratio=0.15),
                run_time=1.2,
            )
        self.wait(0.6)

    def _pile(self, detail: _RowDetail) -> VGroup:
        """The row's bars piled up fill exactly one whole bar; returns everything of the row shown."""
        bars = detail.bars
        whole = self.say(
            "Piled on top of each other, the bars fill exactly one whole: "
            "softmax shares always add up to one."
        )
        if APPROX in detail.pile_words.text:
            self.step(
                "Piled up, the weights fill exactly one whole; their rounded numbers only come close",
                say=(whole, self.say("The percentages shown are rounded, so they only come close.")),
            )
        else:
            self.step("Piled up, the weights fill exactly one whole", say=whole)
        pile, outline = bars.stack(buff=0.6)
        pile.set_x(detail.pile_room.get_center()[0])
        outline.set_x(detail.pile_room.get_center()[0])
        self.play(Create(outline), FadeIn(detail.pile_words), run_time=0.6)
        self.play(
            LaggedStart(
                *(TransformFromCopy(bars.bars[j], pile[j]) for j in range(len(pile))), lag_ratio=0.25
            ),
            run_time=1.5,
        )
        self.wait(1.0)
        shown = VGroup(
            detail.query,
            detail.s_head,
            detail.e_head,
            detail.w_head,
            detail.score_row,
            detail.exp_row,
            bars,
            detail.sum_group,
            pile,
            outline,
            detail.pile_words,
        )
        return shown

    def _focus_said(self, fact: Fact) -> Sentence:
        """Where the row's attention goes (a :func:`attention_math.facts.focus` fact), in percentages."""
        row, targets = fact.found["row"], fact.found["targets"]
        share = Pct(self.first_head.path(f"weights[{row}][{targets[0]}]"))
        if fact.kind == "only":
            return self.say(Tok(row), "can only see itself, so all its attention goes there.", facts=[fact])
        if fact.kind == "even":
            return self.say(
                Tok(row), "spreads its attention evenly: every token gets", share, ".", facts=[fact]
            )
        if fact.kind == "tie":
            names: list[Part] = []
            for n, target in enumerate(targets):
                if n:
                    names.append("and" if n == len(targets) - 1 else ",")
                names.append(Tok(target))
            return self.say(Tok(row), "attends equally to", *names, ", each with", share, ".", facts=[fact])
        return self.say(
            "So",
            Tok(row),
            "attends most to",
            Tok(targets[0]),
            ", with",
            share,
            "of its attention.",
            facts=[fact],
        )

    # -- every row -------------------------------------------------------------------

    def _weight(self, a: int, b: int) -> float:
        """Weight (a, b) from the trace, for opacity and bar lengths only."""
        return float(self.first_head.trace.weights[a][b])

    def _all_rows(self, leaving: VGroup) -> None:
        """The row in full leaves; scores → weights for every row; each row's weights as a split bar."""
        numbers = self.numbers
        n = self.first_head.trace.weights.shape[0]

        def build(_: int, column_room: int, *, upright: bool) -> VGroup:
            # Only the scores lose columns ("⋯"): every weight is drawn, each row must add up to one.
            scores = token_matrix(
                numbers,
                self.score_path,
                n,
                colour=palette.SCORES,
                name=self.score_name(),
                columns=shown_indices(n, column_room),
            )
            weights = token_matrix(
                numbers,
                entries(self.first_head.path("weights")),
                n,
                colour=palette.WEIGHTS,
                name=formula("A").set_color(palette.WEIGHTS),
                filled=False,
                # Beside the scores, the same rows: named when the scores leave. Under them, named now.
                row_labels=upright,
            )
            if upright:
                # A narrow frame: the weights under the scores, the softmax arrow pointing down.
                arrow = VGroup(
                    Arrow(UP, DOWN, color=palette.MUTED, buff=0, stroke_width=4).scale(0.4),
                    formula('op("softmax")'),
                ).arrange(RIGHT, buff=0.2)
                layout = VGroup(scores, arrow, weights).arrange(DOWN, buff=0.3)
                arrow.shift(RIGHT * (scores.brackets.get_center()[0] - arrow[0].get_center()[0]))
                return layout
            arrow = VGroup(
                formula('op("softmax")'),
                Arrow(LEFT, RIGHT, color=palette.MUTED, buff=0, stroke_width=4).scale(0.6),
            ).arrange(DOWN, buff=0.15)
            layout = VGroup(scores, arrow, weights).arrange(RIGHT, buff=0.4)
            weights.shift(UP * (scores.brackets.get_center()[1] - weights.brackets.get_center()[1]))
            arrow.set_y(scores.brackets.get_center()[1])
            return layout

        def fitted(upright: bool) -> VGroup:
            # Rows are never elided (min_room): the room of the width alone decides.
            return fit_with_elision(
                partial(build, upright=upright),
                rows=1,
                columns=n,
                max_width=self.room.width,
                max_height=self.room.height,
                max_growth=1.3,
                min_room=min(n, 3),
                numbers=numbers,
            )

        # Side by side unless the frame is upright, or too narrow for the digits (4:3): then stacked.
        upright, layout = first_legible(fitted, (True,) if self.upright else (False, True), numbers=numbers)
        layout.move_to(self.room.centre)
        scores, arrow, weights = layout
        assert isinstance(scores, MatrixView) and isinstance(weights, MatrixView)

        self.step(
            "The same for every row",
            say=self.say("Every other row goes through the same softmax, one query at a time."),
        )
        self.play(FadeOut(leaving), run_time=0.6)
        self.play(
            FadeIn(scores),
            FadeIn(arrow),
            FadeIn(weights.brackets),
            FadeIn(weights.heading),
            FadeIn(weights.column_labels),
            *([FadeIn(weights.row_labels)] if upright else []),
            run_time=1.0,
        )
        heat = heat_cells(weights, self._weight, palette.WEIGHTS, max_opacity=0.4)
        box = None
        for a in range(n):
            cells = [weights.make_cell(a, b) for b in range(n)]
            new_box = scores.row_box(a, palette.HIGHLIGHT)
            intro = [Create(new_box)] if box is None else [ReplacementTransform(box, new_box)]
            self.play(
                *intro,
                LaggedStart(*(FadeIn(c, shift=0.1 * RIGHT) for c in cells), lag_ratio=0.15),
                FadeIn(heat[a * n : (a + 1) * n]),
                run_time=0.7,
            )
            for b, c in enumerate(cells):
                weights.set_cell(a, b, c)
            box = new_box
        if box is not None:
            self.play(FadeOut(box), run_time=0.3)
        self.wait(0.5)
        self._rows_sum_to_one(weights, heat, VGroup(scores, arrow))

    def _rows_sum_to_one(self, weights: MatrixView, heat: VGroup, leaving: VGroup) -> None:
        """The weights on the left, a split bar beside each row, as large as fits."""
        numbers = self.numbers
        n = weights.shape[0]
        # Each row as drawn, redone by hand: "=" one only if its rounded weights add up to exactly one.
        signs = [
            self.equations.record(
                Kind.ADDS_UP_TO_ONE, [weights.cell(a, b) for b in range(n)], None, decimals=numbers.decimals
            )
            for a in range(n)
        ]
        rows = self.say(
            "Every row of weights adds up to one: each token shares out exactly one whole of attention."
        )
        if APPROX in signs:
            self.step(
                "Every row of weights adds up to one; rounded, the numbers shown only come close",
                say=(rows, self.say("Some rows of rounded numbers only come close to one.")),
            )
        else:
            self.step("Every row of weights adds up to one", say=rows)
        shown = VGroup(weights, heat)
        # Shorter bars in a narrow frame, where the width limits the numbers' size.
        bar_length = (1.8 if self.upright else 2.4) * weights.scale_factor
        # The rows get their names back once the scores beside them are gone (under them, they kept them).
        named = len(weights.row_labels) > 0
        names = (
            VGroup()
            if named
            else add_row_labels(weights, [numbers.token(a, colour=palette.QUERY) for a in range(n)])
        )
        stand_in = Rectangle(width=VGroup(shown, names).width, height=shown.height).set_opacity(0)
        final = VGroup(stand_in, Rectangle(width=bar_length, height=0.1).set_opacity(0)).arrange(
            RIGHT, buff=0.5
        )
        fit_in_frame(final, max_height=self.room.height, max_growth=1.5)
        final.move_to(self.room.centre)
        labelled = VGroup(shown, names)
        target = labelled.copy().scale(stand_in.width / labelled.width).move_to(stand_in)
        self.play(*(FadeOut(mob) for mob in leaving), run_time=0.6)
        self.play(shown.animate.scale(stand_in.width / labelled.width).move_to(target[0]), run_time=0.9)
        if not named:
            names = add_row_labels(weights, [numbers.token(a, colour=palette.QUERY) for a in range(n)])
            self.play(FadeIn(names), run_time=0.5)
        bar_length = final[1].width
        thickness = 0.55 * weights.cell_size[1] * weights.scale_factor
        splits = VGroup(
            *(
                share_bar([self._weight(a, b) for b in range(n)], length=bar_length, thickness=thickness)
                for a in range(n)
            )
        )
        for a, split in enumerate(splits):
            split.move_to((final[1].get_center()[0], weights.slot(a, 0)[1], 0))
        # Between each row and its bar, the row's sign: the bar's outline is one whole.
        gap_x = (weights.brackets.get_right()[0] + splits.get_left()[0]) / 2
        relations = VGroup(*(label(sign, colour=palette.MUTED) for sign in signs))
        for a, mark in enumerate(relations):
            mark.scale(min(1.0, weights.scale_factor)).move_to((gap_x, weights.slot(a, 0)[1], 0))
        heading = label("one whole", colour=palette.MUTED)
        heading.scale_to_fit_height(min(heading.height, weights.column_labels.height))
        heading.next_to(splits, UP, buff=0.2)
        if self.upright:  # over the short bars of a narrow frame, it ends where they end
            heading.align_to(splits, RIGHT)
        self.play(
            FadeIn(heading),
            FadeIn(relations),
            LaggedStart(*(GrowFromEdge(split, LEFT) for split in splits), lag_ratio=0.2),
            run_time=1.6,
        )
        self.wait(2.0)
