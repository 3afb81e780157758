"""Numbers said in words, and facts about a trace that hold for ties, one token and causal masks.

Expected words are written out by hand; facts are checked on lessons made here
whose weights are known by hand (equal embeddings give equal scores, so even
weights; a one-token lesson attends only to itself; a causal mask hides the future).
"""

from __future__ import annotations

import pytest

from attention_math import compute, load_example
from attention_math.facts import focus, head_habit, masked_future, prediction
from attention_math.loading import lesson_from_dict
from attention_math.speech import spoken_number, spoken_token


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0.47", "zero point four seven"),
        ("\u22121.2", "minus one point two"),
        ("\u2212\u221e", "minus infinity"),
        ("\u221e", "infinity"),
        ("2505.5", "two thousand five hundred five point five"),
        ("0", "zero"),
        ("36%", "thirty-six percent"),
        ("12.5%", "twelve point five percent"),
        ("1000000", "one million"),
        ("0.0801", "zero point zero eight zero one"),
    ],
)
def test_numbers_are_said_as_a_person_reads_them(text, words):
    assert spoken_number(text) == words


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "--1", "1e5"])
def test_text_that_is_not_one_number_is_refused(text):
    with pytest.raises(ValueError, match="not a formatted number"):
        spoken_number(text)


def test_tokens_are_said_without_their_repeat_primes_and_punctuation_is_named():
    assert spoken_token("the\u2032") == "the"
    assert spoken_token("the\u2032\u2032") == "the"
    assert spoken_token(".") == "full stop"
    assert spoken_token("coding") == "coding"
    assert spoken_token("token 3") == "token three"
    assert spoken_token("2024") == "two thousand twenty-four"


def _make(tokens, embeddings, *, causal=False, decimals=2):
    """A lesson with identity projections: q = k = v = the embeddings."""
    d = len(embeddings[0])
    identity = [[1.0 if i == j else 0.0 for j in range(d)] for i in range(d)]
    data = {
        "tokens": list(tokens),
        "embeddings": embeddings,
        "w_q": identity,
        "w_k": identity,
        "w_v": identity,
        "causal": causal,
        "decimals": decimals,
    }
    return compute(lesson_from_dict(data, "made"))


def test_equal_rows_spread_attention_evenly_and_one_token_sees_only_itself():
    even = _make(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    fact = focus(even, 0, 1)
    assert fact.kind == "even"
    assert fact.found["targets"] == [0, 1, 2]
    alone = _make(["solo"], [[0.5, 0.5]])
    assert focus(alone, 0, 0).kind == "only"
    assert head_habit(alone, 0).found == {"head": 0, "habit": "varied", "rows": 0, "of": 0}


def test_a_tie_between_two_tokens_is_a_tie_and_one_clear_winner_is_most():
    # Row 0 = [1, 0]; keys [1,0], [1,0], [0,1]: scores 1, 1, 0 (scaled the same): a tie of tokens 0 and 1.
    tied = _make(["a", "b", "c"], [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    fact = focus(tied, 0, 0)
    assert fact.kind == "tie"
    assert fact.found["targets"] == [0, 1]
    # Row 2 = [0, 1] matches only itself: scores 0, 0, 1.
    assert focus(tied, 0, 2).kind == "most"
    assert focus(tied, 0, 2).found["targets"] == [2]


def test_a_causal_mask_hides_exactly_the_later_tokens():
    causal = _make(["a", "b", "c"], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], causal=True)
    assert masked_future(causal, 0, 0).found["hidden"] == [1, 2]
    assert masked_future(causal, 0, 2).found["hidden"] == []
    assert focus(causal, 0, 0).kind == "only"


def test_the_prediction_of_every_built_in_example_is_a_fact_of_one_kind():
    for name in ("default", "i-love-coding", "token-residual", "write-a-poem", "transformer-breakdown"):
        trace = compute(load_example(name))
        if trace.probs is None:
            continue
        fact = prediction(trace)
        assert fact.kind in ("clear", "near", "tie")
        assert (len(fact.found["winners"]) > 1) == (fact.kind == "tie")
