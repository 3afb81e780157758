"""Topic ``single_query``: the whole of self-attention for one token, start to finish.

The story of the seed lesson "Self-Attention for Token i", for the first token:
its query against every key (the first dot product in full, the rest quickly)
gives one score per token; the scores are divided by sqrt(d_k) (when the lesson
scales); softmax turns them into weights that add up to one (bars); each value
row is scaled by its weight and the rows are added into the token's context
vector; and, when the lesson has a residual connection, the token's input x is
added back (through W_o first when the lesson has one or several heads).
"""

from __future__ import annotations

from manim import (
    DOWN,
    RIGHT,
    UP,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
)

from .kit import palette
from .kit.attention import DotProductPanel, SoftmaxBars
from .kit.stage import TopicScene
from .kit.widgets import MatrixView, fit_in_frame, formula, highlight, label
from .weighted_sum import ColumnSum, WeightedValues, residual_rows

__all__ = ["SingleQueryScene"]

# The token whose attention is followed from start to finish.
TOKEN = 0
HEAD = "heads[0]"
WORD_SIZE = 22


class SingleQueryScene(TopicScene):
    """One token's attention in full: query · keys, scale, softmax, weighted values, context, residual."""

    topic = "single_query"
    summary = "One token start to finish: its query against every key, softmax, weighted values, context and residual"

    def construct(self) -> None:
        trace = self.trace
        numbers = self.numbers
        head = trace.heads[0]
        n, d_k = head.q.shape
        several = len(trace.heads) > 1
        masked = head.mask is not None
        scaled = trace.lesson.scale
        frame_w = self.camera.frame_width

        title = self._title(
            "{{ s_j : s }} = {{ q : q }} dot {{ k_j : k }} \\/ sqrt(d_k)"
            if scaled
            else "{{ s_j : s }} = {{ q : q }} dot {{ k_j : k }}"
        )
        self.head_tag = (
            label("first head", colour=palette.head_colour(0), font_size=WORD_SIZE) if several else None
        )
        if self.head_tag is not None:
            self.head_tag.to_corner(UP + RIGHT, buff=0.35)
        self.top = title.get_bottom()[1] - 0.35
        self.bottom = self.caption_top + 0.2

        # Stage one: the query above the keys, a column of scores beside them.
        q_view = MatrixView(
            numbers,
            lambda _r, m: f"{HEAD}.q[{TOKEN}][{m}]",
            (1, d_k),
            colour=palette.QUERY,
            name=formula('{{ "query" q : q }}', {"q": palette.QUERY}),
            row_labels=[numbers.token(TOKEN, colour=palette.HIGHLIGHT)],
        )
        k_view = MatrixView(
            numbers,
            lambda j, m: f"{HEAD}.k[{j}][{m}]",
            (n, d_k),
            colour=palette.KEY,
            name=formula('{{ "keys" K : k }}', {"k": palette.KEY}),
            row_labels=[numbers.token(j) for j in range(n)],
        )
        score_col = MatrixView(
            numbers,
            lambda j, _c: f"{HEAD}.scores[{TOKEN}][{j}]",
            (n, 1),
            colour=palette.SCORES,
            name=formula('{{ "score" : s }}', {"s": palette.SCORES}),
            filled=False,
        )
        # The column softmax reads: scaled scores, or masked ones (−∞ for later tokens).
        final_field = "masked" if masked else "scaled"
        if masked:
            final_name: Mobject = formula('{{ "masked" : s }}', {"s": palette.SCORES})
        else:
            final_name = VGroup(
                label("÷", colour=palette.MUTED), numbers.number("scale", colour=palette.MUTED)
            ).arrange(RIGHT, buff=0.12)
        final_col = MatrixView(
            numbers,
            lambda j, _c: f"{HEAD}.{final_field}[{TOKEN}][{j}]",
            (n, 1),
            colour=palette.SCORES,
            name=final_name,
            filled=False,
        )
        has_final = scaled or masked
        qk = VGroup(q_view, k_view).arrange(DOWN, buff=0.45)
        # The query's brackets line up with the keys' (the token label sits over theirs).
        q_view.shift(RIGHT * (k_view.brackets.get_left()[0] - q_view.brackets.get_left()[0]))
        columns = [qk, score_col] + ([final_col] if has_final else [])
        stage = VGroup(*columns).arrange(RIGHT, buff=0.6, aligned_edge=DOWN)

        panel = DotProductPanel(
            numbers,
            [f"{HEAD}.q[{TOKEN}][{m}]" for m in range(d_k)],
            [f"{HEAD}.k[0][{m}]" for m in range(d_k)],
            [f"{HEAD}.score_terms[{TOKEN}][0][{m}]" for m in range(d_k)],
            f"{HEAD}.scores[{TOKEN}][0]",
            left_label=formula("{{ q : q }}", {"q": palette.QUERY}),
            right_label=formula("{{ k : k }}", {"k": palette.KEY}),
        )
        fit_in_frame(panel, max_width=frame_w - 0.8)
        layout = VGroup(stage, panel).arrange(DOWN, buff=0.45)
        fit_in_frame(layout, max_width=frame_w - 0.6, max_height=self.top - self.bottom, max_growth=1.3)
        layout.move_to([0, (self.top + self.bottom) / 2, 0])

        intro = (
            "In the first head, follow one token: its query asks every key"
            if several
            else "Follow one token: its query asks every key"
        )
        self.step(intro)
        self.play(
            FadeIn(title),
            *([FadeIn(self.head_tag)] if self.head_tag is not None else []),
            FadeIn(q_view),
            FadeIn(k_view),
            run_time=1.2,
        )
        self.wait(1.0)

        self.step("Query times the first key: multiply matching entries and add")
        q_box = q_view.row_box(0, palette.QUERY)
        k_box = k_view.row_box(0, palette.KEY)
        self.play(
            Create(q_box), Create(k_box), FadeIn(score_col.brackets), FadeIn(score_col.name), run_time=0.7
        )
        self.play(panel.bring_factors(q_view.row(0), k_view.row(0)), run_time=1.0)
        for m in range(d_k):
            self.play(panel.product(m), run_time=0.45)
        self.play(panel.total(), run_time=0.6)
        first = score_col.make_cell(0, 0)
        self.play(TransformFromCopy(panel.result, first), run_time=0.8)
        score_col.set_cell(0, 0, first)
        self.wait(0.8)

        self.step("The same with every key: one score per token")
        self.play(FadeOut(panel), run_time=0.5)
        for j in range(1, n):
            new_box = k_view.row_box(j, palette.KEY)
            cell = score_col.make_cell(j, 0)
            self.play(ReplacementTransform(k_box, new_box), FadeIn(cell, shift=0.15 * RIGHT), run_time=0.6)
            score_col.set_cell(j, 0, cell)
            k_box = new_box
        self.play(FadeOut(VGroup(q_box, k_box)), run_time=0.4)
        self.wait(0.6)

        if has_final:
            if masked and scaled:
                caption = "Divide by the square root of d_k, and hide later tokens as minus infinity"
            elif masked:
                caption = "Later tokens are hidden: their scores become minus infinity"
            else:
                caption = "Each score is divided by the square root of d_k"
            self.step(caption)
            cells = [final_col.make_cell(j, 0) for j in range(n)]
            self.play(FadeIn(final_col.brackets), FadeIn(final_col.name), run_time=0.6)
            self.play(
                LaggedStart(
                    *(TransformFromCopy(score_col.cell(j, 0), cells[j]) for j in range(n)), lag_ratio=0.15
                ),
                run_time=1.2,
            )
            for j, cell in enumerate(cells):
                final_col.set_cell(j, 0, cell)
            self.wait(1.0)
        softmax_input = final_col if has_final else score_col

        title = self._softmax(
            title,
            VGroup(q_view, k_view, score_col, final_col if has_final else VGroup()),
            softmax_input,
            final_field if has_final else "scores",
        )
        self._values(title)

    def _title(self, expression: str) -> Mobject:
        """The formula heading the current stage, each symbol in its role's colour."""
        roles = {
            "s": palette.SCORES,
            "q": palette.QUERY,
            "k": palette.KEY,
            "a": palette.WEIGHTS,
            "v": palette.VALUE,
            "c": palette.CONTEXT,
            "x": palette.EMBEDDING,
            "o": palette.OUTPUT,
        }
        used = {name: colour for name, colour in roles.items() if f": {name} }}}}" in expression}
        return formula(expression, used).to_edge(UP, buff=0.3)

    def _softmax(self, title: Mobject, stage: VGroup, source: MatrixView, field: str) -> Mobject:
        """The scores laid out over a bar chart of the weights softmax makes of them."""
        numbers = self.numbers
        n = source.shape[0]
        frame_w = self.camera.frame_width
        chart = SoftmaxBars(
            numbers,
            [f"{HEAD}.weights[{TOKEN}][{j}]" for j in range(n)],
            [numbers.token(j) for j in range(n)],
            colour=palette.WEIGHTS,
            max_height=2.2,
        )
        scores_row = VGroup(
            *(numbers.number(f"{HEAD}.{field}[{TOKEN}][{j}]", colour=palette.SCORES) for j in range(n))
        )
        # The chart's columns are at least as wide as the scores they sit under.
        widest = max(m.width for m in scores_row)
        if widest + 0.25 > chart.column_width:
            chart = SoftmaxBars(
                numbers,
                [f"{HEAD}.weights[{TOKEN}][{j}]" for j in range(n)],
                [numbers.token(j) for j in range(n)],
                colour=palette.WEIGHTS,
                max_height=2.2,
                min_column_width=widest,
            )
        top_y = chart.baseline.get_center()[1] + chart.max_height + 0.75
        for j, mob in enumerate(scores_row):
            mob.move_to([chart.column_x(j), top_y, 0])
        scores_name = formula('{{ "scores" : s }}', {"s": palette.SCORES})
        weights_name = formula('{{ "weights" : a }}', {"a": palette.WEIGHTS})
        left = chart.baseline.get_left()[0] - 0.35
        scores_name.move_to([left - scores_name.width / 2, top_y, 0])
        weights_name.move_to(
            [left - weights_name.width / 2, chart.baseline.get_center()[1] + chart.max_height / 2, 0]
        )
        arrow = Arrow(UP * 0.25, DOWN * 0.25, color=palette.MUTED, buff=0, stroke_width=4)
        arrow.move_to([scores_name.get_center()[0], (top_y + weights_name.get_center()[1]) / 2, 0])
        softmax_word = formula('"softmax"').scale(0.8).next_to(arrow, RIGHT, buff=0.1)
        block = VGroup(chart, scores_row, scores_name, weights_name, arrow, softmax_word)
        pile, outline = chart.stack(buff=0.7)
        together = label("together", colour=palette.MUTED, font_size=WORD_SIZE - 2)
        together.next_to(outline, DOWN, buff=0.15)
        together.align_to(chart.labels, UP)
        one = VGroup(pile, outline, together)
        whole = VGroup(block, one)
        fit_in_frame(whole, max_width=frame_w - 0.8, max_height=self.top - self.bottom, max_growth=1.3)
        whole.move_to([0, (self.top + self.bottom) / 2, 0])

        new_title = self._title('{{ a_j : a }} = "softmax"({{ s : s }})_j')
        self.step("Softmax turns the scores into weights that add up to one")
        moved = [source.cell(j, 0) for j in range(n)]
        self.play(
            FadeOut(VGroup(*(m for m in stage if m is not source))),
            FadeOut(VGroup(source.brackets, source.name)),
            run_time=0.6,
        )
        self.play(
            *(ReplacementTransform(moved[j], scores_row[j]) for j in range(n)),
            FadeIn(scores_name),
            *_swap(title, new_title),
            run_time=1.0,
        )
        self.play(
            FadeIn(arrow),
            FadeIn(softmax_word),
            FadeIn(weights_name),
            chart.grow(with_labels=True),
            run_time=1.6,
        )
        self.wait(0.8)
        # The shares piled up fill exactly one whole bar.
        self.play(
            Create(outline),
            FadeIn(together),
            *(TransformFromCopy(chart.bars[j], pile[j]) for j in range(n)),
            run_time=1.2,
        )
        self.wait(1.2)
        self._chart = chart
        # Everything of this stage but the weights, which move on to the values.
        self._softmax_rest = VGroup(
            chart.bars,
            chart.baseline,
            chart.labels,
            scores_row,
            scores_name,
            weights_name,
            arrow,
            softmax_word,
            pile,
            outline,
            together,
        )
        return new_title

    def _values(self, title: Mobject) -> None:
        """Each value row scaled by its weight and summed: the context, then the residual."""
        numbers = self.numbers
        trace = self.trace
        frame_w = self.camera.frame_width
        n = trace.heads[0].v.shape[0]
        panel = WeightedValues(numbers, 0, TOKEN)
        fit_in_frame(panel, max_width=frame_w - 0.6, max_height=self.top - self.bottom, max_growth=1.3)
        panel.move_to([0, (self.top + self.bottom) / 2, 0])
        new_title = self._title("{{ c : c }} = sum_j {{ a_j : a }} {{ v_j : v }}")

        self.step("Each value row is multiplied by its weight")
        chart = self._chart
        self.play(FadeOut(self._softmax_rest), run_time=0.6)
        self.play(
            *(ReplacementTransform(chart.values[j], panel.weights.cell(j, 0)) for j in range(n)),
            *_swap(title, new_title),
            FadeIn(VGroup(panel.weights.brackets, panel.weights.name, panel.weights.row_labels)),
            FadeIn(panel.values),
            FadeIn(VGroup(panel.times, panel.equals, panel.terms.brackets, panel.terms.name)),
            run_time=1.2,
        )
        terms = panel.play_rows(self)

        self.step("Adding the weighted rows gives the token's context vector")
        context = panel.play_sum(self)
        self.wait(1.2)

        if trace.residual is not None:
            self._residual(
                new_title,
                VGroup(
                    panel.weights,
                    panel.times,
                    panel.values,
                    panel.equals,
                    panel.terms.brackets,
                    panel.terms.name,
                    terms,
                    panel.bar,
                ),
                panel,
                context,
            )

    def _residual(self, title: Mobject, leaving: VGroup, panel: WeightedValues, context: VGroup) -> None:
        """The token's input added back: x + context (or x + output after W_o) = residual."""
        numbers = self.numbers
        trace = self.trace
        frame_w = self.camera.frame_width
        d = trace.x.shape[1]
        middle = self.top - self.bottom
        centre = [0, (self.top + self.bottom) / 2, 0]
        rows, through_w_o = residual_rows(trace)
        block = ColumnSum(numbers, rows, d, [TOKEN])
        fit_in_frame(block, max_width=frame_w - 0.6, max_height=middle, max_growth=1.3)
        block.move_to(centre)
        x_row, mid_row, sum_row = (block.make_row(r, TOKEN) for r in range(3))
        token = block.make_token(TOKEN)
        symbol = "o" if through_w_o else "c"
        new_title = self._title(f'{{{{ "residual" : r }}}} = {{{{ x : x }}}} + {{{{ {symbol} : {symbol} }}}}')

        if through_w_o:
            # Several heads or W_o: the context is not added as it is. First its
            # link to the output row: context, an arrow through W_o, the output.
            context_group = VGroup(panel.context_label, context)
            output_row = mid_row.copy()
            output_name = block.names[1].copy()
            target = context_group.copy()
            arrow = Arrow(UP * 0.4, DOWN * 0.4, color=palette.MUTED, buff=0, stroke_width=4)
            link = VGroup(
                arrow,
                formula("dot {{ W_o : w }}", {"w": palette.WEIGHT_MATRIX}).next_to(arrow, RIGHT, buff=0.2),
            )
            if len(trace.heads) > 1:
                link.add(
                    label("with the other heads", colour=palette.MUTED, font_size=WORD_SIZE - 2).next_to(
                        link, RIGHT, buff=0.25
                    )
                )
            output = VGroup(output_name, output_row)
            chain = VGroup(target, link, output).arrange(DOWN, buff=0.4)
            # The output row keeps the block's scale, so it can move into the block unchanged.
            fit_in_frame(chain, max_width=frame_w - 0.6, max_height=middle, max_growth=1.0)
            chain.move_to(centre)
            link.shift(RIGHT * (target.get_center()[0] - arrow.get_center()[0]))
            caption = (
                "With the other heads, the context is multiplied by W_o: the output o"
                if len(trace.heads) > 1
                else "The context is multiplied by W_o first: the output o"
            )
            self.step(caption)
            # From here on the numbers are no longer the first head's alone.
            head_tag = [FadeOut(self.head_tag)] if self.head_tag is not None else []
            self.play(FadeOut(leaving), *head_tag, run_time=0.6)
            self.play(
                context_group.animate.scale(target.height / context_group.height).move_to(target),
                run_time=0.9,
            )
            self.play(FadeIn(link), FadeIn(output, shift=0.2 * DOWN), run_time=1.0)
            self.wait(1.5)

            self.step("Residual: add the token's input x back to its output")
            self.play(FadeOut(VGroup(context_group, link)), *_swap(title, new_title), run_time=0.6)
            self.play(
                *(ReplacementTransform(output_row[c], mid_row[c]) for c in range(d)),
                ReplacementTransform(output_name, block.names[1]),
                FadeIn(block.signs[1]),
                FadeIn(block.heading(0)),
                FadeIn(token),
                FadeIn(x_row, shift=0.2 * DOWN),
                run_time=1.0,
            )
        else:
            # Output = context here: the context numbers themselves become the middle row.
            self.step("Residual: add the token's input x back to its context")
            self.play(FadeOut(leaving), FadeOut(panel.context_label), *_swap(title, new_title), run_time=0.6)
            self.play(
                *(ReplacementTransform(context[c], mid_row[c]) for c in range(d)),
                FadeIn(block.headings([0, 1])),
                FadeIn(token),
                FadeIn(x_row, shift=0.2 * DOWN),
                run_time=1.2,
            )

        self.play(Create(block.bar), FadeIn(block.heading(2)), run_time=0.5)
        self.play(
            LaggedStart(*(FadeIn(cell, shift=0.3 * DOWN) for cell in sum_row), lag_ratio=0.2), run_time=1.4
        )
        self.play(Create(highlight(sum_row, palette.TEXT)), run_time=0.6)
        self.wait(1.8)


def _swap(old: Mobject, new: Mobject) -> list:
    """One title leaving upwards while the next arrives (cleaner than morphing formulas)."""
    return [FadeOut(old, shift=0.2 * UP), FadeIn(new, shift=0.2 * UP)]
