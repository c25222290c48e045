#!/usr/bin/python3
"""Golden numbers for src/rm: the Bradley-Terry (margin + TRL's center_rewards_coefficient, hard and soft
labels), pointwise (BCE on binary/soft labels, MSE on graded scores) and pairwise (both candidates in one
sequence, logit = left - right) reward-model heads, from PyTorch autograd on Hugging Face transformers' own
LlamaForSequenceClassification (vendored 4.40.0.dev0 in /work/shared/reference). Losses follow TRL's
RewardTrainer.compute_loss, written out here independently of the TypeScript code.

Writes OUT/ (default test/golden/rm): config.json, model.safetensors (tiny f32 LlamaForSequenceClassification),
rm.json (inputs, per-case loss, rewards, d(loss)/d(rewards), grads index), grads_<case>.bin (f32 LE).
Usage: /usr/bin/python3 scripts/reference/rm_ref.py [--out DIR]
"""
import argparse
import json
import os
import sys

REF = os.environ.get("PREFLOOP_REFERENCE", "/work/shared/reference")
sys.path.insert(0, REF)
sys.path.insert(0, os.path.join(REF, "vendor"))

import _common  # noqa: E402,F401
from _common import write_safetensors  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from transformers.models.llama.modeling_llama import LlamaConfig, LlamaForSequenceClassification  # noqa: E402

SEED = 1234
PAD, BOS, EOS = 0, 1, 2
PAIRS = [
    {"chosen": [1, 10, 11, 12, 20, 21, 2], "rejected": [1, 10, 11, 12, 30, 2], "margin": 0.5, "p": 0.9},
    {"chosen": [1, 40, 41, 23, 2], "rejected": [1, 40, 41, 33, 34, 35, 36, 2], "margin": 0.0, "p": 0.7},
    {"chosen": [1, 5, 25, 26, 27, 28, 2], "rejected": [1, 5, 38, 2], "margin": 1.5, "p": 0.2},
]
POINTS = [
    {"ids": [1, 10, 11, 20, 2], "label": 1.0, "score": 0.8},
    {"ids": [1, 12, 13, 14, 15, 30, 31, 2], "label": 0.0, "score": -0.4},
    {"ids": [1, 7, 2], "label": 1.0, "score": 2.5},
    {"ids": [1, 8, 9, 44, 45, 2], "label": 0.3, "score": 0.1},
]
# pairwise rows: the sequence holds both candidates; left/right = positions of the last token of each
PAIRWISE = [
    {"ids": [1, 10, 11, 3, 20, 21, 2, 4, 30, 2], "left": 6, "right": 9, "label": 1.0},
    {"ids": [1, 12, 3, 22, 2, 4, 32, 33, 34, 2], "left": 4, "right": 9, "label": 0.0},
    {"ids": [1, 5, 6, 7, 3, 23, 24, 25, 2, 4, 35, 2], "left": 8, "right": 11, "label": 0.75},
]
CENTER = 0.01


def make_model():
    cfg = LlamaConfig(
        vocab_size=48, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=32, rope_theta=10000.0, rms_norm_eps=1e-6, max_position_embeddings=64,
        hidden_act="silu", tie_word_embeddings=False, pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
        torch_dtype="float32", attention_bias=False, num_labels=1,
    )
    cfg.architectures = ["LlamaForSequenceClassification"]
    model = LlamaForSequenceClassification(cfg).eval()
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            p.copy_(1.0 + 0.1 * r if name.endswith("norm.weight") else r / (p.shape[-1] ** 0.5))
    return model


def pad(rows):
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), PAD, dtype=torch.long)
    attn = torch.zeros((len(rows), T), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        attn[i, : len(r)] = 1
    return ids, attn


def seq_rewards(model, rows):
    # HF's own pooling: the token before the first pad_token_id (right padding)
    ids, attn = pad(rows)
    return model(input_ids=ids, attention_mask=attn).logits[:, 0]


def case_loss(model, case):
    if case.startswith("bt"):
        r = seq_rewards(model, [p["chosen"] for p in PAIRS] + [p["rejected"] for p in PAIRS])
        r.retain_grad()
        n = len(PAIRS)
        rc, rr = r[:n], r[n:]
        d = rc - rr
        if case == "bt":  # TRL: -logsigmoid(chosen - rejected - margin).mean() + c * mean((chosen + rejected)^2)
            d = d - torch.tensor([p["margin"] for p in PAIRS])
            loss = -F.logsigmoid(d).mean() + CENTER * ((rc + rr) ** 2).mean()
        elif case == "bt_plain":
            loss = -F.logsigmoid(d).mean()
        else:  # bt_soft: soft preference p = P(chosen > rejected) from a label model
            q = torch.tensor([p["p"] for p in PAIRS])
            loss = -(q * F.logsigmoid(d) + (1 - q) * F.logsigmoid(-d)).mean()
        return loss, r
    if case.startswith("point"):
        r = seq_rewards(model, [p["ids"] for p in POINTS])
        r.retain_grad()
        if case == "point_bce":
            loss = F.binary_cross_entropy_with_logits(r, torch.tensor([p["label"] for p in POINTS]))
        else:
            loss = F.mse_loss(r, torch.tensor([p["score"] for p in POINTS]))
        return loss, r
    ids, attn = pad([p["ids"] for p in PAIRWISE])
    h = model.model(input_ids=ids, attention_mask=attn).last_hidden_state  # final-normed
    s = model.score(h)[:, :, 0]
    b = torch.arange(len(PAIRWISE))
    left = s[b, torch.tensor([p["left"] for p in PAIRWISE])]
    right = s[b, torch.tensor([p["right"] for p in PAIRWISE])]
    both = torch.cat([left, right])
    both.retain_grad()
    n = len(PAIRWISE)
    logit = both[:n] - both[n:]
    loss = F.binary_cross_entropy_with_logits(logit, torch.tensor([p["label"] for p in PAIRWISE]))
    return loss, both


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test/golden/rm")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = make_model()
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out, "model.safetensors"), state)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(model.config.to_dict(), f, indent=1, sort_keys=True)
    names = [n for n, _ in model.named_parameters()]
    index, off = [], 0
    for n, p in model.named_parameters():
        index.append({"name": n, "shape": list(p.shape), "offset": off})
        off += p.numel()
    cases = {}
    for case in ["bt", "bt_plain", "bt_soft", "point_bce", "point_mse", "pairwise"]:
        model.zero_grad()
        loss, r = case_loss(model, case)
        loss.backward()
        grads = np.concatenate([p.grad.detach().numpy().ravel() for p in model.parameters()]).astype("<f4")
        grads.tofile(os.path.join(out, f"grads_{case}.bin"))
        cases[case] = {
            "loss": loss.item(),
            "rewards": r.detach().tolist(),
            "d_rewards": r.grad.detach().tolist(),
        }
    assert names == [e["name"] for e in index]
    doc = {
        "pad": PAD, "center_rewards_coefficient": CENTER, "pairs": PAIRS, "points": POINTS,
        "pairwise": PAIRWISE, "cases": cases, "grads_index": index, "grads_total": off,
    }
    with open(os.path.join(out, "rm.json"), "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
