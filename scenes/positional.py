"""Topic ``positional``: why word order matters, and the lesson's positions added to X.

The story: "dog bites man" and "man bites dog" use the same words, so as embedding
rows they are the same set of rows and attention alone cannot tell them apart.
Then the lesson's own positional encoding: the sinusoidal formula and its wave
pattern, a matrix the lesson gives, or (for a lesson without one) a matrix of
zeros. Finally embeddings + positions = X, one entry in full, then the rest of
the first token's row, then every other token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Rectangle,
    ReplacementTransform,
    SurroundingRectangle,
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from scenes.kit import palette
from scenes.kit.equations import Kind
from scenes.kit.narration import Num, Tok
from scenes.kit.stage import TopicScene
from scenes.kit.widgets import (
    MatrixView,
    entries,
    fit_in_frame,
    fit_with_elision,
    formula,
    label,
    shown_indices,
)

__all__ = ["PositionalScene"]

# Made-up looks of three word embeddings, as fill opacities of four little
# squares: a picture of "a row of numbers", not numbers of this lesson.
WORD_LOOKS = {
    "dog": (0.9, 0.15, 0.75, 0.1),
    "bites": (0.1, 0.2, 0.85, 0.9),
    "man": (0.8, 0.9, 0.1, 0.25),
}
# Height kept under the matrices for the one entry shown in full.
DETAIL_BAND = 0.75
# Below this scale the one-line embeddings + positions = X layout is too small to read, so the
# layout with X on a second line is used when it is larger.
TWO_LINE_SCALE = 0.8


class PositionalScene(TopicScene):
    """Order matters (same rows, other meaning); the lesson's positions added to the embeddings."""

    topic = "positional"

    def construct(self) -> None:
        self._order_matters()
        self._add_positions()

    # -- part one: the same words in another order ---------------------------------

    def _order_matters(self) -> None:
        """Two sentences with the same words: same set of rows, different meaning."""
        left = self._sentence(("dog", "bites", "man"))
        right = self._sentence(("man", "bites", "dog"))
        both = VGroup(left, right).arrange(RIGHT, buff=3.2, aligned_edge=UP)
        fit_in_frame(both, max_width=self.frame_width - 1.0)
        both.move_to((0, 1.0, 0))
        differ = label("≠", colour=palette.HIGHLIGHT, font_size=40)
        differ.move_to((0, left.words.get_center()[1], 0))
        same = label("same rows", colour=palette.HIGHLIGHT, font_size=28)
        same.move_to((0, left.stack.get_center()[1], 0))

        self.step(
            "Word order carries meaning",
            say=self.say(
                "Dog bites man and man bites dog use the same three words, but they mean different things."
            ),
        )
        self.play(FadeIn(left.words, shift=0.2 * DOWN), run_time=0.8)
        self.play(FadeIn(right.words, shift=0.2 * DOWN), FadeIn(differ), run_time=0.8)
        self.wait(1.0)

        # Each word is looked up as its embedding row, in sentence order.
        self.step(
            "But as embedding rows, both are the same set of rows",
            say=self.say(
                "Each word becomes its embedding row, and both sentences give exactly the same rows, "
                "only stacked in another order."
            ),
        )
        self.play(
            *(
                TransformFromCopy(word, row.word)
                for sentence in (left, right)
                for word, row in zip(sentence.words, sentence.rows, strict=True)
            ),
            *(FadeIn(row.look, shift=0.1 * RIGHT) for sentence in (left, right) for row in sentence.rows),
            run_time=1.2,
        )
        # Every row on the left has an identical partner on the right.
        matches = []
        for row in left.rows:
            partner = next(r for r in right.rows if r.word.text == row.word.text)
            matches.append(ReplacementTransform(row.copy(), partner))
        self.play(LaggedStart(*matches, lag_ratio=0.4), run_time=2.2)
        self.play(FadeIn(same), run_time=0.6)
        self.wait(0.8)

        self.step(
            "Attention alone cannot tell who bites whom",
            say=self.say(
                "Attention compares every row with every other row, whatever their order, "
                "so on its own it cannot tell who bites whom."
            ),
        )
        self.wait(2.0)
        self.play(FadeOut(VGroup(left, right, differ, same)), run_time=0.6)

    def _sentence(self, words: tuple[str, ...]) -> _Sentence:
        """Words side by side (``.words``) and their rows stacked below (``.rows``, as one ``.stack``)."""
        word_mobs = VGroup(*(label(w, font_size=34) for w in words)).arrange(RIGHT, buff=0.3)
        rows: list[_WordRow] = []
        for w in words:
            look = VGroup(
                *(
                    Rectangle(
                        width=0.38, height=0.38, stroke_color=palette.EMBEDDING, stroke_width=2
                    ).set_fill(palette.EMBEDDING, opacity=o)
                    for o in WORD_LOOKS[w]
                )
            ).arrange(RIGHT, buff=0.06)
            rows.append(_WordRow(label(w, font_size=30), look))
        # The squares line up in one column; the words are right-aligned before them.
        VGroup(*(row.look for row in rows)).arrange(DOWN, buff=0.25)
        for row in rows:
            row.word.next_to(row.look, LEFT, buff=0.3)
        sentence = _Sentence(word_mobs, rows)
        sentence.stack.next_to(word_mobs, DOWN, buff=0.9)
        return sentence

    # -- part two: this lesson's positions ---------------------------------------

    def _add_positions(self) -> None:
        """Embeddings + positions = X: the lesson's positions, one entry in full, then every token."""
        kind = self.trace.positional_kind
        if kind == "none":
            self._no_encoding(*self._pair_that_fits())
            return
        room = self.content(caption_gap=DETAIL_BAND + 0.1)
        n, d = self.trace.embeddings.shape

        def build(row_room: int, column_room: int) -> VGroup:
            views = self._sum_views(shown_indices(n, row_room, [0]), shown_indices(d, column_room, [0]))
            return self._layout(*views)

        # As many rows and columns as fit with digits at the legible floor ("⋯" for the rest).
        layout = fit_with_elision(
            build, rows=n, columns=d, max_width=room.width, max_height=room.height, numbers=self.numbers
        )
        e_view, plus, p_view, equals, x_view = cast(
            tuple[MatrixView, VMobject, MatrixView, VMobject, MatrixView], tuple(layout.submobjects)
        )

        if kind == "sinusoidal":
            self._show_sinusoidal(p_view)
            self.step(
                "Add each token's position row to its embedding row",
                say=self.say(
                    "Each token's embedding row gets the position row of the place it stands in, "
                    "added entry by entry."
                ),
            )
            self.play(FadeIn(e_view), FadeIn(plus), run_time=0.8)
            self.play(
                FadeIn(equals),
                FadeIn(x_view.brackets),
                FadeIn(x_view.ellipses),
                FadeIn(x_view.heading),
                run_time=0.6,
            )
            self.wait(0.8)
        else:
            self.step(
                "This lesson gives its own position matrix",
                say=self.say(
                    "This lesson writes its own position matrix: one row for each place in the sentence."
                ),
            )
            self.play(FadeIn(e_view), run_time=0.8)
            self.play(FadeIn(plus), FadeIn(p_view), run_time=0.8)
            self.wait(0.8)
            self.step(
                "Add each token's position row to its embedding row",
                say=self.say(
                    "Each token's embedding row gets the position row of its place, added entry by entry."
                ),
            )
            self.play(
                FadeIn(equals),
                FadeIn(x_view.brackets),
                FadeIn(x_view.ellipses),
                FadeIn(x_view.heading),
                run_time=0.8,
            )
            self.wait(1.0)

        self._one_entry(e_view, p_view, x_view, layout)
        self._every_token(e_view, p_view, x_view)

        self.step(
            "X now carries what each token is and where it stands",
            say=self.say(
                "The result is X, the input to attention: each row now says both what the token is "
                "and where it stands, so the same word in another place gives another row."
            ),
        )
        self.play(x_view.heading.animate.set_color(palette.HIGHLIGHT), run_time=0.5)
        self.play(x_view.heading.animate.set_color(palette.EMBEDDING), run_time=0.5)
        self.wait(2.0)

    def _pair_that_fits(self) -> tuple[MatrixView, VMobject, MatrixView]:
        """embeddings = X, side by side or stacked, eliding what does not fit at the digit floor."""
        room = self.content()
        n, d = self.trace.embeddings.shape

        def build(row_room: int, column_room: int) -> VGroup:
            e_view, _, _, equals, x_view = self._sum_views(
                shown_indices(n, row_room), shown_indices(d, column_room)
            )
            across = self.reads_across(e_view, x_view, room, across_gap=1.2, down_gap=1.0, max_growth=1.3)
            return VGroup(e_view, equals, x_view).arrange(RIGHT if across else DOWN, buff=0.5)

        layout = fit_with_elision(
            build,
            rows=n,
            columns=d,
            max_width=room.width,
            max_height=room.height,
            max_growth=1.3,
            numbers=self.numbers,
        )
        layout.move_to(room.centre)
        e_view, equals, x_view = layout.submobjects
        return cast(MatrixView, e_view), equals, cast(MatrixView, x_view)

    def _no_encoding(self, e_view: MatrixView, equals: VMobject, x_view: MatrixView) -> None:
        """A lesson without an encoding: X is its embeddings as given (no zeros are added)."""
        shown = x_view.shown_entries()
        self.step(
            "This lesson adds no positions to its embeddings",
            say=self.say(
                "This lesson adds no positional encoding: its embeddings are used exactly as they are given."
            ),
        )
        self.play(FadeIn(e_view), run_time=0.8)
        self.step(
            "X is the embeddings as given: any word order must already be in them",
            say=self.say(
                "So X is the embeddings as given. Any sense of word order has to be in those numbers "
                "already, as some lessons say their embeddings include position."
            ),
        )
        cells = {(i, j): x_view.make_cell(i, j) for i, j in shown}
        self.play(
            FadeIn(equals),
            FadeIn(x_view.brackets),
            FadeIn(x_view.ellipses),
            FadeIn(x_view.heading),
            run_time=0.6,
        )
        self.play(
            LaggedStart(
                *(TransformFromCopy(e_view.cell(i, j), cells[i, j]) for i, j in shown),
                lag_ratio=0.02,
            ),
            run_time=1.2,
        )
        for (i, j), cell in cells.items():
            x_view.set_cell(i, j, cell)

    def _sum_views(
        self, rows: Sequence[int] | None = None, columns: Sequence[int] | None = None
    ) -> tuple[MatrixView, VMobject, MatrixView, VMobject, MatrixView]:
        """embeddings + positions = X, X still empty; only ``rows`` and ``columns`` drawn (None: all)."""
        numbers = self.numbers
        n, d = self.trace.embeddings.shape
        shown_rows = list(range(n)) if rows is None else list(rows)
        e_view = MatrixView(
            numbers,
            entries("embeddings"),
            (n, d),
            colour=palette.EMBEDDING,
            name=label("embeddings", colour=palette.EMBEDDING, font_size=24),
            row_labels=[numbers.token(i) for i in shown_rows],
            rows=rows,
            columns=columns,
        )
        p_view = MatrixView(
            numbers,
            entries("positional"),
            (n, d),
            colour=palette.POSITIONAL,
            name=label("positions", colour=palette.POSITIONAL, font_size=24),
            rows=rows,
            columns=columns,
        )
        x_view = MatrixView(
            numbers,
            entries("x"),
            (n, d),
            colour=palette.EMBEDDING,
            name=formula("{{ X : x }}", {"x": palette.EMBEDDING}),
            filled=False,
            rows=rows,
            columns=columns,
        )
        plus = label("+", colour=palette.MUTED, font_size=36)
        equals = label("=", colour=palette.MUTED, font_size=36)
        return e_view, plus, p_view, equals, x_view

    def _every_token(self, e_view: MatrixView, p_view: MatrixView, x_view: MatrixView) -> None:
        """Every other token's row of X, quickly."""
        self.step(
            "The same for every token",
            say=self.say("Every other entry is added the same way, for every token."),
        )
        # The row boxes of embeddings and positions, once the first is drawn.
        boxes: tuple[SurroundingRectangle, SurroundingRectangle] | None = None
        for i in x_view.shown_rows:
            if i == 0:
                continue
            new_e, new_p = e_view.row_box(i, palette.HIGHLIGHT), p_view.row_box(i, palette.HIGHLIGHT)
            cells = [x_view.make_cell(i, j) for j in x_view.shown_columns]
            intro = (
                [Create(new_e), Create(new_p)]
                if boxes is None
                else [ReplacementTransform(boxes[0], new_e), ReplacementTransform(boxes[1], new_p)]
            )
            self.play(
                *intro,
                LaggedStart(*(FadeIn(c, shift=0.1 * DOWN) for c in cells), lag_ratio=0.2),
                run_time=0.7,
            )
            for j, c in zip(x_view.shown_columns, cells, strict=True):
                x_view.set_cell(i, j, c)
            boxes = new_e, new_p
        if boxes is not None:
            self.play(FadeOut(boxes[0]), FadeOut(boxes[1]), run_time=0.4)

    def _layout(
        self, e_view: MatrixView, plus: VMobject, p_view: MatrixView, equals: VMobject, x_view: MatrixView
    ) -> VGroup:
        """Place embeddings + positions = X on one line, or X on a second line when that reads larger."""
        room = self.content(caption_gap=DETAIL_BAND + 0.1)
        top, height, width = room.top, room.height, room.width

        one_line = VGroup(e_view, plus, p_view, equals, x_view).arrange(RIGHT, buff=0.3)
        one_scale = min(1.4, width / one_line.width, height / one_line.height)
        # Two lines: embeddings + positions above, "= X" under P.
        first = VGroup(e_view.copy(), plus.copy(), p_view.copy()).arrange(RIGHT, buff=0.3)
        second = VGroup(equals.copy(), x_view.copy()).arrange(RIGHT, buff=0.3)
        second.next_to(first, DOWN, buff=0.55)
        second.shift((first[2].get_center()[0] - second[1].get_center()[0]) * RIGHT)
        two_lines = VGroup(first, second)
        two_scale = min(1.4, width / two_lines.width, height / two_lines.height)

        if one_scale >= TWO_LINE_SCALE or one_scale >= two_scale:
            layout, scale = one_line, one_scale
        else:
            VGroup(e_view, plus, p_view).arrange(RIGHT, buff=0.3)
            VGroup(equals, x_view).arrange(RIGHT, buff=0.3).next_to(
                VGroup(e_view, plus, p_view), DOWN, buff=0.55
            )
            VGroup(equals, x_view).shift((p_view.get_center()[0] - x_view.get_center()[0]) * RIGHT)
            layout, scale = VGroup(e_view, plus, p_view, equals, x_view), two_scale
        layout.scale(scale)
        # Centred in the free height, as long as the detail band still fits below.
        middle = (top + self.caption_top) / 2
        lowest = self.caption_top + DETAIL_BAND + layout.height / 2
        highest = top - layout.height / 2
        layout.move_to((0, min(max(middle, lowest), highest), 0))
        return layout

    def _show_sinusoidal(self, p_view: MatrixView) -> None:
        """The sine/cosine formula, then P with its wave pattern as a heat map behind it."""
        formulas = VGroup(
            formula(
                '{{ "PE" : pe }}("pos", 2i) = sin("pos" / 10000^(2i slash d))', {"pe": palette.POSITIONAL}
            ),
            formula(
                '{{ "PE" : pe }}("pos", 2i+1) = cos("pos" / 10000^(2i slash d))', {"pe": palette.POSITIONAL}
            ),
        ).arrange(DOWN, buff=0.25, aligned_edge=LEFT)
        fit_in_frame(formulas, max_width=self.frame_width - 1.0, max_height=1.8)
        formulas.to_edge(UP, buff=0.35)

        # P is shown alone first, then moves to its place in the sum.
        home, home_width = p_view.get_center(), p_view.width
        room = self.content(below=formulas, side=1.5)
        self.fit_into(p_view, room, max_growth=1.6)
        # Row i of P is position i: the token standing there labels it.
        tokens = VGroup(*(self.numbers.token(i, colour=palette.MUTED) for i in p_view.shown_rows))
        for i, token in zip(p_view.shown_rows, tokens, strict=True):
            token.scale(min(1.0, p_view.scale_factor)).move_to(p_view.slot(i, 0))
            token.set_x(p_view.brackets.get_left()[0] - 0.2 - token.width / 2)
        heat, strengths = self._wave_tiles(p_view)

        self.step(
            "This lesson adds sine and cosine waves of the position",
            say=self.say(
                "This lesson uses the sinusoidal encoding of the original transformer: "
                "each position gets a row of sines and cosines of its index."
            ),
        )
        self.play(FadeIn(formulas, shift=0.1 * DOWN), run_time=1.0)
        self.wait(1.2)
        self.play(FadeIn(p_view), FadeIn(tokens), run_time=0.8)
        self.wait(0.6)

        # White numbers stay readable on the brightest tiles.
        self.step(
            "Each column is a wave: the first columns change fast, later ones slowly",
            say=self.say(
                "Down each column the values follow a wave. The first columns change quickly from one "
                "position to the next, later ones slowly, so every position gets a row of its own."
            ),
        )
        self.play(
            *(
                tile.animate.set_fill(opacity=strength)
                for tile, strength in zip(heat, strengths, strict=True)
            ),
            *(cell.animate.set_color(palette.HIGHLIGHT) for cell in p_view.cells),
            run_time=1.0,
        )
        self.wait(2.2)

        # The pattern fades; P moves to its place in embeddings + positions = X.
        self.play(
            FadeOut(formulas),
            FadeOut(tokens),
            *(tile.animate.set_fill(opacity=0) for tile in heat),
            *(cell.animate.set_color(palette.POSITIONAL) for cell in p_view.cells),
            run_time=0.6,
        )
        p_view.remove(heat)
        self.remove(heat)
        self.play(p_view.animate.scale(home_width / p_view.width).move_to(home), run_time=0.9)

    def _wave_tiles(self, p_view: MatrixView) -> tuple[VGroup, list[float]]:
        """A tile behind each cell of P (added to it, not yet shown), and each tile's strength to come.

        Brighter cell = larger value: sin and cos lie in [-1, 1].
        """
        cell_w, cell_h = (s * p_view.scale_factor for s in p_view.cell_size)
        heat = VGroup()
        strengths: list[float] = []  # each tile's opacity when shown, in the order of `heat`
        for i, j in p_view.shown_entries():
            value = self.trace.get(f"positional[{i}][{j}]")
            tile = Rectangle(width=cell_w - 0.04, height=cell_h - 0.04, stroke_width=0)
            tile.set_fill(palette.POSITIONAL, opacity=0)
            tile.move_to(p_view.slot(i, j))
            strengths.append(0.03 + 0.6 * (value + 1) / 2)
            heat.add(tile)
        p_view.add_to_back(heat)
        return heat, strengths

    def _one_entry(self, e_view: MatrixView, p_view: MatrixView, x_view: MatrixView, layout: VGroup) -> None:
        """The first token's first entry in full, then the rest of its row."""
        numbers = self.numbers
        first, position, total = (
            numbers.number("embeddings[0][0]", colour=palette.EMBEDDING),
            numbers.number("positional[0][0]", colour=palette.POSITIONAL),
            numbers.number("x[0][0]", colour=palette.EMBEDDING),
        )
        # "=" only when the numbers as drawn add up; "≈" when rounding shows.
        sign = self.equations.record(Kind.SUM, [first, position], total, decimals=numbers.decimals)
        self.step(
            "One entry in full: embedding plus position",
            say=self.say(
                "For the first entry of",
                Tok(0),
                ": its embedding",
                Num("embeddings[0][0]"),
                "plus its position value",
                Num("positional[0][0]"),
                "gives" if sign == "=" else "gives about",
                Num("x[0][0]"),
                ".",
            ),
        )
        e_box, p_box = e_view.cell_box(0, 0, palette.HIGHLIGHT), p_view.cell_box(0, 0, palette.HIGHLIGHT)
        x_box = x_view.cell_box(0, 0, palette.HIGHLIGHT)
        detail = VGroup(
            first,
            label("+", colour=palette.MUTED),
            position,
            label(sign, colour=palette.MUTED),
            total,
        ).arrange(RIGHT, buff=0.25)
        detail.move_to(
            (0, max(layout.get_bottom()[1] - DETAIL_BAND / 2, self.caption_top + DETAIL_BAND / 2), 0)
        )
        self.play(Create(e_box), Create(p_box), run_time=0.6)
        self.play(
            TransformFromCopy(e_view.cell(0, 0), detail[0]),
            TransformFromCopy(p_view.cell(0, 0), detail[2]),
            FadeIn(detail[1]),
            run_time=0.9,
        )
        self.play(FadeIn(detail[3]), FadeIn(detail[4], shift=0.1 * RIGHT), run_time=0.6)
        cell = x_view.make_cell(0, 0)
        self.play(Create(x_box), TransformFromCopy(detail[4], cell), run_time=0.8)
        x_view.set_cell(0, 0, cell)
        self.wait(0.8)

        # The rest of the first token's row, quickly.
        e_row, p_row = e_view.row_box(0, palette.HIGHLIGHT), p_view.row_box(0, palette.HIGHLIGHT)
        rest = [j for j in x_view.shown_columns if j != 0]
        cells = [x_view.make_cell(0, j) for j in rest]
        self.play(
            FadeOut(detail),
            FadeOut(x_box),
            ReplacementTransform(e_box, e_row),
            ReplacementTransform(p_box, p_row),
            LaggedStart(*(FadeIn(c, shift=0.1 * DOWN) for c in cells), lag_ratio=0.2),
            run_time=1.0,
        )
        for j, c in zip(rest, cells, strict=True):
            x_view.set_cell(0, j, c)
        self.play(FadeOut(e_row), FadeOut(p_row), run_time=0.4)


class _WordRow(VGroup):
    """One word's embedding row: the word, then its look (little squares)."""

    def __init__(self, word: Text, look: VGroup) -> None:
        super().__init__(word, look)
        self.word = word
        self.look = look


class _Sentence(VGroup):
    """A sentence's words side by side (``words``) and below them ``stack``: its rows as one group.

    ``rows`` are the rows of ``stack``, one per word in sentence order.
    """

    def __init__(self, words: VGroup, rows: Sequence[_WordRow]) -> None:
        stack = VGroup(*rows)
        super().__init__(words, stack)
        self.words = words
        self.stack = stack
        self.rows = tuple(rows)
