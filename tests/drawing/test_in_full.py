"""The "in full" steps show their arithmetic: W_o's entry, layer norm's mean and std, ReLU's negatives.

Each scene is built with Manim's dry run while a recorder notes, after every
animation, the texts on screen and the step they belong to. Expected numbers
come from PyTorch (the W_o products of the default lesson) or are worked by
hand in this file (a two-token block lesson whose rows normalise to ±1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from manim import Text, tempconfig

from attention_math import compute
from attention_math.formatting import fmt
from attention_math.lesson import FeedForward, Lesson
from attention_math.trace import Trace
from production.runner import manim_config
from scenes import topic_class
from scenes.kit.widgets import TracedText
from support.layout import visible_texts
from support.teaching import DIGIT_FLOOR


@dataclass(frozen=True)
class Shown:
    """One text on screen after an animation: its words, its trace path ("" for words) and its box."""

    text: str
    path: str
    left: float
    right: float
    y: float


@dataclass
class Recording:
    trace: Trace
    # (step caption, texts on screen) after every animation, in order.
    pictures: list[tuple[str, list[Shown]]]
    registry: dict[str, float]

    def during(self, caption_start: str) -> list[list[Shown]]:
        """The pictures of the steps whose caption starts with ``caption_start``."""
        found = [texts for caption, texts in self.pictures if caption.startswith(caption_start)]
        assert found, f"no step starts with {caption_start!r}; steps: {sorted({c for c, _ in self.pictures})}"
        return found


def record(topic: str, trace: Trace, media_dir: Path) -> Recording:
    """Build ``topic`` for ``trace`` (dry run), noting what is on screen after every animation."""
    pictures: list[tuple[str, list[Shown]]] = []

    class Recorded(topic_class(topic)):  # type: ignore[misc, valid-type]
        def play(self, *args: object, **kwargs: object) -> None:
            super().play(*args, **kwargs)
            if self._waiting:
                return
            texts = [
                Shown(
                    text.text,
                    getattr(text, "trace_path", ""),
                    float(text.get_left()[0]),
                    float(text.get_right()[0]),
                    float(text.get_center()[1]),
                )
                for text in visible_texts(self.mobjects)
                if isinstance(text, Text) and _opaque(text)
            ]
            pictures.append((self.steps[-1] if self.steps else "", texts))

    settings = manim_config(media_dir, quality="low", output_format="mp4", progress=False)
    settings["dry_run"] = True
    with tempconfig(settings):
        scene = Recorded(trace)
        scene.render()
    registry = {entry.path: entry.value for entry in scene.numbers.registry}
    return Recording(trace, pictures, registry)  # type: ignore[arg-type]


def _opaque(text: Text) -> bool:
    return max(leaf.get_fill_opacity() for leaf in text.family_members_with_points()) >= 0.9


def by_path(texts: list[Shown]) -> dict[str, Shown]:
    return {shown.path: shown for shown in texts if shown.path}


def named(texts: list[Shown], word: str, number: Shown) -> bool:
    """Whether the word ``word`` stands just left of ``number``, on its line (Manim's texts drop spaces)."""
    return any(
        shown.text == word.replace(" ", "")
        and not shown.path
        and shown.right <= number.left
        and number.left - shown.right < 1.0
        and abs(shown.y - number.y) < 0.15
        for shown in texts
    )


# -- multi-head: W_o's entry in full ---------------------------------------------------


@pytest.fixture(scope="module")
def multihead_default(traces, scene_media) -> Recording:
    return record("multihead", traces("default", "multihead"), scene_media)


def _torch_concat_and_w_o(lesson: Lesson) -> tuple[np.ndarray, np.ndarray]:
    """The heads' contexts side by side, by torch's scaled dot-product attention, and W_o."""
    t = lambda array: torch.from_numpy(np.array(array, dtype=np.float64))  # noqa: E731
    x = t(lesson.embeddings)
    heads = lesson.heads

    def split(m: torch.Tensor) -> torch.Tensor:
        return m.reshape(m.shape[0], heads, -1).transpose(0, 1)

    q, k, v = (split(x @ t(w)) for w in (lesson.w_q, lesson.w_k, lesson.w_v))
    context = F.scaled_dot_product_attention(q, k, v)
    concat = context.transpose(0, 1).reshape(x.shape[0], -1)
    return concat.numpy(), np.array(lesson.w_o)


def test_the_w_o_entry_is_drawn_as_products_and_running_sums_of_the_whole_concat_row(multihead_default):
    trace = multihead_default.trace
    concat, w_o = _torch_concat_and_w_o(trace.lesson)
    d_v = concat.shape[1]
    products = concat[0] * w_o[:, 0]
    running = np.cumsum(products)
    # The step that works the entry shows, at once, every factor, product and running sum.
    last = multihead_default.during("One entry")[-1]
    shown = by_path(last)
    decimals = trace.lesson.decimals
    for m in range(d_v):
        for path, value in (
            (f"concat[0][{m}]", concat[0, m]),
            (f"w_o[{m}][0]", w_o[m, 0]),
            (f"output_terms[0][0][{m}]", products[m]),
            (f"output_partial[0][0][{m}]", running[m]),
        ):
            assert path in shown, f"{path} not on screen while the entry is worked"
            assert shown[path].text == fmt(value, decimals)
            assert multihead_default.registry[path] == pytest.approx(value, abs=1e-10)
    assert shown["output[0][0]"].text == fmt(running[-1], decimals)
    # The running sums stand in a column headed "running sum", under one another, in order.
    partials = [shown[f"output_partial[0][0][{m}]"] for m in range(d_v)]
    assert [p.y for p in partials] == sorted((p.y for p in partials), reverse=True)
    heading = [t for t in last if t.text == "runningsum" and not t.path]
    assert len(heading) == 1 and heading[0].y > partials[0].y
    assert heading[0].left <= (partials[0].left + partials[0].right) / 2 <= heading[0].right


def test_every_head_names_its_part_of_the_concat_row(multihead_default):
    # The entry takes the whole row, every head's part: no head's context alone gives the output.
    trace = multihead_default.trace
    assert len(trace.heads) == 2
    shown = by_path(multihead_default.during("One entry")[-1])
    d_h = trace.heads[0].v.shape[1]
    for h in range(2):
        tag = shown[f"heads[{h}].number"]
        part = [shown[f"concat[0][{h * d_h + c}]"] for c in range(d_h)]
        assert tag.right < min(p.left for p in part)
        assert min(p.y for p in part) - 0.05 <= tag.y <= max(p.y for p in part) + 0.05


# -- the block: mean and std, ReLU's negatives ---------------------------------------------


def _two_token_block() -> Lesson:
    """x = [[3, −1], [0, 1]]; W_v = 0, so attention adds nothing and add_1 = x.

    Worked by hand, token 0: mean 1, deviations ±2, biased variance 4, std √(4 + 1e-5) ≈ 2,
    norm_1 ≈ [1, −1]. Before ReLU: [1·1, −1·2 + 0.5] = [1, −1.5]; hidden [1, 0].
    W_2 = I, b_2 = 0: add_2 = norm_1 + hidden ≈ [2, −1]: mean 0.5, std 1.5.
    """

    def frozen(rows: object) -> np.ndarray:
        array = np.array(rows, dtype=np.float64)
        array.setflags(write=False)
        return array

    return Lesson(
        name="two tokens",
        description="A block whose first row has a negative before ReLU",
        tokens=("up", "down"),
        embeddings=frozen([[3.0, -1.0], [0.0, 1.0]]),
        w_q=frozen(np.eye(2)),
        w_k=frozen(np.eye(2)),
        w_v=frozen(np.zeros((2, 2))),
        feed_forward=FeedForward(
            w_1=frozen([[1.0, 0.0], [0.0, 2.0]]),
            b_1=frozen([0.0, 0.5]),
            w_2=frozen(np.eye(2)),
            b_2=frozen(np.zeros(2)),
        ),
    )


@pytest.fixture(scope="module")
def block_two_tokens(scene_media) -> Recording:
    return record("block", compute(_two_token_block()), scene_media)


def test_norm_shows_the_rows_mean_and_std_as_traced_numbers_before_the_normalised_row(block_two_tokens):
    pictures = block_two_tokens.during("Norm: first")
    shown = by_path(pictures[-1])
    mean, std = shown["norm_1_mean[0]"], shown["norm_1_std[0]"]
    assert (mean.text, std.text) == ("1", "2")  # by hand: mean 1, std √(4 + 1e-5)
    assert block_two_tokens.registry["norm_1_std[0]"] == pytest.approx(np.sqrt(4 + 1e-5), rel=1e-12)
    assert named(pictures[-1], "mean", mean) and named(pictures[-1], "std", std)
    # Shown before the normalised row: no norm_1 number is on screen yet.
    assert not any(path.startswith("norm_1[") for path in shown)
    after = by_path(block_two_tokens.during("Subtract the mean")[-1])
    assert [after[f"norm_1[0][{j}]"].text for j in range(2)] == ["1", "−1"]


def test_the_second_norm_shows_its_mean_and_std_too(block_two_tokens):
    shown = by_path(block_two_tokens.during("Norm again")[-1])
    assert (shown["norm_2_mean[0]"].text, shown["norm_2_std[0]"].text) == ("0.5", "1.5")


def test_relu_shows_the_negative_before_it_and_the_zero_it_becomes(block_two_tokens):
    pictures = block_two_tokens.during("ReLU: every negative")
    shown = by_path(pictures[-1])
    assert [shown[f"ffn_pre[0][{j}]"].text for j in range(2)] == ["1", "−1.5"]
    assert [shown[f"ffn_hidden[0][{j}]"].text for j in range(2)] == ["1", "0"]
    # The negative stands right over the zero it becomes, in the same column.
    negative, zero = shown["ffn_pre[0][1]"], shown["ffn_hidden[0][1]"]
    assert negative.y > zero.y
    assert negative.left <= (zero.left + zero.right) / 2 <= negative.right


def test_the_feed_forward_draws_the_tokens_row_as_a_row_left_of_w_in(block_two_tokens):
    shown = by_path(block_two_tokens.during("Feed-forward")[-1])
    row = [shown[f"norm_1[0][{m}]"] for m in range(2)]
    weights = [shown[f"w_1[{m}][{j}]"] for m in range(2) for j in range(2)]
    # 1 × d: the row's numbers side by side on one line ...
    assert abs(row[0].y - row[1].y) < 0.05 and row[0].right < row[1].left
    # ... left of W_in (d × d_ff), not stacked as a column.
    assert max(r.right for r in row) < min(w.left for w in weights)


@pytest.mark.parametrize("topic", ["block"])
def test_the_largest_lesson_draws_no_digit_below_twelve_pixels_in_full(topic, traces, scene_media):
    # 6 tokens, d_model 8: the block elides columns rather than shrink its digits.
    smallest = _smallest_story_digit(topic, traces("lessons/largest.toml", topic), scene_media)
    assert smallest >= DIGIT_FLOOR, f"{smallest * 60:.1f} px at 480p"


def _smallest_story_digit(topic: str, trace: Trace, media_dir: Path) -> float:
    """The smallest digit drawn by the story (the title card's words left out)."""
    smallest = float("inf")

    class Measured(topic_class(topic)):  # type: ignore[misc, valid-type]
        def play(self, *args: object, **kwargs: object) -> None:
            nonlocal smallest
            super().play(*args, **kwargs)
            if self._waiting:
                return
            for text in visible_texts(self.mobjects):
                if (
                    isinstance(text, TracedText)
                    and _opaque(text)
                    and text.trace_path not in ("title", "description")
                ):
                    glyphs = [c for c in text.text if not c.isspace()]
                    if len(glyphs) == len(text.submobjects):
                        for c, glyph in zip(glyphs, text.submobjects, strict=True):
                            if c.isdigit():
                                smallest = min(smallest, glyph.height)

    settings = manim_config(media_dir, quality="low", output_format="mp4", progress=False)
    settings["dry_run"] = True
    with tempconfig(settings):
        Measured(trace).render()
    return smallest
