#!/usr/bin/python3
"""Golden numbers for src/train: every preference loss, LD-DPO, the SFT term, LoRA, AdamW, schedules and
clipping, from PyTorch autograd on Hugging Face transformers' own LlamaForCausalLM (vendored 4.40.0.dev0 in
/work/shared/reference). Loss formulas follow TRL's DPOTrainer._compute_loss (and CPOTrainer for SimPO),
written out here independently of the TypeScript code.

Writes OUT/ (default test/golden/train):
  config.json, model.safetensors, ref_model.safetensors   tiny Llama policy and reference (f32)
  dpo.json      inputs, per-case losses/metrics/d(loss)/d(token logps), schedules, AdamW and clipping cases
  grads_<case>.bin   f32 little-endian parameter gradients, laid out by dpo.json["grads_index"]
Usage: /usr/bin/python3 scripts/reference/dpo_ref.py [--out DIR]
"""
import argparse
import copy
import json
import math
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
from transformers.models.llama.modeling_llama import LlamaConfig, LlamaForCausalLM  # noqa: E402
from transformers.optimization import (  # noqa: E402
    get_cosine_schedule_with_warmup,
    get_linear_schedule_with_warmup,
)

SEED = 4321
PAD, BOS, EOS = 0, 1, 2
# 4 pairs with different prompt and response lengths (LD-DPO needs unequal lengths both ways)
PAIRS = [
    {"prompt": [1, 10, 11, 12], "chosen": [20, 21, 22, 2], "rejected": [30, 31, 2]},
    {"prompt": [1, 40, 41], "chosen": [23, 24, 2], "rejected": [33, 34, 35, 36, 37, 2]},
    {"prompt": [1, 5], "chosen": [25, 26, 27, 28, 29, 2], "rejected": [38, 2]},
    {"prompt": [1, 6, 7, 8, 9], "chosen": [42, 43, 2], "rejected": [44, 45, 2]},
]
# (name, loss_type list, loss_weights, beta, label_smoothing, simpo_gamma, ld_alpha)
CASES = [
    ("sigmoid", ["sigmoid"], None, 0.1, 0.0, 0.5, None),
    ("cdpo", ["sigmoid"], None, 0.1, 0.2, 0.5, None),
    ("robust", ["robust"], None, 0.1, 0.2, 0.5, None),
    ("ipo", ["ipo"], None, 0.1, 0.0, 0.5, None),
    ("hinge", ["hinge"], None, 0.5, 0.0, 0.5, None),
    ("sppo_hard", ["sppo_hard"], None, 0.1, 0.0, 0.5, None),
    ("apo_zero", ["apo_zero"], None, 0.3, 0.0, 0.5, None),
    ("simpo", ["simpo"], None, 2.0, 0.0, 0.5, None),
    ("sft", ["sft"], None, 0.1, 0.0, 0.5, None),
    ("sigmoid_sft", ["sigmoid", "sft"], [1.0, 0.5], 0.1, 0.0, 0.5, None),
    ("ld_sigmoid", ["sigmoid"], None, 0.1, 0.0, 0.5, 0.3),
    ("ld_ipo_sft", ["ipo", "sft"], [0.7, 0.3], 0.1, 0.0, 0.5, 0.5),
]
LORA = {"r": 4, "alpha": 8.0, "targets": ["q_proj", "v_proj"]}
ADAMW = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)


def make_model():
    cfg = LlamaConfig(
        vocab_size=48, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=32, rope_theta=10000.0, rms_norm_eps=1e-6, max_position_embeddings=64,
        hidden_act="silu", tie_word_embeddings=False, pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
        torch_dtype="float32", attention_bias=False,
    )
    cfg.architectures = ["LlamaForCausalLM"]
    model = LlamaForCausalLM(cfg).eval()
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            p.copy_(1.0 + 0.1 * r if name.endswith("norm.weight") else r / (p.shape[-1] ** 0.5))
    ref = copy.deepcopy(model)
    with torch.no_grad():
        for _, p in sorted(ref.named_parameters(), key=lambda kv: kv[0]):
            p.add_(0.05 * torch.randn(p.shape, generator=g, dtype=torch.float32))
    return cfg, model, ref


