"""The claim checker: element-wise comparison at display precision, the report, bad paths.

The lesson here is small enough to work by hand (written out below); no expected
number is taken from the code under test.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from attention_math.check import ClaimResult, check_claims, format_report
from attention_math.errors import LessonError
from attention_math.loading import lesson_from_dict
from attention_math.pipeline import compute

# tokens a, b; x = embeddings (no positions); W_q = W_k = identity, so q = k = x.
#   q = k = [[1, 0], [0, 2]]
#   v = x @ W_v = [[1*1 + 0*3, 1*2 + 0*4], [0*1 + 2*3, 0*2 + 2*4]] = [[1, 2], [6, 8]]
#   scores = q @ k.T = [[1, 0], [0, 4]]          (not scaled)
#   weights[0] = softmax([1, 0]) = [e/(e+1), 1/(e+1)] = [0.73106, 0.26894]
HAND_LESSON = {
    "tokens": ["a", "b"],
    "embeddings": [[1, 0], [0, 2]],
    "w_q": [[1, 0], [0, 1]],
    "w_k": [[1, 0], [0, 1]],
    "w_v": [[1, 2], [3, 4]],
    "scale": False,
    "decimals": 2,
}
E = math.e


def lesson_with(claims, **changes):
    return lesson_from_dict(HAND_LESSON | changes | {"claims": claims}, name="hand")


def check(lesson):
    return check_claims(lesson, compute(lesson))


CLAIMS = {
    "q": [[1, 0], [0, 2]],  # all right
    "v[1]": [6, 7.5],  # v[1][1] is 8, not 7.5
    "scores[1][1]": 4,  # right
    "weights[0]": [0.73, 0.27],  # right at 2 decimals
}


def test_array_claims_expand_element_by_element_in_order():
    results = check(lesson_with(CLAIMS))
    assert [r.path for r in results] == [
        "q[0][0]",
        "q[0][1]",
        "q[1][0]",
        "q[1][1]",
        "v[1][0]",
        "v[1][1]",
        "scores[1][1]",
        "weights[0][0]",
        "weights[0][1]",
    ]
    assert all(isinstance(r, ClaimResult) for r in results)
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].agrees = False  # type: ignore[misc]


def test_stated_and_computed_numbers_and_texts():
    results = {r.path: r for r in check(lesson_with(CLAIMS))}
    wrong = results["v[1][1]"]
    assert (wrong.stated, wrong.computed) == (7.5, pytest.approx(8.0))
    assert (wrong.stated_text, wrong.computed_text, wrong.agrees) == ("7.5", "8", False)
    assert results["scores[1][1]"].computed == pytest.approx(4.0)
    assert results["weights[0][0]"].computed == pytest.approx(E / (E + 1))
    assert results["weights[0][0]"].computed_text == "0.73"
    assert results["weights[0][1]"].computed_text == "0.27"  # 0.26894 rounds up
    assert [r.path for r in results.values() if not r.agrees] == ["v[1][1]"]


def test_agreement_is_judged_at_the_lessons_decimals():
    # weights[0][0] = e/(e+1) = 0.731059...: 0.731 agrees at 2 and 3 decimals, not at 4.
    lesson = lesson_with({"weights[0][0]": 0.731})
    for decimals, agrees in [(2, True), (3, True), (4, False)]:
        (result,) = check(dataclasses.replace(lesson, decimals=decimals))
        assert result.agrees is agrees, decimals
    (result,) = check(dataclasses.replace(lesson, decimals=4))
    assert (result.stated_text, result.computed_text) == ("0.731", "0.7311")


def test_negative_numbers_use_the_minus_sign():
    (result,) = check(lesson_with({"x[0][0]": -1}))
    assert result.stated_text == "\u22121" and result.computed_text == "1" and not result.agrees


def test_report_is_a_table_with_a_summary_line():
    lesson = lesson_with(CLAIMS)
    report = format_report(check(lesson), lesson)
    lines = report.splitlines()
    assert "hand" in lines[0] and "2 decimals" in lines[0]
    header = next(line for line in lines if line.startswith("claim"))
    assert "stated" in header and "computed" in header
    row = next(line for line in lines if line.startswith("v[1][1]"))
    assert row.split() == ["v[1][1]", "b", "7.5", "8", "✗"]
    row = next(line for line in lines if line.startswith("weights[0][1]"))
    assert row.split() == ["weights[0][1]", "a", "→", "b", "0.27", "0.27", "✓"]
    assert lines[-1] == "1 of 9 claims disagrees"
    assert not report.endswith("\n")


def test_report_columns_line_up():
    lesson = lesson_with(CLAIMS)
    lines = format_report(check(lesson), lesson).splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("claim"))) : -2]
    assert len(table) == 10  # header + 9 claims
    ends = {len(line.rstrip("✓✗").rstrip()) for line in table}
    assert len(ends) == 1
    marks = {line.rstrip()[-1] for line in table[1:]}
    assert marks <= {"✓", "✗"}


def test_summary_counts_every_disagreement():
    # q is [[1, 0], [0, 2]]; state it all wrong but q[0][0].
    lesson = lesson_with({"q": [[1, 5], [5, 5]], "scores[0][0]": 1})
    assert format_report(check(lesson), lesson).splitlines()[-1] == "3 of 5 claims disagree"


def test_summary_grammar_for_one_claim():
    lesson = lesson_with({"scores[0][1]": 1})  # scores[0][1] is 0
    assert format_report(check(lesson), lesson).splitlines()[-1] == "1 of 1 claim disagrees"


def test_report_when_nothing_is_stated():
    lesson = lesson_with({})
    assert check(lesson) == []
    assert format_report([], lesson).splitlines()[-1] == "the lesson states no numbers to check"


@pytest.mark.parametrize(
    ("claims", "key", "fragment"),
    [
        ({"nope": 1}, "claims.nope", "the trace has nothing called 'nope'"),
        ({"score[0]": [1, 0]}, "claims.score[0]", "did you mean 'scores'?"),
        ({"heads[0].weight": 1}, "claims.heads[0].weight", "did you mean 'weights'?"),
        ({"q[5]": [1, 2]}, "claims.q[5]", "names nothing in the trace"),
        ({"heads[3].weights": 1}, "claims.heads[3].weights", "names nothing in the trace"),
        ({"q[0][0][0]": 1}, "claims.q[0][0][0]", "names nothing in the trace"),
        ({"q": [1, 2]}, "claims.q", "states a list of 2 numbers but the trace has a 2 × 2 array"),
        ({"q[0][0]": [1]}, "claims.q[0][0]", "states a list of 1 number but the trace has a single number"),
        ({"residual": [[1, 2], [3, 4]]}, "claims.residual", "does not compute"),
        ({"tokens[0]": 1}, "claims.tokens[0]", "words"),
    ],
)
def test_a_claim_the_trace_cannot_answer_is_a_lesson_error(claims, key, fragment):
    lesson = lesson_with({"q[0]": [1, 0]} | claims)
    with pytest.raises(LessonError) as info:
        check(lesson)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")
    assert fragment in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


# -- issue 12: at large magnitudes, compare within float64's precision ---------------


def test_a_claim_exact_by_hand_agrees_where_float64_cannot_hold_the_decimals():
    from fractions import Fraction

    from attention_math import compute
    from attention_math.check import check_claims, format_report
    from attention_math.loading import lesson_from_dict

    big = 9e11
    rows = [[big, 1.0, big], [big, 1.0, -big]]
    identity = [[1.0 if i == j else 0.0 for j in range(3)] for i in range(3)]
    data = {
        "tokens": ["a", "b"],
        "embeddings": rows,
        "w_q": identity,
        "w_k": identity,
        "w_v": identity,
        "scale": False,
    }
    # By hand, exactly: score(a, b) = big*big + 1*1 + big*(-big) = 1.
    exact = sum(Fraction(x) * Fraction(y) for x, y in zip(rows[0], rows[1], strict=True))
    assert exact == 1
    data["claims"] = {"scores[0][1]": float(exact), "scores[0][0]": 2 * big * big * 1.01 + 1}
    lesson = lesson_from_dict(data, "huge")
    trace = compute(lesson)
    results = {r.path: r for r in check_claims(lesson, trace)}
    exact_claim = results["scores[0][1]"]
    assert exact_claim.agrees
    # float64 loses the 1 next to 8.1e23: either the texts match or the tolerance says why they agree.
    assert exact_claim.by_tolerance == (exact_claim.stated_text != exact_claim.computed_text)
    # A claim one percent off is still a slip, at any magnitude.
    assert not results["scores[0][0]"].agrees
    report = format_report(list(results.values()), lesson)
    if exact_claim.by_tolerance:
        assert "✓*" in report and "agrees up to float64 rounding" in report


def test_small_numbers_are_still_compared_at_the_lessons_decimals():
    from attention_math.check import _result

    assert not _result("q[0][0]", 0.12, 0.13, 2).agrees
    assert _result("q[0][0]", 0.124, 0.12, 2).agrees
    assert not _result("q[0][0]", 0.12, 0.13, 2, scale=1.0).by_tolerance
