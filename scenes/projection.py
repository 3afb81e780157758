"""Topic ``projection``: Q = X·W_q as row-times-column products, then K and V.

A lesson too large to draw at the teaching standard's digit floor is elided,
never shrunk: X, W and Q show their first rows and columns and the last ("⋮",
"⋯" for the rest; :func:`~scenes.kit.widgets.fit_with_elision`), always
including the entry worked in full. That entry's sum still shows every term;
it wraps onto more lines when one line would be too small to read.
"""

from __future__ import annotations

from collections.abc import Callable

from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Animation,
    Create,
    FadeIn,
    FadeOut,
    LaggedStart,
    ReplacementTransform,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from scenes.kit import palette
from scenes.kit.equations import APPROX, EQUALS
from scenes.kit.narration import Num, Sentence, Tok
from scenes.kit.stage import Region, TopicScene
from scenes.kit.sums import product_sign
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    MatrixView,
    TracedText,
    digit_height,
    entries,
    fit_with_elision,
    formula,
    label,
    shown_indices,
)

__all__ = ["ProjectionScene"]

ROLE = {
    "q": ("Q", "W_q", palette.QUERY),
    "k": ("K", "W_k", palette.KEY),
    "v": ("V", "W_v", palette.VALUE),
}
#: The entry worked in full: row i of X times column j of W.
SWEPT = (0, 0)
#: Space between the matrices and the sum under them.
PANEL_GAP = 0.45


