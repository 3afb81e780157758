"""Topic ``block``: the transformer block around attention, with the lesson's numbers.

The story, with a block diagram on the left whose current stage is lit: the
input X and the attention output; Add, the first token's input row plus its
attention row entry by entry (the residual keeps the token's own meaning),
then every token's sum; Norm, the first token's sum with its mean and
standard deviation (traced: ``norm_1_mean``, ``norm_1_std``), then the row
normalised by them (every row in one range), then every token's; the
feed-forward layer, for the first token its row times W_in (1 × d times
d × d_ff) plus b_in, entry by entry, the values before ReLU (``ffn_pre``) with
their negatives boxed, then ReLU turning them to zero, then every token's
hidden row; the hidden row times W_out plus b_out back to the model width,
then every token's; Add & Norm again (with the sum's mean and std) for the
first token, then every token's; and the block's output next to X, the same
shape. A lesson without feed-forward weights is told that the default
(identity weights, zero biases) is used. Rows and columns too many to read
at the digit floor are elided (``shown_indices``), never shrunk.

The trace holds the block's matrices only when the attention output is as wide
as X (``norm_1`` is not None); the CLI refuses other lessons for this topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

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

from scenes.kit import palette
from scenes.kit.equations import EQUALS, Kind
from scenes.kit.narration import Num, Sentence, Tok
from scenes.kit.stage import Region, TopicScene
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    MatrixView,
    TracedText,
    animate,
    digit_height,
    entries,
    fit_in_frame,
    formula,
    label,
    match_columns,
    shown_indices,
)

__all__ = ["BlockDiagram", "BlockScene"]

# The residual stream (X and every Add & Norm result) keeps the embedding colour;
# the feed-forward layer has no role of its own in the palette, so it borrows the
# green of scores, which never appear in this topic.
STREAM = palette.EMBEDDING
ATTENTION = palette.OUTPUT
FEED_FORWARD = palette.SCORES
WEIGHT = palette.WEIGHT_MATRIX

DIAGRAM_SIZE = 20
#: Height of the diagram in a narrow frame (9:16), where it sits above what the stages show.
UPRIGHT_DIAGRAM = 4.0
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
        self._boxes = [
            RoundedRectangle(width=2.2, height=0.55, corner_radius=0.1, stroke_width=2, color=palette.MUTED)
            for _ in STAGES
        ]
        self._names = [label(name, colour=palette.MUTED, font_size=DIAGRAM_SIZE) for name in STAGES]
        for box, text in zip(self._boxes, self._names, strict=True):
            text.move_to(box)
        self.boxes = VGroup(*self._boxes)
        self.names = VGroup(*self._names)
        items: list[VMobject] = [self.top_label, *self._boxes, self.bottom_label]
        VGroup(*items).arrange(DOWN, buff=0.42)
        for box, text in zip(self._boxes, self._names, strict=True):
            text.move_to(box)
        arrows = [
            Arrow(
                a.get_bottom(), b.get_top(), buff=0.05, stroke_width=2.5, tip_length=0.12, color=palette.MUTED
            )
            for a, b in pairwise(items)
        ]
        self.arrows = VGroup(*arrows)
        # A residual connection leaves the main path just before a sub-layer and
        # rejoins it at the Add & Norm after it.
        self.skips = VGroup(
            self._skip(arrows[0], self._boxes[ADD_NORM_1]),
            self._skip(arrows[2], self._boxes[ADD_NORM_2]),
        )
        self.add(self.arrows, self.skips, self.boxes, self.names, self.top_label, self.bottom_label)

    @staticmethod
    def _skip(start_arrow: Mobject, target: Mobject) -> VGroup:
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
        for k, (box, text) in enumerate(zip(self._boxes, self._names, strict=True)):
            on = stage is None or k == stage
            colour = palette.HIGHLIGHT if on else palette.MUTED
            lit = animate(box).set_stroke(colour, width=3.5 if on else 2)
            lit = lit.set_fill(palette.HIGHLIGHT, opacity=0.12 if on else 0)
            animations += [lit.build(), animate(text).set_color(colour).build()]
        return animations


@dataclass
class _Stack:
    """Rows one under another with a sign left and a name right of each, the first token's label above."""

    rows: list[MatrixView]
    signs: list[VMobject]
    names: list[VMobject]
    token: TracedText
    stats: VGroup
    """A layer norm's mean and std between two rows (empty when there is none)."""
    columns: tuple[int, ...]
    """The columns the rows show (all, unless elided)."""

    def group(self) -> VGroup:
        return VGroup(*self.rows, *self.signs, *self.names, self.token, self.stats)


