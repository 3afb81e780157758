"""The default video's numbers: the multihead scene shows what nn.MultiheadAttention computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attention_math.formatting import fmt


def _torch_multihead(lesson):
    d_model = lesson.d_model
    mha = torch.nn.MultiheadAttention(
        d_model, lesson.heads, bias=False, batch_first=True, dtype=torch.float64
    )
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.from_numpy(np.concatenate([lesson.w_q.T, lesson.w_k.T, lesson.w_v.T])))
        mha.out_proj.weight.copy_(torch.from_numpy(np.ascontiguousarray(lesson.w_o.T)))
    x = torch.from_numpy(np.array(lesson.embeddings))[None]
    output, weights = mha(x, x, x, need_weights=True, average_attn_weights=False)
    return output[0].detach().numpy(), weights[0].detach().numpy()


@pytest.mark.scene("multihead", "default")
def test_default_multihead_scene_draws_torch_multihead_attention_numbers(lessons, built):
    lesson = lessons("default")
    assert lesson.heads == 2 and lesson.positional == "none"
    torch_output, torch_weights = _torch_multihead(lesson)
    scene, log = built("multihead", "default")  # the scene tests/drawing/test_topics.py checks too
    assert log.untraced == [] and log.mismatched == []
    drawn = {entry.path: entry for entry in scene.numbers.registry}
    n, d = torch_output.shape
    for i in range(n):
        for j in range(d):
            entry = drawn[f"output[{i}][{j}]"]
            assert abs(entry.value - torch_output[i, j]) < 1e-10
            assert entry.text == fmt(torch_output[i, j], lesson.decimals)
    for h in range(2):
        for i in range(n):
            for j in range(n):
                entry = drawn[f"heads[{h}].weights[{i}][{j}]"]
                assert abs(entry.value - torch_weights[h, i, j]) < 1e-10
    # Each head is named by its number, read from the trace like every number: "head 1", "head 2".
    assert [(drawn[f"heads[{h}].number"].value, drawn[f"heads[{h}].number"].text) for h in range(2)] == [
        (1.0, "1"),
        (2.0, "2"),
    ]