class ProjectionScene(TopicScene):
    """X·W_q entry by entry: one entry's running sum in full, then the rest; then K and V."""

    topic = "projection"

    def construct(self) -> None:
        title, x_view, w_view, out_view, signs = self._queries()
        for role in ("k", "v"):
            title, w_view, out_view = self._again(role, title, x_view, w_view, out_view)
        self._all_three(title, VGroup(x_view, signs[0], w_view, signs[1]), out_view)

    def _queries(self) -> tuple[VMobject, MatrixView, MatrixView, MatrixView, tuple[VMobject, VMobject]]:
        """X × W_q = Q: one entry's running sum in full, then every entry."""
        title = self.title(
            "{{ Q : q }} = {{ X : x }} dot {{ W_q : w }}",
            {"q": palette.QUERY, "x": palette.EMBEDDING, "w": palette.QUERY},
        )
        region = self.content(below=title)
        i, j = SWEPT
        panel = self._sum_panel("q", i, j, region.width)
        matrices = Region(region.left, region.right, region.bottom + panel.height + PANEL_GAP, region.top)
        layout = self._product_layout(matrices)
        x_view, times, w_view, equals, out_view = self._parts
        panel.next_to(layout, DOWN, buff=PANEL_GAP).set_x(0)

        self.step(
            "Each token's embedding is one row of X",
            say=self.say("We start from X, where each token's embedding is one row."),
        )
        self.play(FadeIn(title), FadeIn(x_view), run_time=1.0)

        self.step(
            "Q = X times W_q: a query is what each token looks for",
            say=(
                self.say("Multiplying X by a weight matrix, W q, gives Q, the queries."),
                self.say("A token's query is what it is looking for in the other tokens."),
            ),
        )
        self.play(
            FadeIn(times),
            FadeIn(w_view),
            FadeIn(equals),
            FadeIn(out_view.brackets),
            FadeIn(out_view.heading),
            FadeIn(out_view.ellipses),
            run_time=1.0,
        )

        self.step("One entry in full: a row of X times a column of W_q", say=self._entry_said("q", i, j))
        self._sweep_entry("q", x_view, w_view, out_view, i, j, panel)

        self.step(
            "The same for every entry of Q",
            say=self.say(
                "Every other entry is made the same way, from a row of X and a column of W q, "
                "so each token gets its own row of Q."
            ),
        )
        self._fill_rest("q", x_view, out_view, skip={(i, j)})
        return title, x_view, w_view, out_view, (times, equals)

    def _product_layout(self, region: Region) -> VGroup:
        """X × W = Q in a row, fitted into ``region``, elided where the digits would be too small.

        Keeps its parts (X, ×, W_q, =, Q) in ``self._parts``, and the rows and
        columns shown in ``self._shown`` for K and V to draw the same.
        """
        n, d = self.trace.x.shape
        i, j = SWEPT
        # One "=" stands between X × W and the result for Q, K and V in turn: "≈" if any of the
        # three, redone from its drawn (rounded) entries, does not give its drawn result.

        def paths(name: str) -> Callable[[int, int], str]:
            return lambda r, c: f"{name}[{r}][{c}]"

        signs = [
            product_sign(
                self.numbers,
                paths("x"),
                paths(f"w_{role}"),
                paths(role),
                (n, d, int(getattr(self.trace, role).shape[1])),
                self.equations,
            )
            for role in ("q", "k", "v")
        ]
        sign = APPROX if APPROX in signs else EQUALS

        def build(row_room: int, column_room: int, across: bool = True) -> VGroup:
            self._shown = (
                shown_indices(n, row_room, [i]),  # rows of X and Q
                shown_indices(d, column_room),  # columns of X
                shown_indices(d, row_room),  # rows of W
                shown_indices(d, column_room, [j]),  # columns of W and Q
            )
            rows, x_columns, _, _ = self._shown
            x_view = MatrixView(
                self.numbers,
                entries("x"),
                (n, d),
                colour=palette.EMBEDDING,
                name=formula("X", {}),
                row_labels=[self.numbers.token(r, colour=palette.TEXT) for r in rows],
                rows=rows,
                columns=x_columns,
            )
            w_view, out_view = self._projection_views("q")
            times = label("×", colour=palette.MUTED)
            equals = label(sign, colour=palette.MUTED)
            self._parts = (x_view, times, w_view, equals, out_view)
            if across:
                return VGroup(*self._parts).arrange(RIGHT, buff=0.35)
            # A narrow frame (4:3, 9:16): X × W above, "= Q" under it.
            product = VGroup(x_view, times, w_view).arrange(RIGHT, buff=0.35)
            return VGroup(product, VGroup(equals, out_view).arrange(RIGHT, buff=0.35)).arrange(DOWN, buff=0.3)

        def fitted(across: bool) -> VGroup:
            return fit_with_elision(
                lambda row_room, column_room: build(row_room, column_room, across),
                rows=max(n, d),
                columns=d,
                max_width=region.width,
                max_height=region.height,
                max_growth=1.4,
                numbers=self.numbers,
            )

        # In a row, unless that draws digits under the floor where two rows would not.
        mark = self.numbers.checkpoint()
        layout = fitted(across=True)
        smallest = digit_height(layout)
        if smallest is not None and smallest < DIGIT_FLOOR - 1e-9:
            self.numbers.rollback(mark)
            stacked = fitted(across=False)
            stacked_smallest = digit_height(stacked)
            if stacked_smallest is not None and stacked_smallest > smallest:
                layout = stacked
            else:
                self.numbers.rollback(mark)
                layout = fitted(across=True)
        return layout.move_to(region.centre)

    def _again(
        self, role: str, title: VMobject, x_view: MatrixView, w_view: MatrixView, out_view: MatrixView
    ) -> tuple[VMobject, MatrixView, MatrixView]:
        """K (or V): the same products with W_k (W_v), in the places of W_q and Q."""
        name, weight_name, colour = ROLE[role]
        new_w, new_out = self._projection_views(role)
        new_w.scale(w_view.scale_factor).move_to(w_view)
        new_out.scale(out_view.scale_factor).move_to(out_view)
        new_title = self.title(
            f"{{{{ {name} : o }}}} = {{{{ X : x }}}} dot {{{{ {weight_name} : w }}}}",
            {"o": colour, "x": palette.EMBEDDING, "w": colour},
        ).move_to(title)
        if role == "k":
            self.step(
                "Keys: the same with W_k; a key is what a token offers",
                say=(
                    self.say("Keys come from the same X with a second matrix, W k."),
                    self.say(
                        "A token's key is what it offers: the queries of other tokens are matched against it."
                    ),
                ),
            )
        else:
            self.step(
                "Values: the same with W_v; a value is what a token gives",
                say=(
                    self.say("Values use a third matrix, W v."),
                    self.say(
                        "A token's value is the information it passes on to the tokens that attend to it."
                    ),
                ),
            )
        self.play(
            FadeOut(w_view),
            FadeOut(out_view),
            FadeIn(new_w),
            FadeIn(new_out.brackets),
            FadeIn(new_out.heading),
            FadeIn(new_out.ellipses),
            ReplacementTransform(title, new_title),
            run_time=0.8,
        )
        self._fill_rest(role, x_view, new_out, skip=set())
        return new_title, new_w, new_out

    def _all_three(self, title: VMobject, leaving: VGroup, out_view: MatrixView) -> None:
        """Q, K and V side by side."""
        self.step(
            "Q, K and V: three views of the same tokens",
            say=(
                self.say("Q, K and V each have one row per token: three views of the same tokens."),
                *(
                    (self.say("With several heads, each head takes its own group of their columns."),)
                    if len(self.trace.heads) > 1
                    else ()
                ),
                self.say("Next, every query is compared with every key."),
            ),
        )
        n, d = self.trace.x.shape
        region = self.content(below=title)

        def fitted(across: bool) -> VGroup:
            def build(row_room: int, column_room: int) -> VGroup:
                rows = shown_indices(n, row_room)
                columns = shown_indices(d, column_room)
                views = VGroup(
                    *(self._result_view(role, rows, columns, stacked=not across) for role in ("q", "k", "v"))
                )
                if across:
                    return views.arrange(RIGHT, buff=0.6)
                return views.arrange(DOWN, buff=0.3, aligned_edge=RIGHT)

            return fit_with_elision(
                build,
                rows=n,
                columns=d,
                max_width=region.width,
                max_height=region.height,
                max_growth=1.5,
                numbers=self.numbers,
            )

        # Side by side, or one above the other when that draws more of them at the floor.
        mark = self.numbers.checkpoint()
        tried = [fitted(across) for across in (True, False)]
        shown: list[float] = [sum(len(view.shown_entries()) for view in views) for views in tried]
        if self.upright and shown[0] == shown[1]:
            # A narrow frame: as many drawn either way, the way that draws them larger.
            shown = [digit_height(views) or 0.0 for views in tried]
        self.numbers.rollback(mark)
        views = fitted(shown[0] >= shown[1]).move_to(region.centre)
        final_title = self.title(
            "{{ Q : q }}, {{ K : k }}, {{ V : v }} = "
            "X dot {{ W_q : wq }}, X dot {{ W_k : wk }}, X dot {{ W_v : wv }}",
            {
                "q": palette.QUERY,
                "k": palette.KEY,
                "v": palette.VALUE,
                "wq": palette.QUERY,
                "wk": palette.KEY,
                "wv": palette.VALUE,
            },
        ).move_to(title)
        self.play(
            FadeOut(leaving),
            ReplacementTransform(out_view, views[2]),
            ReplacementTransform(title, final_title),
            FadeIn(views[0]),
            FadeIn(views[1]),
            run_time=1.2,
        )
        self.wait(1.5)

    def _projection_views(self, role: str) -> tuple[MatrixView, MatrixView]:
        """The weight matrix of ``role`` and its (empty) product matrix, elided as X × W_q is."""
        name, weight_name, colour = ROLE[role]
        rows, _, w_rows, columns = self._shown
        weights = getattr(self.trace, f"w_{role}")
        out = getattr(self.trace, role)
        w_view = MatrixView(
            self.numbers,
            entries(f"w_{role}"),
            weights.shape,
            colour=colour,
            name=formula(weight_name, {}),
            rows=w_rows,
            columns=columns,
        )
        out_view = MatrixView(
            self.numbers,
            entries(role),
            out.shape,
            colour=colour,
            name=formula(name, {}),
            filled=False,
            rows=rows,
            columns=columns,
        )
        return w_view, out_view

    def _result_view(
        self, role: str, rows: tuple[int, ...], columns: tuple[int, ...], *, stacked: bool
    ) -> MatrixView:
        """Q, K or V in full (as far as it fits). Side by side, only Q names the rows (the
        others share them); stacked, each names its rows and has its name on its left."""
        name, _, colour = ROLE[role]
        out = getattr(self.trace, role)
        labels = [self.numbers.token(r) for r in rows] if role == "q" or stacked else None
        view = MatrixView(
            self.numbers,
            entries(role),
            out.shape,
            colour=colour,
            name=formula(name, {}),
            row_labels=labels,
            rows=rows,
            columns=columns,
        )
        if stacked:
            view.heading.next_to(view.row_labels, LEFT, buff=0.4)
        return view

    def _sweep_entry(
        self,
        role: str,
        x_view: MatrixView,
        w_view: MatrixView,
        out_view: MatrixView,
        i: int,
        j: int,
        panel: VGroup,
    ) -> None:
        """Row i of X sweeps column j of W: each product, and the running sum counting up.

        A factor whose entry is elided from X or W appears in the sum without coming from it.
        """
        colour = ROLE[role][2]
        row_box = x_view.row_box(i, palette.HIGHLIGHT)
        col_box = w_view.column_box(j, colour)
        self.play(Create(row_box), Create(col_box), run_time=0.6)
        factors, pluses, products, sum_label = self._panel_parts
        running: TracedText | None = None
        for m, pair in enumerate(factors):
            animations: list[Animation] = [
                TransformFromCopy(x_view.cell(i, m), pair[0]) if x_view.shows(i, m) else FadeIn(pair[0]),
                TransformFromCopy(w_view.cell(m, j), pair[2]) if w_view.shows(m, j) else FadeIn(pair[2]),
                FadeIn(pair[1]),
            ]
            if m > 0:
                animations.append(FadeIn(pluses[m - 1]))
            self.play(*animations, run_time=0.6)
            partial = self.numbers.number(f"{role}_partial[{i}][{j}][{m}]", colour=colour)
            partial.scale(self._panel_scale).next_to(sum_label, RIGHT, buff=0.25)
            if running is None:
                self.play(FadeIn(products[m]), FadeIn(sum_label), FadeIn(partial), run_time=0.5)
            else:
                self.play(FadeIn(products[m]), ReplacementTransform(running, partial), run_time=0.5)
            running = partial

        assert running is not None  # X has at least one column: the loop ran
        cell = out_view.make_cell(i, j)
        out_box = out_view.cell_box(i, j, colour)
        self.play(Create(out_box), ReplacementTransform(running, cell), run_time=0.9)
        out_view.set_cell(i, j, cell)
        self.wait(0.6)
        self.play(FadeOut(VGroup(panel, row_box, col_box, out_box)), run_time=0.5)

    def _entry_said(self, role: str, i: int, j: int) -> tuple[Sentence, ...]:
        """The entry worked in full, said while it is drawn: the first product, then the sum."""
        name = ROLE[role][0]
        product = self.say(
            "The row of",
            Tok(i),
            "and the column multiply pair by pair: first",
            Num(f"x[{i}][0]"),
            "times",
            Num(f"w_{role}[0][{j}]"),
            "is",
            Num(f"{role}_terms[{i}][{j}][0]"),
            ".",
        )
        if self.trace.x.shape[1] == 1:
            return product, self.say("With a single pair, that product is the entry of", name, "itself.")
        total = self.say(
            "The products add up in a running sum, to", Num(f"{role}[{i}][{j}]"), ": one entry of", name, "."
        )
        return product, total

    def _sum_panel(self, role: str, i: int, j: int, max_width: float) -> VGroup:
        """``x_i0 × w_0j + x_i1 × w_1j + ...``, each product under its pair, the running sum below.

        On as few lines as keep every digit at the floor within ``max_width``;
        a continued line starts with its "+". Keeps the parts in ``self._panel_parts``
        (factor pairs, plus signs, products, the label) and the scale in ``self._panel_scale``.
        """
        numbers = self.numbers
        colour = ROLE[role][2]
        d = self.trace.x.shape[1]
        for lines in range(1, d + 1):
            factors = [
                VGroup(
                    numbers.number(f"x[{i}][{m}]", colour=palette.EMBEDDING),
                    label("×", colour=palette.MUTED),
                    numbers.number(f"w_{role}[{m}][{j}]", colour=colour),
                ).arrange(RIGHT, buff=0.08)
                for m in range(d)
            ]
            pluses = [label("+", colour=palette.MUTED) for _ in range(d - 1)]
            products = VGroup(
                *(
                    numbers.number(f"{role}_terms[{i}][{j}][{m}]", colour=palette.MUTED, font_size=22)
                    for m in range(d)
                )
            )
            per_line = -(-d // lines)
            rows = VGroup()
            for start in range(0, d, per_line):
                terms = range(start, min(d, start + per_line))
                line = VGroup(*(part for m in terms for part in (*pluses[max(m - 1, 0) : m], factors[m])))
                line.arrange(RIGHT, buff=0.18)
                for m in terms:
                    products[m].next_to(factors[m], DOWN, buff=0.15)
                rows.add(VGroup(line, *(products[m] for m in terms)))
            rows.arrange(DOWN, buff=0.3, aligned_edge=LEFT)
            sum_label = label("running sum", colour=palette.MUTED, font_size=22)
            sum_label.next_to(rows, DOWN, buff=0.3).align_to(rows, LEFT)
            # Room for the running sum itself right of its label.
            widest = max(numbers.number(f"{role}_partial[{i}][{j}][{m}]").width for m in range(d))
            panel = VGroup(rows, sum_label)
            factor = min(1.0, max_width / max(panel.width, sum_label.width + 0.25 + widest))
            smallest = digit_height(panel)
            if smallest is None or factor * smallest >= DIGIT_FLOOR or lines == d:
                break
        panel.scale(factor)
        self._panel_parts = (factors, pluses, products, sum_label)
        self._panel_scale = factor
        return panel

    def _fill_rest(
        self, role: str, x_view: MatrixView, out_view: MatrixView, skip: set[tuple[int, int]]
    ) -> None:
        """Fill the remaining shown entries row by row, the X row highlighted as it goes."""
        box = None
        for i in out_view.shown_rows:
            columns = [j for j in out_view.shown_columns if (i, j) not in skip]
            cells = [out_view.make_cell(i, j) for j in columns]
            new_box = x_view.row_box(i, palette.HIGHLIGHT)
            intro = [Create(new_box)] if box is None else [ReplacementTransform(box, new_box)]
            self.play(
                *intro,
                LaggedStart(*(FadeIn(c, shift=0.1 * DOWN) for c in cells), lag_ratio=0.25),
                run_time=0.8,
            )
            for j, c in zip(columns, cells, strict=True):
                out_view.set_cell(i, j, c)
            box = new_box
        if box is not None:
            self.play(FadeOut(box), run_time=0.3)
