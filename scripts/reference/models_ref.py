#!/usr/bin/python3
"""Golden files for src/models from Hugging Face transformers' OWN Llama/Mistral/Qwen2 code (vendored
transformers 4.40.0.dev0 in /work/shared/reference/vendor, Debian python3-torch 1.13, CPU).

Writes, for each variant in VARIANTS, OUT/<variant>/:
  config.json, model.safetensors   the checkpoint, HF layout (save_pretrained key set; tied => no lm_head.weight)
  golden.json + golden.bin         index {name: {shape, offset, length}} into raw little-endian f32 data:
    ids, mask (attention mask), loss_mask ([B,T], 1 where token t is scored, i.e. logps[t-1] counts),
    weights [B,T-1], logits [B,T,V], token_logps [B,T-1], loss (= sum(weights*loss_mask*logps)),
    grad/<param name> (d loss / d param; tied => lm_head folded into embed_tokens)
  All results are from model.double() of the stored f32 weights (HF still computes RoPE/softmax in f32).
and OUT/stories260K/golden.json + .bin: logits [1,T,512] of the bundled stories260K.gguf rebuilt as an HF
LlamaForCausalLM by this script's own numpy GGUF parser (q/k rows un-permuted from llama2.c's interleaved RoPE).

Usage: /usr/bin/python3 scripts/reference/models_ref.py --out test/golden/models [--gguf models/stories260K.gguf]
"""
import argparse
import json
import os
import struct
import sys

REF = "/work/shared/reference"
sys.path.insert(0, REF)
import _common  # noqa: E402,F401  (puts the vendored transformers first on sys.path)
from _common import write_safetensors  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from transformers.models.llama.modeling_llama import LlamaConfig, LlamaForCausalLM  # noqa: E402
from transformers.models.mistral.modeling_mistral import MistralConfig, MistralForCausalLM  # noqa: E402
from transformers.models.qwen2.modeling_qwen2 import Qwen2Config, Qwen2ForCausalLM  # noqa: E402

PAD, BOS, EOS = 0, 1, 2
# (prompt, response) rows, right padded: the TRL concatenated-batch shape the trainer feeds
ROWS = [([1, 10, 11, 12], [20, 21, 22, 2]), ([1, 40, 41], [50, 51, 52, 53, 2]), ([1, 10, 11, 12], [30, 31, 2]),
        ([1, 40, 41], [55, 2])]
VARIANTS = [("llama", True), ("llama", False), ("qwen2", True), ("qwen2", False), ("mistral", False), ("llama3", False)]
# Llama-3 RoPE scaling chosen so that head_dim 8's four frequencies (wavelengths 6.3, 63, 628, 6283) fall in
# all three bands: high (< 64/4, unchanged), medium (smoothed) and low (> 64/1, divided by factor)
LLAMA3_SCALING = {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 64,
                  "rope_type": "llama3"}


def llama3_inv_freq(inv_freq, s):
    """transformers >= 4.43 modeling_rope_utils._compute_llama3_parameters (the vendored 4.40 predates it)."""
    import math
    low_wavelen = s["original_max_position_embeddings"] / s["low_freq_factor"]
    high_wavelen = s["original_max_position_embeddings"] / s["high_freq_factor"]
    wavelen = 2 * math.pi / inv_freq
    inv_llama = torch.where(wavelen > low_wavelen, inv_freq / s["factor"], inv_freq)
    smooth = (s["original_max_position_embeddings"] / wavelen - s["low_freq_factor"]) / (
        s["high_freq_factor"] - s["low_freq_factor"])
    smoothed = (1 - smooth) * inv_llama / s["factor"] + smooth * inv_llama
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, inv_llama)


def make(arch, tie):
    common = dict(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                  intermediate_size=48, rope_theta=10000.0, rms_norm_eps=1e-6, max_position_embeddings=64,
                  hidden_act="silu", tie_word_embeddings=tie, pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS,
                  torch_dtype="float32", attention_dropout=0.0)
    if arch in ("llama", "llama3"):
        cfg, cls = LlamaConfig(attention_bias=False, **common), LlamaForCausalLM
        cfg.architectures = ["LlamaForCausalLM"]
    elif arch == "mistral":
        cfg, cls = MistralConfig(sliding_window=None, **common), MistralForCausalLM
        cfg.architectures = ["MistralForCausalLM"]
    else:
        cfg, cls = Qwen2Config(use_sliding_window=False, **common), Qwen2ForCausalLM
        cfg.architectures = ["Qwen2ForCausalLM"]
    return cfg, cls