def build_batch():
    """TRL layout: rows [chosen_0..chosen_{N-1}, rejected_0..rejected_{N-1}], right padded;
    loss_mask[b, t] marks token_logps[b, t] = log p(ids[b, t+1]) for response tokens."""
    rows, plens = [], []
    for kind in ("chosen", "rejected"):
        for p in PAIRS:
            rows.append(p["prompt"] + p[kind])
            plens.append(len(p["prompt"]))
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), PAD, dtype=torch.long)
    attn = torch.zeros((len(rows), T), dtype=torch.long)
    lmask = torch.zeros((len(rows), T - 1), dtype=torch.long)
    for i, (r, pl) in enumerate(zip(rows, plens)):
        ids[i, : len(r)] = torch.tensor(r)
        attn[i, : len(r)] = 1
        lmask[i, pl - 1 : len(r) - 1] = 1
    return ids, attn, lmask


def token_logps(model, ids, attn):
    logits = model(input_ids=ids, attention_mask=attn).logits
    lp = F.log_softmax(logits[:, :-1, :], dim=-1)
    return torch.gather(lp, 2, ids[:, 1:].unsqueeze(-1)).squeeze(-1)


def seq_logps(tok, lmask, ld_alpha):
    """TRL's sum (ld_alpha None) or LD-DPO split: shared = first min(|c|,|r|) response tokens, tail weighted."""
    m = lmask.to(tok.dtype)
    tok = tok * m
    if ld_alpha is None:
        return tok.sum(-1)
    pos = lmask.cumsum(dim=1)
    lens = lmask.sum(dim=1)
    c, r = lens.chunk(2)
    shared = torch.minimum(c, r)
    shared = torch.cat([shared, shared]).unsqueeze(1)
    shared_mask = (pos > 0) & (pos <= shared)
    tail_mask = pos > shared
    return (tok * shared_mask).sum(-1) + ld_alpha * (tok * tail_mask).sum(-1)


def objective(pol_tok, ref_tok, lmask, case):
    _, types, weights, beta, ls, gamma, ld_alpha = case
    n = len(PAIRS)
    weights = weights or [1.0] * len(types)
    pl = seq_logps(pol_tok, lmask, ld_alpha)
    rl = seq_logps(ref_tok, lmask, ld_alpha)
    pc, pr = pl[:n], pl[n:]
    rc, rr = rl[:n], rl[n:]
    nc, nr = lmask.sum(-1)[:n].to(pl.dtype).clamp(min=1), lmask.sum(-1)[n:].to(pl.dtype).clamp(min=1)
    clr, rlr = pc - rc, pr - rr
    delta = clr - rlr
    loss = 0.0
    per = torch.zeros(n, dtype=pl.dtype)
    for t, w in zip(types, weights):
        if t == "sigmoid":  # with cDPO label smoothing (TRL <= 0.19)
            lt = -(1 - ls) * F.logsigmoid(beta * delta) - ls * F.logsigmoid(-beta * delta)
        elif t == "robust":
            lt = (-(1 - ls) * F.logsigmoid(beta * delta) + ls * F.logsigmoid(-beta * delta)) / (1 - 2 * ls)
        elif t == "hinge":
            lt = torch.relu(1 - beta * delta)
        elif t == "ipo":
            lt = ((clr / nc - rlr / nr) - 1 / (2 * beta)) ** 2
        elif t == "sppo_hard":
            lt = (clr - 0.5 / beta) ** 2 + (rlr + 0.5 / beta) ** 2
        elif t == "apo_zero":
            lt = 1 - torch.sigmoid(beta * clr) + torch.sigmoid(beta * rlr)
        elif t == "simpo":
            z = beta * (pc / nc - pr / nr - gamma / beta)
            lt = -(1 - ls) * F.logsigmoid(z) - ls * F.logsigmoid(-z)
        elif t == "sft":  # token-mean NLL over all chosen response tokens, raw (unweighted) log-probs
            raw = (pol_tok * lmask.to(pol_tok.dtype))[:n]
            lt = (-raw.sum() / lmask[:n].sum()).expand(n)
        else:
            raise ValueError(t)
        loss = loss + w * lt.mean()
        per = per + w * lt
    if "simpo" in types and all(t in ("simpo", "sft") for t in types):  # reference-free rewards (CPOTrainer)
        cr, rj = (beta * pc / nc).detach(), (beta * pr / nr).detach()
    else:
        cr, rj = (beta * clr).detach(), (beta * rlr).detach()
    metrics = {
        "rewards/chosen": cr.mean().item(), "rewards/rejected": rj.mean().item(),
        "rewards/accuracies": (cr > rj).double().mean().item(), "rewards/margins": (cr - rj).mean().item(),
        "logps/chosen": pc.mean().item(), "logps/rejected": pr.mean().item(),
    }
    return loss, per, metrics


