"""Topic ``projection``: Q = X·W_q as row-times-column products, then K and V."""

from __future__ import annotations

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
    Text,
    TransformFromCopy,
    VGroup,
    VMobject,
)

from .kit import palette
from .kit.stage import TopicScene
from .kit.widgets import MatrixView, TracedText, entries, fit_in_frame, formula, label

__all__ = ["ProjectionScene"]

ROLE = {
    "q": ("Q", "W_q", palette.QUERY),
    "k": ("K", "W_k", palette.KEY),
    "v": ("V", "W_v", palette.VALUE),
}


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
        numbers = self.numbers
        n, d = self.trace.x.shape
        title = self.title(
            "{{ Q : q }} = {{ X : x }} dot {{ W_q : w }}",
            {"q": palette.QUERY, "x": palette.EMBEDDING, "w": palette.QUERY},
        )
        x_view = MatrixView(
            numbers,
            entries("x"),
            (n, d),
            colour=palette.EMBEDDING,
            name=formula("X", {}),
            row_labels=[numbers.token(i, colour=palette.TEXT) for i in range(n)],
        )
        w_view, out_view = self._projection_views("q")
        times = label("×", colour=palette.MUTED)
        equals = label("=", colour=palette.MUTED)
        layout = VGroup(x_view, times, w_view, equals, out_view).arrange(RIGHT, buff=0.35)
        fit_in_frame(layout, max_height=3.6, max_growth=1.4)
        layout.next_to(title, DOWN, buff=0.6)

        self.step("Each token's embedding is one row of X")
        self.play(FadeIn(title), FadeIn(x_view), run_time=1.0)

        self.step("Q = X times W_q: a query is what each token looks for")
        self.play(
            FadeIn(times),
            FadeIn(w_view),
            FadeIn(equals),
            FadeIn(out_view.brackets),
            FadeIn(out_view.heading),
            run_time=1.0,
        )

        self.step("One entry in full: a row of X times a column of W_q")
        self._sweep_entry("q", x_view, w_view, out_view, 0, 0, layout)

        self.step("The same for every entry of Q")
        self._fill_rest("q", x_view, out_view, skip={(0, 0)})
        return title, x_view, w_view, out_view, (times, equals)

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
        self.step(
            "Keys: the same with W_k; a key is what a token offers"
            if role == "k"
            else "Values: the same with W_v; a value is what a token gives"
        )
        self.play(
            FadeOut(w_view),
            FadeOut(out_view),
            FadeIn(new_w),
            FadeIn(new_out.brackets),
            FadeIn(new_out.heading),
            ReplacementTransform(title, new_title),
            run_time=0.8,
        )
        self._fill_rest(role, x_view, new_out, skip=set())
        return new_title, new_w, new_out

    def _all_three(self, title: VMobject, leaving: VGroup, out_view: MatrixView) -> None:
        """Q, K and V side by side."""
        self.step("Q, K and V: three views of the same tokens")
        views = VGroup(*(self._result_view(role) for role in ("q", "k", "v"))).arrange(RIGHT, buff=0.6)
        fit_in_frame(views, max_height=4.6, max_growth=1.5)
        views.move_to((0, (title.get_bottom()[1] + self.caption_top) / 2, 0))
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
        """The weight matrix of ``role`` and its (empty) product matrix."""
        name, weight_name, colour = ROLE[role]
        weights = getattr(self.trace, f"w_{role}")
        out = getattr(self.trace, role)
        w_view = MatrixView(
            self.numbers,
            entries(f"w_{role}"),
            weights.shape,
            colour=colour,
            name=formula(weight_name, {}),
        )
        out_view = MatrixView(
            self.numbers, entries(role), out.shape, colour=colour, name=formula(name, {}), filled=False
        )
        return w_view, out_view

    def _result_view(self, role: str) -> MatrixView:
        name, _, colour = ROLE[role]
        out = getattr(self.trace, role)
        labels = [self.numbers.token(i) for i in range(out.shape[0])] if role == "q" else None
        return MatrixView(
            self.numbers,
            entries(role),
            out.shape,
            colour=colour,
            name=formula(name, {}),
            row_labels=labels,
        )

    def _sweep_entry(
        self,
        role: str,
        x_view: MatrixView,
        w_view: MatrixView,
        out_view: MatrixView,
        i: int,
        j: int,
        layout: VGroup,
    ) -> None:
        """Row i of X sweeps column j of W: each product, and the running sum counting up."""
        colour = ROLE[role][2]
        row_box = x_view.row_box(i, palette.HIGHLIGHT)
        col_box = w_view.column_box(j, colour)
        self.play(Create(row_box), Create(col_box), run_time=0.6)
        expression, factors, pluses, products, sum_label = self._sum_panel(role, i, j, layout)

        running: TracedText | None = None
        for m, pair in enumerate(factors):
            animations: list[Animation] = [
                TransformFromCopy(x_view.cell(i, m), pair[0]),
                TransformFromCopy(w_view.cell(m, j), pair[2]),
                FadeIn(pair[1]),
            ]
            if m > 0:
                animations.append(FadeIn(pluses[m - 1]))
            self.play(*animations, run_time=0.6)
            partial = self.numbers.number(f"{role}_partial[{i}][{j}][{m}]", colour=colour)
            partial.next_to(sum_label, RIGHT, buff=0.25)
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
        self.play(FadeOut(VGroup(expression, products, sum_label, row_box, col_box, out_box)), run_time=0.5)

    def _sum_panel(
        self, role: str, i: int, j: int, layout: VGroup
    ) -> tuple[VGroup, list[VGroup], list[Text], VGroup, Text]:
        """``x_i0 × w_0j + x_i1 × w_1j + ...`` under ``layout``, each product under its pair.

        Returns the expression, its factor pairs and plus signs, the products and the label.
        """
        numbers = self.numbers
        colour = ROLE[role][2]
        d = self.trace.x.shape[1]
        factors = [
            VGroup(
                numbers.number(f"x[{i}][{m}]", colour=palette.EMBEDDING),
                label("×", colour=palette.MUTED),
                numbers.number(f"w_{role}[{m}][{j}]", colour=colour),
            ).arrange(RIGHT, buff=0.08)
            for m in range(d)
        ]
        pluses = [label("+", colour=palette.MUTED) for _ in range(d - 1)]
        expression = VGroup(*(part for m in range(d) for part in (factors[m], *pluses[m : m + 1])))
        expression.arrange(RIGHT, buff=0.18)
        products = VGroup(
            *(
                numbers.number(f"{role}_terms[{i}][{j}][{m}]", colour=palette.MUTED, font_size=22)
                for m in range(d)
            )
        )
        sum_label = label("running sum", colour=palette.MUTED, font_size=22)
        fit_in_frame(VGroup(expression, products, sum_label), max_width=self.frame_width - 1.0)
        expression.next_to(layout, DOWN, buff=0.7).set_x(0)
        for m in range(d):
            products[m].next_to(factors[m], DOWN, buff=0.15)
        sum_label.next_to(products, DOWN, buff=0.3).align_to(expression, LEFT)
        return expression, factors, pluses, products, sum_label

    def _fill_rest(
        self, role: str, x_view: MatrixView, out_view: MatrixView, skip: set[tuple[int, int]]
    ) -> None:
        """Fill the remaining entries row by row, the X row highlighted as it goes."""
        rows, cols = out_view.shape
        box = None
        for i in range(rows):
            cells = [out_view.make_cell(i, j) for j in range(cols) if (i, j) not in skip]
            new_box = x_view.row_box(i, palette.HIGHLIGHT)
            intro = [Create(new_box)] if box is None else [ReplacementTransform(box, new_box)]
            self.play(
                *intro,
                LaggedStart(*(FadeIn(c, shift=0.1 * DOWN) for c in cells), lag_ratio=0.25),
                run_time=0.8,
            )
            for j, c in zip([j for j in range(cols) if (i, j) not in skip], cells, strict=True):
                out_view.set_cell(i, j, c)
            box = new_box
        if box is not None:
            self.play(FadeOut(box), run_time=0.3)
