"""Topic ``next_word``: the last token's block output becomes a probability for every word.

The story: the block's output, the last token's row picked out; that row
against the vocabulary's embedding rows, one score (logit) in full as a sum of
products, then every word's; softmax over the scores, the first word's e to
the power of its score minus the largest in full, every word's, their sum, the
first word's share, every word's probability; the probabilities as bars; and
the predicted word, the most probable, highlighted after the sentence.

Said on screen, for any lesson: the weights are the lesson's own, not a trained
model's; where the candidate words come from (the sentence's own words, or the
lesson's ``[vocabulary]``); and what the probabilities decide, read from the
trace (:func:`attention_math.facts.prediction`): a clear winner, a narrow one, a
tie (every tied bar boxed) or no choice at all, and whether the prediction
merely repeats the sentence's last word.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    Indicate,
    LaggedStart,
    ReplacementTransform,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from attention_math.facts import Fact, prediction
from scenes.kit import palette
from scenes.kit.attention import SoftmaxBars
from scenes.kit.equations import EQUALS, Kind
from scenes.kit.narration import Num, Pct, Sentence, Tok, Word
from scenes.kit.stage import Region, TopicScene
from scenes.kit.widgets import (
    MatrixView,
    TracedText,
    align_baselines,
    baseline_y,
    fit_in_frame,
    label,
    match_columns,
)

__all__ = ["NextWordScene"]

STREAM = palette.EMBEDDING  # the block's output and the word embeddings
LOGITS = palette.SCORES  # a logit is a dot-product score, like attention's
EXP = palette.TEXT
PROBS = palette.WEIGHTS  # a softmax output, like attention weights
NAME_SIZE = 22
WORD = 0  # the vocabulary word whose score and share are shown in full
SPLIT_FROM = 4  # a score's sum of products with more terms than this takes two lines
#: Height of one line of the dot product in a narrow frame (9:16), two products a line.
UPRIGHT_LINE = 0.55


class NextWordScene(TopicScene):
    """Last token's row · word embeddings = logits; softmax; bars; the predicted word."""

    topic = "next_word"

    def construct(self) -> None:
        trace = self.trace
        # The CLI refuses lessons without a block for this topic (scenes.topic_problem).
        assert trace.norm_2 is not None and trace.probs is not None and trace.predicted is not None
        self.n, self.d = trace.norm_2.shape
        self.V = len(trace.vocab)
        self.last = self.n - 1
        self.predicted = trace.predicted

        block_view = self._block_output()
        h_row, e_view, logit_col = self._scores(block_view)
        words, probs = self._softmax(h_row, e_view, logit_col)
        self._prediction(words, probs)

    # -- the block's output ------------------------------------------------------------

    def _block_output(self) -> MatrixView:
        numbers = self.numbers
        view = MatrixView(
            numbers,
            lambda i, j: f"norm_2[{i}][{j}]",
            (self.n, self.d),
            colour=STREAM,
            name=label("block output", colour=STREAM, font_size=NAME_SIZE),
            row_labels=[numbers.token(i) for i in range(self.n)],
        )
        self._fit(view)
        self.step(
            "After the block, every token has a row of numbers",
            say=self.say(
                "The block is done: every token now has one row of numbers, "
                "its own meaning mixed with what attention gathered from the sentence."
            ),
        )
        self.play(FadeIn(view), run_time=1.0)
        self.wait(0.5)
        # Said plainly: the prediction shows the arithmetic, not what a trained model would say.
        self.step(
            "These weights are made up for the lesson, not learned by a trained model",
            say=(
                self.say("Every weight here was made up for the lesson; no model was trained on real text."),
                self.say("So the prediction shows the arithmetic, not what a real language model would say."),
            ),
        )
        self.wait(0.5)
        self.step(
            "The last token's row is the one that predicts the next word",
            say=self.say(
                "The word after the sentence is predicted from its last token,",
                Tok(self.last),
                ", so only that row is used from here on.",
            ),
        )
        box = view.row_box(self.last, palette.HIGHLIGHT)
        self.play(Create(box), view.row_labels[self.last].animate.set_color(palette.HIGHLIGHT), run_time=0.8)
        self.wait(1.0)
        self._box = box
        return view

    def _verdict(self, fact: Fact) -> tuple[str, tuple[Sentence, ...]]:
        """What the probabilities decide, as drawn: a clear winner, a narrow one, a tie, or no choice.

        Read from ``fact`` (:func:`attention_math.facts.prediction`): words tie when
        their probabilities read the same on screen.
        """
        winners, runner_up = fact.found["winners"], fact.found["runner_up"]
        top = f"probs[{winners[0]}]"
        if fact.kind == "tie" and runner_up is None:
            return (
                "Every word is equally likely: these numbers predict nothing; the first is shown",
                (self.say("Every word gets", Pct(top), ": these numbers choose no word.", facts=[fact]),),
            )
        if fact.kind == "tie":
            tied: list[str | Word] = []
            for n, w in enumerate(winners):
                if n:
                    tied.append("and" if n == len(winners) - 1 else ",")
                tied.append(Word(f"vocab[{w}]"))
            return (
                "A tie at the top: no single word wins; the first of them is shown",
                (
                    self.say(*tied, "tie at", Pct(top), ": no single word wins.", facts=[fact]),
                    self.say("The sentence shows the first of them, but the numbers do not choose."),
                ),
            )
        # Why it wins: the largest share comes from the highest score, the best-matching embedding.
        why = (
            self.say("It is the only candidate, so it takes it all.", facts=[fact])
            if runner_up is None
            else self.say(
                "Its embedding matched the last row best: the highest score gives the largest share.",
                facts=[fact],
            )
        )
        second = f"probs[{runner_up}]"
        if fact.kind == "near":
            return (
                "The most probable word comes next, but only just",
                (
                    self.say(
                        Word("predicted_word"),
                        "comes next, but only just:",
                        Pct(top),
                        "against",
                        Pct(second),
                        "for",
                        Word(f"vocab[{runner_up}]"),
                        ".",
                        facts=[fact],
                    ),
                    why,
                ),
            )
        return (
            "The prediction: the most probable word comes next",
            (
                self.say(Word("predicted_word"), "comes next, with probability", Pct(top), ".", facts=[fact]),
                why,
            ),
        )

    # -- scores ------------------------------------------------------------------------

    def _scores(self, block_view: MatrixView) -> tuple[MatrixView, MatrixView, MatrixView]:
        """The last row against every word's embedding: one logit in full, then all."""
        h_row, e_view, logit_col, table = self._scores_layout()
        if self.trace.lesson.vocabulary is None:
            self.step(
                "The candidate words are the sentence's own words, with their embedding rows",
                say=(
                    self.say("A real model scores every word it knows."),
                    self.say(
                        "This lesson lists no vocabulary, so its candidates are the sentence's own words, "
                        "each with its embedding row."
                    ),
                ),
            )
        else:
            self.step(
                "The candidate words are the lesson's own vocabulary, with embeddings it chose",
                say=(
                    self.say("A real model scores every word it knows."),
                    self.say(
                        "Here the candidates are the lesson's own vocabulary, each with an embedding row "
                        "the lesson chose."
                    ),
                ),
            )
        self.play(
            FadeOut(VGroup(block_view.brackets, block_view.heading, block_view.row_labels, self._box)),
            *(FadeOut(block_view.row(i)) for i in range(self.n) if i != self.last),
            ReplacementTransform(block_view.row(self.last), h_row.cells),
            FadeIn(VGroup(h_row.brackets, self._h_token)),
            FadeIn(e_view),
            run_time=1.2,
        )
        self.add(h_row)
        self.wait(0.8)
        self._first_logit(h_row, e_view, logit_col, table)
        self._every_logit(e_view, logit_col)
        return h_row, e_view, logit_col

    def _scores_layout(self) -> tuple[MatrixView, MatrixView, MatrixView, VGroup]:
        """The last token's row over the word embeddings, an empty column of scores beside them."""
        numbers = self.numbers
        h_row = MatrixView(numbers, lambda _r, j: f"norm_2[{self.last}][{j}]", (1, self.d), colour=STREAM)
        e_view = MatrixView(
            numbers,
            lambda w, j: f"vocab_embeddings[{w}][{j}]",
            (self.V, self.d),
            colour=STREAM,
            name=label(
                "the sentence's words" if self.trace.lesson.vocabulary is None else "the lesson's vocabulary",
                colour=STREAM,
                font_size=NAME_SIZE,
            ),
            row_labels=[numbers.number(f"vocab[{w}]") for w in range(self.V)],
        )
        logit_col = self._column("logits", LOGITS, "score", filled=False)
        match_columns(h_row, e_view)
        # Keep the matrices' names apart, however wide they are.
        overhang = (
            max(e_view.heading.width - e_view.brackets.width, 0) / 2
            + max(logit_col.heading.width - logit_col.brackets.width, 0) / 2
        )
        logit_col.next_to(e_view.brackets, RIGHT, buff=max(0.8, overhang + 0.3))
        logit_col.shift(UP * (e_view.brackets.get_center()[1] - logit_col.brackets.get_center()[1]))
        token = numbers.token(self.last, colour=palette.HIGHLIGHT)
        h_row.next_to(e_view.heading, UP, buff=0.4)
        h_row.set_x(e_view.brackets.get_center()[0])
        token.next_to(h_row.brackets, LEFT, buff=0.2)
        table = VGroup(token, h_row, e_view, logit_col)
        if self.upright:  # room for the dot product's lines, two products each
            bottom_room = UPRIGHT_LINE * ((self.d + 1) // 2) + 0.5
        else:
            bottom_room = 1.0 if self.d <= SPLIT_FROM else 1.5
        self._fit(table, bottom_room=bottom_room)
        self._h_token = token
        return h_row, e_view, logit_col, table

    def _first_logit(
        self, h_row: MatrixView, e_view: MatrixView, logit_col: MatrixView, table: VGroup
    ) -> None:
        """The first word's score: the row times its embedding, entry by entry, summed."""
        pairs, signs, result = self._dot_expression(WORD, table)
        self.step(
            "A word's score: the row times its embedding, entry by entry, summed",
            say=(
                self.say(
                    "To score the word",
                    Word(f"vocab[{WORD}]"),
                    ", multiply the last row by its embedding, entry by entry, and add the products up: "
                    "a dot product.",
                ),
                self.say(
                    "The result," if self._dot_sign == EQUALS else "The result, about",
                    Num(f"logits[{WORD}]"),
                    ", is its logit: the better the two rows match, the higher it is.",
                ),
            ),
        )
        self._h_box = h_row.row_box(0, palette.HIGHLIGHT)
        self._e_box = e_view.row_box(WORD, palette.HIGHLIGHT)
        self.play(
            FadeIn(logit_col.brackets),
            FadeIn(logit_col.heading),
            Create(self._h_box),
            Create(self._e_box),
            run_time=0.8,
        )
        self.play(
            *(TransformFromCopy(h_row.cell(0, m), pairs[m][0]) for m in range(self.d)),
            *(TransformFromCopy(e_view.cell(WORD, m), pairs[m][2]) for m in range(self.d)),
            FadeIn(VGroup(*(p[1] for p in pairs), signs)),
            run_time=1.2,
        )
        self.play(FadeIn(result, shift=0.1 * LEFT), run_time=0.6)
        cell = logit_col.make_cell(WORD, 0)
        self.play(TransformFromCopy(result, cell), run_time=0.8)
        logit_col.set_cell(WORD, 0, cell)
        self.wait(0.6)
        self._expression = VGroup(*pairs, signs, result)

    def _every_logit(self, e_view: MatrixView, logit_col: MatrixView) -> None:
        """Every other word's score, quickly."""
        self.step(
            "The same for every word: one score each",
            say=self.say(
                "Every other candidate is scored the same way, one dot product each."
                if self.V > 1
                else "With a single candidate, there is no other word to score."
            ),
        )
        self.play(FadeOut(self._expression), run_time=0.4)
        box = self._e_box
        for w in range(self.V):
            if w == WORD:
                continue
            new_box = e_view.row_box(w, palette.HIGHLIGHT)
            cell = logit_col.make_cell(w, 0)
            self.play(
                ReplacementTransform(box, new_box),
                FadeIn(cell, shift=0.1 * LEFT),
                run_time=0.45 if self.V > 4 else 0.6,
            )
            logit_col.set_cell(w, 0, cell)
            box = new_box
        self.play(FadeOut(VGroup(box, self._h_box)), run_time=0.3)
        self.add(logit_col)
        self.wait(0.6)

    # -- softmax -----------------------------------------------------------------------

    def _softmax(
        self, h_row: MatrixView, e_view: MatrixView, logit_col: MatrixView
    ) -> tuple[VGroup, MatrixView]:
        """Softmax over the scores: the first word's exp in full, all, their sum, the shares."""
        numbers = self.numbers
        words = VGroup(*(numbers.number(f"vocab[{w}]") for w in range(self.V)))
        scores = self._column("logits", LOGITS, "score")
        exps = self._column("logit_exp", EXP, "exp", filled=False)
        probs = self._column("probs", PROBS, "probability", filled=False)
        table = VGroup(scores, exps, probs).arrange(RIGHT, buff=0.9, aligned_edge=DOWN)
        for w, word in enumerate(words):
            word.next_to(scores.brackets, LEFT, buff=0.3)
            word.set_y(scores.slot(w, 0)[1])
        sum_word = label("sum", colour=palette.MUTED, font_size=NAME_SIZE)
        total = numbers.number("logit_sum", colour=EXP)
        total.next_to(exps.brackets, DOWN, buff=0.3)
        sum_word.next_to(total, LEFT, buff=0.25)
        group = VGroup(words, table, sum_word, total)
        self._fit(group, bottom_room=1.0)

        self.step(
            "Softmax turns the scores into probabilities",
            say=(
                self.say("Scores can be any size, even negative."),
                self.say(
                    "Softmax turns them into probabilities between zero and one that add up to one, "
                    "and the higher the score, the larger the share."
                ),
            ),
        )
        self.play(
            FadeOut(VGroup(h_row, self._h_token, e_view.brackets, e_view.heading, e_view.cells)),
            ReplacementTransform(e_view.row_labels, words),
            ReplacementTransform(logit_col, scores),
            run_time=1.2,
        )
        self.play(FadeIn(VGroup(exps.brackets, exps.heading, probs.brackets, probs.heading)), run_time=0.6)
        self._first_exp(scores, exps, group)
        self._every_exp(exps, total, sum_word)
        self._first_probability(exps, probs, total, group)
        self._every_probability(probs)
        self._softmax_rest = VGroup(scores, exps, sum_word, total)
        return words, probs

    def _first_exp(self, scores: MatrixView, exps: MatrixView, group: VGroup) -> None:
        """The first word's e to the power of its score minus the largest (so no exp can overflow)."""
        numbers, top = self.numbers, self.predicted
        self.step(
            "First word: e to the power of its score minus the largest score",
            say=(
                self.say(
                    "The word",
                    Word(f"vocab[{WORD}]"),
                    "scores",
                    Num(f"logits[{WORD}]"),
                    "; the largest score is",
                    Num(f"logits[{top}]"),
                    ".",
                ),
                self.say("E to the power of their difference is", Num(f"logit_exp[{WORD}]"), "."),
                self.say(
                    "Subtracting the largest keeps every power at most one, so nothing overflows; "
                    "the shares stay the same."
                ),
            ),
        )
        self._largest_box = scores.cell_box(top, 0, palette.HIGHLIGHT)
        word_box = scores.cell_box(WORD, 0, LOGITS)
        expression = self._line(
            [
                label("exp(", colour=palette.MUTED),
                numbers.number(f"logits[{WORD}]", colour=LOGITS),
                label("−", colour=palette.MUTED),
                numbers.number(f"logits[{top}]", colour=LOGITS),
                label(")  =", colour=palette.MUTED),
                numbers.number(f"logit_exp[{WORD}]", colour=EXP),
            ],
            group,
        )
        self.play(Create(word_box), Create(self._largest_box), run_time=0.6)
        self.play(
            TransformFromCopy(scores.cell(WORD, 0), expression[1]),
            TransformFromCopy(scores.cell(top, 0), expression[3]),
            FadeIn(VGroup(expression[0], expression[2], expression[4])),
            run_time=1.0,
        )
        self.play(FadeIn(expression[5], shift=0.1 * LEFT), run_time=0.5)
        cell = exps.make_cell(WORD, 0)
        self.play(TransformFromCopy(expression[5], cell), run_time=0.7)
        exps.set_cell(WORD, 0, cell)
        self.wait(0.6)
        self._worked = VGroup(expression, word_box)

    def _every_exp(self, exps: MatrixView, total: TracedText, sum_word: Text) -> None:
        """Every other word's exp, then their sum."""
        self.step(
            "The same for every word, then add them all up",
            say=(
                self.say("Every other word gets its power of e the same way."),
                self.say("Added together, they make", Num("logit_sum"), "."),
            )
            if self.V > 1
            else self.say("With a single candidate, the sum is its own power of e,", Num("logit_sum"), "."),
        )
        self._fill_rest(exps)
        self.play(
            FadeOut(self._largest_box), TransformFromCopy(exps.cells, total), FadeIn(sum_word), run_time=1.0
        )
        self.wait(0.6)

    def _first_probability(
        self, exps: MatrixView, probs: MatrixView, total: TracedText, group: VGroup
    ) -> None:
        """The first word's probability: its exp divided by the sum."""
        numbers = self.numbers
        exp_text, sum_text, prob_text = (
            numbers.number(f"logit_exp[{WORD}]", colour=EXP),
            numbers.number("logit_sum", colour=EXP),
            numbers.number(f"probs[{WORD}]", colour=PROBS),
        )
        sign = self.equations.record(
            Kind.QUOTIENT, [exp_text, sum_text], prob_text, decimals=numbers.decimals
        )
        self.step(
            "A word's probability: its exp divided by the sum",
            say=(
                self.say("A word's probability is its share of that sum."),
                self.say(
                    "For the word",
                    Word(f"vocab[{WORD}]"),
                    ",",
                    Num(f"logit_exp[{WORD}]"),
                    "divided by",
                    Num("logit_sum"),
                    "gives" if sign == EQUALS else "gives about",
                    Num(f"probs[{WORD}]"),
                    ".",
                ),
            ),
        )
        expression = self._line(
            [
                exp_text,
                label("÷", colour=palette.MUTED),
                sum_text,
                label(sign, colour=palette.MUTED),
                prob_text,
            ],
            group,
        )
        exp_box = exps.cell_box(WORD, 0, palette.HIGHLIGHT)
        self.play(Create(exp_box), run_time=0.4)
        self.play(
            TransformFromCopy(exps.cell(WORD, 0), expression[0]),
            TransformFromCopy(total, expression[2]),
            FadeIn(VGroup(expression[1], expression[3])),
            run_time=1.0,
        )
        self.play(FadeIn(expression[4], shift=0.1 * LEFT), run_time=0.5)
        cell = probs.make_cell(WORD, 0)
        self.play(TransformFromCopy(expression[4], cell), run_time=0.7)
        probs.set_cell(WORD, 0, cell)
        self.wait(0.5)
        self._worked = VGroup(expression, exp_box)

    def _every_probability(self, probs: MatrixView) -> None:
        self.step(
            "The same for every word: the probabilities add up to one",
            say=self.say(
                "Every word's power of e is divided by the same sum, "
                "so together the probabilities add up to one."
            ),
        )
        self._fill_rest(probs)
        self.add(probs)
        self.wait(1.0)

    def _fill_rest(self, column: MatrixView) -> None:
        """The worked line leaves; every other word's entry of ``column`` appears."""
        rest = [(w, column.make_cell(w, 0)) for w in range(self.V) if w != WORD]
        self.play(FadeOut(self._worked), run_time=0.4)
        if rest:  # a single candidate word has no other entries (Manim refuses an empty LaggedStart)
            self.play(
                LaggedStart(*(FadeIn(m, shift=0.1 * LEFT) for _, m in rest), lag_ratio=0.2),
                run_time=0.4 + 0.2 * len(rest),
            )
        for w, m in rest:
            column.set_cell(w, 0, m)

    # -- the prediction ----------------------------------------------------------------

    def _prediction(self, words: VGroup, probs: MatrixView) -> None:
        """The probabilities as bars; the most probable word follows the sentence."""
        fact = prediction(self.trace)
        chart, sentence, note = self._prediction_layout(tied=fact.kind == "tie")
        self.step(
            "The probabilities as bars, one per word",
            say=self.say(
                "As bars they are easy to compare: the taller the bar, the likelier that word comes next."
            ),
        )
        self.play(
            FadeOut(self._softmax_rest),
            FadeOut(probs.brackets),
            FadeOut(probs.heading),
            *(ReplacementTransform(probs.cell(w, 0), chart.values[w]) for w in range(self.V)),
            *(ReplacementTransform(words[w], chart.labels[w]) for w in range(self.V)),
            FadeIn(chart.baseline),
            run_time=1.2,
        )
        self.play(
            LaggedStart(*(FadeIn(bar, shift=0.2 * UP) for bar in chart.bars), lag_ratio=0.15), run_time=1.2
        )
        self.add(chart)
        self.wait(0.6)

        top = self.predicted
        caption, said = self._verdict(fact)
        self.step(caption, say=said)
        # Every word that shares the top probability is boxed: a tie is seen, not only said.
        bar_boxes = [
            SurroundingRectangle(
                VGroup(chart.bars[w], chart.values[w], chart.labels[w]),
                color=palette.HIGHLIGHT,
                buff=0.08,
                corner_radius=0.06,
            )
            for w in fact.found["winners"]
        ]
        self.play(*(Create(box) for box in bar_boxes), run_time=0.7)
        self.play(
            FadeIn(VGroup(*sentence[:-1])),
            TransformFromCopy(chart.labels[top], sentence[-1]),
            run_time=1.2,
        )
        predicted_box = SurroundingRectangle(
            sentence[-1], color=palette.HIGHLIGHT, buff=0.12, corner_radius=0.08
        )
        self.play(Create(predicted_box), *(FadeIn(mob) for mob in note), run_time=0.6)
        self.wait(2.0)
        if fact.kind != "tie" and self.trace.vocab[top] == self.trace.tokens[self.last]:
            # Untrained numbers often point the last token back at its own word: said, not hidden.
            self.step(
                "It repeats the sentence's last word: nothing here was trained to avoid that",
                say=(
                    self.say(
                        "The prediction is the last word again,", Word("predicted_word"), ".", facts=[fact]
                    ),
                    self.say("Nothing here was trained to avoid repeating a word."),
                ),
            )
            self.play(Indicate(sentence[self.last], color=palette.HIGHLIGHT), run_time=0.8)
            self.wait(1.0)

    def _prediction_layout(self, *, tied: bool) -> tuple[SoftmaxBars, VGroup, list[Text]]:
        """The bars of every word's probability under the sentence and its predicted next word.

        When words tie at the top, a note beside the sentence says its word is only the
        first of them, so the last frame does not claim a prediction the numbers do not make.
        """
        numbers = self.numbers
        chart = SoftmaxBars(
            numbers,
            [f"probs[{w}]" for w in range(self.V)],
            [numbers.number(f"vocab[{w}]") for w in range(self.V)],
            colour=PROBS,
            max_height=3.0,
            bar_width=0.8,
            gap=0.5,
        )
        # The sentence so far, an arrow, and the predicted word: the topic's result.
        words = [numbers.token(i) for i in range(self.n)]
        predicted = numbers.number("predicted_word", colour=palette.HIGHLIGHT, font_size=30)
        arrow = label("→", colour=palette.MUTED)
        sentence = VGroup(*words, arrow, predicted).arrange(RIGHT, buff=0.3)
        _level([*words, predicted], arrow)
        note = [label("a tie: the first is shown", colour=palette.MUTED, font_size=NAME_SIZE)] if tied else []
        for mob in note:
            mob.next_to(sentence, RIGHT, buff=0.45)
            mob.set_y(arrow.get_y())
        line = VGroup(sentence, *note)
        fit_in_frame(line, max_width=self.frame_width - 1.0, max_growth=1.3)
        room = self._room()
        line.move_to((0, room.top - line.height / 2, 0))
        chart_room = room.with_top(line.get_bottom()[1] - 0.5)
        if self.upright:
            _lie_across(chart)
        fit_in_frame(chart, max_width=self.frame_width - 1.5, max_height=chart_room.height, max_growth=1.3)
        chart.move_to((0, chart_room.centre[1], 0))
        return chart, sentence, note

    # -- helpers ---------------------------------------------------------------------

    def _room(self, *, bottom_room: float = 0.0) -> Region:
        """Between the frame's top and the caption, ``bottom_room`` kept free under it."""
        return self.content(side=0.5, caption_gap=0.2 + bottom_room)

    def _fit(self, group: VMobject, *, bottom_room: float = 0.0) -> None:
        """Fit between the top and the caption, ``bottom_room`` kept free under it."""
        self.fit_into(group, self._room(bottom_room=bottom_room), max_growth=1.3)

    def _column(self, name: str, colour: str, words: str, *, filled: bool = True) -> MatrixView:
        return MatrixView(
            self.numbers,
            lambda w, _j: f"{name}[{w}]",
            (self.V, 1),
            colour=colour,
            name=label(words, colour=colour, font_size=NAME_SIZE),
            filled=filled,
        )

    def _dot_expression(self, w: int, above: VMobject) -> tuple[list[VGroup], VGroup, TracedText]:
        """``h_0 × e_0 + h_1 × e_1 + ... =`` and the logit, placed under ``above``.

        Returns the products, the signs and, apart, the logit, so it can appear after them.
        """
        numbers = self.numbers
        rows = [numbers.number(f"norm_2[{self.last}][{m}]", colour=STREAM) for m in range(self.d)]
        columns = [numbers.number(f"vocab_embeddings[{w}][{m}]", colour=STREAM) for m in range(self.d)]
        pairs = [
            VGroup(row, label("×", colour=palette.MUTED), column).arrange(RIGHT, buff=0.08)
            for row, column in zip(rows, columns, strict=True)
        ]
        result = numbers.number(f"logits[{w}]", colour=LOGITS)
        # "=" only if the drawn (rounded) factors, multiplied and added, give the drawn score.
        equals = self.equations.record(
            Kind.DOT_PRODUCT,
            [*rows, *columns],
            result,
            decimals=numbers.decimals,
        )
        self._dot_sign = equals
        signs = [label("+", colour=palette.MUTED) for _ in range(self.d - 1)] + [
            label(equals, colour=palette.MUTED)
        ]
        parts: list[VMobject] = []
        for pair, sign in zip(pairs, signs, strict=True):
            parts += [pair, sign]
        if self.upright:
            # A narrow frame: two products a line, as many lines as that takes.
            chunks = [parts[k : k + 4] for k in range(0, len(parts), 4)]
            chunks[-1] = [*chunks[-1], result]
            lines = VGroup(*(VGroup(*chunk).arrange(RIGHT, buff=0.15) for chunk in chunks))
            lines.arrange(DOWN, buff=0.15, aligned_edge=LEFT)
            fit_in_frame(lines, max_width=self.frame_width - 1.0, max_height=UPRIGHT_LINE * len(chunks))
            lines.next_to(above, DOWN, buff=0.3)
            lines.set_x(0)
        elif self.d <= SPLIT_FROM:
            self._line([*parts, result], above)
        else:
            # Long sums go on two lines so their numbers stay readable.
            half = 2 * ((self.d + 1) // 2)
            first = VGroup(*parts[:half]).arrange(RIGHT, buff=0.15)
            second = VGroup(*parts[half:], result).arrange(RIGHT, buff=0.15)
            lines = VGroup(first, second).arrange(DOWN, buff=0.15, aligned_edge=LEFT)
            fit_in_frame(lines, max_width=self.frame_width - 1.0, max_height=1.1)
            lines.next_to(above, DOWN, buff=0.3)
            lines.set_x(0)
        return pairs, VGroup(*signs), result

    def _line(self, parts: list[VMobject], above: VMobject) -> VGroup:
        """A worked line of traced numbers and signs, centred under ``above``."""
        line = VGroup(*parts).arrange(RIGHT, buff=0.15)
        fit_in_frame(line, max_width=self.frame_width - 1.0, max_height=0.6)
        line.next_to(above, DOWN, buff=0.35)
        line.set_x(0)
        return line


def _lie_across(chart: SoftmaxBars) -> None:
    """Turn ``chart`` on its side, for a narrow frame (9:16): one word a line, its bar running right.

    The words end at the (now upright) baseline, each bar starts there, its
    value after its end; lengths are the bars' heights, so they compare as before.
    """
    row = max(mob.height for mob in [*chart.labels, *chart.values]) + 0.35
    count = len(chart.bars)
    for k, (bar, value, word) in enumerate(zip(chart.bars, chart.values, chart.labels, strict=True)):
        y = -k * row
        bar.rotate(-PI / 2).stretch_to_fit_height(0.6 * row)
        bar.move_to((bar.width / 2, y, 0))
        word.move_to((-0.25 - word.width / 2, y, 0))
        value.next_to(bar, RIGHT, buff=0.15).set_y(y)
    chart.baseline.put_start_and_end_on((0.0, row / 2, 0.0), (0.0, -(count - 0.5) * row, 0.0))


def _level(words: list[TracedText], mark: Text) -> None:
    """Put a sentence's words on one baseline, as typeset text is; centre ``mark`` on their small letters.

    A Text's box ends at its lowest ink, so centring boxes would lift a word
    with a descender ("long") above one without ("we").
    """
    baseline = min(baseline_y(word) for word in words)
    align_baselines(words, baseline)
    x_height = label("x", font_size=words[0].font_size).height
    mark.set_y(baseline + x_height / 2)