class LoraLinear(torch.nn.Module):
    """PEFT's unmerged LoRA forward: y = x Wᵀ + (alpha/r) · (x Aᵀ) Bᵀ, A [r,in], B [out,r]."""

    def __init__(self, base, a, b, scale):
        super().__init__()
        self.base, self.scale = base, scale
        self.lora_A = torch.nn.Parameter(a.clone())
        self.lora_B = torch.nn.Parameter(b.clone())

    def forward(self, x):
        return self.base(x) + self.scale * F.linear(F.linear(x, self.lora_A), self.lora_B)


def flat(tensors):
    return np.concatenate([t.detach().to(torch.float32).reshape(-1).numpy() for t in tensors]).astype("<f4")


def tj(x):
    if isinstance(x, torch.Tensor):
        return {"shape": list(x.shape), "data": x.detach().double().reshape(-1).tolist()}
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "test", "golden", "train"))
    out = os.path.abspath(ap.parse_args().out)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    cfg, pol32, ref32 = make_model()
    cfg.save_pretrained(out)
    write_safetensors(os.path.join(out, "model.safetensors"), pol32.state_dict(), {"format": "pt"})
    write_safetensors(os.path.join(out, "ref_model.safetensors"), ref32.state_dict(), {"format": "pt"})
    ids, attn, lmask = build_batch()
    # f64 copies of the same f32 weights: golden values carry only HF's internal f32 casts (~1e-7)
    torch.set_default_dtype(torch.float64)
    pol, ref = copy.deepcopy(pol32).double(), copy.deepcopy(ref32).double()
    names = [k for k, _ in sorted(pol.named_parameters(), key=lambda kv: kv[0])]
    with torch.no_grad():
        ref_tok = token_logps(ref, ids, attn)
    res = {"meta": {"pairs": PAIRS, "lora": LORA, "adamw": ADAMW, "precision": "f64 of f32 weights",
                    "cases": [{"name": c[0], "loss_type": c[1], "loss_weights": c[2], "beta": c[3],
                               "label_smoothing": c[4], "simpo_gamma": c[5], "ld_alpha": c[6]} for c in CASES]},
           "inputs": {"ids": tj(ids), "attention_mask": tj(attn), "loss_mask": tj(lmask)},
           "reference_token_logps": tj(ref_tok), "cases": {}, "grads_index": {}}
    offset_names = []
    off = 0
    for k in names:
        n = pol.get_parameter(k).numel()
        offset_names.append({"name": k, "shape": list(pol.get_parameter(k).shape), "offset": off})
        off += n
    res["grads_index"] = {"params": offset_names, "total": off}
    for case in CASES:
        pol.zero_grad()
        tok = token_logps(pol, ids, attn)
        tok.retain_grad()
        loss, per, metrics = objective(tok, ref_tok, lmask, case)
        loss.backward()
        res["cases"][case[0]] = {"loss": loss.item(), "losses": tj(per), "metrics": metrics,
                                 "policy_token_logps": tj(tok), "dtoken_logps": tj(tok.grad)}
        flat([pol.get_parameter(k).grad for k in names]).tofile(os.path.join(out, f"grads_{case[0]}.bin"))

    # LoRA: q_proj/v_proj of every layer, A ~ N(0,1)/sqrt(in), B ~ 0.1 N(0,1) (nonzero so dA is nonzero)
    lp = copy.deepcopy(pol)
    g = torch.Generator().manual_seed(SEED + 7)
    scale = LORA["alpha"] / LORA["r"]
    lora_names, lora_init = [], []
    for li, layer in enumerate(lp.model.layers):
        for t in LORA["targets"]:
            base = getattr(layer.self_attn, t)
            a = torch.randn(LORA["r"], base.in_features, generator=g, dtype=torch.float32).double() / math.sqrt(base.in_features)
            b = 0.1 * torch.randn(base.out_features, LORA["r"], generator=g, dtype=torch.float32).double()
            setattr(layer.self_attn, t, LoraLinear(base, a, b, scale))
            pre = f"model.layers.{li}.self_attn.{t}"
            lora_names += [f"{pre}.lora_A", f"{pre}.lora_B"]
            lora_init += [a, b]
    lp.zero_grad()
    tok = token_logps(lp, ids, attn)
    loss, _, _ = objective(tok, ref_tok, lmask, CASES[0])
    loss.backward()
    mods = {n: m for n, m in lp.named_modules()}
    lora_grads = []
    for nm in lora_names:
        mod_name, which = nm.rsplit(".", 1)
        lora_grads.append(getattr(mods[mod_name], which).grad)
    res["lora"] = {"names": lora_names, "init": [tj(x) for x in lora_init], "grads": [tj(x) for x in lora_grads],
                   "loss": loss.item(), "case": "sigmoid"}

    # One AdamW step on the sigmoid loss of the f32 model (what the trainer does), as llama_ref.py does
    torch.set_default_dtype(torch.float32)
    p32 = copy.deepcopy(pol32).train()
    opt = torch.optim.AdamW(p32.parameters(), **ADAMW)
    with torch.no_grad():
        r32 = token_logps(ref32, ids, attn)
    opt.zero_grad()
    loss, _, _ = objective(token_logps(p32, ids, attn), r32, lmask, CASES[0])
    loss.backward()
    opt.step()
    flat([p32.get_parameter(k) for k in names]).tofile(os.path.join(out, "params_after_adamw.bin"))
    res["adamw_model"] = {"loss_before": loss.item()}

    # AdamW on plain arrays: 3 steps with changing gradients, weight decay on
    g = torch.Generator().manual_seed(SEED + 11)
    p0 = torch.randn(37, generator=g)
    grads = [torch.randn(37, generator=g) * (i + 1) for i in range(3)]
    p = torch.nn.Parameter(p0.clone())
    hyper = dict(lr=3e-3, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)
    opt = torch.optim.AdamW([p], **hyper)
    after = []
    for gr in grads:
        p.grad = gr.clone()
        opt.step()
        after.append(tj(p.detach().clone()))
    st = opt.state[p]
    res["adamw_arrays"] = {"hyper": hyper, "p0": tj(p0), "grads": [tj(x) for x in grads], "after": after,
                           "exp_avg": tj(st["exp_avg"]), "exp_avg_sq": tj(st["exp_avg_sq"])}

    # Schedules: HF transformers' own get_*_schedule_with_warmup; lr used at optimizer step k = lrs[k]
    sched = {}
    for kind, fn in (("linear", get_linear_schedule_with_warmup), ("cosine", get_cosine_schedule_with_warmup)):
        for total, warm in ((10, 1), (37, 4), (5, 0)):
            q = torch.nn.Parameter(torch.zeros(1))
            o = torch.optim.SGD([q], lr=0.5)
            s = fn(o, num_warmup_steps=warm, num_training_steps=total)
            lrs = []
            for _ in range(total):
                lrs.append(o.param_groups[0]["lr"])
                o.step()
                s.step()
            sched[f"{kind}_{total}_{warm}"] = {"base_lr": 0.5, "total": total, "warmup": warm, "lrs": lrs}
    res["schedules"] = sched

    # Global-norm clipping: torch.nn.utils.clip_grad_norm_ (returns the pre-clip norm)
    g = torch.Generator().manual_seed(SEED + 13)
    ts = [torch.nn.Parameter(torch.zeros(n)) for n in (5, 11, 3)]
    for t in ts:
        t.grad = torch.randn(t.shape, generator=g) * 2
    before = [tj(t.grad.clone()) for t in ts]
    norm = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    res["clip"] = {"max_norm": 1.0, "grads": before, "norm": norm.item(), "after": [tj(t.grad) for t in ts]}

    with open(os.path.join(out, "dpo.json"), "w") as f:
        json.dump(res, f)
    print(f"dpo_ref: {len(CASES)} cases, {off} params -> {out}")


if __name__ == "__main__":
    main()
