"""Topic ``multihead``: Q, K and V split into heads, one attention pattern per head, concat, W_o.

The story: Q with one row per token; its columns cut into one slice per head
(each head in its own colour), and K and V cut the same way, so every head has
its own Q, K and V; for the first head and first token, the query against the
head's keys giving one row of attention weights, then every row of every head,
drawn as grids whose cells glow with their weight; each head's weights mixing
its own values into a context; the contexts concatenated side by side; the
output projection W_o, one entry as a row times a column, then all; and the
output next to the input X, the same shape. A single-head lesson shows the
same steps with its one head; a lesson without W_o says the output is the
concatenation.
"""

from __future__ import annotations

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Create,
    DoubleArrow,
    FadeIn,
    FadeOut,
    LaggedStart,
    Mobject,
    Rectangle,
    ReplacementTransform,
    SurroundingRectangle,
    TransformFromCopy,
    VGroup,
)

from .kit import palette
from .kit.stage import TopicScene
from .kit.widgets import NUMBER_SIZE, MatrixView, NumberFactory, fit_in_frame, formula, label

__all__ = ["MultiheadScene", "WeightGrid", "respace_columns"]

TOKEN_SIZE = 20
TAG_SIZE = 22
ROW_GAP = 0.45  # between the matrices of one head's row
HEAD_GAP = 0.4  # between the rows of different heads
TILE_OPACITY = 0.75  # a weight of one fills its tile this strongly
DARK_TEXT_FROM = 0.4  # tiles stronger than this get dark numbers


class WeightGrid(VGroup):
    """One head's attention weights as a grid: queries down, keys across.

    Each cell shows its traced weight on a tile of the head's colour whose
    strength is the weight (read from the trace for geometry only). Columns
    are wide enough for the key token labels above them.

    Attributes
    ----------
    tiles, cells : VGroup
        Per row: a VGroup of the row's tiles / traced numbers.
    row_labels, column_labels : VGroup
        Token labels left of the rows and above the columns.
    frame : Rectangle
        The outline of the tiles, shown before any weight is.
    """

    def __init__(self, numbers: NumberFactory, head: int, *, font_size: float = NUMBER_SIZE) -> None:
        super().__init__()
        weights = numbers.trace.heads[head].weights
        n = weights.shape[0]
        colour = palette.head_colour(head)
        self.head = head
        self.shape = (n, n)
        strength = TILE_OPACITY * np.clip(weights, 0.0, 1.0)
        # Dark numbers on strong tiles, light ones elsewhere, so every weight stays legible.
        cells = [
            [
                numbers.number(
                    f"heads[{head}].weights[{i}][{j}]",
                    font_size=font_size,
                    colour=palette.BACKGROUND if strength[i][j] > DARK_TEXT_FROM else palette.TEXT,
                )
                for j in range(n)
            ]
            for i in range(n)
        ]
        self.column_labels = VGroup(
            *(
                numbers.number(f"token_labels[{j}]", colour=palette.MUTED, font_size=TOKEN_SIZE)
                for j in range(n)
            )
        )
        self.row_labels = VGroup(
            *(numbers.number(f"token_labels[{i}]", font_size=TOKEN_SIZE) for i in range(n))
        )
        cell_w = max([m.width for row in cells for m in row] + [m.width for m in self.column_labels]) + 0.25
        cell_h = max(max(m.height for row in cells for m in row), 0.22) + 0.25
        self.cell_size = (cell_w, cell_h)
        self.tiles = VGroup()
        self.cells = VGroup()
        for i in range(n):
            tile_row, cell_row = VGroup(), VGroup()
            for j in range(n):
                centre = np.array([j * cell_w, -i * cell_h, 0.0])
                tile = Rectangle(
                    width=cell_w - 0.06,
                    height=cell_h - 0.06,
                    stroke_width=1,
                    stroke_color=colour,
                    stroke_opacity=0.35,
                    fill_color=colour,
                    fill_opacity=float(strength[i][j]),
                ).move_to(centre)
                tile_row.add(tile)
                cell_row.add(cells[i][j].move_to(centre))
            self.tiles.add(tile_row)
            self.cells.add(cell_row)
        self.frame = SurroundingRectangle(self.tiles, color=palette.MUTED, buff=0.03, stroke_width=1.5)
        for i, lab in enumerate(self.row_labels):
            lab.move_to([-cell_w / 2 - 0.15 - lab.width / 2, -i * cell_h, 0])
        top = cell_h / 2 + 0.1
        for j, lab in enumerate(self.column_labels):
            lab.move_to([j * cell_w, 0, 0])
        tallest = max(lab.height for lab in self.column_labels)
        for lab in self.column_labels:
            # Bottoms level (a "y" hangs lower than an "a"): centre on a common line.
            lab.set_y(top + tallest / 2)
        self.add(self.frame, self.tiles, self.cells, self.row_labels, self.column_labels)

    def row(self, i: int) -> VGroup:
        """Row ``i``: its tiles and numbers."""
        return VGroup(self.tiles[i], self.cells[i])

    def row_box(self, i: int, colour: str) -> SurroundingRectangle:
        return SurroundingRectangle(
            self.tiles[i], color=colour, buff=0.03, stroke_width=3, corner_radius=0.06
        )

    def cell_box(self, i: int, j: int, colour: str) -> SurroundingRectangle:
        return SurroundingRectangle(
            self.tiles[i][j], color=colour, buff=0.0, stroke_width=3, corner_radius=0.06
        )

    def skeleton(self) -> VGroup:
        """What is shown before any weight: outline and token labels."""
        return VGroup(self.frame, self.row_labels, self.column_labels)


