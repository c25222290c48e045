#!/usr/bin/python3
"""Golden files for the prefloop engine: every Backend op forward + backward, and one Hugging Face
LlamaDecoderLayer forward + backward, computed with PyTorch (Debian python3-torch) and the vendored
transformers of /work/shared/reference (see its README). Loss for every backward: sum(out * R), R random.

Writes OUT/engine.bin (raw little-endian arrays, f32 or i32) and OUT/engine.json (index:
name -> {dtype, shape, offset (bytes)}, plus "meta"). Deterministic (fixed seeds, CPU).
Usage: /usr/bin/python3 scripts/reference/engine_ref.py --out test/golden/engine [--reference DIR]
"""
import argparse
import json
import math
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--reference", default=os.environ.get("PREFLOOP_REFERENCE", "/work/shared/reference"))
args = ap.parse_args()
sys.path.insert(0, os.path.join(args.reference, "vendor"))
sys.path.insert(0, args.reference)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from transformers.models.llama.modeling_llama import (  # noqa: E402
    LlamaConfig,
    LlamaDecoderLayer,
    LlamaRMSNorm,
    apply_rotary_pos_emb,
)

torch.manual_seed(0)
out = {}


def put(name, t):
    out[name] = t.detach().cpu().clone().contiguous()


def randn(*shape, std=1.0):
    return (torch.randn(*shape) * std).requires_grad_(True)


def backward(name, y, leaves):
    """loss = sum(y * R); stores R as name/dout and every leaf's gradient as name/d<leaf>."""
    R = torch.randn(y.shape)
    put(f"{name}/dout", R)
    (y * R).sum().backward()
    for k, v in leaves.items():
        put(f"{name}/d{k}", v.grad)


# ---- matmul: C = alpha op(A) op(B) + beta C0, all transpose combinations ----
M, N, K = 7, 5, 6
for ta in (0, 1):
    for tb in (0, 1):
        name = f"matmul_tA{ta}_tB{tb}"
        a = randn(K, M) if ta else randn(M, K)
        b = randn(N, K) if tb else randn(K, N)
        c0 = randn(M, N)
        opa = a.t() if ta else a
        opb = b.t() if tb else b
        c = 0.5 * (opa @ opb) + 1.0 * c0
        for k, v in dict(a=a, b=b, c0=c0, c=c).items():
            put(f"{name}/{k}", v)
        backward(name, c, dict(a=a, b=b, c0=c0))
# batched: [3, M, K] x [3, N, K]^T
a, b = randn(3, M, K), randn(3, N, K)
c = a @ b.transpose(1, 2)
for k, v in dict(a=a, b=b, c=c).items():
    put(f"matmul_batched/{k}", v)
backward("matmul_batched", c, dict(a=a, b=b))

# ---- embedding ----
table = randn(9, 8)
ids = torch.tensor([3, 0, 3, 8, 1], dtype=torch.int32)
y = F.embedding(ids.long(), table)
put("embedding/table", table), put("embedding/ids", ids), put("embedding/out", y)
backward("embedding", y, dict(table=table))

# ---- RMSNorm (HF's own module) and LayerNorm ----
x = randn(5, 16)
norm = LlamaRMSNorm(16, eps=1e-6)
with torch.no_grad():
    norm.weight.copy_(1 + 0.1 * torch.randn(16))
y = norm(x)
put("rmsnorm/x", x), put("rmsnorm/w", norm.weight), put("rmsnorm/out", y)
backward("rmsnorm", y, dict(x=x, w=norm.weight))

x, w, bb = randn(5, 16), randn(16), randn(16)
y = F.layer_norm(x, (16,), w, bb, eps=1e-5)
put("layernorm/x", x), put("layernorm/w", w), put("layernorm/b", bb), put("layernorm/out", y)
backward("layernorm", y, dict(x=x, w=w, b=bb))

