"""Honest arithmetic: every equation a scene draws adds up, as drawn, or says "≈".

Each topic that writes out sums, products and quotients records them in its
``scene.equations`` (scenes/kit/equations.py) with the texts it drew and the
sign it drew. Here every one is redone by hand from those texts
(support/equations.py: parse, exact decimal arithmetic, round half away from
zero), without asking the log: "=" must hold at the precision shown, and a
sign shared by several equations is "≈" only if one of them is off. The texts
themselves must be the formatter applied to the trace value at their path.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from manim import Text

from attention_math import compute, fmt, fmt_percent
from attention_math.loading import lesson_from_dict
from support.equations import holds, number
from support.lessons import DRAWN_SOURCES
from support.scene_harness import build_dry

#: The topics whose scenes write equations out, and the kinds each must record.
#: Every topic's recorded equations are checked; these kinds must be among them (the others
#: draw an equation only for some lessons: a positional encoding, W_o, scaling).
TOPIC_KINDS = {
    "scores": {"product", "sum"},
    "softmax": {"sum", "quotient", "adds up to one"},
    "weighted_sum": {"product", "sum", "dot product"},
    "single_query": {"product", "sum", "adds up to one"},
    "positional": set(),
    "overview": set(),
    "multihead": set(),
    "block": set(),
    "masking": set(),
    "next_word": set(),
    "projection": set(),
    "embeddings": set(),
}


def _check_log(scene) -> list[str]:
    """Every problem with the scene's recorded equations, redone by hand from the drawn texts."""
    trace, decimals = scene.trace, scene.numbers.decimals
    problems = []
    groups: dict[str, list] = {}
    for eq in scene.equations.entries:
        groups.setdefault(eq.group, []).append(eq)
        paths = [*eq.operands, *([] if eq.result == "one" else [eq.result])]
        texts = [*eq.operand_texts, *([] if eq.result == "one" else [eq.result_text])]
        for path, text in zip(paths, texts, strict=True):
            # A share may be drawn as a percentage ("36%"), by the percentage formatter.
            formatter = fmt_percent if text.endswith("%") else fmt
            expected = formatter(float(trace.get(path)), decimals)
            if text != expected:
                problems.append(f"{path}: drawn {text!r}, formatter gives {expected!r}")
        if eq.relation not in ("=", "≈"):
            problems.append(f"{eq.group}: sign {eq.relation!r}")
    for name, members in groups.items():
        sign = {eq.relation for eq in members}
        if len(sign) != 1:
            problems.append(f"{name}: one drawn sign recorded as {sorted(sign)}")
            continue
        fine = [holds(eq.kind.value, eq.operand_texts, eq.result_text, decimals) for eq in members]
        if sign == {"="} and not all(fine):
            bad = members[fine.index(False)]
            problems.append(
                f"{name}: '=' drawn but {bad.kind.value} of {bad.operand_texts} is not {bad.result_text!r}"
            )
        if sign == {"≈"} and all(fine):
            problems.append(f"{name}: '≈' drawn although every equation holds as drawn")
    return problems


@pytest.mark.parametrize("source", DRAWN_SOURCES)
@pytest.mark.parametrize("topic", list(TOPIC_KINDS))
def test_every_drawn_equation_adds_up_as_drawn_or_says_approximately(built, topic, source):
    scene, _ = built(topic, source)
    kinds = {eq.kind.value for eq in scene.equations.entries}
    assert TOPIC_KINDS[topic] <= kinds
    assert _check_log(scene) == []


# -- the arithmetic by hand, on the issue's own examples --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "operands", "result", "decimals", "expected"),
    [
        ("quotient", ("0.3", "1.3"), "0.3", 1, False),  # 0.3 ÷ 1.3 = 0.23
        ("adds up to one", ("0.03", "0.59", "0.04", "0.33"), "one", 2, False),  # 0.99
        ("sum", ("0.02", "0.1", "0.17", "1"), "1.28", 2, False),  # 1.29
        ("sum", ("0.02", "0.1", "0.17", "1"), "1.29", 2, True),
        ("product", ("\u22120.5", "0.25"), "\u22120.13", 2, True),  # −0.125 rounds away from zero
        ("quotient", ("1", "3"), "33%", 2, True),
        ("square root", ("2",), "1.41", 2, True),
    ],
)
def test_redoing_an_equation_by_hand(kind, operands, result, decimals, expected):
    assert number("\u22121.5") == -number("1.5")
    assert holds(kind, operands, result, decimals) is expected


