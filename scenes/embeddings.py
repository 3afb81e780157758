"""Topic ``embeddings``: tokens become the rows of X, and a dimension is one column.

The story: the lesson's tokens as a sentence; the first token's embedding row in
full; every other token's row stacking under it into the matrix X; one column of
X highlighted as a dimension (one feature, read across all tokens), swept over
the other columns; and X labelled as one row per token, one column per dimension.
"""

from __future__ import annotations

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Animation,
    Brace,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    ReplacementTransform,
    VGroup,
    VMobject,
)

from scenes.kit import palette
from scenes.kit.narration import Num, Part, Sentence, Tok
from scenes.kit.stage import TopicScene
from scenes.kit.widgets import MatrixView, animate, entries, fit_in_frame, formula, label

__all__ = ["EmbeddingsScene"]

# Room kept to the right of X for the row brace and its label.
SIDE_ROOM = 3.6
# The same in a narrow frame (9:16), where that label takes two lines.
UPRIGHT_SIDE_ROOM = 2.2
# Height of the band at the top where the sentence is shown first.
SENTENCE_BAND = 1.2
# A first row this short is read out in full; a longer one by its first and last numbers.
SPOKEN_ROW = 4


class EmbeddingsScene(TopicScene):
    """Tokens to rows of X: one token's embedding in full, then all; a dimension as a column."""

    topic = "embeddings"

    def construct(self) -> None:
        x_view, labels = self._layout()
        sentence = self._sentence(x_view)
        self.step(
            "A sentence is split into tokens",
            say=self.say(
                "A model cannot read words, only numbers. So first the sentence is split into tokens, "
                "words or pieces of words, each handled on its own."
            ),
        )
        self.play(LaggedStart(*(FadeIn(t, shift=0.2 * DOWN) for t in sentence), lag_ratio=0.2), run_time=1.2)
        self.wait(1.0)
        self._first_token(x_view, sentence)
        self._every_token(x_view, sentence)
        previous = self._dimensions(x_view)

        # The result: X, one row per token and one column per dimension.
        self.step(
            "X: one row per token, one column per dimension",
            say=(
                self.say("So X has one row for each token and one column for each dimension."),
                self.say("Next, each row gets its position added.")
                if self.trace.positional_kind != "none"
                else self.say("These are the numbers attention starts from."),
            ),
        )
        self.play(
            *(FadeOut(mark) for mark in self._column_marks),
            *_recolour(x_view.column(previous), palette.EMBEDDING),
            run_time=0.5,
        )
        self.play(*(FadeIn(mob) for mob in labels), run_time=0.9)
        self.wait(2.5)

    def _layout(self) -> tuple[MatrixView, list[VMobject]]:
        """X, and the braces and words that label it at the end, centred together."""
        numbers = self.numbers
        n, d = self.trace.embeddings.shape
        x_view = MatrixView(
            numbers,
            entries("embeddings"),
            (n, d),
            colour=palette.EMBEDDING,
            name=formula("{{ X : x }}", {"x": palette.EMBEDDING}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        # X sits between the sentence band at the top and the room kept above the
        # caption for the column brace; it may grow a little when the lesson is small.
        top = self.frame_height / 2 - SENTENCE_BAND
        bottom = self.caption_top + 1.05
        # A narrow frame: the rows' words go on two lines, so X keeps more of the width.
        side_room = UPRIGHT_SIDE_ROOM if self.upright else SIDE_ROOM
        fit_in_frame(
            x_view, max_width=self.frame_width - side_room - 0.6, max_height=top - bottom, max_growth=1.5
        )
        x_view.move_to((0, (top + bottom) / 2, 0))

        # The closing labels are made now so the whole picture can be centred.
        rows_brace = Brace(x_view.brackets, RIGHT, color=palette.MUTED, buff=0.15)
        rows_word: VMobject = label("one row per token", colour=palette.MUTED, font_size=22)
        if self.upright:
            rows_word = VGroup(
                label("one row", colour=palette.MUTED, font_size=22),
                label("per token", colour=palette.MUTED, font_size=22),
            ).arrange(DOWN, buff=0.1, aligned_edge=LEFT)
        rows_word.next_to(rows_brace, RIGHT, buff=0.15)
        cols_brace = Brace(x_view.brackets, DOWN, color=palette.MUTED, buff=0.12)
        cols_word = label("one column per dimension", colour=palette.MUTED, font_size=22)
        cols_word.next_to(cols_brace, DOWN, buff=0.1)
        VGroup(x_view, rows_brace, rows_word, cols_brace, cols_word).set_x(0)
        return x_view, [rows_brace, rows_word, cols_brace, cols_word]

    def _sentence(self, x_view: MatrixView) -> VGroup:
        """The sentence, as the tokens the lesson gives, at the size they will have in X."""
        n = self.trace.embeddings.shape[0]
        sentence = VGroup(*(self.numbers.token(i) for i in range(n))).arrange(RIGHT, buff=0.45)
        sentence.scale(x_view.scale_factor)
        fit_in_frame(sentence, max_width=self.frame_width - 1.0, max_height=SENTENCE_BAND - 0.4)
        sentence.move_to((0, self.frame_height / 2 - SENTENCE_BAND / 2, 0))
        return sentence

    def _first_token(self, x_view: MatrixView, sentence: VGroup) -> None:
        """One token in full: its label moves to the row it will own, its numbers appear."""
        self.step(
            "Each token is looked up as a row of numbers: its embedding",
            say=(
                self.say(
                    "Each token is looked up in a table and replaced by a row of numbers, its embedding."
                ),
                self._first_row_said(x_view.shape[1]),
            ),
        )
        first_box = x_view.row_box(0, palette.HIGHLIGHT)
        embedding_word = label("embedding", colour=palette.EMBEDDING, font_size=24)
        embedding_word.next_to(first_box, RIGHT, buff=0.3)
        self.play(sentence[0].animate.set_color(palette.HIGHLIGHT), run_time=0.4)
        self.play(ReplacementTransform(sentence[0], x_view.row_labels[0]), run_time=0.8)
        self.play(
            LaggedStart(*(FadeIn(c, shift=0.15 * RIGHT) for c in x_view.row(0)), lag_ratio=0.15),
            Create(first_box),
            FadeIn(embedding_word),
            run_time=1.2,
        )
        self.wait(1.0)
        self._first_marks = VGroup(first_box, embedding_word)

    def _every_token(self, x_view: MatrixView, sentence: VGroup) -> None:
        """The same for every other token, quickly: the rows stack into X."""
        n = x_view.shape[0]
        self.step(
            "The same for every token: the rows stack into the matrix X",
            say=(
                self.say(
                    "Every other token is looked up the same way; stacked in sentence order, the rows make X."
                ),
                self.say("A trained model learns these numbers; here the lesson gives them."),
            ),
        )
        self.play(*(FadeOut(mark) for mark in self._first_marks), run_time=0.4)
        self.play(
            LaggedStart(
                *(
                    LaggedStart(
                        ReplacementTransform(sentence[i], x_view.row_labels[i]),
                        FadeIn(x_view.row(i), shift=0.15 * RIGHT),
                        lag_ratio=0.3,
                    )
                    for i in range(1, n)
                ),
                lag_ratio=0.35,
            ),
            run_time=max(1.0, 0.45 * n),
        )
        self.play(Create(x_view.brackets), FadeIn(x_view.heading), run_time=0.8)
        _adopt(self, x_view)
        self.wait(0.8)

    def _dimensions(self, x_view: MatrixView) -> int:
        """A dimension: one column, the same feature read for every token; swept over all.

        Returns the column left highlighted.
        """
        d = x_view.shape[1]
        self.step(
            "A dimension is one column: one feature across all tokens",
            say=(
                self.say("A column is one dimension: the same feature, read for every token."),
                self._first_column_said(x_view.shape[0]),
            ),
        )
        column_box = x_view.column_box(0, palette.HIGHLIGHT)
        dimension_word = label("one dimension", colour=palette.HIGHLIGHT, font_size=22)
        dimension_word.next_to(column_box, DOWN, buff=0.2)
        self.play(
            Create(column_box),
            FadeIn(dimension_word),
            *_recolour(x_view.column(0), palette.HIGHLIGHT),
            run_time=0.9,
        )
        self.wait(1.2)

        self.step(
            "Every token has one number in every dimension",
            say=self.say(
                "Across the columns, every token has a number in every dimension, "
                "so all the rows have the same length."
            ),
        )
        previous = 0
        for j in range(1, d):
            new_box = x_view.column_box(j, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(column_box, new_box),
                dimension_word.animate.next_to(new_box, DOWN, buff=0.2),
                *_recolour(x_view.column(previous), palette.EMBEDDING),
                *_recolour(x_view.column(j), palette.HIGHLIGHT),
                run_time=max(0.3, 1.6 / d),
            )
            column_box, previous = new_box, j
        self.wait(1.0)
        self._column_marks = VGroup(column_box, dimension_word)
        return previous

    def _first_row_said(self, d: int) -> Sentence:
        """The first token's row, as drawn: every number when it is short, else its first and last."""
        if d == 1:
            return self.say(Tok(0), "becomes the single number", Num("embeddings[0][0]"), ".")
        if d <= SPOKEN_ROW:
            numbers: list[Part] = []
            for j in range(d):
                if j:
                    numbers.append("and" if j == d - 1 else ",")
                numbers.append(Num(f"embeddings[0][{j}]"))
            return self.say(Tok(0), "becomes the numbers", *numbers, ".")
        return self.say(
            Tok(0),
            "becomes the row that starts with",
            Num("embeddings[0][0]"),
            "and ends with",
            Num(f"embeddings[0][{d - 1}]"),
            ".",
        )

    def _first_column_said(self, n: int) -> Sentence:
        """The first column, as drawn: its first and last tokens' numbers."""
        if n == 1:
            return self.say("In the first dimension,", Tok(0), "has", Num("embeddings[0][0]"), ".")
        return self.say(
            "In the first dimension,",
            Tok(0),
            "has",
            Num("embeddings[0][0]"),
            "and",
            Tok(n - 1),
            "has",
            Num(f"embeddings[{n - 1}][0]"),
            ".",
        )


def _recolour(cells: VGroup, colour: str) -> list[Animation]:
    """Colour animations for each cell (a fresh VGroup would be added to the scene twice)."""
    return [animate(cell).set_color(colour).build() for cell in cells]


def _adopt(scene: TopicScene, view: Mobject) -> None:
    """Replace the loose pieces of ``view`` on screen by ``view`` itself.

    The pieces were animated in one by one (labels, rows, brackets); from now on
    the scene holds the view as one mobject, so nothing is drawn twice.
    """
    family = {id(m) for m in view.get_family()}
    loose = [m for m in scene.mobjects if all(id(s) in family for s in m.get_family())]
    scene.remove(*loose)
    scene.add(view)