# ---- RoPE: HF rotate_half layout, and interleaved pairs (Meta's complex form) ----
T, H, HS, theta = 6, 3, 8, 10000.0
pos = torch.tensor([0, 1, 2, 5, 9, 3], dtype=torch.int32)
inv_freq = 1.0 / (theta ** (torch.arange(0, HS, 2, dtype=torch.int64).float() / HS))
freqs = torch.outer(torch.arange(16).float(), inv_freq)  # [maxPos, HS/2], float32 as HF
put("rope/cos", freqs.cos()), put("rope/sin", freqs.sin()), put("rope/pos", pos)
x = randn(T, H, HS)
emb = torch.cat((freqs, freqs), dim=-1)[pos.long()]  # [T, HS]
xh = x.transpose(0, 1)  # [H, T, HS] as HF's [heads, seq, dim]
yh, _ = apply_rotary_pos_emb(xh, xh, emb.cos(), emb.sin(), unsqueeze_dim=0)
y = yh.transpose(0, 1)
put("rope_half/x", x), put("rope_half/out", y)
backward("rope_half", y, dict(x=x))
x = randn(T, H, HS)
xc = torch.view_as_complex(x.reshape(T, H, HS // 2, 2))
fc = torch.polar(torch.ones_like(freqs), freqs)[pos.long()][:, None, :]
y = torch.view_as_real(xc * fc).reshape(T, H, HS)
put("rope_interleaved/x", x), put("rope_interleaved/out", y)
backward("rope_interleaved", y, dict(x=x))


# ---- attention: causal, GQA, key padding (right-padded), and decode (qPos0 > 0) ----
def attention(name, B, Tq, Tk, NH, NKV, HS, qPos0, mask):
    q, k, v = randn(B, Tq, NH, HS), randn(B, Tk, NKV, HS), randn(B, Tk, NKV, HS)
    g = NH // NKV
    qh = q.transpose(1, 2)
    kh = k.transpose(1, 2).repeat_interleave(g, dim=1)
    vh = v.transpose(1, 2).repeat_interleave(g, dim=1)
    s = qh @ kh.transpose(2, 3) / math.sqrt(HS)  # [B, NH, Tq, Tk]
    allowed = torch.arange(Tk)[None, :] <= (qPos0 + torch.arange(Tq))[:, None]
    allowed = allowed[None, None] & (mask[:, None, None, :] > 0)
    s = s.masked_fill(~allowed, float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    o = (torch.softmax(s, dim=-1) @ vh).transpose(1, 2)
    for kk, vv in dict(q=q, k=k, v=v, out=o, lse=lse, mask=mask.to(torch.int32)).items():
        put(f"{name}/{kk}", vv)
    out[f"{name}/dims"] = torch.tensor([B, Tq, Tk, NH, NKV, HS, qPos0], dtype=torch.int32)
    backward(name, o, dict(q=q, k=k, v=v))


attention("attention_gqa_pad", 2, 6, 6, 4, 2, 8, 0, torch.tensor([[1] * 6, [1, 1, 1, 1, 0, 0]]))
attention("attention_decode", 2, 2, 7, 4, 1, 8, 5, torch.ones(2, 7, dtype=torch.int64))

# ---- pointwise, softmax, log-softmax gather, cross-entropy, AdamW ----
g, u = randn(37, std=2.0), randn(37)
y = F.silu(g) * u
put("swiglu/gate", g), put("swiglu/up", u), put("swiglu/out", y)
backward("swiglu", y, dict(gate=g, up=u))
x = randn(37, std=2.0)
y = F.gelu(x)
put("gelu/x", x), put("gelu/out", y)
backward("gelu", y, dict(x=x))
x = randn(5, 12, std=2.0)
y = torch.softmax(x, dim=-1)
put("softmax/x", x), put("softmax/out", y)
backward("softmax", y, dict(x=x))
logits = randn(5, 11, std=2.0)
targets = torch.tensor([2, -100, 0, 10, 4], dtype=torch.int32)
lp = torch.log_softmax(logits, dim=-1).gather(1, targets.clamp(min=0).long()[:, None])[:, 0]
lp = lp * (targets >= 0)
put("logsoftmax_gather/logits", logits), put("logsoftmax_gather/targets", targets), put("logsoftmax_gather/logp", lp)
backward("logsoftmax_gather", lp, dict(logits=logits))
logits = randn(5, 11, std=2.0)
ce = F.cross_entropy(logits, targets.long(), ignore_index=-100)
ce.backward()
put("cross_entropy/logits", logits), put("cross_entropy/loss", ce.reshape(1)), put("cross_entropy/dlogits", logits.grad)

p = torch.randn(67).requires_grad_(True)
put("adamw/p0", p)
grads = [torch.randn(67) for _ in range(3)]
opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
for i, gr in enumerate(grads):
    put(f"adamw/g{i}", gr)
    p.grad = gr.clone()
    opt.step()
put("adamw/p3", p)

# ---- one HF LlamaDecoderLayer: forward + backward (eager attention, right padding) ----
cfg = LlamaConfig(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, intermediate_size=48,
                  rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=64, attention_dropout=0.0)
cfg._attn_implementation = "eager"
layer = LlamaDecoderLayer(cfg, layer_idx=0)
gen = torch.Generator().manual_seed(1234)
with torch.no_grad():
    for pname, prm in sorted(layer.named_parameters()):
        r = torch.randn(prm.shape, generator=gen)
        prm.copy_(1 + 0.1 * r if "norm" in pname else r / math.sqrt(prm.shape[-1]))
B, T, C = 2, 6, 32
x = randn(B, T, C)
mask = torch.tensor([[1] * T, [1, 1, 1, 1, 0, 0]])
allowed = (torch.arange(T)[None, :] <= torch.arange(T)[:, None])[None, None] & (mask[:, None, None, :] > 0)
mask4d = torch.zeros(B, 1, T, T).masked_fill(~allowed, torch.finfo(torch.float32).min)
position_ids = torch.arange(T)[None].expand(B, T)
y = layer(x, attention_mask=mask4d, position_ids=position_ids)[0]
put("block/x", x), put("block/mask", mask.to(torch.int32)), put("block/out", y)
HSb = C // 4
inv_freq = 1.0 / (10000.0 ** (torch.arange(0, HSb, 2, dtype=torch.int64).float() / HSb))
freqs = torch.outer(torch.arange(T).float(), inv_freq)
put("block/cos", freqs.cos()), put("block/sin", freqs.sin())
params = dict(sorted(layer.named_parameters()))
for pname, prm in params.items():
    put(f"block/{pname}", prm)
backward("block", y, dict(x=x, **params))

# ---- write ----
os.makedirs(args.out, exist_ok=True)
index, offset = {}, 0
tmp_bin = os.path.join(args.out, "engine.bin.tmp")
with open(tmp_bin, "wb") as f:
    for name, t in out.items():
        arr = t.numpy().astype("<i4" if t.dtype in (torch.int32, torch.int64) else "<f4")
        data = arr.tobytes()
        index[name] = {"dtype": "i32" if arr.dtype.kind == "i" else "f32", "shape": list(arr.shape), "offset": offset}
        f.write(data)
        offset += len(data)
index["meta"] = {"torch": torch.__version__, "script": "scripts/reference/engine_ref.py",
                 "loss": "sum(out * dout) for every backward", "bytes": offset}
os.replace(tmp_bin, os.path.join(args.out, "engine.bin"))
with open(os.path.join(args.out, "engine.json.tmp"), "w") as f:
    json.dump(index, f, indent=0)
os.replace(os.path.join(args.out, "engine.json.tmp"), os.path.join(args.out, "engine.json"))
