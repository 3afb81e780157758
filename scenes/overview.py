"""Topic ``overview``: softmax(Q Kᵀ / √d_k) V built up symbol by symbol.

The story: the formula appears one symbol at a time, each in its role colour,
and each symbol is linked by a line to its matrix from the trace: Q, K and V
above the formula, the softmax weights and the result (the context) below.
The lesson decides the formula: no ``/ √d_k`` when it does not scale, ``+ M``
when it is causal. For a lesson with several heads the first head is shown,
with that head's own columns of Q, K and V. When Q, K and V side by side
would draw digits under the legible floor (4:3, 9:16), K goes a line above
Q and V and its link line bends up through the gap between them.
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
    Indicate,
    Line,
    MathTypst,
    VGroup,
    VMobject,
)

from attention_math.facts import focus
from scenes.kit import palette
from scenes.kit.equations import APPROX, Kind, Reading
from scenes.kit.narration import Num, say_focus
from scenes.kit.stage import EDGE, TopicScene
from scenes.kit.widgets import (
    DIGIT_FLOOR,
    MatrixView,
    digit_height,
    entries,
    fit_in_frame,
    formula,
    label,
    shown_indices,
)

__all__ = ["OverviewScene"]

#: The five matrices (Q, K, V, weights, context), the tier above the formula and the one below.
_Tiers = tuple[tuple[MatrixView, MatrixView, MatrixView, MatrixView, MatrixView], VGroup, VGroup]

# Vertical room between the formula and the matrices, for the linking lines.
LINK_GAP = 0.45
FORMULA_WIDTH = 9.0
#: Between Q and V when K goes over them (a narrow frame): room for K's link line.
STAGGER_GAP = 0.6
#: The least a staggered layout may shrink the formula to, as a share of its usual size.
FORMULA_LEAST = 0.6


class OverviewScene(TopicScene):
    """The attention formula symbol by symbol, each symbol linked to its matrix."""

    topic = "overview"
    #: Whether K sits a line above Q and V, over the gap between them (see :meth:`_tiers`).
    _staggered: bool = False

    def construct(self) -> None:
        head = self.first_head
        scaled = bool(self.trace.lesson.scale)
        causal = head.trace.mask is not None

        equation = self._formula(scaled, causal)
        # A narrow frame (9:16) is narrower than the formula's usual width.
        fit_in_frame(equation, max_width=min(FORMULA_WIDTH, self.frame_width - 1.0), max_growth=1.0)
        self.head_mark = self.head_tag(head.index) if head.several else None
        # The tiers' top: under the head's tag in a narrow frame, where the tag goes above them.
        self._top = self.frame_height / 2 - 0.15
        if self.head_mark is not None and self.upright:
            self.head_mark.to_corner(UP + LEFT, buff=0.3)
            self._top = float(self.head_mark.get_bottom()[1]) - 0.15
        self._equation = equation
        (q_view, k_view, v_view, w_view, c_view), above, below = self._tiers(equation)
        parts = self._parts(equation, scaled, causal)
        self._place(equation, above, below, parts)

        if self.head_mark is not None and not self.upright:
            # Left of the formula, clear of the tiers above and below it.
            self.head_mark.move_to(
                (-self.frame_width / 2 + 0.3 + self.head_mark.width / 2, equation.get_center()[1], 0)
            )

        queries = self.say(
            "Q holds the queries: one row per token, each saying what that token is looking for."
        )
        if self.head_mark is not None:
            self.step(
                "The first head: its queries Q, one row per token",
                say=(
                    self.say("Here is head", Num(head.number_path), ", with its own columns of Q, K and V."),
                    queries,
                ),
            )
            self.play(FadeIn(self.head_mark), run_time=0.5)
        else:
            self.step("Queries Q: one row per token", say=queries)
        self._reveal(parts["q"], q_view, palette.QUERY, up=True)

        self.step(
            "Keys: Q times Kᵀ scores every query against every key",
            say=(
                self.say("K holds the keys: what each token offers to the others."),
                self.say("Q times K transposed scores every query against every key."),
            ),
        )
        if self._staggered:
            # Under Q and V, then up through the gap between them: no other link is crossed.
            gap_x = (q_view.get_right()[0] + v_view.get_left()[0]) / 2
            self._reveal(parts["k"], k_view, palette.KEY, up=True, via=(gap_x, float(q_view.get_bottom()[1])))
        else:
            self._reveal(parts["k"], k_view, palette.KEY, up=True)
        self._scale_and_mask(parts, scaled, causal)

        weights = self.say("Softmax turns each row of scores into weights that add up to one.")
        fact = focus(self.trace, head.index, 0)
        targets = fact.found["targets"]
        where = (
            [say_focus(self.narrator, fact, weights_path=head.path("weights"))]
            if fact.kind in ("only", "even") or w_view.shows(0, targets[0])
            else []
        )
        if scaled:
            self.step("Softmax turns each row of scores into weights", say=(weights, *where))
        else:
            self.step(
                "This lesson does not scale: softmax turns each row of scores into weights",
                say=(
                    self.say("This lesson does not divide by the square root of the key width."),
                    weights,
                    *where,
                ),
            )
        self._reveal(parts["softmax"], w_view, palette.WEIGHTS, up=False)

        self.step(
            "The weights mix the values V",
            say=self.say(
                "The weights then mix the values V: each token takes a weighted sum of every value row."
            ),
        )
        self._reveal(parts["v"], v_view, palette.VALUE, up=True)

        self.step(
            "The result: one context row for every token",
            say=self.say("The result, attention of Q, K and V, is one context row for every token."),
        )
        self._reveal(parts["result"], c_view, palette.CONTEXT, up=False)

        summary = self.say(
            "Compare queries with keys, scale, softmax, then mix the values: that is attention."
        )
        if head.several:
            self.step(
                "The first head's attention, in one line",
                say=(summary, self.say("Every other head does the same with its own Q, K and V.")),
            )
        else:
            self.step("Attention, in one line", say=summary)
        self.play(Indicate(VGroup(*parts.values()), scale_factor=1.06, color=palette.HIGHLIGHT), run_time=1.2)
        self.wait(2.5)

    def _tiers(
        self, equation: MathTypst
    ) -> tuple[tuple[MatrixView, MatrixView, MatrixView, MatrixView, MatrixView], VGroup, VGroup]:
        """The five matrices, and the tiers above and below the formula (not yet scaled).

        Drawn whole when their digits stay at the legible floor once the tiers
        are fitted around the formula. Otherwise, as with
        :func:`~scenes.kit.widgets.fit_with_elision`, what limits the size gives
        way one step at a time: token rows ("⋮") when the height does, the
        columns of the tier that is too wide ("⋯") when a width does. When
        nothing left to give way keeps the floor (a narrow frame, Q, K and V of
        three columns), K goes a line up, over the gap between Q and V, where
        its link line passes (``_staggered``; K's line bends under Q and V to
        go up through that gap, see :meth:`_reveal`). When it is the height that
        keeps the staggered tiers under the floor (4:3), the formula is made
        smaller, down to ``FORMULA_LEAST`` of its size, to give them the room;
        failing that too, the one line.
        """
        # Q, K and V on one line; when that keeps no digit at the floor however much gives way
        # (a narrow frame, three columns each), K goes up a line, over the gap between Q and V.
        for staggered in (False, True):
            mark = self.numbers.checkpoint()
            self._staggered = staggered
            found, legible = self._tiers_once(equation)
            if legible:
                return found
            self.numbers.rollback(mark)
        # K a line up, with the formula smaller, down to FORMULA_LEAST of its size, when the
        # height is what keeps the staggered tiers under the floor (a frame neither wide nor tall: 4:3).
        self._staggered = True
        mark = self.numbers.checkpoint()
        (_, above, below), _ = self._tiers_once(equation)
        self.numbers.rollback(mark)
        digit = digit_height(above)
        if digit is not None:
            least = DIGIT_FLOOR / digit
            tiers_h = least * (above.height + below.height)
            spare = self._top - (self.caption_top + 0.1) - 2 * LINK_GAP - tiers_h
            limits = self._tier_limits(equation, above, below)
            width_allows = least <= min(limits["above"], limits["below"], limits["growth"])
            if width_allows and FORMULA_LEAST * equation.height <= spare < equation.height:
                equation.scale(spare / equation.height)
                found, legible = self._tiers_once(equation)
                if legible:
                    return found
                self.numbers.rollback(mark)
        self._staggered = False
        return self._tiers_once(equation)[0]

    def _tiers_once(self, equation: MathTypst) -> tuple[_Tiers, bool]:
        """What :meth:`_tiers` returns, for the above tier's shape ``self._staggered``; and if legible."""
        n = len(self.trace.tokens)
        # Everything shown at first: a room at least as large as any row or column count.
        whole = max(n, self.trace.x.shape[1], self.trace.q.shape[1], self.trace.v.shape[1])
        rooms = {"rows": n, "above": whole, "below": whole}
        while True:
            mark = self.numbers.checkpoint()
            views = self._views(rooms["rows"], rooms["above"], rooms["below"])
            q_view, k_view, v_view, w_view, c_view = views
            # Closer together in a narrow frame, where the width limits the tiers' size.
            upright = self.upright
            if self._staggered:
                lower = VGroup(q_view, v_view).arrange(RIGHT, buff=STAGGER_GAP, aligned_edge=DOWN)
                k_view.next_to(lower, UP, buff=0.3)
                k_view.set_x((q_view.get_right()[0] + v_view.get_left()[0]) / 2)
                above = VGroup(q_view, k_view, v_view)
            else:
                above = VGroup(q_view, k_view, v_view).arrange(
                    RIGHT, buff=0.25 if upright else 0.45, aligned_edge=DOWN
                )
            below = VGroup(c_view, w_view).arrange(RIGHT, buff=0.3 if upright else 0.9, aligned_edge=UP)
            digit = digit_height(above)
            limits = self._tier_limits(equation, above, below)
            if digit is None or digit * min(limits.values()) >= DIGIT_FLOOR:
                return (views, above, below), True
            # The tightest limit that can still give way.
            giving = [
                name
                for name in sorted(limits, key=lambda name: limits[name])
                if name != "growth"
                and min(rooms[name], self._widest(name, views)) > self._least_room(name, views)
            ]
            if not giving:
                return (views, above, below), False
            self.numbers.rollback(mark)
            rooms[giving[0]] = min(rooms[giving[0]], self._widest(giving[0], views)) - 1

    @staticmethod
    def _widest(name: str, views: tuple[MatrixView, ...]) -> int:
        """How many grid positions the rows (or the widest tier's columns) take now."""
        q_view, k_view, v_view, w_view, c_view = views
        if name == "rows":
            return q_view.grid_shape[0]
        tier = (q_view, k_view, v_view) if name == "above" else (w_view, c_view)
        return max(view.grid_shape[1] for view in tier)

    @staticmethod
    def _least_room(name: str, views: tuple[MatrixView, ...]) -> int:
        """Rows and columns give way down to three grid positions (or as many as there are)."""
        q_view, k_view, v_view, w_view, c_view = views
        if name == "rows":
            return min(q_view.shape[0], 3)
        tier = (q_view, k_view, v_view) if name == "above" else (w_view, c_view)
        return min(3, max(view.shape[1] for view in tier))

    def _tier_limits(self, equation: MathTypst, above: VGroup, below: VGroup) -> dict[str, float]:
        """The scale each constraint allows the tiers: the frame's width per tier, the height for rows."""
        top, bottom = self._top, self.caption_top + 0.1
        room_h = top - bottom - equation.height - 2 * LINK_GAP
        # Staggered, the tier above is two lines high: the room is shared in proportion.
        rows = (
            room_h / (above.height + below.height)
            if self._staggered
            else min(room_h / 2 / above.height, room_h / 2 / below.height)
        )
        # A narrow frame's width limits the tiers: they take it up to the usual edge.
        width = self.frame_width - (2 * EDGE if self.upright else 0.6)
        return {
            "growth": 1.2,
            "above": width / above.width,
            "below": width / below.width,
            "rows": rows,
        }

    def _tier_scale(self, equation: MathTypst, above: VGroup, below: VGroup) -> float:
        """How much the tiers are scaled to fit the frame around the formula (see :meth:`_place`)."""
        return float(min(self._tier_limits(equation, above, below).values()))

    def _views(
        self, row_room: int, above_room: int, below_room: int
    ) -> tuple[MatrixView, MatrixView, MatrixView, MatrixView, MatrixView]:
        """Q, K, V, the weights and the context of the head shown, in at most this many grid rows,
        and columns (per tier: Q, K, V above the formula; context and weights below)."""
        numbers, head = self.numbers, self.first_head
        rows = shown_indices(len(self.trace.tokens), row_room)
        # One head: the trace's own q, k, v; several: the first head's columns.
        prefix = f"{head.prefix}." if head.several else ""

        def view(
            path: str, shape: tuple[int, int], colour: str, name: VMobject, tokens: bool, room: int
        ) -> MatrixView:
            return MatrixView(
                numbers,
                entries(path),
                shape,
                colour=colour,
                name=name,
                row_labels=[numbers.token(i) for i in rows] if tokens else None,
                rows=rows,
                columns=shown_indices(shape[1], room),
            )

        matrices = head.trace
        return (
            view(
                f"{prefix}q",
                matrices.q.shape,
                palette.QUERY,
                formula("{{ Q : s }}", {"s": palette.QUERY}),
                True,
                above_room,
            ),
            view(
                f"{prefix}k",
                matrices.k.shape,
                palette.KEY,
                formula("{{ K : s }}", {"s": palette.KEY}),
                False,
                above_room,
            ),
            view(
                f"{prefix}v",
                matrices.v.shape,
                palette.VALUE,
                formula("{{ V : s }}", {"s": palette.VALUE}),
                False,
                above_room,
            ),
            view(
                head.path("weights"),
                matrices.weights.shape,
                palette.WEIGHTS,
                label("weights", colour=palette.WEIGHTS),
                False,
                below_room,
            ),
            view(
                head.path("context"),
                matrices.context.shape,
                palette.CONTEXT,
                label("context", colour=palette.CONTEXT),
                True,
                below_room,
            ),
        )

    def _scale_and_mask(self, parts: dict[str, VGroup], scaled: bool, causal: bool) -> None:
        """The ÷ √d_k (with its value from the trace) and the mask M, when the lesson has them."""
        if scaled:
            scale = self.numbers.number("scale", colour=palette.MUTED, font_size=22)
            # √d_k written out (the symbol d_k stands for its value here): the sign the log gives.
            sign = self.equations.record(
                Kind.SQUARE_ROOT,
                [Reading("d_k", self.numbers.text("d_k"))],
                scale,
                decimals=self.numbers.decimals,
            )
            self.step(
                "Divide by the square root of the key width",
                say=self.say(
                    "The scores are divided by the square root of the key width,",
                    *(["about"] if sign == APPROX else []),
                    Num("scale"),
                    ", so they do not grow with the width and the softmax does not saturate.",
                ),
            )
            note = VGroup(
                formula("sqrt(d_k)", font_size=30).set_color(palette.MUTED),
                label(sign, colour=palette.MUTED, font_size=22),
                scale,
            ).arrange(RIGHT, buff=0.12)
            note.next_to(parts["sc"], DOWN, buff=0.15)
            self.play(FadeIn(parts["bar"]), FadeIn(parts["sc"]), FadeIn(note), run_time=0.8)
            self.wait(1.2)
            self.play(FadeOut(note), run_time=0.4)

        if causal:
            self.step(
                "The mask M hides every later token",
                say=self.say(
                    "The mask M adds minus infinity to the score of every later token, so it gets no weight."
                ),
            )
            self.play(FadeIn(parts["m"]), run_time=0.8)
            self.wait(1.0)

    # -- building blocks -----------------------------------------------------------

    @staticmethod
    def _formula(scaled: bool, causal: bool) -> MathTypst:
        """The lesson's attention formula, every symbol in a named group."""
        inner = "{{ {{ Q : q }} {{ K^T : k }} : qk }}"
        if scaled:
            inner = f"{{{{ {inner} / {{{{ sqrt(d_k) : sc }}}} : frac }}}}"
        if causal:
            inner += " {{ + M : m }}"
        result = '{{ "Attention"( {{ Q : aq }}, {{ K : ak }}, {{ V : av }} ) : att }}'
        expression = f'{result} = {{{{ {{{{ "softmax" : word }}}} ( {inner} ) : sm }}}} {{{{ V : v }}}}'
        colours = {
            "att": palette.CONTEXT,
            "aq": palette.QUERY,
            "ak": palette.KEY,
            "av": palette.VALUE,
            "sm": palette.WEIGHTS,
            "q": palette.QUERY,
            "k": palette.KEY,
            "sc": palette.MUTED,
            "m": palette.MASK,
            "v": palette.VALUE,
        }
        if scaled:
            colours["frac"] = palette.TEXT
        return formula(expression, {name: colours[name] for name in _group_order(scaled, causal)})

    @staticmethod
    def _parts(equation: MathTypst, scaled: bool, causal: bool) -> dict[str, VGroup]:
        """The formula's leaves, split into the pieces revealed one step at a time."""

        def leaves(name: str) -> list[VMobject]:
            # A group this lesson's formula does not have (no scale, no mask) is empty.
            if (name in ("frac", "sc") and not scaled) or (name == "m" and not causal):
                return []
            return list(equation.select(name))

        def without(base: list[VMobject], *names: str) -> VGroup:
            taken = {id(m) for name in names for m in leaves(name)}
            return VGroup(*(m for m in base if id(m) not in taken))

        parts = {
            "q": VGroup(*leaves("q")),
            "k": VGroup(*leaves("k")),
            "v": VGroup(*leaves("v")),
            # The softmax word and its brackets: what is left of "sm" once the
            # scores, the scale and the mask are taken out.
            "softmax": without(leaves("sm"), "qk", "frac", "m"),
            # "Attention(Q, K, V) =": everything that belongs to no other piece.
            "result": without(
                # All of them: a VMobject's family is VMobjects (Manim types it as Mobject).
                [m for m in equation.family_members_with_points() if isinstance(m, VMobject)],
                "sm",
                "v",
            ),
        }
        if scaled:
            parts["sc"] = VGroup(*leaves("sc"))
            parts["bar"] = without(leaves("frac"), "qk", "sc")
        if causal:
            parts["m"] = VGroup(*leaves("m"))
        return parts

    def _place(self, equation: MathTypst, above: VGroup, below: VGroup, parts: dict[str, VGroup]) -> None:
        """Formula in the middle, Q K V above it, context and weights below it.

        Each tier is centred under (or over) the symbols it links to, as far as
        the frame allows, so the linking lines fan out without crossing.
        """
        frame_w = self.frame_width
        top, bottom = self._top, self.caption_top + 0.1
        scale = self._tier_scale(equation, above, below)
        above.scale(scale)
        below.scale(scale)
        equation.move_to((0, bottom + below.height + LINK_GAP + equation.height / 2, 0))
        above.next_to(equation, UP, buff=LINK_GAP)
        below.next_to(equation, DOWN, buff=LINK_GAP)
        # Keep the extra height, if any, evenly above and below.
        spare = top - above.get_top()[1]
        VGroup(equation, above, below).shift(spare / 2 * UP)

        def centre_on(tier: VGroup, symbols: list[VGroup]) -> None:
            x = sum(s.get_center()[0] for s in symbols) / len(symbols)
            half = (frame_w - 0.4 - tier.width) / 2
            tier.set_x(max(-half, min(half, x)))

        centre_on(above, [parts["q"], parts["k"], parts["v"]])
        if self._staggered:
            # K's line goes up through the gap between Q and V: the gap under the K symbol.
            q_view, _, v_view = above
            gap_x = (q_view.get_right()[0] + v_view.get_left()[0]) / 2
            half = (frame_w - 0.4 - above.width) / 2
            x = above.get_center()[0] + parts["k"].get_center()[0] - gap_x
            above.set_x(max(-half, min(half, x)))
        centre_on(below, [parts["result"], parts["softmax"]])

    def _reveal(
        self,
        symbol: VGroup,
        view: MatrixView,
        colour: str,
        *,
        up: bool,
        via: tuple[float, float] | None = None,
    ) -> None:
        """Show a formula symbol, then its matrix and a line from one to the other.

        ``via``, a point ``(x, y)`` (the bottom of the tier a line passes
        through), makes the line bend there and go straight up to the matrix,
        whose centre is then at that ``x``.
        """
        # Lines start just outside the whole formula, so they never cross a
        # bracket or a denominator on their way to the matrix.
        if up:
            start = np.array((symbol.get_center()[0], self._equation.get_top()[1] + 0.08, 0.0))
            end = view.get_bottom() + 0.08 * DOWN
        else:
            start = np.array((symbol.get_center()[0], self._equation.get_bottom()[1] - 0.08, 0.0))
            end = view.get_top() + 0.08 * UP
        link: VMobject
        if via is None:
            link = Line(start, end, color=colour, stroke_width=2.5, stroke_opacity=0.7)
        else:
            corner = np.array((via[0], via[1] - 0.08, 0.0))
            link = VMobject(color=colour, stroke_width=2.5, stroke_opacity=0.7)
            link.set_points_as_corners([start, corner, np.array((via[0], end[1], 0.0))])
        self.play(FadeIn(symbol, scale=1.2), run_time=0.7)
        self.play(Create(link), FadeIn(view, shift=0.15 * (UP if up else DOWN)), run_time=0.9)
        self.wait(1.2)


def _group_order(scaled: bool, causal: bool) -> list[str]:
    """Group names, outer before inner, so an inner group's colour wins."""
    order = ["att", "aq", "ak", "av", "sm"]
    if scaled:
        order.append("frac")
    order += ["q", "k"]
    if scaled:
        order.append("sc")
    if causal:
        order.append("m")
    order.append("v")
    return order
