"""Topic ``next_word``: the last token's block output becomes a probability for every word.

The story: the block's output, the last token's row picked out; that row
against the vocabulary's embedding rows, one score (logit) in full as a sum of
products, then every word's; softmax over the scores, the first word's e to
the power of its score minus the largest in full, every word's, their sum, the
first word's share, every word's probability; the probabilities as bars; and
the predicted word, the most probable, highlighted after the sentence.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
)

from .kit import palette
from .kit.attention import SoftmaxBars
from .kit.stage import TopicScene
from .kit.widgets import MatrixView, TracedText, fit_in_frame, label
from .multihead import respace_columns

__all__ = ["NextWordScene"]

STREAM = palette.EMBEDDING  # the block's output and the word embeddings
LOGITS = palette.SCORES  # a logit is a dot-product score, like attention's
EXP = palette.TEXT
PROBS = palette.WEIGHTS  # a softmax output, like attention weights
NAME_SIZE = 22
WORD = 0  # the vocabulary word whose score and share are shown in full
SPLIT_FROM = 4  # a score's sum of products with more terms than this takes two lines


class NextWordScene(TopicScene):
    """Last token's row · word embeddings = logits; softmax; bars; the predicted word."""

    topic = "next_word"
    summary = (
        "Next word: the last token's block output scored against every word's embedding, softmax, prediction"
    )

    def construct(self) -> None:
        trace = self.trace
        self.n, self.d = trace.norm_2.shape
        self.V = len(trace.vocab)
        self.last = self.n - 1
        self.top = self.camera.frame_height / 2 - 0.3
        self.bottom = self.caption_top + 0.2
        self.frame_w = self.camera.frame_width

        block_view = self._block_output()
        h_row, e_view, logit_col = self._scores(block_view)
        words, logit_col = self._softmax(h_row, e_view, logit_col)
        self._prediction(words, logit_col)

    # -- the story -------------------------------------------------------------------

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
        self.step("After the block, every token has a row of numbers")
        self.play(FadeIn(view), run_time=1.0)
        self.wait(0.5)
        self.step("The last token's row is the one that predicts the next word")
        box = view.row_box(self.last, palette.HIGHLIGHT)
        self.play(Create(box), view.row_labels[self.last].animate.set_color(palette.HIGHLIGHT), run_time=0.8)
        self.wait(1.0)
        self._box = box
        return view

    def _scores(self, block_view: MatrixView) -> tuple[MatrixView, MatrixView, MatrixView]:
        """The last row against every word's embedding: one logit in full, then all."""
        numbers = self.numbers
        h_row = MatrixView(numbers, lambda r, j: f"norm_2[{self.last}][{j}]", (1, self.d), colour=STREAM)
        e_view = MatrixView(
            numbers,
            lambda w, j: f"vocab_embeddings[{w}][{j}]",
            (self.V, self.d),
            colour=STREAM,
            name=label("word embeddings", colour=STREAM, font_size=NAME_SIZE),
            row_labels=[numbers.number(f"vocab[{w}]") for w in range(self.V)],
        )
        logit_col = MatrixView(
            numbers,
            lambda w, j: f"logits[{w}]",
            (self.V, 1),
            colour=LOGITS,
            name=label("score", colour=LOGITS, font_size=NAME_SIZE),
            filled=False,
        )
        column_w = max(h_row.cell_size[0], e_view.cell_size[0])
        respace_columns(h_row, column_w)
        respace_columns(e_view, column_w)
        # Keep the matrices' names apart, however wide they are.
        overhang = (
            max(e_view.name.width - e_view.brackets.width, 0) / 2
            + max(logit_col.name.width - logit_col.brackets.width, 0) / 2
        )
        logit_col.next_to(e_view.brackets, RIGHT, buff=max(0.8, overhang + 0.3))
        logit_col.shift(UP * (e_view.brackets.get_center()[1] - logit_col.brackets.get_center()[1]))
        token = numbers.token(self.last, colour=palette.HIGHLIGHT)
        h_row.next_to(e_view.name, UP, buff=0.4)
        h_row.set_x(e_view.brackets.get_center()[0])
        token.next_to(h_row.brackets, LEFT, buff=0.2)
        table = VGroup(token, h_row, e_view, logit_col)
        self._fit(table, bottom_room=1.0 if self.d <= SPLIT_FROM else 1.5)

        self.step("Each word of the vocabulary has an embedding row of the same width")
        self.play(
            FadeOut(VGroup(block_view.brackets, block_view.name, block_view.row_labels, self._box)),
            *(FadeOut(block_view.row(i)) for i in range(self.n) if i != self.last),
            ReplacementTransform(block_view.row(self.last), h_row.cells),
            FadeIn(VGroup(h_row.brackets, token)),
            FadeIn(e_view),
            run_time=1.2,
        )
        self.add(h_row)
        self._h_token = token
        self.wait(0.8)

        self.step("A word's score: the row times its embedding, entry by entry, summed")
        expression, result = self._dot_expression(WORD, table)
        h_box = h_row.row_box(0, palette.HIGHLIGHT)
        e_box = e_view.row_box(WORD, palette.HIGHLIGHT)
        self.play(
            FadeIn(logit_col.brackets), FadeIn(logit_col.name), Create(h_box), Create(e_box), run_time=0.8
        )
        pairs = expression.pairs
        self.play(
            *(TransformFromCopy(h_row.cell(0, m), pairs[m][0]) for m in range(self.d)),
            *(TransformFromCopy(e_view.cell(WORD, m), pairs[m][2]) for m in range(self.d)),
            FadeIn(VGroup(*(p[1] for p in pairs), expression.signs)),
            run_time=1.2,
        )
        self.play(FadeIn(result, shift=0.1 * LEFT), run_time=0.6)
        cell = logit_col.make_cell(WORD, 0)
        self.play(TransformFromCopy(result, cell), run_time=0.8)
        logit_col.set_cell(WORD, 0, cell)
        self.wait(0.6)

        self.step("The same for every word: one score each")
        self.play(FadeOut(expression), FadeOut(result), run_time=0.4)
        box = e_box
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
        self.play(FadeOut(VGroup(box, h_box)), run_time=0.3)
        self.add(logit_col)
        self.wait(0.6)
        return h_row, e_view, logit_col

    def _softmax(
        self, h_row: MatrixView, e_view: MatrixView, logit_col: MatrixView
    ) -> tuple[VGroup, MatrixView]:
        """Softmax over the scores: the first word's exp in full, all, their sum, the shares."""
        numbers = self.numbers
        trace = self.trace
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

        self.step("Softmax turns the scores into probabilities")
        self.play(
            FadeOut(VGroup(h_row, self._h_token, e_view.brackets, e_view.name, e_view.cells)),
            ReplacementTransform(e_view.row_labels, words),
            ReplacementTransform(logit_col, scores),
            run_time=1.2,
        )
        self.play(FadeIn(VGroup(exps.brackets, exps.name, probs.brackets, probs.name)), run_time=0.6)

        # The largest score, subtracted before exp so no exp can overflow.
        top = trace.predicted
        self.step("First word: e to the power of its score minus the largest score")
        largest_box = scores.cell_box(top, 0, palette.HIGHLIGHT)
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
        self.play(Create(word_box), Create(largest_box), run_time=0.6)
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

        self.step("The same for every word, then add them all up")
        rest = [(w, exps.make_cell(w, 0)) for w in range(self.V) if w != WORD]
        self.play(FadeOut(VGroup(expression, word_box)), run_time=0.4)
        self.play(
            LaggedStart(*(FadeIn(m, shift=0.1 * LEFT) for _, m in rest), lag_ratio=0.2),
            run_time=0.4 + 0.2 * len(rest),
        )
        for w, m in rest:
            exps.set_cell(w, 0, m)
        self.play(FadeOut(largest_box), TransformFromCopy(exps.cells, total), FadeIn(sum_word), run_time=1.0)
        self.wait(0.6)

        self.step("A word's probability: its exp divided by the sum")
        expression = self._line(
            [
                numbers.number(f"logit_exp[{WORD}]", colour=EXP),
                label("÷", colour=palette.MUTED),
                numbers.number("logit_sum", colour=EXP),
                label("=", colour=palette.MUTED),
                numbers.number(f"probs[{WORD}]", colour=PROBS),
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

        self.step("The same for every word: the probabilities add up to one")
        rest = [(w, probs.make_cell(w, 0)) for w in range(self.V) if w != WORD]
        self.play(FadeOut(VGroup(expression, exp_box)), run_time=0.4)
        self.play(
            LaggedStart(*(FadeIn(m, shift=0.1 * LEFT) for _, m in rest), lag_ratio=0.2),
            run_time=0.4 + 0.2 * len(rest),
        )
        for w, m in rest:
            probs.set_cell(w, 0, m)
        self.add(probs)
        self.wait(1.0)
        self._softmax_rest = VGroup(scores, exps, sum_word, total)
        return words, probs

    def _prediction(self, words: VGroup, probs: MatrixView) -> None:
        """The probabilities as bars; the most probable word follows the sentence."""
        numbers = self.numbers
        trace = self.trace
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
        sentence = VGroup(
            *(numbers.token(i) for i in range(self.n)),
            label("→", colour=palette.MUTED),
            numbers.number("predicted_word", colour=palette.HIGHLIGHT, font_size=30),
        ).arrange(RIGHT, buff=0.3)
        _level_baselines(sentence)
        fit_in_frame(sentence, max_width=self.frame_w - 1.0, max_growth=1.3)
        sentence.move_to([0, self.top - sentence.height / 2, 0])
        predicted_box = SurroundingRectangle(
            sentence[-1], color=palette.HIGHLIGHT, buff=0.12, corner_radius=0.08
        )
        chart_top = sentence.get_bottom()[1] - 0.5
        fit_in_frame(chart, max_width=self.frame_w - 1.5, max_height=chart_top - self.bottom, max_growth=1.3)
        chart.move_to([0, (chart_top + self.bottom) / 2, 0])

        self.step("The probabilities as bars, one per word")
        self.play(
            FadeOut(self._softmax_rest),
            FadeOut(probs.brackets),
            FadeOut(probs.name),
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

        top = trace.predicted
        probs_row = trace.probs
        # Words whose probabilities tie with the largest: the first of them is taken.
        if int(np.isclose(probs_row, probs_row[top]).sum()) > 1:
            self.step("The prediction: the most probable word; of words that tie, the first")
        else:
            self.step("The prediction: the most probable word comes next")
        bar_box = SurroundingRectangle(
            VGroup(chart.bars[top], chart.values[top], chart.labels[top]),
            color=palette.HIGHLIGHT,
            buff=0.08,
            corner_radius=0.06,
        )
        self.play(Create(bar_box), run_time=0.7)
        self.play(
            FadeIn(VGroup(*sentence[:-1])),
            TransformFromCopy(chart.labels[top], sentence[-1]),
            run_time=1.2,
        )
        self.play(Create(predicted_box), run_time=0.6)
        self.wait(2.0)

    # -- helpers ---------------------------------------------------------------------

    def _fit(self, group: Mobject, *, bottom_room: float = 0.0) -> None:
        """Fit between the top and the caption, ``bottom_room`` kept free under it."""
        bottom = self.bottom + bottom_room
        fit_in_frame(group, max_width=self.frame_w - 1.0, max_height=self.top - bottom, max_growth=1.3)
        group.move_to([0, (self.top + bottom) / 2, 0])

    def _column(self, name: str, colour: str, words: str, *, filled: bool = True) -> MatrixView:
        return MatrixView(
            self.numbers,
            lambda w, j: f"{name}[{w}]",
            (self.V, 1),
            colour=colour,
            name=label(words, colour=colour, font_size=NAME_SIZE),
            filled=filled,
        )

    def _dot_expression(self, w: int, above: Mobject) -> tuple[VGroup, TracedText]:
        """``h_0 × e_0 + h_1 × e_1 + ... =`` and the logit, placed under ``above``.

        Returns the products and signs (attributes ``pairs`` and ``signs``) and,
        apart, the logit, so it can appear after them.
        """
        numbers = self.numbers
        pairs = [
            VGroup(
                numbers.number(f"norm_2[{self.last}][{m}]", colour=STREAM),
                label("×", colour=palette.MUTED),
                numbers.number(f"vocab_embeddings[{w}][{m}]", colour=STREAM),
            ).arrange(RIGHT, buff=0.08)
            for m in range(self.d)
        ]
        signs = [label("+", colour=palette.MUTED) for _ in range(self.d - 1)] + [
            label("=", colour=palette.MUTED)
        ]
        parts: list[Mobject] = []
        for pair, sign in zip(pairs, signs):
            parts += [pair, sign]
        result = numbers.number(f"logits[{w}]", colour=LOGITS)
        if self.d <= SPLIT_FROM:
            self._line([*parts, result], above)
        else:
            # Long sums go on two lines so their numbers stay readable.
            half = 2 * ((self.d + 1) // 2)
            first = VGroup(*parts[:half]).arrange(RIGHT, buff=0.15)
            second = VGroup(*parts[half:], result).arrange(RIGHT, buff=0.15)
            lines = VGroup(first, second).arrange(DOWN, buff=0.15, aligned_edge=LEFT)
            fit_in_frame(lines, max_width=self.frame_w - 1.0, max_height=1.1)
            lines.next_to(above, DOWN, buff=0.3)
            lines.set_x(0)
        expression = VGroup(*parts)
        expression.pairs = pairs  # type: ignore[attr-defined]
        expression.signs = VGroup(*signs)  # type: ignore[attr-defined]
        return expression, result

    def _line(self, parts: list[Mobject], above: Mobject) -> VGroup:
        """A worked line of traced numbers and signs, centred under ``above``."""
        line = VGroup(*parts).arrange(RIGHT, buff=0.15)
        fit_in_frame(line, max_width=self.frame_w - 1.0, max_height=0.6)
        line.next_to(above, DOWN, buff=0.35)
        line.set_x(0)
        return line


_DESCENDERS = set("gjpqy,;()[]{}_|")


def _level_baselines(sentence: VGroup) -> None:
    """Put the words of a sentence on one baseline, as typeset text is.

    A Text's box ends at its lowest ink, so centring boxes would lift a word
    with a descender ("long") above one without ("we"). Marks that are not
    words (an arrow) are centred on the words' lower-case letters instead.
    """
    words = [m for m in sentence if getattr(m, "text", "").strip("→")]
    marks = [m for m in sentence if m not in words]
    baseline = min(_baseline(w) for w in words)
    for word in words:
        word.shift(UP * (baseline - _baseline(word)))
    x_height = label("x", font_size=getattr(words[0], "font_size", 26)).height
    for mark in marks:
        mark.set_y(baseline + x_height / 2)


def _baseline(word: Mobject) -> float:
    """Y of a Text's baseline: its bottom, raised by a descender's depth if it has one."""
    text = getattr(word, "text", "")
    if not any(ch in _DESCENDERS for ch in text):
        return float(word.get_bottom()[1])
    size = getattr(word, "font_size", 26)
    # Same-size probes: "xg" reaches a descender's depth below where "x" ends.
    plain = label("x", font_size=size)
    deep = label("xg", font_size=size)
    plain.align_to(deep, UP)
    depth = plain.get_bottom()[1] - deep.get_bottom()[1]
    return float(word.get_bottom()[1] + depth)