def init(model, seed):
    """norm weights 1+0.1N, biases 0.1N, matrices N/sqrt(fan_in) (HF's 0.02 init gives near-zero logits)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            p.copy_(1.0 + 0.1 * r if name.endswith("norm.weight") else 0.1 * r if name.endswith(".bias")
                    else r / (p.shape[-1] ** 0.5))


def batch():
    T = max(len(p) + len(r) for p, r in ROWS)
    ids = torch.full((len(ROWS), T), PAD, dtype=torch.long)
    mask = torch.zeros((len(ROWS), T), dtype=torch.long)
    loss_mask = torch.zeros((len(ROWS), T), dtype=torch.long)
    for i, (p, r) in enumerate(ROWS):
        ids[i, : len(p) + len(r)] = torch.tensor(p + r)
        mask[i, : len(p) + len(r)] = 1
        loss_mask[i, len(p): len(p) + len(r)] = 1
    return ids, mask, loss_mask


def write_golden(outdir, arrays):
    os.makedirs(outdir, exist_ok=True)
    index, chunks, off = {}, [], 0
    for name, a in arrays.items():
        a = np.asarray(a, dtype="<f4")
        index[name] = {"shape": list(a.shape), "offset": off, "length": int(a.size)}
        chunks.append(a.reshape(-1).tobytes())
        off += a.size
    with open(os.path.join(outdir, "golden.bin"), "wb") as f:
        f.write(b"".join(chunks))
    with open(os.path.join(outdir, "golden.json"), "w") as f:
        json.dump({"source": "scripts/reference/models_ref.py (HF transformers 4.40.0.dev0 @5728b5ad, torch "
                   + torch.__version__ + ")", "arrays": index}, f, indent=1)


def run_variant(arch, tie, seed, out):
    name = f"{arch}_{'tied' if tie else 'untied'}"
    outdir = os.path.join(out, name)
    os.makedirs(outdir, exist_ok=True)
    cfg, cls = make(arch, tie)
    model = cls(cfg).eval()
    init(model, seed)
    cfg.save_pretrained(outdir)
    sd = model.state_dict()
    if tie:
        sd = {k: v for k, v in sd.items() if k != "lm_head.weight"}
    write_safetensors(os.path.join(outdir, "model.safetensors"), sd, {"format": "pt"})
    if arch == "llama3":
        # 4.40 rejects rope_type llama3 in its config check: patch the modules' inv_freq and write the
        # config.json newer transformers write for such a model
        reloaded = model
        for layer in model.model.layers:
            layer.self_attn.rotary_emb.inv_freq = llama3_inv_freq(layer.self_attn.rotary_emb.inv_freq, LLAMA3_SCALING)
        path = os.path.join(outdir, "config.json")
        with open(path) as f:
            cj = json.load(f)
        cj["rope_scaling"] = LLAMA3_SCALING
        with open(path, "w") as f:
            json.dump(cj, f, indent=2, sort_keys=True)
    else:
        reloaded = cls.from_pretrained(outdir).eval()  # the files load unchanged in HF itself
    ids, mask, loss_mask = batch()
    g = torch.Generator().manual_seed(seed + 7)
    weights = torch.randn((ids.shape[0], ids.shape[1] - 1), generator=g, dtype=torch.float64)
    torch.set_default_dtype(torch.float64)  # Qwen2's mask helper needs it for an f64 model
    try:
        m = reloaded.double()
        hidden = m.model(input_ids=ids, attention_mask=mask).last_hidden_state
        logits = m.lm_head(hidden)
        logps = torch.gather(F.log_softmax(logits[:, :-1], -1), 2, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        logps = logps * loss_mask[:, 1:].to(logps.dtype)
        loss = (weights * logps).sum()
        loss.backward()
    finally:
        torch.set_default_dtype(torch.float32)
    arrays = {"ids": ids, "mask": mask, "loss_mask": loss_mask, "weights": weights,
              "logits": logits.detach(), "token_logps": logps.detach(), "loss": loss.detach().reshape(1)}
    for k, p in sorted(m.named_parameters(), key=lambda kv: kv[0]):
        arrays[f"grad/{k}"] = p.grad.detach()
    write_golden(outdir, {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in arrays.items()})
    print(f"[{name}] loss {loss.item():.9f} -> {outdir}")


# ---- stories260K: an independent GGUF parse (numpy) into an HF LlamaForCausalLM ------------------------
def read_gguf(path):
    buf = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = buf[pos: pos + n].decode("utf-8")
        pos += n
        return s

    scal = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            it, n = take("I"), take("Q")
            return [value(it) for _ in range(n)]
        return take(scal[t])

    assert buf[:4] == b"GGUF"
    pos = 4
    take("I")
    nt, nkv = take("Q"), take("Q")
    meta = {}
    for _ in range(nkv):
        k = string()
        meta[k] = value(take("I"))
    infos = []
    for _ in range(nt):
        name = string()
        nd = take("I")
        ne = [take("Q") for _ in range(nd)]
        infos.append((name, ne, take("I"), take("Q")))
    align = meta.get("general.alignment", 32)
    start = (pos + align - 1) // align * align
    tensors = {}
    for name, ne, typ, off in infos:
        assert typ == 0, "stories260K is f32"
        n = int(np.prod(ne))
        tensors[name] = np.frombuffer(buf, "<f4", n, start + off).reshape(list(reversed(ne))).copy()
    return meta, tensors


def unpermute(w, heads):
    """llama.cpp/llama2.c interleaved-pair rows -> HF half-split rows (inverse of convert_hf_to_gguf permute)."""
    hs = w.shape[0] // heads
    return w.reshape(heads, hs // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def run_stories(gguf, out):
    meta, t = read_gguf(gguf)
    nh, nkv = meta["llama.attention.head_count"], meta["llama.attention.head_count_kv"]
    cfg = LlamaConfig(vocab_size=t["token_embd.weight"].shape[0], hidden_size=meta["llama.embedding_length"],
                      intermediate_size=meta["llama.feed_forward_length"], num_hidden_layers=meta["llama.block_count"],
                      num_attention_heads=nh, num_key_value_heads=nkv, rms_norm_eps=meta["llama.attention.layer_norm_rms_epsilon"],
                      max_position_embeddings=meta["llama.context_length"], tie_word_embeddings=True, rope_theta=10000.0)
    model = LlamaForCausalLM(cfg).eval()
    sd = {"model.embed_tokens.weight": t["token_embd.weight"], "model.norm.weight": t["output_norm.weight"],
          "lm_head.weight": t["output.weight"]}
    names = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
             "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    for l in range(cfg.num_hidden_layers):
        for g, h in names.items():
            w = t[f"blk.{l}.{g}.weight"]
            if g == "attn_q":
                w = unpermute(w, nh)
            if g == "attn_k":
                w = unpermute(w, nkv)
            sd[f"model.layers.{l}.{h}.weight"] = w
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}, strict=False)
    ids = torch.tensor([[1, 403, 407, 261, 378, 288, 365, 262, 259, 409, 293, 445]])
    with torch.no_grad():
        m = model.double()
        logits = m.lm_head(m.model(input_ids=ids).last_hidden_state)
    write_golden(os.path.join(out, "stories260K"), {"ids": ids.numpy(), "logits": logits.numpy()})
    print(f"[stories260K] logits {tuple(logits.shape)} -> {out}/stories260K")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--gguf", default=os.path.join(os.path.dirname(__file__), "..", "..", "models", "stories260K.gguf"))
    a = ap.parse_args()
    for i, (arch, tie) in enumerate(VARIANTS):
        run_variant(arch, tie, 4321 + i, a.out)
    run_stories(a.gguf, a.out)


if __name__ == "__main__":
    main()