class BlockScene(TopicScene):
    """Attention, Add & Norm, feed-forward, Add & Norm: the first token in full, then all."""

    topic = "block"

    def construct(self) -> None:
        self.n, self.d = self.trace.x.shape
        whole = self.content()
        self.diagram = BlockDiagram()
        # A fifth of a 16:9 frame's width; less of a narrower frame, whose matrices need the room.
        if self.upright:
            # A narrow frame: the diagram on top, what the stages show under it, the frame's width.
            fit_in_frame(self.diagram, max_height=UPRIGHT_DIAGRAM, max_width=whole.width / 2, max_growth=1.1)
            self.diagram.move_to((0, whole.top - self.diagram.height / 2, 0))
            self.panel = whole.with_top(float(self.diagram.get_bottom()[1]) - 0.4)
        else:
            diagram_width = 3.0 if self.frame_width >= 14.0 else 0.16 * self.frame_width
            fit_in_frame(self.diagram, max_height=whole.height, max_width=diagram_width, max_growth=1.1)
            self.diagram.move_to((-self.frame_width / 2 + 0.3 + self.diagram.width / 2, whole.centre[1], 0))
            # What the stages show goes right of the diagram.
            self.panel = Region(self.diagram.get_right()[0] + 0.5, whole.right, whole.bottom, whole.top)
        self.shown: VMobject = VGroup()  # what the panel shows now, faded out by the next stage

        self.step(
            "A transformer block: attention, add & norm, a feed-forward layer, add & norm",
            say=(
                self.say(
                    "A transformer block wraps attention in three more stages: add and norm, "
                    "a feed-forward layer, then add and norm again."
                ),
                self.say("We follow the first token,", Tok(0), ", through each stage, then every token."),
            ),
        )
        self.play(FadeIn(self.diagram), run_time=1.2)
        self.wait(0.6)

        x_view, out_view = self._attention()
        sum_row = self._add(x_view, out_view)
        add_view = self._full(
            "add_1",
            STREAM,
            "input plus attention",
            sum_row,
            "The same for every token: input plus attention",
            self.say("Every token's input row is added to its attention row the same way."),
        )
        norm_row = self._norm(add_view)
        norm_view = self._full(
            "norm_1",
            STREAM,
            "normalised",
            norm_row,
            "The same for every token: each row normalised",
            self.say(
                "Every row is normalised with its own mean and standard deviation, "
                "so all rows share one range."
            ),
        )
        hidden_row = self._layer(norm_view, "norm_1", first=True)
        hidden_view = self._full(
            "ffn_hidden",
            FEED_FORWARD,
            "hidden",
            hidden_row,
            "The same for every token: the hidden layer",
            self.say(
                "Every token goes through the same layer on its own, with the same weights: "
                "no token looks at another here."
            ),
        )
        ffn_row = self._layer(hidden_view, "ffn_hidden", first=False)
        self._full(
            "ffn_out",
            FEED_FORWARD,
            "feed-forward output",
            ffn_row,
            "The same for every token: the feed-forward output",
            self.say("Every token's hidden row goes back to the model's width the same way."),
        )
        self._add_norm_again()
        self._result()

    # -- stages ----------------------------------------------------------------------

    def _attention(self) -> tuple[MatrixView, MatrixView]:
        """X and the attention output, one row per token each."""
        x_view = self._matrix("x", STREAM, "input X")
        out_view = self._matrix("output", ATTENTION, "attention output")
        self.side_by_side(x_view, out_view, self.panel)
        self.step(
            "Attention gives each token a new row, as wide as its input row",
            say=(
                self.say("First, attention gives each token a new row, mixed from the tokens it attends to."),
                self.say("It is exactly as wide as the token's input row, so the two can be added."),
            ),
        )
        self.play(*self.diagram.focus(ATTENTION_STAGE), FadeIn(x_view), FadeIn(out_view), run_time=1.2)
        self.wait(1.2)
        return x_view, out_view

    def _add(self, x_view: MatrixView, out_view: MatrixView) -> MatrixView:
        """The first token's input row plus its attention row, entry by entry."""
        stack = self._stack(
            [("x", STREAM), ("output", ATTENTION), ("add_1", STREAM)],
            ["", "+", "="],
            ["input X", "attention", "sum"],
            [STREAM, ATTENTION, STREAM],
        )
        rows = stack.rows
        sign = self._record_sum(stack)
        self.step(
            "Add: input plus attention, so the token keeps its own meaning",
            say=(
                self.say("Add: the input row and the attention row are added, entry by entry."),
                self._sum_said(stack, sign, "x", "output", "add_1"),
                self.say(
                    "This residual connection keeps the token's own meaning, and it helps the model train."
                ),
            ),
        )
        self.play(*self.diagram.focus(ADD_NORM_1), run_time=0.5)
        self.play(
            FadeOut(self._frame_of(x_view, out_view)),
            *(TransformFromCopy(x_view.cell(0, j), rows[0].cell(0, j)) for j in stack.columns),
            *(TransformFromCopy(out_view.cell(0, j), rows[1].cell(0, j)) for j in stack.columns),
            FadeOut(VGroup(x_view.cells, out_view.cells)),
            FadeIn(
                VGroup(
                    rows[0].brackets,
                    rows[1].brackets,
                    rows[0].ellipses,
                    rows[1].ellipses,
                    stack.signs[1],
                    stack.names[0],
                    stack.names[1],
                    stack.token,
                )
            ),
            run_time=1.2,
        )
        self.play(
            FadeIn(VGroup(rows[2].brackets, rows[2].ellipses, stack.signs[2], stack.names[2])), run_time=0.4
        )
        self.play(
            LaggedStart(
                *(FadeIn(rows[2].cell(0, j), shift=0.15 * DOWN) for j in stack.columns), lag_ratio=0.25
            ),
            run_time=1.2,
        )
        self.wait(1.0)
        self.shown = VGroup(
            *rows[:2], *stack.signs, *stack.names, stack.token, rows[2].brackets, rows[2].ellipses
        )
        return rows[2]

    def _norm(self, add_view: MatrixView) -> MatrixView:
        """The first token's sum, its mean and standard deviation, then the row normalised by them."""
        stack = self._stack(
            [("add_1", STREAM), ("norm_1", STREAM)],
            ["", "→"],
            ["sum", "normalised"],
            [STREAM, STREAM],
            stats_before=1,
        )
        rows, stats = stack.rows, stack.stats
        self.step(
            "Norm: first the row's mean and its standard deviation",
            say=(
                self.say(
                    "Norm, short for layer norm, first measures the row: its mean and its standard deviation."
                ),
                self._stats_said("norm_1"),
            ),
        )
        self.play(
            FadeOut(self._frame_of(add_view)),
            *(TransformFromCopy(add_view.cell(0, j), rows[0].cell(0, j)) for j in stack.columns),
            FadeOut(add_view.cells),
            FadeIn(VGroup(rows[0].brackets, rows[0].ellipses, stack.names[0], stack.token)),
            run_time=1.0,
        )
        self.play(FadeIn(stats[0], shift=0.1 * DOWN), run_time=0.6)
        self.play(FadeIn(stats[1], shift=0.1 * DOWN), run_time=0.6)
        self.wait(0.6)

        self.step(
            "Subtract the mean, divide by the std: every row in one range",
            say=(
                self.say("Each entry has the mean subtracted, then is divided by the standard deviation."),
                self._becomes_said("add_1", "norm_1", stack.columns[0]),
                self.say("This keeps every row in the same range, however large its numbers were."),
            ),
        )
        self.play(
            FadeIn(VGroup(rows[1].brackets, rows[1].ellipses, stack.signs[1], stack.names[1])), run_time=0.4
        )
        self.play(TransformFromCopy(rows[0].cells, rows[1].cells), run_time=1.2)
        self.wait(1.0)
        self.shown = VGroup(
            rows[0], stats, *stack.signs, *stack.names, stack.token, rows[1].brackets, rows[1].ellipses
        )
        return rows[1]

    def _stats(self, name: str) -> VGroup:
        """The first token's mean and standard deviation of layer norm ``name``, each named."""
        parts = [
            VGroup(
                label(word, colour=palette.MUTED, font_size=NAME_SIZE),
                self.numbers.number(f"{name}_{word}[0]", colour=STREAM),
            ).arrange(RIGHT, buff=0.2)
            for word in ("mean", "std")
        ]
        return VGroup(*parts).arrange(RIGHT, buff=0.8)

    def _layer(self, source: MatrixView, source_name: str, *, first: bool) -> MatrixView:
        """One feed-forward layer for the first token: its row times W plus b (then ReLU)."""
        layer = self._layer_view(source_name, source.colour, first=first)
        # The first entry is worked during the note on default weights, when there is one.
        note_first = first and self.trace.ffn_is_default
        entry = self._entry_said(layer, "ffn_pre" if first else "ffn_out")
        if first:
            self.step(
                "Feed-forward: the token's row times W_in, plus b_in",
                say=(
                    self.say(
                        "Next, the feed-forward layer: a small network applied to each token on its own."
                    ),
                    self.say("The token's row is multiplied by the matrix W in, and the bias b in is added."),
                    *(() if note_first else (entry,)),
                ),
            )
            intro: list[Animation] = self.diagram.focus(FFN_STAGE)
        else:
            self.step(
                "Second layer: the hidden row times W_out, plus b_out",
                say=(
                    self.say("The second layer multiplies the hidden row by W out, and adds the bias b out."),
                    entry,
                ),
            )
            intro = []
        self.play(
            *intro,
            FadeOut(self._frame_of(source)),
            *(
                TransformFromCopy(source.cell(0, m), layer.vector.cell(0, m))
                for m in layer.vector.shown_columns
            ),
            FadeOut(source.cells),
            FadeIn(layer.factors()),
            run_time=1.2,
        )
        note = self._default_note(entry) if note_first else None
        self._layer_first_entry(layer)
        if first:
            self.step("The same with every column of W_in", say=self._every_column_said(layer))
        else:
            self.step(
                "The same with every column of W_out",
                say=(
                    self.say("The same with every other column of W out, each with its own bias."),
                    self.say(
                        "This brings the row back to the model's width, so it can be added to the stream."
                    ),
                ),
            )
        self._layer_every_entry(layer)
        if layer.hidden is not None:
            self._relu(layer, layer.hidden)
        self.shown = VGroup(layer.shown(), *([note] if note is not None else []))
        return layer.result

    def _layer_view(self, source_name: str, colour: str, *, first: bool) -> _Layer:
        """The layer fitted into the panel, its rows and columns elided where they would not read."""
        w_name = "w_1" if first else "w_2"
        d_in, d_out = self.trace.get(w_name).shape
        focus = [0]
        if first:
            # The first negative before ReLU stays in view, so ReLU is seen to zero it.
            focus += [int(j) for j in np.flatnonzero(self.trace.get("ffn_pre[0]") < 0)[:1]]
        default_note = first and self.trace.ffn_is_default
        room = self.panel.with_top(self.panel.top - (0.55 if default_note else 0.0))
        # Elide (never shrink digits below the floor): the longer of the row and W's columns loses one.
        # The row left of W first; over W when the frame is upright, or when eliding leaves the
        # digits under the floor even so (a 4:3 frame, whose panel is narrower).
        for over in (True,) if self.upright else (False, True):
            mark = self.numbers.checkpoint()
            in_room, out_room = d_in, d_out
            while True:
                layer = _Layer(
                    self,
                    source_name,
                    colour,
                    first=first,
                    inputs=shown_indices(d_in, in_room, focus=[0]),
                    outputs=shown_indices(d_out, out_room, focus=focus),
                    over=over,
                )
                fit_in_frame(layer, max_width=room.width, max_height=room.height, max_growth=1.3)
                smallest = digit_height(layer)
                if smallest is None or smallest >= DIGIT_FLOOR or max(in_room, out_room) <= 3:
                    break
                if in_room >= out_room:
                    in_room -= 1
                else:
                    out_room -= 1
            if smallest is None or smallest >= DIGIT_FLOOR:
                break
            self.numbers.rollback(mark)
        layer.move_to(room.centre)
        return layer

    def _default_note(self, entry: Sentence) -> VMobject:
        """The note that the lesson's block uses the default feed-forward weights.

        ``entry`` is said with it: the first entry is worked during this step.
        """
        note = label("default: identity weights, zero biases", colour=palette.MUTED, font_size=20)
        fit_in_frame(note, max_width=self.panel.width)
        note.move_to((self.panel.centre[0], self.panel.top - note.height / 2, 0))
        self.step(
            "The lesson gives no feed-forward weights, so the default is used: identity and zero",
            say=(
                self.say(
                    "This lesson gives no feed-forward weights, so the default is used: "
                    "identity matrices and zero biases."
                ),
                self.say("With them, the layer only turns negatives into zero."),
                entry,
            ),
        )
        self.play(FadeIn(note), run_time=0.8)
        self.wait(1.2)
        return note

    def _layer_first_entry(self, layer: _Layer) -> None:
        """The layer's first entry: the whole row times W's first column, plus b's first entry."""
        j = layer.pre.shown_columns[0]
        self._boxes = [
            _box(layer.vector.brackets, palette.HIGHLIGHT),
            layer.weights.column_box(j, palette.HIGHLIGHT),
            layer.bias.cell_box(0, j, palette.HIGHLIGHT),
        ]
        first_cell = layer.pre.make_cell(0, j)
        self.play(
            *(Create(box) for box in self._boxes),
            FadeIn(VGroup(layer.pre.brackets, layer.pre.ellipses, layer.equals, layer.pre_word)),
            run_time=0.7,
        )
        self.play(
            TransformFromCopy(
                VGroup(layer.vector.cells, layer.weights.column(j), layer.bias.cell(0, j)), first_cell
            ),
            run_time=1.0,
        )
        layer.pre.set_cell(0, j, first_cell)
        self.wait(0.5)

    def _layer_every_entry(self, layer: _Layer) -> None:
        """Every other entry of the layer's output, a column of W at a time."""
        vec_box, box, bbox = self._boxes
        columns = layer.pre.shown_columns
        for j in columns[1:]:
            cell = layer.pre.make_cell(0, j)
            new_box = layer.weights.column_box(j, palette.HIGHLIGHT)
            new_bbox = layer.bias.cell_box(0, j, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(box, new_box),
                ReplacementTransform(bbox, new_bbox),
                FadeIn(cell, shift=0.1 * DOWN),
                run_time=0.35 if len(columns) > 4 else 0.5,
            )
            layer.pre.set_cell(0, j, cell)
            box, bbox = new_box, new_bbox
        self.play(FadeOut(VGroup(vec_box, box, bbox)), run_time=0.3)
        self.wait(0.6)

    def _relu(self, layer: _Layer, hidden: MatrixView) -> None:
        """ReLU: each value before it becomes its hidden value; the negatives, boxed, become zero."""
        columns = hidden.shown_columns
        pre = self.trace.get("ffn_pre[0]")
        negatives = [j for j in columns if pre[j] < 0]
        if negatives:
            j = negatives[0]
            self.step(
                "ReLU: every negative becomes zero, the rest pass unchanged",
                say=(
                    self.say("ReLU turns every negative value into zero and lets the rest pass unchanged."),
                    self.say("So", Num(f"ffn_pre[0][{j}]"), "becomes", Num(f"ffn_hidden[0][{j}]"), "."),
                    self.say(
                        "This bend matters: without it, "
                        "the two layers would amount to a single matrix multiplication."
                    ),
                ),
            )
        else:
            self.step(
                "ReLU: this row has no negatives, so nothing changes",
                say=(
                    self.say("ReLU turns negative values into zero and lets the rest pass unchanged."),
                    self.say("This row has no negatives, so every value passes through as it is."),
                ),
            )
        boxes = VGroup(*(layer.pre.cell_box(0, j, palette.HIGHLIGHT) for j in negatives))
        self.play(
            FadeIn(VGroup(hidden.brackets, hidden.ellipses, layer.relu, layer.hidden_word)),
            *(Create(box) for box in boxes),
            run_time=0.8,
        )
        cells = {j: hidden.make_cell(0, j) for j in columns}
        self.play(*(TransformFromCopy(layer.pre.cell(0, j), cells[j]) for j in columns), run_time=1.2)
        for j, cell in cells.items():
            hidden.set_cell(0, j, cell)
        zero_boxes = VGroup(*(hidden.cell_box(0, j, palette.HIGHLIGHT) for j in negatives))
        if negatives:
            self.play(*(Create(box) for box in zero_boxes), run_time=0.5)
        self.wait(0.8)
        self.play(FadeOut(VGroup(boxes, zero_boxes)), run_time=0.3)

    def _full(
        self, name: str, colour: str, words: str, row: MatrixView, caption: str, said: Sentence
    ) -> MatrixView:
        """Every token's row of ``name``: the first token's row moves in, the rest appear."""
        view = self.fit_into(self._matrix(name, colour, words), self.panel, max_growth=1.3)
        self.step(caption, say=said)
        rows, cols = view.shape
        self.play(
            FadeOut(self.shown),
            FadeIn(self._frame_of(view)),
            *(ReplacementTransform(row.cell(0, j), view.cell(0, j)) for j in row.shown_columns),
            FadeIn(VGroup(*(view.cell(0, j) for j in range(cols) if j not in row.shown_columns))),
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
        """norm_1 + ffn_out = add_2, its mean and std, normalised into norm_2: the first token, then all."""
        stack = self._stack(
            [
                ("norm_1", STREAM),
                ("ffn_out", FEED_FORWARD),
                ("add_2", STREAM),
                ("norm_2", STREAM),
            ],
            ["", "+", "=", "→"],
            ["normalised", "feed-forward", "sum", "normalised"],
            [STREAM, FEED_FORWARD, STREAM, STREAM],
            stats_before=3,
        )
        rows, signs, names, stats = stack.rows, stack.signs, stack.names, stack.stats
        sign = self._record_sum(stack)
        self.step(
            "Add again: the normalised row plus its feed-forward output",
            say=(
                self.say("Add again: the normalised row plus its feed-forward output, entry by entry."),
                self._sum_said(stack, sign, "norm_1", "ffn_out", "add_2"),
                self.say("Once more, the residual keeps what the token had, and the layer adds to it."),
            ),
        )
        self.play(
            *self.diagram.focus(ADD_NORM_2),
            FadeOut(self.shown),
            FadeIn(VGroup(rows[0], rows[1], *names[:2], signs[1], stack.token)),
            run_time=1.0,
        )
        self.play(FadeIn(VGroup(rows[2], names[2], signs[2]), shift=0.1 * DOWN), run_time=0.8)
        self.wait(0.8)
        self.step(
            "Norm again: the sum's mean and std, then the normalised row",
            say=(
                self.say("Norm again, with this sum's own mean and standard deviation."),
                self._stats_said("norm_2"),
                self._becomes_said("add_2", "norm_2", stack.columns[0]),
            ),
        )
        self.play(FadeIn(stats, shift=0.1 * DOWN), run_time=0.8)
        self.play(FadeIn(VGroup(rows[3], names[3], signs[3]), shift=0.1 * DOWN), run_time=0.8)
        self.wait(1.0)

        add_view = self.fit_into(self._matrix("add_2", STREAM, "sum"), self.panel, max_growth=1.3)
        norm_view = self.fit_into(self._matrix("norm_2", STREAM, "normalised"), self.panel, max_growth=1.3)
        self.step(
            "The same for every token: each sum, then each row normalised",
            say=self.say(
                "Every token is added and normalised the same way, each row with its own mean and std."
            ),
        )
        self.play(
            FadeOut(
                VGroup(
                    rows[0],
                    rows[1],
                    rows[3],
                    stats,
                    *names,
                    *signs,
                    stack.token,
                    rows[2].brackets,
                    rows[2].ellipses,
                )
            ),
            FadeIn(self._frame_of(add_view)),
            *(ReplacementTransform(rows[2].cell(0, j), add_view.cell(0, j)) for j in stack.columns),
            FadeIn(VGroup(*(add_view.cell(0, j) for j in range(self.d) if j not in stack.columns))),
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
        x_view = self._matrix("x", STREAM, "input X")
        out_view = self._matrix("norm_2", STREAM, "block output")
        self.side_by_side(x_view, out_view, self.panel)
        self.step(
            "The block's output: one row per token, the same shape as its input X",
            say=(
                self.say("The block's output has one row per token, the same shape as its input X."),
                self.say("So blocks can be stacked: each block's output is the next block's input."),
            ),
        )
        self.play(
            *self.diagram.focus(None),
            ReplacementTransform(self.norm_view, out_view),
            FadeIn(x_view),
            run_time=1.4,
        )
        self.wait(2.0)

    # -- narration -------------------------------------------------------------------

    def _record_sum(self, stack: _Stack) -> str:
        """Record the stack's sum (its first two rows make its third) and draw the sign it returns.

        One sign stands for every entry drawn: "=" only if each adds up as drawn.
        """
        first, second, total = stack.rows[:3]
        sign = self.equations.record_group(
            [(Kind.SUM, [first.cell(0, j), second.cell(0, j)], total.cell(0, j)) for j in stack.columns],
            decimals=self.numbers.decimals,
        )
        if sign != EQUALS:
            # The stack was laid out with "=": "≈" takes its place, at its scale.
            drawn = stack.signs[2]
            new = label(sign, colour=palette.MUTED)
            new.scale(drawn.height / label(EQUALS, colour=palette.MUTED).height).move_to(drawn)
            stack.signs[2] = new
        return sign

    def _sum_said(self, stack: _Stack, sign: str, first: str, second: str, total: str) -> Sentence:
        """The first entry drawn of trace rows ``first + second = total``, said with the sign drawn."""
        j = stack.columns[0]
        return self.say(
            "For",
            Tok(0),
            ", the first entry:",
            Num(f"{first}[0][{j}]"),
            "plus",
            Num(f"{second}[0][{j}]"),
            "is" if sign == EQUALS else "is about",
            Num(f"{total}[0][{j}]"),
            ".",
        )

    def _stats_said(self, name: str) -> Sentence:
        """The first token's mean and standard deviation of layer norm ``name``, as drawn."""
        return self.say(
            "The mean is",
            Num(f"{name}_mean[0]"),
            ", and the standard deviation, how far the numbers spread from it, is",
            Num(f"{name}_std[0]"),
            ".",
        )

    def _becomes_said(self, source: str, normalised: str, j: int) -> Sentence:
        """Entry ``j`` of the first token's row before and after a layer norm."""
        return self.say("So", Num(f"{source}[0][{j}]"), "becomes", Num(f"{normalised}[0][{j}]"), ".")

    def _entry_said(self, layer: _Layer, result: str) -> Sentence:
        """The layer's first entry: the whole row times W's first column, plus b's first entry."""
        j = layer.pre.shown_columns[0]
        return self.say(
            "The whole row times the first column, plus the first bias, gives", Num(f"{result}[0][{j}]"), "."
        )

    def _every_column_said(self, layer: _Layer) -> tuple[Sentence, ...]:
        """Every column of W_in: the values before ReLU; how wide the hidden row is."""
        d_in, d_hidden = self.trace.get("w_1").shape
        same = self.say("The same with every other column of W in, each with its own bias.")
        if d_hidden > d_in:
            return same, self.say("W in makes the row wider, which gives the layer more room to work.")
        if d_hidden < d_in:
            return same, self.say("Here W in makes the row narrower.")
        return same, self.say("These are the values before ReLU.")

    # -- helpers ---------------------------------------------------------------------

    def _matrix(self, name: str, colour: str, words: str) -> MatrixView:
        """Every token's row of trace matrix ``name``, named in ``words``."""
        rows, cols = self.trace.get(name).shape
        return MatrixView(
            self.numbers,
            entries(name),
            (rows, cols),
            colour=colour,
            name=label(words, colour=colour, font_size=NAME_SIZE),
            row_labels=[self.numbers.token(i) for i in range(rows)],
        )

    def _row(self, name: str, colour: str, columns: tuple[int, ...] | None = None) -> MatrixView:
        """The first token's row of trace matrix ``name`` (only ``columns`` of it, when given)."""
        cols = self.trace.get(name).shape[1]
        return MatrixView(
            self.numbers, lambda _r, j: f"{name}[0][{j}]", (1, cols), colour=colour, columns=columns
        )

    @staticmethod
    def _frame_of(*views: MatrixView) -> VGroup:
        """What frames the views' numbers: brackets, names and row labels."""
        return VGroup(*(VGroup(v.brackets, v.heading, v.row_labels) for v in views))

    def _stack(
        self,
        rows: list[tuple[str, str]],
        signs: list[str],
        names: list[str],
        colours: list[str],
        *,
        gap: float = 0.3,
        stats_before: int | None = None,
    ) -> _Stack:
        """The first token's rows of ``rows`` (trace name, colour) one under another, columns lined up,
        a sign left and a name right of each, fitted into the panel.

        An empty group stands in for a row without a sign, so indices match the rows.
        With ``stats_before=k``, row k is a layer norm's output and its input's mean and
        std (:meth:`_stats`) stand between rows k - 1 and k. Columns are elided (the same in
        every row) where the digits would read too small.
        """
        room = self.d
        while True:
            stack = self._stack_of(
                rows, signs, names, colours, gap, stats_before, shown_indices(self.d, room)
            )
            smallest = digit_height(stack.group())
            if smallest is None or smallest >= DIGIT_FLOOR or room <= 3:
                return stack
            room -= 1

    def _stack_of(
        self,
        specs: list[tuple[str, str]],
        signs: list[str],
        names: list[str],
        colours: list[str],
        gap: float,
        stats_before: int | None,
        columns: tuple[int, ...],
    ) -> _Stack:
        rows = [self._row(name, colour, columns) for name, colour in specs]
        stats = VGroup() if stats_before is None else self._stats(specs[stats_before][0])
        between = {} if stats_before is None else {stats_before: stats}
        match_columns(*rows)
        lines: list[VMobject] = []
        for k, row in enumerate(rows):
            if k in between:
                lines.append(between[k])
            lines.append(row)
        VGroup(*lines).arrange(DOWN, buff=gap)
        for extra in between.values():
            extra.set_x(rows[0].brackets.get_center()[0])
        sign_mobs: list[VMobject] = [label(s, colour=palette.MUTED) if s else VGroup() for s in signs]
        for s, r in zip(sign_mobs, rows, strict=True):
            s.next_to(r.brackets, LEFT, buff=0.25)
        name_mobs: list[VMobject] = [
            label(w, colour=c, font_size=NAME_SIZE) for w, c in zip(names, colours, strict=True)
        ]
        for w, r in zip(name_mobs, rows, strict=True):
            w.next_to(r.brackets, RIGHT, buff=0.3)
        token = self.numbers.token(0)
        token.next_to(rows[0].brackets, UP, buff=0.25)
        stack = _Stack(rows, sign_mobs, name_mobs, token, stats, columns)
        self.fit_into(stack.group(), self.panel, max_growth=1.3)
        return stack


class _Layer(VGroup):
    """One feed-forward layer for the first token, a row times a matrix as written by hand::

                                [ W ]  W_in
              token  [ x ]  ×   [   ]
                            +   [ b ]  b_in
              before ReLU   =   [   ]
                         ReLU   [   ]  hidden      (the first layer only)

    ``inputs`` are the shown entries of the row (and rows of W), ``outputs``
    the shown columns of W, b and the results (see :func:`shown_indices`);
    ``over`` puts the row over W, not left of it (a narrow frame).
    """

    def __init__(
        self,
        scene: BlockScene,
        source_name: str,
        colour: str,
        *,
        first: bool,
        inputs: tuple[int, ...],
        outputs: tuple[int, ...],
        over: bool = False,
    ) -> None:
        super().__init__()
        numbers = scene.numbers
        w_name, b_name = ("w_1", "b_1") if first else ("w_2", "b_2")
        d_in, d_out = scene.trace.get(w_name).shape
        symbol = "in" if first else "out"
        self.vector = MatrixView(
            numbers, lambda _i, j: f"{source_name}[0][{j}]", (1, d_in), colour=colour, columns=inputs
        )
        self.weights = MatrixView(
            numbers, entries(w_name), (d_in, d_out), colour=WEIGHT, rows=inputs, columns=outputs
        )
        self.bias = MatrixView(
            numbers, lambda _i, j: f"{b_name}[{j}]", (1, d_out), colour=WEIGHT, columns=outputs
        )
        pre_name = "ffn_pre" if first else "ffn_out"
        self.pre = MatrixView(
            numbers,
            lambda _i, j: f"{pre_name}[0][{j}]",
            (1, d_out),
            colour=FEED_FORWARD,
            filled=False,
            columns=outputs,
        )
        self.hidden = (
            MatrixView(
                numbers,
                lambda _i, j: f"ffn_hidden[0][{j}]",
                (1, d_out),
                colour=FEED_FORWARD,
                filled=False,
                columns=outputs,
            )
            if first
            else None
        )
        self.result = self.pre if self.hidden is None else self.hidden
        column = [self.weights, self.bias, self.pre, *([self.hidden] if self.hidden is not None else [])]
        match_columns(*column)
        VGroup(*column).arrange(DOWN, buff=0.3)
        self.times = label("×", colour=palette.MUTED)
        if over:
            # A narrow frame: the row over W, "×" between them, not the row left of W.
            self.vector.next_to(self.weights.brackets, UP, buff=0.7)
            self.vector.set_x(self.weights.brackets.get_center()[0])
            self.times.move_to((self.vector.brackets.get_bottom() + self.weights.brackets.get_top()) / 2)
        else:
            self.vector.next_to(self.weights.brackets, LEFT, buff=0.7)
            self.vector.set_y(self.weights.brackets.get_center()[1])
            self.times.move_to((self.vector.brackets.get_right() + self.weights.brackets.get_left()) / 2)
        self.plus = label("+", colour=palette.MUTED).next_to(self.bias.brackets, LEFT, buff=0.2)
        self.equals = label("=", colour=palette.MUTED).next_to(self.pre.brackets, LEFT, buff=0.2)
        self.relu = label("ReLU", colour=palette.MUTED, font_size=NAME_SIZE)
        self.token = numbers.token(0, colour=colour)
        self.token.scale(0.8).next_to(self.vector.brackets, UP, buff=0.15)
        self.w_sym = formula(f'{{{{ W_"{symbol}" : w }}}}', {"w": WEIGHT}).next_to(
            self.weights.brackets, RIGHT, buff=0.25
        )
        self.b_sym = formula(f'{{{{ b_"{symbol}" : b }}}}', {"b": WEIGHT}).next_to(
            self.bias.brackets, RIGHT, buff=0.25
        )
        # Under the row, left of its "=", where the picture has room (the right holds only short names).
        self.pre_word = label("before ReLU" if first else "output", colour=FEED_FORWARD, font_size=NAME_SIZE)
        self.pre_word.next_to(self.equals, LEFT, buff=0.3)
        self.hidden_word = label("hidden", colour=FEED_FORWARD, font_size=NAME_SIZE)
        parts: list[VMobject] = [
            self.vector,
            self.weights,
            self.bias,
            self.pre,
            self.times,
            self.plus,
            self.equals,
            self.token,
            self.w_sym,
            self.b_sym,
            self.pre_word,
        ]
        if self.hidden is not None:
            self.relu.next_to(self.hidden.brackets, LEFT, buff=0.2)
            self.hidden_word.next_to(self.hidden.brackets, RIGHT, buff=0.25)
            parts += [self.hidden, self.relu, self.hidden_word]
        self.add(*parts)

    def factors(self) -> VGroup:
        """What arrives with the source row: the vector's brackets and token, ×, W, +, b."""
        return VGroup(
            self.vector.brackets,
            self.vector.ellipses,
            self.token,
            self.times,
            self.weights,
            self.w_sym,
            self.plus,
            self.bias,
            self.b_sym,
        )

    def shown(self) -> VGroup:
        """Everything on screen once the result row is made, but the result's numbers."""
        parts: list[VMobject] = [
            self.vector,
            self.weights,
            self.bias,
            self.times,
            self.plus,
            self.equals,
            self.token,
            self.w_sym,
            self.b_sym,
            self.pre_word,
            self.result.brackets,
            self.result.ellipses,
        ]
        if self.hidden is not None:
            parts += [self.pre, self.relu, self.hidden_word]
        return VGroup(*parts)


def _box(mob: Mobject, colour: str) -> SurroundingRectangle:
    return SurroundingRectangle(mob, color=colour, buff=0.05, stroke_width=3, corner_radius=0.06)
