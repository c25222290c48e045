#!/usr/bin/python3
"""Golden loss and gradients for fine-tuning PairRM (prefloop rm train on an llm-blender/PairRM folder), from
Hugging Face transformers' OWN DeBERTa-v2 code (vendored 4.40.0.dev0 in /work/shared/reference/vendor) plus
llm-blender's DebertaV2PairRM head and its training objective, re-stated here from llm_blender/pair_ranker/
pairrm.py (compute_loss) and ranker.py (loss_type "instructgpt", the one train_ranker.sh uses for PairRM):
    loss = mean over rows and tasks of -log sigmoid(sign(label) * (left - right))
A tiny random PairRM-shaped model (2 layers, hidden 32, 8 position buckets, PairRM's 4 marker tokens) is written
as an llm-blender folder; three (source, chosen, rejected) pairs are collated as upstream's CrossCompareCollator
does at short budgets (truncation and budget sharing happen), each pair in both orders, padded into one batch.
Loss, logits and the gradient of every parameter come from autograd in float64 (eval mode: no dropout).

Usage: /usr/bin/python3 scripts/reference/rm_pairrm_ref.py --out test/golden/rm-pairrm
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pairrm_ref as pr  # noqa: E402  (puts /work/shared/reference and its vendor/ on sys.path)
from _common import write_safetensors  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

SEED = 1313
SOURCE_MAX, CANDIDATE_MAX = 20, 12


def compute_loss(left, right, labels):
    """llm-blender DebertaV2PairRM.compute_loss (= CrossCompareReranker's "instructgpt" loss)."""
    left = left * labels.sign()
    right = -right * labels.sign()
    return -torch.log(torch.sigmoid(left + right)).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test/golden/rm-pairrm")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    vocab = pr.make_vocab()
    n_base = len(vocab)
    tok = pr.write_tokenizer(out, vocab, n_base)
    marker_ids = tok.convert_tokens_to_ids(pr.MARKERS)
    cfg = pr.deberta_config(n_base + 4, layers=2)
    cfg.source_prefix_id, cfg.cand1_prefix_id, cfg.cand2_prefix_id, cfg.cand_prefix_id = marker_ids
    cfg.n_tasks, cfg.drop_out = 1, 0.05
    cfg.architectures = ["DebertaV2PairRM"]
    model = pr.PairRM(cfg, marker_ids[:3]).eval()
    pr.det_init(model, SEED)
    cfg.save_pretrained(out)
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out, "model.safetensors"), sd, {"format": "pt"})

    pairs = [{"prompt": pr.rand_text(g, ns), "chosen": pr.rand_text(g, nc), "rejected": pr.rand_text(g, nr)}
             for ns, nc, nr in ((8, 5, 14), (25, 12, 3), (14, 20, 20))]
    rows, labels = [], []
    for p in pairs:
        # both orders: (chosen, rejected) has left better (+1), its mirror right better (-1)
        rows.append(pr.collate_pair(tok, p["prompt"], p["chosen"], p["rejected"], SOURCE_MAX, CANDIDATE_MAX))
        labels.append(1.0)
        rows.append(pr.collate_pair(tok, p["prompt"], p["rejected"], p["chosen"], SOURCE_MAX, CANDIDATE_MAX))
        labels.append(-1.0)
    L = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), L, dtype=torch.long)
    mask = torch.zeros(len(rows), L, dtype=torch.long)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = torch.tensor(row)
        mask[r, :len(row)] = 1

    m = model.double()
    m.zero_grad()
    logit, left, right = m(ids, mask)
    loss = compute_loss(left, right, torch.tensor(labels, dtype=torch.float64)[:, None])
    loss.backward()
    index, chunks, off = [], [], 0
    for name, p in sorted(m.named_parameters(), key=lambda kv: kv[0]):
        assert p.grad is not None, name
        a = p.grad.detach().numpy().astype("<f4").ravel()
        index.append({"name": name, "shape": list(p.shape), "offset": off})
        chunks.append(a)
        off += a.size
    np.concatenate(chunks).tofile(os.path.join(out, "grads.bin"))
    ref = {
        "meta": {"torch": torch.__version__, "seed": SEED, "objective": "llm-blender instructgpt (pairrm.py compute_loss)",
                 "notes": ["float64 autograd on the float32 weights; grads.bin: little-endian f32 by grads_index"]},
        "source_max": SOURCE_MAX, "candidate_max": CANDIDATE_MAX, "pairs": pairs, "rows": rows,
        "labels": labels, "loss": float(loss), "logits": pr.lst(logit), "left": pr.lst(left), "right": pr.lst(right),
        "grads_index": index, "grads_total": off,
    }
    with open(os.path.join(out, "rm_pairrm.json"), "w") as f:
        json.dump(ref, f)
    print(f"pairrm loss {float(loss):.6f}, {len(index)} gradients ({off} values) -> {out}")


if __name__ == "__main__":
    main()