def test_the_log_decides_as_a_person_redoing_the_sum_would():
    from scenes.kit.equations import Kind, relation

    assert relation(Kind.ADDS_UP_TO_ONE, ["0.03", "0.59", "0.04", "0.33"], "one", 2) == "≈"
    assert relation(Kind.ADDS_UP_TO_ONE, ["0.03", "0.6", "0.04", "0.33"], "one", 2) == "="
    assert relation(Kind.QUOTIENT, ["0.3", "1.3"], "0.3", 1) == "≈"
    assert relation(Kind.QUOTIENT, ["0.3", "1.3"], "0.2", 1) == "="
    assert relation(Kind.SUM, ["0.02", "0.1", "0.17", "1"], "1.28", 2) == "≈"


# -- hand-made lessons where rounding shows ---------------------------------------------------------

#: Three identical tokens: every weight is a third, drawn "0.33", and a row of them adds up to 0.99.
#: Each value row is [0.5, 0.2]: a third of it is drawn "0.17" and "0.07", three of which make
#: 0.51 and 0.21, while the context is 0.5 and 0.2.
THIRDS = {
    "description": "three identical tokens",
    "tokens": ["a", "b", "c"],
    "embeddings": [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]],
    "w_q": [[0.1, 0.2], [0.3, 0.4]],
    "w_k": [[0.5, 0.6], [0.7, 0.8]],
    "w_v": [[0.5, 0.2], [0.0, 0.0]],
}

#: One decimal: q = [0.25, 0.25] is drawn "0.3", "0.3"; with k = [1, 1] the products are drawn
#: "0.3" (0.3 × 1, honest) but the score 0.5 is not their drawn sum 0.6.
HALVES = {
    "description": "a query of quarters",
    "tokens": ["x", "y"],
    "embeddings": [[1.0, 0.0], [0.0, 1.0]],
    "w_q": [[0.25, 0.25], [0.0, 0.0]],
    "w_k": [[1.0, 1.0], [1.0, 1.0]],
    "w_v": [[1.0, 0.0], [0.0, 1.0]],
    "decimals": 1,
}


def _build(topic: str, lesson: dict, tmp_path: Path):
    trace = compute(lesson_from_dict(lesson, "hand-made"))
    return build_dry(topic, trace, tmp_path)


def _texts_on_screen(scene) -> list[str]:
    return [m.text for top in scene.mobjects for m in top.get_family() if isinstance(m, Text)]


def test_a_row_of_thirds_is_drawn_as_adding_up_to_about_one(tmp_path):
    scene, log = _build("softmax", THIRDS, tmp_path)
    assert log.untraced == [] and log.mismatched == []
    rows = [eq for eq in scene.equations.entries if eq.kind.value == "adds up to one"]
    # Rows of weights (0.33 each) and the one-row bars, labelled in percent (33% each).
    assert rows and all(eq.operand_texts in (("0.33",) * 3, ("33%",) * 3) for eq in rows)
    assert {eq.relation for eq in rows} == {"≈"}
    # e^0 = 1 three times, sum 3, and 1 ÷ 3 drawn as 0.33 and as 33%: honest.
    shares = [eq for eq in scene.equations.entries if eq.kind.value == "quotient"]
    assert {(eq.operand_texts, eq.result_text, eq.relation) for eq in shares} <= {
        (("1", "3"), "0.33", "="),
        (("1", "3"), "33%", "="),
    }
    assert (("1", "3"), "0.33", "=") in {(eq.operand_texts, eq.result_text, eq.relation) for eq in shares}
    # The last picture, every row of weights beside its bar, shows the "≈".
    assert "≈" in _texts_on_screen(scene)
    assert _check_log(scene) == []


def test_thirds_of_a_value_row_add_up_to_about_the_context(tmp_path):
    scene, _ = _build("weighted_sum", THIRDS, tmp_path)
    sums = [eq for eq in scene.equations.entries if eq.kind.value == "sum"]
    assert [(eq.operand_texts, eq.result_text, eq.relation) for eq in sums] == [
        (("0.17", "0.17", "0.17"), "0.5", "≈"),
        (("0.07", "0.07", "0.07"), "0.2", "≈"),
    ]
    products = [eq for eq in scene.equations.entries if eq.kind.value == "product"]
    assert {eq.relation for eq in products} == {"="}  # 0.33 × 0.5 = 0.165, drawn 0.17
    assert _check_log(scene) == []


def test_a_dot_product_of_rounded_products_says_approximately(tmp_path):
    scene, _ = _build("scores", HALVES, tmp_path)
    entries = scene.equations.entries
    products = [eq for eq in entries if eq.kind.value == "product"]
    assert [(eq.operand_texts, eq.result_text, eq.relation) for eq in products] == [
        (("0.3", "1"), "0.3", "="),
        (("0.3", "1"), "0.3", "="),
    ]
    (dot,) = [eq for eq in entries if eq.kind.value == "sum"]
    assert (dot.operand_texts, dot.result_text, dot.relation) == (("0.3", "0.3"), "0.5", "≈")
    assert _check_log(scene) == []
