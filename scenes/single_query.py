"""Topic ``single_query``: the whole of self-attention for one token, start to finish.

The story of the seed lesson "Self-Attention for Token i", for the first token:
its query against every key (the first dot product in full, the rest quickly)
gives one score per token; the scores are divided by sqrt(d_k) (when the lesson
scales); softmax turns them into weights that add up to one (bars); each value
row is scaled by its weight and the rows are added into the token's context
vector; and, when the lesson has a residual connection, the token's input x is
added back (through W_o first when the lesson has one or several heads). A
multi-head lesson shows its first head, tagged.
"""

from __future__ import annotations

from manim import (
    DOWN,
    RIGHT,
    UP,
    Animation,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    ReplacementTransform,
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from attention_math.facts import focus, masked_future
from scenes.kit import palette
from scenes.kit.attention import DotProductPanel, SoftmaxBars
from scenes.kit.equations import APPROX
from scenes.kit.narration import Num, Part, Sentence, Tok, say_focus
from scenes.kit.stage import TopicScene
from scenes.kit.sums import ColumnSum, WeightedValues, residual_rows, say_mix
from scenes.kit.widgets import (
    NUMBER_SIZE,
    MatrixView,
    first_legible,
    fit_in_frame,
    formula,
    highlight,
    label,
    wrap_below,
)

__all__ = ["SingleQueryScene"]

# The token whose attention is followed from start to finish.
TOKEN = 0
WORD_SIZE = 22
#: The bar chart's values, as :class:`~scenes.kit.attention.SoftmaxBars` draws them by default.
BAR_VALUE_SIZE = NUMBER_SIZE * 0.85


class SingleQueryScene(TopicScene):
    """One token's attention in full: query · keys, scale, softmax, weighted values, context, residual."""

    topic = "single_query"

    def construct(self) -> None:
        head = self.first_head
        self.head = head
        self.masked = head.trace.mask is not None
        self.scaled = self.trace.lesson.scale
        # Where the token's attention goes: said at the softmax and again at its context.
        self.focus = focus(self.trace, head.index, TOKEN)
        title = self.title(
            "{{ s_j : s }} = {{ q : q }} dot {{ k_j : k }} \\/ sqrt(d_k)"
            if self.scaled
            else "{{ s_j : s }} = {{ q : q }} dot {{ k_j : k }}"
        )
        self.head_mark = self.head_tag(head.index, font_size=WORD_SIZE) if head.several else None
        if self.head_mark is not None:
            self.corner_tag(self.head_mark, title)
        self.room = self.content(below=title)

        q_view, k_view, score_col, final_col = self._score_views()
        panel = self._layout(q_view, k_view, score_col, final_col)
        self._query_and_keys(title, q_view, k_view)
        self._first_score(panel, q_view, k_view, score_col)
        self._every_score(k_view, score_col)
        if final_col is not None:
            self._final_scores(score_col, final_col)
        source = final_col if final_col is not None else score_col
        shown = VGroup(q_view, k_view, score_col, final_col if final_col is not None else VGroup())
        title = self._softmax(title, shown, source)
        self._values(title)

    # -- scores ------------------------------------------------------------------------

    def _score_views(self) -> tuple[MatrixView, MatrixView, MatrixView, MatrixView | None]:
        """The query row, the keys, the column of scores and (scaled or masked) the one softmax reads."""
        numbers, head = self.numbers, self.head
        n, d_k = head.trace.q.shape
        q_view = MatrixView(
            numbers,
            lambda _r, m: head.path(f"q[{TOKEN}][{m}]"),
            (1, d_k),
            colour=palette.QUERY,
            name=formula('{{ "query" q : q }}', {"q": palette.QUERY}),
            row_labels=[numbers.token(TOKEN, colour=palette.HIGHLIGHT)],
        )
        k_view = MatrixView(
            numbers,
            lambda j, m: head.path(f"k[{j}][{m}]"),
            (n, d_k),
            colour=palette.KEY,
            name=formula('{{ "keys" K : k }}', {"k": palette.KEY}),
            row_labels=[numbers.token(j) for j in range(n)],
        )
        score_col = self._score_column("scores", formula('{{ "score" : s }}', {"s": palette.SCORES}))
        if not (self.scaled or self.masked):
            return q_view, k_view, score_col, None
        # The column softmax reads: scaled scores, or masked ones (−∞ for later tokens).
        final_name: VMobject
        if self.masked:
            final_name = formula('{{ "masked" : s }}', {"s": palette.SCORES})
        else:
            final_name = VGroup(
                label("÷", colour=palette.MUTED), numbers.number("scale", colour=palette.MUTED)
            ).arrange(RIGHT, buff=0.12)
        return q_view, k_view, score_col, self._score_column(self._final_field, final_name)

    @property
    def _final_field(self) -> str:
        """The scores softmax reads: masked, scaled, or as they are."""
        return "masked" if self.masked else "scaled" if self.scaled else "scores"

    def _score_column(self, field: str, name: VMobject) -> MatrixView:
        """An empty column of the token's scores (``field``: scores, scaled or masked)."""
        return MatrixView(
            self.numbers,
            lambda j, _c: self.head.path(f"{field}[{TOKEN}][{j}]"),
            (self.head.trace.q.shape[0], 1),
            colour=palette.SCORES,
            name=name,
            filled=False,
        )

    def _layout(
        self, q_view: MatrixView, k_view: MatrixView, score_col: MatrixView, final_col: MatrixView | None
    ) -> DotProductPanel:
        """The query above the keys, the score columns beside them, the dot product under; returns it."""
        head, d_k = self.head, self.head.trace.q.shape[1]
        qk = VGroup(q_view, k_view).arrange(DOWN, buff=0.45)
        # The query's brackets line up with the keys' (the token label sits over theirs).
        q_view.shift(RIGHT * (k_view.brackets.get_left()[0] - q_view.brackets.get_left()[0]))
        columns = [qk, score_col] + ([final_col] if final_col is not None else [])
        stage = VGroup(*columns).arrange(RIGHT, buff=0.6, aligned_edge=DOWN)
        panel = DotProductPanel(
            self.numbers,
            [head.path(f"q[{TOKEN}][{m}]") for m in range(d_k)],
            [head.path(f"k[0][{m}]") for m in range(d_k)],
            [head.path(f"score_terms[{TOKEN}][0][{m}]") for m in range(d_k)],
            head.path(f"scores[{TOKEN}][0]"),
            left_label=formula("{{ q : q }}", {"q": palette.QUERY}),
            right_label=formula("{{ k : k }}", {"k": palette.KEY}),
            equations=self.equations,
        )
        fit_in_frame(panel, max_width=self.frame_width - 0.8)
        self.fit_into(VGroup(stage, panel).arrange(DOWN, buff=0.45), self.room, max_growth=1.3)
        return panel

    def _query_and_keys(self, title: VMobject, q_view: MatrixView, k_view: MatrixView) -> None:
        compare = self.say(
            "Its query row is what it is looking for; every token's key row is what that token offers."
        )
        if self.head.several:
            self.step(
                "In the first head, follow one token: its query asks every key",
                say=(
                    self.say(
                        "In head",
                        Num(self.head.path("number")),
                        ", follow",
                        Tok(TOKEN),
                        "through all of attention.",
                    ),
                    compare,
                ),
            )
        else:
            self.step(
                "Follow one token: its query asks every key",
                say=(self.say("Follow", Tok(TOKEN), "through all of attention."), compare),
            )
        self.play(
            FadeIn(title),
            *([FadeIn(self.head_mark)] if self.head_mark is not None else []),
            FadeIn(q_view),
            FadeIn(k_view),
            run_time=1.2,
        )
        self.wait(1.0)

    def _first_score(
        self, panel: DotProductPanel, q_view: MatrixView, k_view: MatrixView, score_col: MatrixView
    ) -> None:
        """Query times the first key, product by product, into the first score."""
        about: tuple[Part, ...] = ("about",) if panel.equals.text == APPROX else ()
        self.step(
            "Query times the first key: multiply matching entries and add",
            say=self.say(
                "Its query times the key of",
                Tok(0),
                ": multiply matching entries and add them up, a score of",
                *about,
                Num(self.head.path(f"scores[{TOKEN}][0]")),
                ".",
            ),
        )
        self._q_box = q_view.row_box(0, palette.QUERY)
        self._k_box = k_view.row_box(0, palette.KEY)
        self.play(
            Create(self._q_box),
            Create(self._k_box),
            FadeIn(score_col.brackets),
            FadeIn(score_col.heading),
            run_time=0.7,
        )
        self.play(panel.bring_factors(q_view.row(0), k_view.row(0)), run_time=1.0)
        for m in range(len(panel.products)):
            self.play(panel.product(m), run_time=0.45)
        self.play(panel.total(), run_time=0.6)
        first = score_col.make_cell(0, 0)
        self.play(TransformFromCopy(panel.result, first), run_time=0.8)
        score_col.set_cell(0, 0, first)
        self.wait(0.8)
        self._panel = panel

    def _every_score(self, k_view: MatrixView, score_col: MatrixView) -> None:
        """Every other key's score, quickly."""
        self.step(
            "The same with every key: one score per token",
            say=self.say(
                "Every other key gives a score the same way, one per token: "
                "the better a key matches the query, the higher its score."
            )
            if score_col.shape[0] > 1
            else self.say("With a single token, that score is the only one."),
        )
        self.play(FadeOut(self._panel), run_time=0.5)
        k_box = self._k_box
        for j in range(1, score_col.shape[0]):
            new_box = k_view.row_box(j, palette.KEY)
            cell = score_col.make_cell(j, 0)
            self.play(ReplacementTransform(k_box, new_box), FadeIn(cell, shift=0.15 * RIGHT), run_time=0.6)
            score_col.set_cell(j, 0, cell)
            k_box = new_box
        self.play(FadeOut(VGroup(self._q_box, k_box)), run_time=0.4)
        self.wait(0.6)

    def _final_scores(self, score_col: MatrixView, final_col: MatrixView) -> None:
        """The scores divided by sqrt(d_k), and/or later tokens hidden as −∞."""
        said: list[Sentence] = []
        if self.scaled:
            said.append(
                self.say(
                    "Each score is divided by",
                    Num("scale"),
                    ", the square root of d_k, so the scores do not grow too large.",
                )
            )
        if self.masked:
            hidden = masked_future(self.trace, self.head.index, TOKEN)
            if hidden.found["hidden"]:
                said.append(
                    self.say(
                        "Tokens after",
                        Tok(TOKEN),
                        "are hidden: their scores become minus infinity.",
                        facts=[hidden],
                    )
                )
            else:
                said.append(
                    self.say("No token comes after", Tok(TOKEN), ", so nothing is hidden.", facts=[hidden])
                )
        if self.masked and self.scaled:
            self.step(
                "Divide by the square root of d_k, and hide later tokens as minus infinity", say=tuple(said)
            )
        elif self.masked:
            self.step("Later tokens are hidden: their scores become minus infinity", say=tuple(said))
        else:
            self.step("Each score is divided by the square root of d_k", say=tuple(said))
        n = final_col.shape[0]
        cells = [final_col.make_cell(j, 0) for j in range(n)]
        self.play(FadeIn(final_col.brackets), FadeIn(final_col.heading), run_time=0.6)
        self.play(
            LaggedStart(
                *(TransformFromCopy(score_col.cell(j, 0), cells[j]) for j in range(n)), lag_ratio=0.15
            ),
            run_time=1.2,
        )
        for j, cell in enumerate(cells):
            final_col.set_cell(j, 0, cell)
        self.wait(1.0)

    # -- softmax -----------------------------------------------------------------------

    def _chart(self, narrow: bool) -> tuple[SoftmaxBars, VGroup]:
        """The weights as bars, columns at least as wide as the scores above them; and those scores.

        ``narrow``: the frame's width limits the chart (9:16, or a 4:3 frame too
        narrow for the usual chart at the digit floor); its values are drawn at
        the numbers' full size.
        """
        numbers, head = self.numbers, self.head
        n = head.trace.q.shape[0]
        scores_row = VGroup(
            *(
                numbers.number(head.path(f"{self._final_field}[{TOKEN}][{j}]"), colour=palette.SCORES)
                for j in range(n)
            )
        )
        widest = max(m.width for m in scores_row)

        def bars(min_column_width: float) -> SoftmaxBars:
            return SoftmaxBars(
                numbers,
                [head.path(f"weights[{TOKEN}][{j}]") for j in range(n)],
                [numbers.token(j) for j in range(n)],
                colour=palette.WEIGHTS,
                max_height=2.2,
                min_column_width=min_column_width,
                # A narrow frame shrinks the chart: its values are drawn at the numbers' full size.
                font_size=NUMBER_SIZE if narrow else BAR_VALUE_SIZE,
            )

        chart = bars(0.0)
        if widest + 0.25 > chart.column_width:
            chart = bars(widest)
        top_y = chart.baseline.get_center()[1] + chart.max_height + 0.75
        for j, mob in enumerate(scores_row):
            mob.move_to((chart.column_x(j), top_y, 0))
        return chart, scores_row

    def _softmax(self, title: VMobject, stage: VGroup, source: MatrixView) -> VMobject:
        """The scores laid out over a bar chart of the weights softmax makes of them; returns the title."""
        n = source.shape[0]
        recorded = len(self.equations.entries)

        def laid_out(narrow: bool) -> VGroup:
            del self.equations.entries[recorded:]  # the sum of a layout not kept is not drawn
            chart, scores_row = self._chart(narrow)
            block = VGroup(chart, scores_row, *self._chart_names(chart, scores_row))
            together = chart.adds_up(self.equations, font_size=WORD_SIZE - 2)
            if narrow:
                # A narrow frame: the pile close to the chart, its words on a line of their own under it.
                pile, outline = chart.stack(buff=0.6)
                together.next_to(chart.labels, DOWN, buff=0.3).align_to(outline, RIGHT)
            else:
                # Far enough right that the words under the pile clear the last token's label.
                pile, outline = chart.stack(buff=max(0.7, together.width / 2 + 0.25))
                together.next_to(outline, DOWN, buff=0.15)
                together.align_to(chart.labels, UP)
            one = VGroup(pile, outline, together)
            # A narrow frame's width limits the chart: it takes the room up to the usual margin.
            room = self.content(below=title, side=0.3 if narrow else 0.4)
            return self.fit_into(VGroup(block, one), room, max_growth=1.3)

        _, (block, one) = first_legible(
            laid_out, (True,) if self.upright else (False, True), numbers=self.numbers
        )
        chart, scores_row, scores_name, weights_name, arrow, softmax_word = block
        pile, outline, together = one
        assert isinstance(chart, SoftmaxBars) and isinstance(together, Text)

        new_title = self.title('{{ a_j : a }} = "softmax"({{ s : s }})_j')
        to_one: tuple[Part, ...] = ("about one",) if APPROX in together.text else ("one",)
        self.step(
            "Softmax turns the scores into weights that add up to one",
            say=(
                self.say(
                    "Softmax turns the scores into weights between zero and one that add up to", *to_one, "."
                ),
                say_focus(self.narrator, self.focus, weights_path=self.head.path("weights")),
            ),
        )
        self.play(
            FadeOut(VGroup(*(m for m in stage if m is not source))),
            FadeOut(VGroup(source.brackets, source.heading)),
            run_time=0.6,
        )
        self.play(
            *(ReplacementTransform(source.cell(j, 0), scores_row[j]) for j in range(n)),
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
        self._bars = chart
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
            one,
        )
        return new_title

    @staticmethod
    def _chart_names(chart: SoftmaxBars, scores_row: VGroup) -> tuple[VMobject, VMobject, VMobject, VMobject]:
        """The names "scores" and "weights" left of their rows, an arrow between them marked "softmax"."""
        top_y = scores_row[0].get_center()[1]
        scores_name = formula('{{ "scores" : s }}', {"s": palette.SCORES})
        weights_name = formula('{{ "weights" : a }}', {"a": palette.WEIGHTS})
        left = chart.baseline.get_left()[0] - 0.35
        scores_name.move_to((left - scores_name.width / 2, top_y, 0))
        weights_name.move_to(
            (left - weights_name.width / 2, chart.baseline.get_center()[1] + chart.max_height / 2, 0)
        )
        arrow = Arrow(UP * 0.25, DOWN * 0.25, color=palette.MUTED, buff=0, stroke_width=4)
        arrow.move_to((scores_name.get_center()[0], (top_y + weights_name.get_center()[1]) / 2, 0))
        softmax_word = formula('"softmax"').scale(0.8).next_to(arrow, RIGHT, buff=0.1)
        return scores_name, weights_name, arrow, softmax_word

    # -- values, context, residual -----------------------------------------------------

    def _values(self, title: VMobject) -> None:
        """Each value row scaled by its weight and summed: the context, then the residual."""
        n = self.head.trace.v.shape[0]
        recorded = len(self.equations.entries)

        def laid_out(narrow: bool) -> WeightedValues:
            del self.equations.entries[recorded:]  # the sums of a layout not kept are not drawn
            made = WeightedValues(self.numbers, self.head.index, TOKEN, equations=self.equations)
            if narrow:
                # A narrow frame: "= weighted values" and their sum under "weights × V", not beside it.
                wrap_below(
                    made,
                    (made.weights, made.times, made.values),
                    under=made.values.brackets,
                    moved=made.terms.brackets,
                )
            return self.fit_into(made, self.room, max_growth=1.3)

        # Wrapped in an upright frame, or in a 4:3 one where one line would draw digits under the floor.
        _, panel = first_legible(laid_out, (True,) if self.upright else (False, True), numbers=self.numbers)
        new_title = self.title("{{ c : c }} = sum_j {{ a_j : a }} {{ v_j : v }}")

        self.step(
            "Each value row is multiplied by its weight",
            say=(
                self.say("Each token's value row is the information it passes on."),
                self.say("Each value row is multiplied by the weight", Tok(TOKEN), "gives that token."),
            ),
        )
        self.play(FadeOut(self._softmax_rest), run_time=0.6)
        self.play(
            *(ReplacementTransform(self._bars.values[j], panel.weights.cell(j, 0)) for j in range(n)),
            *_swap(title, new_title),
            FadeIn(VGroup(panel.weights.brackets, panel.weights.heading, panel.weights.row_labels)),
            FadeIn(panel.values),
            FadeIn(VGroup(panel.times, panel.equals, panel.terms.brackets, panel.terms.heading)),
            run_time=1.2,
        )
        terms = panel.play_rows(self)

        about = ("about",) if panel.sum_sign == APPROX else ()
        self.step(
            "Adding the weighted rows gives the token's context vector",
            say=(
                self.say(
                    "Adding the weighted rows gives the context of",
                    Tok(TOKEN),
                    "; its first entry is",
                    *about,
                    Num(self.head.path(f"context[{TOKEN}][0]")),
                    ".",
                ),
                say_mix(self.narrator, self.focus),
            ),
        )
        context = panel.play_sum(self)
        self.wait(1.2)

        if self.trace.residual is not None:
            leaving = VGroup(
                panel.weights,
                panel.times,
                panel.values,
                panel.equals,
                panel.terms.brackets,
                panel.terms.heading,
                terms,
                panel.bar,
            )
            self._residual(new_title, leaving, panel, context)

    def _residual(self, title: VMobject, leaving: VGroup, panel: WeightedValues, context: VGroup) -> None:
        """The token's input added back: x + context (or x + output after W_o) = residual."""
        d = self.trace.x.shape[1]
        rows, through_w_o = residual_rows(self.trace)
        block = self.fit_into(
            ColumnSum(self.numbers, rows, d, [TOKEN], equations=self.equations), self.room, max_growth=1.3
        )
        x_row, mid_row, sum_row = (block.make_row(r, TOKEN) for r in range(3))
        token = block.make_token(TOKEN)
        symbol = "o" if through_w_o else "c"
        new_title = self.title(f'{{{{ "residual" : r }}}} = {{{{ x : x }}}} + {{{{ {symbol} : {symbol} }}}}')

        if through_w_o:
            plus = block.signs[1]
            assert plus is not None  # the middle row is added: it has its "+"
            self._output_link(VGroup(panel.context_label, context), leaving, block, mid_row)
            self.step(
                "Residual: add the input x back, so the token keeps its own meaning",
                say=self._say_residual(block, "output"),
            )
            self.play(FadeOut(self._link), *_swap(title, new_title), run_time=0.6)
            self.play(
                *(ReplacementTransform(self._output_row[c], mid_row[c]) for c in range(d)),
                ReplacementTransform(self._output_name, block.names[1]),
                FadeIn(plus),
                FadeIn(block.heading(0)),
                FadeIn(token),
                FadeIn(x_row, shift=0.2 * DOWN),
                run_time=1.0,
            )
        else:
            # Output = context here: the context numbers themselves become the middle row.
            self.step(
                "Residual: add the input x back to its context, so the token keeps its meaning",
                say=self._say_residual(block, "context"),
            )
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

    def _say_residual(self, block: ColumnSum, what: str) -> tuple[Sentence, ...]:
        """The token's residual: why, and its first column added up (said with its drawn sign)."""
        rows = block.rows
        sign = block.signs[-1]
        about: tuple[Part, ...] = ("about",) if sign is not None and sign.text == APPROX else ()
        return (
            self.say(
                "Last, the residual adds the input row x of",
                Tok(TOKEN),
                "back to its",
                what,
                ", so it keeps its own meaning along with what it gathered.",
            ),
            self.say(
                "In the first column,",
                Num(rows[0].path(TOKEN, 0)),
                "and",
                Num(rows[1].path(TOKEN, 0)),
                "add up to",
                *about,
                Num(rows[2].path(TOKEN, 0)),
                ".",
            ),
        )

    def _output_link(self, context_group: VGroup, leaving: VGroup, block: ColumnSum, mid_row: VGroup) -> None:
        """Several heads or W_o: the context is not added as it is, but first becomes the output row.

        Shows context, an arrow through W_o and the output row (at the block's
        scale, so it can move into the block unchanged).
        """
        output_row = mid_row.copy()
        output_name = block.names[1].copy()
        target = context_group.copy()
        arrow = Arrow(UP * 0.4, DOWN * 0.4, color=palette.MUTED, buff=0, stroke_width=4)
        link = VGroup(
            arrow,
            formula("dot {{ W_o : w }}", {"w": palette.WEIGHT_MATRIX}).next_to(arrow, RIGHT, buff=0.2),
        )
        if self.head.several:
            note = label("with the other heads", colour=palette.MUTED, font_size=WORD_SIZE - 2)
            link.add(note.next_to(link, RIGHT, buff=0.25))
        output = VGroup(output_name, output_row)
        chain = VGroup(target, link, output).arrange(DOWN, buff=0.4)
        self.fit_into(chain, self.room)
        link.shift(RIGHT * (target.get_center()[0] - arrow.get_center()[0]))
        if self.head.several:
            self.step(
                "With the other heads, the context is multiplied by W_o: the output o",
                say=self.say(
                    "Before the residual, its context is joined with the other heads' and multiplied by W_o, "
                    "giving its output row o."
                ),
            )
        else:
            self.step(
                "The context is multiplied by W_o first: the output o",
                say=self.say(
                    "Before the residual, its context is multiplied by W_o, giving its output row o."
                ),
            )
        # From here on the numbers are no longer the first head's alone.
        head_mark = [FadeOut(self.head_mark)] if self.head_mark is not None else []
        self.play(FadeOut(leaving), *head_mark, run_time=0.6)
        self.play(
            context_group.animate.scale(target.height / context_group.height).move_to(target),
            run_time=0.9,
        )
        self.play(FadeIn(link), FadeIn(output, shift=0.2 * DOWN), run_time=1.0)
        self.wait(1.5)
        self._link = VGroup(context_group, link)
        self._output_row, self._output_name = output_row, output_name


def _swap(old: VMobject, new: VMobject) -> list[Animation]:
    """One title leaving upwards while the next arrives (cleaner than morphing formulas)."""
    return [FadeOut(old, shift=0.2 * UP), FadeIn(new, shift=0.2 * UP)]
