"""Independent re-checks of the facts a narration states (attention_math.facts), with the test's own NumPy."""

from __future__ import annotations

import numpy as np

from attention_math.formatting import fmt

__all__ = ["check_stated_fact"]


def check_stated_fact(trace, fact) -> None:
    """Re-derive one stated fact from the trace's arrays; AssertionError when it does not hold."""
    if fact.kind in ("clear", "near") or (fact.kind == "tie" and "winners" in fact.found):
        _check_prediction(trace, fact)
    else:
        _check_fact(trace, fact)


def _shown(values, decimals):
    return [fmt(float(v), decimals) for v in values]


def _check_fact(trace, fact) -> None:
    """Re-derive one stated fact from the trace's arrays."""
    decimals = trace.lesson.decimals
    found = fact.found
    if fact.kind in ("only", "even", "tie", "most"):
        head = trace.heads[found["head"]]
        row = found["row"]
        visible = [j for j in range(len(trace.tokens)) if head.mask is None or not head.mask[row][j]]
        assert found["visible"] == visible
        texts = _shown(head.weights[row][visible], decimals)
        # The largest weight as shown, found by comparing the shown values as numbers.
        best = max(float(t.replace("\u2212", "-")) for t in texts)
        top = [visible[k] for k, t in enumerate(texts) if float(t.replace("\u2212", "-")) == best]
        assert found["targets"] == top
        expected = (
            "only"
            if len(visible) == 1
            else "even"
            if len(top) == len(visible)
            else "tie"
            if len(top) > 1
            else "most"
        )
        assert fact.kind == expected
    elif fact.kind == "masked":
        head = trace.heads[found["head"]]
        row = found["row"]
        hidden = [j for j in range(len(trace.tokens)) if head.mask is not None and head.mask[row][j]]
        assert found["hidden"] == hidden
        # A causal mask hides exactly the tokens after the row, and they get zero weight.
        if trace.lesson.causal:
            assert hidden == list(range(row + 1, len(trace.tokens)))
        assert all(head.weights[row][j] == 0.0 for j in hidden)
    elif fact.kind == "habit":
        head = trace.heads[found["head"]]
        n = len(trace.tokens)
        rows = [i for i in range(n) if (head.mask is None and n > 1) or (head.mask is not None and i > 0)]
        assert found["of"] == len(rows)
        if found["habit"] != "varied":
            target = {"itself": lambda i: i, "previous": lambda i: i - 1, "first": lambda i: 0}[
                found["habit"]
            ]
            hits = 0
            for i in rows:
                visible = [j for j in range(n) if head.mask is None or not head.mask[i][j]]
                texts = [fmt(float(head.weights[i][j]), decimals) if j in visible else "" for j in range(n)]
                if len({texts[j] for j in visible}) == 1:  # an even row looks at nothing in particular
                    continue
                j = target(i)
                best = max((texts[k] for k in visible), key=lambda t: float(t.replace("\u2212", "-")))
                hits += j >= 0 and texts[j] == best
            assert hits * 2 > len(rows)
    elif fact.kind in ("clear", "near", "tie_prediction", "tie"):
        raise AssertionError(f"unexpected fact kind {fact.kind}")
    elif fact.kind in ("prediction",):
        raise AssertionError("prediction facts are checked by kind clear/near/tie")
    else:
        raise AssertionError(f"no independent check for fact kind {fact.kind!r}")


def _check_prediction(trace, fact) -> None:
    decimals = trace.lesson.decimals
    logits = np.asarray(trace.norm_2[-1]) @ np.asarray(trace.vocab_embeddings).T
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    shown = [float(t) for t in _shown(probs, decimals)]
    best = max(shown)
    winners = [j for j, p in enumerate(shown) if p == best]
    assert fact.found["winners"] == winners
    if len(winners) > 1:
        assert fact.kind == "tie"
    else:
        rest = sorted((p for j, p in enumerate(shown) if j not in winners), reverse=True)
        margin = best - rest[0] if rest else 1.0
        assert fact.kind == ("near" if margin < 0.05 else "clear")