class MultiheadScene(TopicScene):
    """Q, K, V split by head; each head's weights and context; concat; W_o; output shaped like X."""

    topic = "multihead"
    summary = "Multi-head attention: Q, K, V split into heads, one attention pattern each, concatenated and projected by W_o"

    def construct(self) -> None:
        trace = self.trace
        self.n, self.d = trace.x.shape
        self.h = len(trace.heads)
        self.d_k = trace.heads[0].q.shape[1]
        self.d_h = trace.heads[0].v.shape[1]
        self.top = self.camera.frame_height / 2 - 0.3
        self.frame_w = self.camera.frame_width

        self.title = self._title(
            '"head"_h = "Attention"({{ Q_h : q }}, {{ K_h : k }}, {{ V_h : v }})',
            {"q": palette.QUERY, "k": palette.KEY, "v": palette.VALUE},
        )
        pieces = self._split_q()
        rows = self._per_head(pieces)
        grids = self._patterns(rows)
        contexts = self._contexts(rows, grids)
        concat = self._concatenate(contexts)
        output = self._project(concat)
        self._same_shape(output)

    # -- the story, step by step ---------------------------------------------------

    def _split_q(self) -> list[MatrixView]:
        """Q whole, then cut into one column slice per head; returns the slices."""
        numbers = self.numbers
        n, d_qk = self.trace.q.shape
        q_view = MatrixView(
            numbers,
            lambda i, j: f"q[{i}][{j}]",
            (n, d_qk),
            colour=palette.QUERY,
            name=formula("{{ Q : q }}", {"q": palette.QUERY}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        slices = [
            MatrixView(
                numbers,
                lambda i, j, h=h: f"heads[{h}].q[{i}][{j}]",
                (n, self.d_k),
                colour=palette.head_colour(h),
                name=formula("{{ Q_h : q }}", {"q": palette.QUERY}),
                row_labels=[numbers.token(i) for i in range(n)] if h == 0 else None,
            )
            for h in range(self.h)
        ]
        tags = [label("head", colour=palette.head_colour(h), font_size=TAG_SIZE) for h in range(self.h)]
        for view, tag in zip(slices, tags):
            tag.next_to(view.brackets, DOWN, buff=0.2)
        split = VGroup(*(VGroup(view, tag) for view, tag in zip(slices, tags))).arrange(
            RIGHT, buff=0.7, aligned_edge=UP
        )
        space_top = self.title.get_bottom()[1] - 0.4
        space_bottom = self.caption_top + 0.3
        fit_in_frame(split, max_width=self.frame_w - 1.0, max_height=space_top - space_bottom, max_growth=1.4)
        split.move_to([0, (space_top + space_bottom) / 2, 0])
        q_view.scale(slices[0].scale_factor)
        # Q whole sits where its slices will be, so the cut reads as columns moving apart.
        slice_brackets = VGroup(*(view.brackets for view in slices))
        q_view.shift(slice_brackets.get_center() - q_view.brackets.get_center())

        if self.h == 1:
            self.step("This lesson has a single head: the same steps, with one head")
        else:
            self.step("Multi-head attention runs several attention heads side by side")
        self.play(FadeIn(self.title), run_time=1.0)
        self.wait(0.5)

        self.step("Start from the queries Q: one row per token")
        self.play(FadeIn(q_view), run_time=1.0)
        self.wait(0.6)

        if self.h == 1:
            self.step("With a single head, the head gets every column of Q")
        else:
            self.step("Cut the columns of Q into slices: one slice per head")
        self.play(
            *(
                q_view.column(h * self.d_k + c).animate.set_color(palette.head_colour(h))
                for h in range(self.h)
                for c in range(self.d_k)
            ),
            run_time=0.8,
        )
        moves: list[Animation] = []
        for h, view in enumerate(slices):
            for i in range(n):
                for c in range(self.d_k):
                    moves.append(ReplacementTransform(q_view.cell(i, h * self.d_k + c), view.cell(i, c)))
        moves.append(ReplacementTransform(q_view.row_labels, slices[0].row_labels))
        moves.append(ReplacementTransform(q_view.name, slices[0].name))
        moves.append(FadeOut(q_view.brackets))
        moves.append(FadeIn(VGroup(*(v.brackets for v in slices))))
        moves.append(FadeIn(VGroup(*(v.name for v in slices[1:]))))
        moves.append(FadeIn(VGroup(*tags), shift=0.1 * UP))
        self.play(*moves, run_time=1.2)
        for view in slices:
            self.add(view)
        self.wait(0.8)
        self._split_tags = VGroup(*tags)
        return slices

    def _per_head(self, slices: list[MatrixView]) -> list[dict[str, Mobject]]:
        """Each head's own Q, K and V in a row of its own; returns the rows' pieces."""
        rows = [
            {
                "q": self._head_view(h, "q", "Q_h", palette.QUERY, tokens=True),
                "k": self._head_view(h, "k", "K_h", palette.KEY),
                "v": self._head_view(h, "v", "V_h", palette.VALUE),
            }
            for h in range(self.h)
        ]
        tags = self._arrange_rows([[row["q"], row["k"], row["v"]] for row in rows])
        for row, tag in zip(rows, tags):
            row["tag"] = tag

        if self.h == 1:
            self.step("K and V stay whole too: the head has its own Q, K and V")
        else:
            self.step("K and V are cut the same way: each head has its own Q, K and V")
        self.play(
            *(ReplacementTransform(slices[h], rows[h]["q"]) for h in range(self.h)),
            *(ReplacementTransform(self._split_tags[h], rows[h]["tag"]) for h in range(self.h)),
            *(FadeIn(VGroup(row["k"], row["v"]), shift=0.2 * LEFT) for row in rows),
            run_time=1.4,
        )
        self.wait(1.0)
        return rows

    def _patterns(self, rows: list[dict[str, Mobject]]) -> list[WeightGrid]:
        """Each head's attention weights: one row in full for the first head, then all."""
        grids = [WeightGrid(self.numbers, h) for h in range(self.h)]
        new_q = [self._head_view(h, "q", "Q_h", palette.QUERY, tokens=True) for h in range(self.h)]
        new_k = [self._head_view(h, "k", "K_h", palette.KEY) for h in range(self.h)]
        tags = self._arrange_rows([[new_q[h], new_k[h], grids[h]] for h in range(self.h)])

        # The lesson says whether scores are divided by sqrt(d_k); the formula follows it.
        scaled = "\\/ sqrt(d_k)" if self.trace.lesson.scale else ""
        title = self._title(
            f'{{{{ A_h : a }}}} = "softmax"({{{{ Q_h : q }}}} {{{{ K_h^T : k }}}} {scaled})',
            {"a": palette.WEIGHTS, "q": palette.QUERY, "k": palette.KEY},
        )
        if self.h == 1:
            self.step("First token: its query is compared with every key")
        else:
            self.step("First head, first token: its query is compared with every key of that head")
        self.play(
            ReplacementTransform(self.title, title),
            *(FadeOut(row["v"]) for row in rows),
            *(ReplacementTransform(rows[h]["q"], new_q[h]) for h in range(self.h)),
            *(ReplacementTransform(rows[h]["k"], new_k[h]) for h in range(self.h)),
            *(ReplacementTransform(rows[h]["tag"], tags[h]) for h in range(self.h)),
            *(FadeIn(grid.skeleton()) for grid in grids),
            run_time=1.2,
        )
        self.title = title
        for h in range(self.h):
            rows[h]["q"], rows[h]["k"], rows[h]["tag"] = new_q[h], new_k[h], tags[h]
        q_box = new_q[0].row_box(0, palette.HIGHLIGHT)
        k_box = SurroundingRectangle(new_k[0].brackets, color=palette.KEY, buff=0.05, stroke_width=3)
        self.play(Create(q_box), Create(k_box), run_time=0.8)
        self.wait(0.6)

        self.step("Softmax turns those scores into one row of weights: brighter means more attention")
        grid_box = grids[0].row_box(0, palette.HIGHLIGHT)
        self.play(
            TransformFromCopy(new_q[0].row(0), grids[0].cells[0]),
            FadeIn(grids[0].tiles[0]),
            Create(grid_box),
            run_time=1.2,
        )
        self.wait(1.2)

        self.step("The same for every token of every head" if self.h > 1 else "The same for every token")
        self.play(FadeOut(VGroup(q_box, k_box, grid_box)), run_time=0.4)
        for h, grid in enumerate(grids):
            rest = [grid.row(i) for i in range(self.n) if (h, i) != (0, 0)]
            self.play(LaggedStart(*(FadeIn(r) for r in rest), lag_ratio=0.3), run_time=0.5 + 0.2 * len(rest))
        self.wait(0.6)

        # Where each token looks most, per head: geometry from the trace, no number made.
        boxes = VGroup(
            *(
                grid.cell_box(i, int(np.argmax(self.trace.heads[h].weights[i])), palette.HIGHLIGHT)
                for h, grid in enumerate(grids)
                for i in range(self.n)
            )
        )
        if self.h == 1:
            self.step("The brightest cell of each row: the token it attends to most")
        else:
            self.step("Each head attends in its own way: the brightest cells differ")
        self.play(LaggedStart(*(Create(b) for b in boxes), lag_ratio=0.1), run_time=1.2)
        self.wait(1.5)
        self.play(FadeOut(boxes), run_time=0.4)
        return grids

    def _contexts(self, rows: list[dict[str, Mobject]], grids: list[WeightGrid]) -> list[MatrixView]:
        """Each head's weights times its values: the first row in full, then all."""
        numbers = self.numbers
        new_grids = [WeightGrid(numbers, h) for h in range(self.h)]
        new_v = [self._head_view(h, "v", "V_h", palette.VALUE) for h in range(self.h)]
        contexts = [
            MatrixView(
                numbers,
                lambda i, j, h=h: f"heads[{h}].context[{i}][{j}]",
                (self.n, self.d_h),
                colour=palette.head_colour(h),
                name=formula('{{ "head"_h : c }}', {"c": palette.CONTEXT}),
                filled=False,
            )
            for h in range(self.h)
        ]
        tags = self._arrange_rows([[new_grids[h], new_v[h], contexts[h]] for h in range(self.h)])
        title = self._title(
            '{{ "head"_h : c }} = {{ A_h : a }} {{ V_h : v }}',
            {"c": palette.CONTEXT, "a": palette.WEIGHTS, "v": palette.VALUE},
        )

        if self.h == 1:
            self.step("The head mixes the values: its weights times V")
        else:
            self.step("Each head mixes its own values: its weights times its V")
        self.play(
            ReplacementTransform(self.title, title),
            *(FadeOut(VGroup(row["q"], row["k"])) for row in rows),
            *(ReplacementTransform(grids[h], new_grids[h]) for h in range(self.h)),
            *(ReplacementTransform(rows[h]["tag"], tags[h]) for h in range(self.h)),
            *(FadeIn(new_v[h], shift=0.2 * LEFT) for h in range(self.h)),
            *(FadeIn(VGroup(c.brackets, c.name)) for c in contexts),
            run_time=1.2,
        )
        self.title = title
        for h in range(self.h):
            rows[h]["tag"] = tags[h]

        w_box = new_grids[0].row_box(0, palette.HIGHLIGHT)
        v_box = SurroundingRectangle(new_v[0].brackets, color=palette.VALUE, buff=0.05, stroke_width=3)
        first = [contexts[0].make_cell(0, c) for c in range(self.d_h)]
        out_box = contexts[0].row_box(0, palette.HIGHLIGHT)
        self.play(Create(w_box), Create(v_box), run_time=0.7)
        self.play(
            LaggedStart(
                *(
                    TransformFromCopy(VGroup(new_grids[0].cells[0], new_v[0].column(c)), first[c])
                    for c in range(self.d_h)
                ),
                lag_ratio=0.3,
            ),
            Create(out_box),
            run_time=1.2,
        )
        for c, cell in enumerate(first):
            contexts[0].set_cell(0, c, cell)
        self.wait(0.8)

        self.step("The same for every row of every head" if self.h > 1 else "The same for every row")
        self.play(FadeOut(VGroup(w_box, v_box, out_box)), run_time=0.4)
        for h, view in enumerate(contexts):
            cells = []
            for i in range(self.n):
                for c in range(self.d_h):
                    if (h, i) != (0, 0):
                        cells.append((i, c, view.make_cell(i, c)))
            self.play(
                LaggedStart(*(FadeIn(m, shift=0.1 * DOWN) for _, _, m in cells), lag_ratio=0.1), run_time=1.0
            )
            for i, c, m in cells:
                view.set_cell(i, c, m)
        self.wait(0.8)
        self._context_rest = [VGroup(new_grids[h], new_v[h], tags[h]) for h in range(self.h)]
        return contexts

    def _concatenate(self, contexts: list[MatrixView]) -> MatrixView:
        """The heads' contexts side by side: one matrix, each head's columns in its colour."""
        numbers = self.numbers
        n, d_v = self.trace.concat.shape
        concat = MatrixView(
            numbers,
            lambda i, j: f"concat[{i}][{j}]",
            (n, d_v),
            colour=palette.CONTEXT,
            name=formula('{{ "concat" : c }}', {"c": palette.CONTEXT}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        for j in range(d_v):
            concat.column(j).set_color(palette.head_colour(j // self.d_h))
        tags = VGroup()
        for h in range(self.h):
            tag = label("head", colour=palette.head_colour(h), font_size=TAG_SIZE)
            cols = VGroup(*(concat.column(h * self.d_h + c) for c in range(self.d_h)))
            tag.next_to(concat.brackets, DOWN, buff=0.2).set_x(cols.get_center()[0])
            tags.add(tag)
        group = VGroup(concat, tags)
        space_top = self.title.get_bottom()[1] - 0.4
        fit_in_frame(
            group, max_width=self.frame_w - 1.0, max_height=space_top - self.caption_top - 0.3, max_growth=1.4
        )
        group.move_to([0, (space_top + self.caption_top) / 2, 0])
        title = self._title(
            '{{ "concat" : c }} = ["head"_h "for every head" h]'
            if self.h > 1
            else '{{ "concat" : c }} = "head"_h',
            {"c": palette.CONTEXT},
        )

        if self.h == 1:
            self.step("With one head, the concatenation is that head's output")
        else:
            self.step("Concatenate the heads' outputs side by side")
        moves: list[Animation] = [
            ReplacementTransform(self.title, title),
            FadeOut(VGroup(*self._context_rest)),
        ]
        for h, view in enumerate(contexts):
            for i in range(n):
                for c in range(self.d_h):
                    moves.append(ReplacementTransform(view.cell(i, c), concat.cell(i, h * self.d_h + c)))
            moves.append(FadeOut(VGroup(view.brackets, view.name)))
        moves += [
            FadeIn(VGroup(concat.brackets, concat.name, concat.row_labels)),
            FadeIn(tags, shift=0.1 * UP),
        ]
        self.play(*moves, run_time=1.4)
        self.add(concat)
        self.title = title
        self.wait(1.2)
        self._concat_tags = tags
        return concat

    def _project(self, concat: MatrixView) -> MatrixView:
        """The output projection W_o, one entry as a row times a column, then all (or output = concat)."""
        numbers = self.numbers
        n, d_out = self.trace.output.shape
        w_o = self.trace.w_o
        new_concat = MatrixView(
            numbers,
            lambda i, j: f"concat[{i}][{j}]",
            concat.shape,
            colour=palette.CONTEXT,
            name=formula('{{ "concat" : c }}', {"c": palette.CONTEXT}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        for j in range(concat.shape[1]):
            new_concat.column(j).set_color(palette.head_colour(j // self.d_h))
        output = MatrixView(
            numbers, lambda i, j: f"output[{i}][{j}]", (n, d_out), colour=palette.OUTPUT, filled=False
        )
        out_name = formula('{{ "output" : o }}', {"o": palette.OUTPUT})
        space_top = self.title.get_bottom()[1] - 0.35
        space_bottom = self.caption_top + 0.25

        if w_o is None:
            equals = label("=", colour=palette.MUTED)
            out_name.next_to(output.brackets, UP, buff=0.15)
            output.add(out_name)
            group = VGroup(new_concat, equals, output).arrange(RIGHT, buff=0.5)
            fit_in_frame(
                group, max_width=self.frame_w - 1.0, max_height=space_top - space_bottom, max_growth=1.4
            )
            group.move_to([0, (space_top + space_bottom) / 2, 0])
            title = self._title(
                '{{ "output" : o }} = {{ "concat" : c }}', {"o": palette.OUTPUT, "c": palette.CONTEXT}
            )
            self.step("This lesson has no output projection W_o: the output is the concatenation")
            self.play(
                ReplacementTransform(self.title, title),
                ReplacementTransform(concat, new_concat),
                FadeOut(self._concat_tags),
                run_time=1.0,
            )
            self.title = title
            cells = [output.make_cell(i, j) for i in range(n) for j in range(d_out)]
            self.play(
                FadeIn(equals),
                FadeIn(VGroup(output.brackets, out_name)),
                *(
                    TransformFromCopy(new_concat.cell(i, j), cells[i * d_out + j])
                    for i in range(n)
                    for j in range(d_out)
                ),
                run_time=1.4,
            )
            for i in range(n):
                for j in range(d_out):
                    output.set_cell(i, j, cells[i * d_out + j])
            self.wait(1.5)
            self._project_rest = VGroup(new_concat, equals)
            return output

        w_view = MatrixView(
            numbers,
            lambda i, j: f"w_o[{i}][{j}]",
            w_o.shape,
            colour=palette.WEIGHT_MATRIX,
            name=None,
        )
        w_name = formula("{{ W_o : w }}", {"w": palette.WEIGHT_MATRIX})
        # W_o's columns stand exactly over the output's columns they make.
        column_w = max(w_view.cell_size[0], output.cell_size[0])
        respace_columns(w_view, column_w)
        respace_columns(output, column_w)
        # The textbook layout of a product: W_o above the output, concat to its left,
        # so a row of concat and a column of W_o meet at the entry they make.
        output.next_to(new_concat.brackets, RIGHT, buff=0.6)
        output.set_y(new_concat.brackets.get_center()[1])
        w_view.next_to(output.brackets, UP, buff=0.35)
        w_view.set_x(output.brackets.get_center()[0])
        w_name.next_to(w_view.brackets, RIGHT, buff=0.25)
        # Under the output, so the names do not widen the whole picture.
        out_name.next_to(output.brackets, DOWN, buff=0.2)
        w_view.add(w_name)
        output.add(out_name)
        group = VGroup(new_concat, w_view, output)
        fit_in_frame(group, max_width=self.frame_w - 1.0, max_height=space_top - space_bottom, max_growth=1.3)
        group.move_to([0, (space_top + space_bottom) / 2, 0])
        title = self._title(
            '{{ "output" : o }} = {{ "concat" : c }} dot {{ W_o : w }}',
            {"o": palette.OUTPUT, "c": palette.CONTEXT, "w": palette.WEIGHT_MATRIX},
        )

        self.step("The output projection W_o mixes the heads back together")
        self.play(
            ReplacementTransform(self.title, title),
            ReplacementTransform(concat, new_concat),
            FadeOut(self._concat_tags),
            FadeIn(w_view),
            FadeIn(VGroup(output.brackets, out_name)),
            run_time=1.2,
        )
        self.title = title
        self.wait(0.4)

        self.step("One entry: a row of concat times a column of W_o")
        row_box = new_concat.row_box(0, palette.HIGHLIGHT)
        col_box = w_view.column_box(0, palette.WEIGHT_MATRIX)
        cell = output.make_cell(0, 0)
        cell_box = output.cell_box(0, 0, palette.OUTPUT)
        self.play(Create(row_box), Create(col_box), run_time=0.7)
        self.play(
            TransformFromCopy(VGroup(new_concat.row(0), w_view.column(0)), cell),
            Create(cell_box),
            run_time=1.0,
        )
        output.set_cell(0, 0, cell)
        self.wait(0.8)

        self.step("The same for every entry of the output")
        self.play(FadeOut(VGroup(col_box, cell_box)), run_time=0.3)
        box = row_box
        for i in range(n):
            cells = [(j, output.make_cell(i, j)) for j in range(d_out) if (i, j) != (0, 0)]
            new_box = new_concat.row_box(i, palette.HIGHLIGHT)
            self.play(
                ReplacementTransform(box, new_box),
                LaggedStart(*(FadeIn(m, shift=0.1 * DOWN) for _, m in cells), lag_ratio=0.15),
                run_time=0.6,
            )
            for j, m in cells:
                output.set_cell(i, j, m)
            box = new_box
        self.play(FadeOut(box), run_time=0.3)
        self.wait(0.5)
        self._project_rest = VGroup(new_concat, w_view)
        return output

    def _same_shape(self, output: MatrixView) -> None:
        """X and the output next to each other: one row per token each, the same width."""
        numbers = self.numbers
        n, d = self.trace.x.shape
        x_view = MatrixView(
            numbers,
            lambda i, j: f"x[{i}][{j}]",
            (n, d),
            colour=palette.EMBEDDING,
            name=formula("{{ X : x }}", {"x": palette.EMBEDDING}),
            row_labels=[numbers.token(i) for i in range(n)],
        )
        same = self.trace.output.shape == self.trace.x.shape
        space_top = self.title.get_bottom()[1] - 0.35
        space_bottom = self.caption_top + 0.25
        width, height = self.frame_w - 1.0, space_top - space_bottom
        new_out = self._output_view(with_tokens=False)
        # Side by side reads best; one above the other when that leaves the numbers larger.
        across = x_view.width + new_out.width + 3.2
        down = x_view.height + new_out.height + 1.6
        # Both capped at the growth limit below, so side by side wins a tie.
        side_by_side = min(1.4, width / across, height / max(x_view.height, new_out.height)) >= min(
            1.4, width / max(x_view.width, new_out.width), height / down
        )
        if not side_by_side:
            new_out = self._output_view(with_tokens=True)
        if same:
            # Equal column widths, so equal shapes look equal.
            column_w = max(x_view.cell_size[0], new_out.cell_size[0])
            respace_columns(x_view, column_w)
            respace_columns(new_out, column_w)
        middle = label("same shape" if same else "same rows", colour=palette.MUTED, font_size=22)
        if side_by_side:
            arrow = DoubleArrow(
                LEFT * 0.7, RIGHT * 0.7, color=palette.MUTED, stroke_width=3, buff=0, tip_length=0.18
            )
            between = VGroup(middle, arrow).arrange(DOWN, buff=0.15)
            group = VGroup(x_view, between, new_out).arrange(RIGHT, buff=0.6)
        else:
            arrow = DoubleArrow(
                UP * 0.45, DOWN * 0.45, color=palette.MUTED, stroke_width=3, buff=0, tip_length=0.18
            )
            between = VGroup(arrow, middle).arrange(RIGHT, buff=0.2)
            group = VGroup(x_view, between, new_out).arrange(DOWN, buff=0.3)
            # The arrow stands between the two matrices' brackets, the words beside it.
            between.shift(RIGHT * (x_view.brackets.get_center()[0] - arrow.get_center()[0]))
        fit_in_frame(group, max_width=width, max_height=height, max_growth=1.4)
        group.move_to([0, (space_top + space_bottom) / 2, 0])

        if same:
            self.step("The output has the same shape as the input X: one row per token, same width")
        else:
            self.step("The output has one row per token, like the input X")
        self.play(
            FadeOut(self._project_rest),
            ReplacementTransform(output, new_out),
            FadeIn(x_view),
            FadeIn(between),
            run_time=1.4,
        )
        self.wait(2.0)

    def _output_view(self, *, with_tokens: bool) -> MatrixView:
        n = self.trace.output.shape[0]
        return MatrixView(
            self.numbers,
            lambda i, j: f"output[{i}][{j}]",
            self.trace.output.shape,
            colour=palette.OUTPUT,
            name=formula('{{ "output" : o }}', {"o": palette.OUTPUT}),
            row_labels=[self.numbers.token(i) for i in range(n)] if with_tokens else None,
        )

    # -- helpers ---------------------------------------------------------------------

    def _title(self, expression: str, colours: dict[str, str]) -> Mobject:
        mob = formula(expression, colours)
        fit_in_frame(mob, max_width=self.frame_w - 1.0, max_height=0.7)
        mob.move_to([0, self.top - mob.height / 2, 0])
        return mob

    def _head_view(
        self, h: int, role: str, name: str, role_colour: str, *, tokens: bool = False
    ) -> MatrixView:
        """Head ``h``'s slice of Q, K or V, its numbers in the head's colour."""
        shape = getattr(self.trace.heads[h], role).shape
        return MatrixView(
            self.numbers,
            lambda i, j: f"heads[{h}].{role}[{i}][{j}]",
            shape,
            colour=palette.head_colour(h),
            name=formula(f"{{{{ {name} : r }}}}", {"r": role_colour}),
            row_labels=[self.numbers.token(i) for i in range(shape[0])] if tokens else None,
        )

    def _arrange_rows(self, rows: list[list[Mobject]]) -> list[Mobject]:
        """One row per head (a head tag, then its matrices), fitted between title and caption.

        Returns the rows' new head tags, made here so they scale with their row.
        """
        tags = [label("head", colour=palette.head_colour(h), font_size=TAG_SIZE) for h in range(len(rows))]
        lines = VGroup(*(VGroup(tag, *row).arrange(RIGHT, buff=ROW_GAP) for tag, row in zip(tags, rows)))
        lines.arrange(DOWN, buff=HEAD_GAP, aligned_edge=LEFT)
        space_top = self.title.get_bottom()[1] - 0.3
        space_bottom = self.caption_top + 0.2
        fit_in_frame(lines, max_width=self.frame_w - 0.6, max_height=space_top - space_bottom, max_growth=1.3)
        lines.move_to([0, (space_top + space_bottom) / 2, 0])
        return tags


def respace_columns(view: MatrixView, column_w: float) -> None:
    """Spread an unscaled view's columns ``column_w`` apart, brackets following.

    Two views whose columns must line up (W_o over the output it makes) get
    the same column width this way, whatever their numbers' widths.
    """
    rows, cols = view.shape
    centre = view.brackets.get_center()[0]
    for j in range(cols):
        x = centre + (j - (cols - 1) / 2) * column_w
        for i in range(rows):
            dx = x - view.slot(i, j)[0]
            # The slot anchors are what make_cell places new numbers by.
            view._slot_points[i * cols + j].shift(RIGHT * dx)
            if (i, j) in view._cells:
                view.cell(i, j).shift(RIGHT * dx)
    half = cols * column_w / 2 + 0.02
    left, right = view.brackets
    left_shift = centre - half - left.get_left()[0]
    left.shift(RIGHT * left_shift)
    right.shift(RIGHT * (centre + half - right.get_right()[0]))
    # Row labels keep their distance from the left bracket.
    view.row_labels.shift(RIGHT * left_shift)
