"""Topic ``block``: the transformer block around attention, with the lesson's numbers.

The story, with a block diagram on the left whose current stage is lit: the
input X and the attention output; Add, the first token's input row plus its
attention row entry by entry, then every token's sum; Norm, the first token's
sum rescaled to mean zero and spread one, then every token's; the
feed-forward layer, for the first token its normalised row times W_in plus
b_in with negatives cut to zero (ReLU), then every token's hidden row, and
the hidden row times W_out plus b_out back to the model width, then every
token's; Add & Norm again for the first token, then every token's; and the
block's output next to X, the same shape. A lesson without feed-forward
weights is told that the default (identity weights, zero biases) is used.

The trace holds the block's matrices only when the attention output is as wide
as X (``norm_1`` is not None); the CLI refuses other lessons for this topic.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Arrow,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    ReplacementTransform,
    RoundedRectangle,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from .kit import palette
from .kit.stage import TopicScene
from .kit.widgets import MatrixView, fit_in_frame, formula, label
from .multihead import respace_columns

__all__ = ["BlockDiagram", "BlockScene"]

# The residual stream (X and every Add & Norm result) keeps the embedding colour;
# the feed-forward layer has no role of its own in the palette, so it borrows the
# green of scores, which never appear in this topic.
STREAM = palette.EMBEDDING
ATTENTION = palette.OUTPUT
FEED_FORWARD = palette.SCORES
WEIGHT = palette.WEIGHT_MATRIX

DIAGRAM_SIZE = 20
NAME_SIZE = 22
STAGES = ("attention", "add & norm", "feed-forward", "add & norm")
ATTENTION_STAGE, ADD_NORM_1, FFN_STAGE, ADD_NORM_2 = range(4)


class BlockDiagram(VGroup):
    """The block as boxes top to bottom, residual connections skipping round the side.

    ``focus(k)`` gives the animations that light box ``k`` (see ``STAGES``)
    and dim the others; ``focus(None)`` lights them all.
    """

    def __init__(self) -> None:
        super().__init__()
        self.top_label = label("input X", colour=STREAM, font_size=DIAGRAM_SIZE)
        self.bottom_label = label("block output", colour=STREAM, font_size=DIAGRAM_SIZE)
        self.boxes = VGroup()
        self.names = VGroup()
        for name in STAGES:
            text = label(name, colour=palette.MUTED, font_size=DIAGRAM_SIZE)
            box = RoundedRectangle(
                width=2.2, height=0.55, corner_radius=0.1, stroke_width=2, color=palette.MUTED
            )
            text.move_to(box)
            self.boxes.add(box)
            self.names.add(text)
        items = [self.top_label, *self.boxes, self.bottom_label]
        VGroup(*items).arrange(DOWN, buff=0.42)
        for box, text in zip(self.boxes, self.names):
            text.move_to(box)
        self.arrows = VGroup(
            *(
                Arrow(
                    a.get_bottom(),
                    b.get_top(),
                    buff=0.05,
                    stroke_width=2.5,
                    tip_length=0.12,
                    color=palette.MUTED,
                )
                for a, b in zip(items, items[1:])
            )
        )
        # A residual connection leaves the main path just before a sub-layer and
        # rejoins it at the Add & Norm after it.
        self.skips = VGroup(
            self._skip(self.arrows[0], self.boxes[ADD_NORM_1]),
            self._skip(self.arrows[2], self.boxes[ADD_NORM_2]),
        )
        self.add(self.arrows, self.skips, self.boxes, self.names, self.top_label, self.bottom_label)

    def _skip(self, start_arrow: Mobject, target: Mobject) -> VGroup:
        start = start_arrow.get_center()
        side = target.get_right()[0] + 0.35
        corner = np.array([side, start[1], 0.0])
        bend = np.array([side, target.get_center()[1], 0.0])
        path = VMobject(stroke_width=2.5, color=palette.MUTED).set_points_as_corners([start, corner, bend])
        tip = Arrow(
            bend, target.get_right(), buff=0.0, stroke_width=2.5, tip_length=0.12, color=palette.MUTED
        )
        return VGroup(path, tip)

    def focus(self, stage: int | None) -> list[Animation]:
        """Light box ``stage`` (all boxes when None), dim the rest."""
        animations: list[Animation] = []
        for k, (box, text) in enumerate(zip(self.boxes, self.names)):
            on = stage is None or k == stage
            colour = palette.HIGHLIGHT if on else palette.MUTED
            animations.append(
                box.animate.set_stroke(colour, width=3.5 if on else 2).set_fill(
                    palette.HIGHLIGHT, opacity=0.12 if on else 0
                )
            )
            animations.append(text.animate.set_color(colour))
        return animations


class BlockScene(TopicScene):
    """Attention, Add & Norm, feed-forward, Add & Norm: the first token in full, then all."""

    topic = "block"
    summary = (
        "The transformer block: attention, Add & Norm, feed-forward, Add & Norm, with the lesson's numbers"
    )

    def construct(self) -> None:
        trace = self.trace
        self.n, self.d = trace.x.shape
        frame_h = self.camera.frame_height
        frame_w = self.camera.frame_width
        self.top = frame_h / 2 - 0.3
        self.bottom = self.caption_top + 0.2

        self.diagram = BlockDiagram()
        fit_in_frame(self.diagram, max_height=self.top - self.bottom, max_width=3.0, max_growth=1.1)
        self.diagram.move_to([-frame_w / 2 + 0.3 + self.diagram.width / 2, (self.top + self.bottom) / 2, 0])
        self.panel_left = self.diagram.get_right()[0] + 0.5
        self.panel_right = frame_w / 2 - 0.3
        self.shown = VGroup()  # what the panel shows now, faded out by the next stage

        self.step("A transformer block: attention, add & norm, a feed-forward layer, add & norm")
        self.play(FadeIn(self.diagram), run_time=1.2)
        self.wait(0.6)

        x_view, out_view = self._attention()
        sum_row = self._add(x_view, out_view)
        add_view = self._full(
            "add_1", STREAM, "input plus attention", sum_row, "The same for every token: input plus attention"
        )
        norm_row = self._norm(add_view)
        norm_view = self._full(
            "norm_1", STREAM, "normalised", norm_row, "The same for every token: each row normalised"
        )
        hidden_row = self._layer(norm_view, "norm_1", "w_1", "b_1", "ffn_hidden", first=True)
        hidden_view = self._full(
            "ffn_hidden", FEED_FORWARD, "hidden", hidden_row, "The same for every token: the hidden layer"
        )
        ffn_row = self._layer(hidden_view, "ffn_hidden", "w_2", "b_2", "ffn_out", first=False)
        self._full(
            "ffn_out",
            FEED_FORWARD,
            "feed-forward output",
            ffn_row,
            "The same for every token: the feed-forward output",
        )
        self._add_norm_again()
        self._result()

    # -- stages ----------------------------------------------------------------------

    def _attention(self) -> tuple[MatrixView, MatrixView]:
        """X and the attention output, one row per token each."""
        x_view = self._matrix("x", STREAM, label("input X", colour=STREAM, font_size=NAME_SIZE))
        out_view = self._matrix(
            "output", ATTENTION, label("attention output", colour=ATTENTION, font_size=NAME_SIZE)
        )
        self._place_pair(x_view, out_view)
        self.step("Attention gives each token a new row, as wide as its input row")
        self.play(*self.diagram.focus(ATTENTION_STAGE), FadeIn(x_view), FadeIn(out_view), run_time=1.2)
        self.wait(1.2)
        return x_view, out_view

    def _add(self, x_view: MatrixView, out_view: MatrixView) -> MatrixView:
        """The first token's input row plus its attention row, entry by entry."""
        rows = [
            self._row("x", 0, STREAM),
            self._row("output", 0, ATTENTION),
            self._row("add_1", 0, STREAM),
        ]
        names = ["input X", "attention", "sum"]
        colours = [STREAM, ATTENTION, STREAM]
        stack = self._stack(rows, ["", "+", "="], names, colours)
        self.step("Add (the residual connection): the first token's input row plus its attention row")
        self.play(*self.diagram.focus(ADD_NORM_1), run_time=0.5)
        self.play(
            FadeOut(
                VGroup(
                    x_view.brackets,
                    x_view.name,
                    x_view.row_labels,
                    out_view.brackets,
                    out_view.name,
                    out_view.row_labels,
                )
            ),
            *(TransformFromCopy(x_view.cell(0, j), rows[0].cell(0, j)) for j in range(self.d)),
            *(TransformFromCopy(out_view.cell(0, j), rows[1].cell(0, j)) for j in range(self.d)),
            FadeOut(VGroup(x_view.cells, out_view.cells)),
            FadeIn(
                VGroup(
                    rows[0].brackets,
                    rows[1].brackets,
                    stack.signs[1],
                    stack.names[0],
                    stack.names[1],
                    stack.token,
                )
            ),
            run_time=1.2,
        )
        self.play(FadeIn(VGroup(rows[2].brackets, stack.signs[2], stack.names[2])), run_time=0.4)
        self.play(
            LaggedStart(
                *(FadeIn(rows[2].cell(0, j), shift=0.15 * DOWN) for j in range(self.d)), lag_ratio=0.25
            ),
            run_time=1.2,
        )
        self.wait(1.0)
        self.shown = VGroup(*(r for r in rows[:2]), stack.signs, stack.names, stack.token, rows[2].brackets)
        return rows[2]

    def _norm(self, add_view: MatrixView) -> MatrixView:
        """The first token's sum rescaled to mean zero and spread one."""
        rows = [self._row("add_1", 0, STREAM), self._row("norm_1", 0, STREAM)]
        stack = self._stack(rows, ["", "→"], ["sum", "normalised"], [STREAM, STREAM], gap=0.7)
        self.step("Norm: shift the row to mean zero and scale it to spread one")
        self.play(
            FadeOut(VGroup(add_view.brackets, add_view.name, add_view.row_labels)),
            *(TransformFromCopy(add_view.cell(0, j), rows[0].cell(0, j)) for j in range(self.d)),
            FadeOut(add_view.cells),
            FadeIn(VGroup(rows[0].brackets, stack.names[0], stack.token)),
            run_time=1.0,
        )
        self.play(FadeIn(VGroup(rows[1].brackets, stack.signs[1], stack.names[1])), run_time=0.4)
        self.play(TransformFromCopy(rows[0].cells, rows[1].cells), run_time=1.2)
        self.wait(1.0)
        self.shown = VGroup(rows[0], stack.signs, stack.names, stack.token, rows[1].brackets)
        return rows[1]

    def _layer(
        self, source: MatrixView, source_name: str, w_name: str, b_name: str, out_name: str, *, first: bool
    ) -> MatrixView:
        """One feed-forward layer for the first token: its row times W plus b (then ReLU)."""
        numbers = self.numbers
        trace = self.trace
        weights = trace.get(w_name)
        d_in, d_out = weights.shape
        symbol = "in" if first else "out"
        vector = MatrixView(numbers, lambda i, j: f"{source_name}[0][{i}]", (d_in, 1), colour=source.colour)
        w_view = MatrixView(numbers, lambda i, j: f"{w_name}[{i}][{j}]", (d_in, d_out), colour=WEIGHT)
        b_view = MatrixView(numbers, lambda i, j: f"{b_name}[{j}]", (1, d_out), colour=WEIGHT)
        result = MatrixView(
            numbers, lambda i, j: f"{out_name}[0][{j}]", (1, d_out), colour=FEED_FORWARD, filled=False
        )
        column_w = max(v.cell_size[0] for v in (w_view, b_view, result))
        for view in (w_view, b_view, result):
            respace_columns(view, column_w)
        VGroup(w_view, b_view, result).arrange(DOWN, buff=0.3)
        vector.next_to(w_view, LEFT, buff=0.8)
        times = label("×", colour=palette.MUTED)
        times.move_to((vector.get_right() + w_view.get_left()) / 2)
        plus = label("+", colour=palette.MUTED).next_to(b_view, LEFT, buff=0.2)
        equals = label("relu" if first else "=", colour=palette.MUTED, font_size=NAME_SIZE).next_to(
            result, LEFT, buff=0.2
        )
        token = numbers.token(0, colour=source.colour)
        token.scale(0.8).next_to(vector, UP, buff=0.15)
        w_sym = formula(f'{{{{ W_"{symbol}" : w }}}}', {"w": WEIGHT}).next_to(w_view, RIGHT, buff=0.25)
        b_sym = formula(f'{{{{ b_"{symbol}" : b }}}}', {"b": WEIGHT}).next_to(b_view, RIGHT, buff=0.25)
        out_word = label("hidden" if first else "output", colour=FEED_FORWARD, font_size=NAME_SIZE).next_to(
            result, RIGHT, buff=0.25
        )
        group = VGroup(vector, w_view, b_view, result, times, plus, equals, token, w_sym, b_sym, out_word)
        default_note = first and trace.ffn_is_default
        self._fit_panel(group, reserve_top=0.55 if default_note else 0.0)

        if first:
            self.step("Feed-forward, first layer: the token's row times W_in plus b_in")
            intro: list[Animation] = list(self.diagram.focus(FFN_STAGE))
        else:
            self.step("Second layer: the hidden row times W_out plus b_out, back to the model width")
            intro = []
        self.play(
            *intro,
            FadeOut(VGroup(source.brackets, source.name, source.row_labels)),
            *(TransformFromCopy(source.cell(0, m), vector.cell(m, 0)) for m in range(d_in)),
            FadeOut(source.cells),
            FadeIn(VGroup(vector.brackets, token, times, w_view, w_sym, plus, b_view, b_sym)),
            run_time=1.2,
        )
        if default_note:
            note = label("default: identity weights, zero biases", colour=palette.MUTED, font_size=20)
            fit_in_frame(note, max_width=self.panel_right - self.panel_left)
            note.move_to([(self.panel_left + self.panel_right) / 2, self.top - note.height / 2, 0])
            self.step("The lesson gives no feed-forward weights, so the default is used: identity and zero")
            self.play(FadeIn(note), run_time=0.8)
            self.wait(1.2)

        vec_box = self._box(vector.brackets, palette.HIGHLIGHT)
        col_box = w_view.column_box(0, palette.HIGHLIGHT)
        bias_box = b_view.cell_box(0, 0, palette.HIGHLIGHT)
        first_cell = result.make_cell(0, 0)
        self.play(
            Create(vec_box),
            Create(col_box),
            Create(bias_box),
            FadeIn(VGroup(result.brackets, equals, out_word)),
            run_time=0.7,
        )
        self.play(
            TransformFromCopy(VGroup(vector.cells, w_view.column(0), b_view.cell(0, 0)), first_cell),
            run_time=1.0,
        )
        result.set_cell(0, 0, first_cell)
        self.wait(0.5)
        if first:
            self.step("Each entry: the row times a column, plus the bias; ReLU turns negatives into zero")
        box = col_box
        bbox = bias_box
        for j in range(1, d_out):
            cell = result.make_cell(0, j)
            new_box = w_view.column_box(j, palette.HIGHLIGHT)
            new_bbox = b_view.cell_box(0, j, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(box, new_box),
                ReplacementTransform(bbox, new_bbox),
                FadeIn(cell, shift=0.1 * DOWN),
                run_time=0.35 if d_out > 4 else 0.5,
            )
            result.set_cell(0, j, cell)
            box, bbox = new_box, new_bbox
        self.play(FadeOut(VGroup(vec_box, box, bbox)), run_time=0.3)
        self.wait(0.6)
        self.shown = VGroup(
            vector, w_view, b_view, times, plus, equals, token, w_sym, b_sym, out_word, result.brackets
        )
        if default_note:
            self.shown.add(note)
        return result

    def _full(self, name: str, colour: str, words: str, row: MatrixView, caption: str) -> MatrixView:
        """Every token's row of ``name``: the first token's row moves in, the rest appear."""
        view = self._matrix(name, colour, label(words, colour=colour, font_size=NAME_SIZE))
        self._fit_panel(view)
        self.step(caption)
        rows, cols = view.shape
        self.play(
            FadeOut(self.shown),
            FadeIn(VGroup(view.brackets, view.name, view.row_labels)),
            *(ReplacementTransform(row.cell(0, j), view.cell(0, j)) for j in range(cols)),
            run_time=1.0,
        )
        rest = [view.row(i) for i in range(1, rows)]
        self.play(
            LaggedStart(*(FadeIn(r, shift=0.1 * DOWN) for r in rest), lag_ratio=0.3),
            run_time=0.5 + 0.25 * len(rest),
        )
        self.add(view)
        self.wait(0.8)
        self.shown = view
        return view

    def _add_norm_again(self) -> None:
        """norm_1 + ffn_out = add_2, then normalised into norm_2: the first token, then all."""
        rows = [
            self._row("norm_1", 0, STREAM),
            self._row("ffn_out", 0, FEED_FORWARD),
            self._row("add_2", 0, STREAM),
            self._row("norm_2", 0, STREAM),
        ]
        stack = self._stack(
            rows,
            ["", "+", "=", "→"],
            ["normalised", "feed-forward", "sum", "normalised"],
            [STREAM, FEED_FORWARD, STREAM, STREAM],
        )
        self.step("Add & Norm again: the first token's row plus its feed-forward output, normalised")
        self.play(
            *self.diagram.focus(ADD_NORM_2),
            FadeOut(self.shown),
            FadeIn(VGroup(rows[0], rows[1], stack.names[:2], stack.signs[1], stack.token)),
            run_time=1.0,
        )
        self.play(FadeIn(VGroup(rows[2], stack.names[2], stack.signs[2]), shift=0.1 * DOWN), run_time=0.8)
        self.play(FadeIn(VGroup(rows[3], stack.names[3], stack.signs[3]), shift=0.1 * DOWN), run_time=0.8)
        self.wait(1.0)

        add_view = self._matrix("add_2", STREAM, label("sum", colour=STREAM, font_size=NAME_SIZE))
        norm_view = self._matrix("norm_2", STREAM, label("normalised", colour=STREAM, font_size=NAME_SIZE))
        self._fit_panel(add_view)
        self._fit_panel(norm_view)
        self.step("The same for every token: each sum, then each row normalised")
        self.play(
            FadeOut(
                VGroup(rows[0], rows[1], rows[3], stack.names, stack.signs, stack.token, rows[2].brackets)
            ),
            FadeIn(VGroup(add_view.brackets, add_view.name, add_view.row_labels)),
            *(ReplacementTransform(rows[2].cell(0, j), add_view.cell(0, j)) for j in range(self.d)),
            run_time=1.0,
        )
        self.play(
            LaggedStart(
                *(FadeIn(add_view.row(i), shift=0.1 * DOWN) for i in range(1, self.n)), lag_ratio=0.3
            ),
            run_time=0.5 + 0.25 * self.n,
        )
        self.wait(0.5)
        self.play(ReplacementTransform(add_view, norm_view), run_time=1.2)
        self.wait(0.8)
        self.norm_view = norm_view

    def _result(self) -> None:
        """The block's output next to its input X: the same shape."""
        x_view = self._matrix("x", STREAM, label("input X", colour=STREAM, font_size=NAME_SIZE))
        out_view = self._matrix("norm_2", STREAM, label("block output", colour=STREAM, font_size=NAME_SIZE))
        self._place_pair(x_view, out_view)
        self.step("The block's output: one row per token, the same shape as its input X")
        self.play(
            *self.diagram.focus(None),
            ReplacementTransform(self.norm_view, out_view),
            FadeIn(x_view),
            run_time=1.4,
        )
        self.wait(2.0)

    # -- helpers ---------------------------------------------------------------------

    def _matrix(self, name: str, colour: str, title: Mobject) -> MatrixView:
        rows, cols = self.trace.get(name).shape
        return MatrixView(
            self.numbers,
            lambda i, j: f"{name}[{i}][{j}]",
            (rows, cols),
            colour=colour,
            name=title,
            row_labels=[self.numbers.token(i) for i in range(rows)],
        )

    def _row(self, name: str, i: int, colour: str) -> MatrixView:
        cols = self.trace.get(name).shape[1]
        return MatrixView(self.numbers, lambda r, j: f"{name}[{i}][{j}]", (1, cols), colour=colour)

    def _stack(
        self,
        rows: list[MatrixView],
        signs: list[str],
        names: list[str],
        colours: list[str],
        *,
        gap: float = 0.3,
    ) -> VGroup:
        """Rows one under another, columns lined up, a sign left and a name right of each.

        Returns a VGroup with attributes ``signs``, ``names`` and ``token`` (the
        first token's label above the stack).
        """
        column_w = max(r.cell_size[0] for r in rows)
        for r in rows:
            respace_columns(r, column_w)
        VGroup(*rows).arrange(DOWN, buff=gap)
        # An empty group stands in for a row without a sign, so indices match the rows.
        sign_mobs = VGroup(*(label(s, colour=palette.MUTED) if s else VGroup() for s in signs))
        for s, r in zip(sign_mobs, rows):
            s.next_to(r.brackets, LEFT, buff=0.25)
        name_mobs = VGroup(*(label(w, colour=c, font_size=NAME_SIZE) for w, c in zip(names, colours)))
        for w, r in zip(name_mobs, rows):
            w.next_to(r.brackets, RIGHT, buff=0.3)
        token = self.numbers.token(0)
        token.next_to(rows[0].brackets, UP, buff=0.25)
        group = VGroup(*rows, sign_mobs, name_mobs, token)
        self._fit_panel(group)
        group.signs, group.names, group.token = sign_mobs, name_mobs, token  # type: ignore[attr-defined]
        return group

    def _fit_panel(self, group: Mobject, *, reserve_top: float = 0.0) -> None:
        """Fit ``group`` into the panel right of the diagram, ``reserve_top`` kept free above it."""
        width = self.panel_right - self.panel_left
        top = self.top - reserve_top
        fit_in_frame(group, max_width=width, max_height=top - self.bottom, max_growth=1.3)
        group.move_to([(self.panel_left + self.panel_right) / 2, (top + self.bottom) / 2, 0])

    def _place_pair(self, first: MatrixView, second: MatrixView) -> None:
        """Two matrices side by side, or one above the other when that is larger.

        Matrices of the same shape get the same column width, so they look it.
        """
        if first.shape == second.shape:
            column_w = max(first.cell_size[0], second.cell_size[0])
            respace_columns(first, column_w)
            respace_columns(second, column_w)
        width, height = self.panel_right - self.panel_left, self.top - self.bottom
        # Both capped at the panel's growth limit, so side by side wins a tie.
        across = min(
            1.3, width / (first.width + second.width + 0.8), height / max(first.height, second.height)
        )
        down = min(1.3, width / max(first.width, second.width), height / (first.height + second.height + 0.5))
        pair = VGroup(first, second).arrange(
            RIGHT if across >= down else DOWN, buff=0.6 if across >= down else 0.4
        )
        self._fit_panel(pair)

    def _box(self, mob: Mobject, colour: str) -> Mobject:
        return SurroundingRectangle(mob, color=colour, buff=0.05, stroke_width=3, corner_radius=0.06)
