# Samples continuations of the bundled story prompts from stories260K (GGUF, f32) with a minimal numpy
# Llama forward, so the story reward suite can be checked on the text the default recipe really ranks.
# Not a reference for logits (the engine's golden tests use transformers); only a sampler. Follows
# llama2.c's run.c: RMSNorm, interleaved-pair RoPE, GQA, SwiGLU, tied output; SentencePiece BPE by scores.
# Usage: python3 scripts/reference/story-samples.py --out test/golden/reward/story-samples.json [--prompts 24 --n 4]
import argparse, json, struct
import numpy as np

def read_gguf(path):
    b = open(path, "rb").read()
    off = 0
    def take(fmt):
        nonlocal off
        v = struct.unpack_from("<" + fmt, b, off); off += struct.calcsize("<" + fmt); return v[0]
    def string():
        nonlocal off
        n = take("Q"); s = b[off:off + n].decode("utf-8", "replace"); off += n; return s
    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
    def value(t):
        if t == 8: return string()
        if t == 9:
            et = take("I"); n = take("Q"); return [value(et) for _ in range(n)]
        return take(scalar[t])
    assert b[:4] == b"GGUF"; off = 4
    take("I"); nt = take("Q"); nkv = take("Q")
    meta = {}
    for _ in range(nkv):
        k = string(); meta[k] = value(take("I"))
    infos = []
    for _ in range(nt):
        name = string(); nd = take("I"); dims = [take("Q") for _ in range(nd)]; t = take("I"); o = take("Q")
        infos.append((name, dims, t, o))
    align = meta.get("general.alignment", 32)
    base = (off + align - 1) // align * align
    tensors = {}
    for name, dims, t, o in infos:
        assert t == 0, f"{name}: only f32 supported"
        n = int(np.prod(dims))
        tensors[name] = np.frombuffer(b, np.float32, n, base + o).reshape(dims[::-1])
    return meta, tensors

class Tok:
    def __init__(self, meta):
        self.tokens = meta["tokenizer.ggml.tokens"]; self.scores = meta["tokenizer.ggml.scores"]
        self.index = {t: i for i, t in enumerate(self.tokens)}
    def encode(self, text):
        text = " " + text  # SentencePiece dummy prefix
        ids = []
        for ch in text.replace(" ", "\u2581"):
            if ch in self.index: ids.append(self.index[ch])
            else: ids += [self.index[f"<0x{x:02X}>"] for x in ch.encode()]
        while True:
            best = None
            for i in range(len(ids) - 1):
                m = self.tokens[ids[i]] + self.tokens[ids[i + 1]]
                j = self.index.get(m)
                if j is not None and (best is None or self.scores[j] > best[0]): best = (self.scores[j], i, j)
            if best is None: return ids
            _, i, j = best; ids[i:i + 2] = [j]
    def decode(self, ids):
        out = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t.startswith("<0x") and t.endswith(">"): out.append(int(t[3:-1], 16))
            else: out += t.replace("\u2581", " ").encode()
        return out.decode("utf-8", "replace")

def rmsnorm(x, w, eps): return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w

def generate(meta, W, prompt_ids, steps, temp, rng):
    dim = meta["llama.embedding_length"]; L = meta["llama.block_count"]; nh = meta["llama.attention.head_count"]
    nkv = meta["llama.attention.head_count_kv"]; hs = dim // nh; eps = meta["llama.attention.layer_norm_rms_epsilon"]
    emb = W["token_embd.weight"]; out_w = W.get("output.weight", emb)
    kc = [np.zeros((0, nkv, hs), np.float32) for _ in range(L)]; vc = [np.zeros((0, nkv, hs), np.float32) for _ in range(L)]
    freqs = 1.0 / (10000.0 ** (np.arange(0, hs, 2) / hs))
    ids = list(prompt_ids); out = []
    for pos in range(len(ids) + steps - 1):
        tok = ids[pos] if pos < len(ids) else out[-1]
        x = emb[tok].copy()
        ang = pos * freqs; c, s = np.cos(ang), np.sin(ang)
        def rope(v):
            v = v.reshape(-1, hs // 2, 2); a, b = v[..., 0], v[..., 1]
            return np.stack([a * c - b * s, a * s + b * c], -1).reshape(-1, hs)
        for l in range(L):
            h = rmsnorm(x, W[f"blk.{l}.attn_norm.weight"], eps)
            q = rope((W[f"blk.{l}.attn_q.weight"] @ h).reshape(nh, hs))
            k = rope((W[f"blk.{l}.attn_k.weight"] @ h).reshape(nkv, hs))
            v = (W[f"blk.{l}.attn_v.weight"] @ h).reshape(nkv, hs)
            kc[l] = np.concatenate([kc[l], k[None]]); vc[l] = np.concatenate([vc[l], v[None]])
            kk = np.repeat(kc[l], nh // nkv, axis=1); vv = np.repeat(vc[l], nh // nkv, axis=1)
            att = np.einsum("hd,thd->ht", q, kk) / np.sqrt(hs)
            att = np.exp(att - att.max(-1, keepdims=True)); att /= att.sum(-1, keepdims=True)
            x = x + W[f"blk.{l}.attn_output.weight"] @ np.einsum("ht,thd->hd", att, vv).reshape(-1)
            h = rmsnorm(x, W[f"blk.{l}.ffn_norm.weight"], eps)
            g = W[f"blk.{l}.ffn_gate.weight"] @ h; u = W[f"blk.{l}.ffn_up.weight"] @ h
            x = x + W[f"blk.{l}.ffn_down.weight"] @ (g / (1 + np.exp(-g)) * u)
        if pos < len(ids) - 1: continue
        logits = out_w @ rmsnorm(x, W["output_norm.weight"], eps)
        p = np.exp((logits - logits.max()) / temp); p /= p.sum()
        nxt = int(rng.choice(len(p), p=p))
        if nxt in (1, 2): break
        out.append(nxt)
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True); ap.add_argument("--model", default="models/stories260K.gguf")
    ap.add_argument("--prompts", type=int, default=24); ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--steps", type=int, default=160); ap.add_argument("--temperature", type=float, default=1.0)
    a = ap.parse_args()
    meta, W = read_gguf(a.model); tok = Tok(meta); rng = np.random.default_rng(0)
    rows = [json.loads(l) for l in open("data/prompts/stories.jsonl")][: a.prompts]
    out = {"model": "stories260K", "temperature": a.temperature, "max_new_tokens": a.steps, "seed": 0, "groups": []}
    greedy = tok.decode(generate(meta, W, [1] + tok.encode("Once upon a time, there was a little girl named Lily."), 30, 1e-6, rng))
    out["greedy_check"] = greedy
    for r in rows:
        ids = [1] + tok.encode(r["prompt"])
        resp = [tok.decode(generate(meta, W, ids, a.steps, a.temperature, rng)) for _ in range(a.n)]
        out["groups"].append({"prompt_id": r["prompt_id"], "prompt": r["prompt"], "responses": resp})
    json.dump(out, open(a.out, "w"), indent=1); open(a.out, "a").write("\n")

if __name__ == "__main__":
    main()
