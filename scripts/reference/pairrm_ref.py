#!/usr/bin/python3
"""Golden outputs for prefloop's PairRM, DeBERTa encoder and classifier reward models, from Hugging Face
transformers' OWN code (vendored 4.40.0.dev0 in /work/shared/reference/vendor), CPU, Debian python3-torch.
Extends /work/shared/reference/deberta_ref.py: 3 layers, inputs longer than the position buckets, padding,
a PairRM folder in llm-blender's key layout (model.safetensors AND a torch.save pytorch_model.bin), the
PairRM input layout of llm-blender's CrossCompareCollator (budget sharing) on a WordPiece vocabulary run
through HF's slow BertTokenizer, tiny LlamaForSequenceClassification and DebertaV2ForSequenceClassification.

Usage: /usr/bin/python3 scripts/reference/pairrm_ref.py --out test/golden/pairrm
"""
import argparse
import json
import os
import sys

sys.path.insert(0, "/work/shared/reference")
import _common  # noqa: F401,E402  (puts ./vendor first on sys.path)
from _common import write_safetensors  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from transformers import BertTokenizer  # noqa: E402
from transformers.models.deberta_v2.modeling_deberta_v2 import (  # noqa: E402
    DebertaV2Config, DebertaV2ForSequenceClassification, DebertaV2Model, build_relative_position)
from transformers.models.llama.modeling_llama import LlamaConfig, LlamaForSequenceClassification  # noqa: E402
from transformers import tokenization_utils_base  # noqa: E402

# transformers 4.40 without the tokenizers package defines AddedToken as an unhashable dataclass, which
# breaks add_tokens on slow tokenizers; hashing by content is what the real tokenizers.AddedToken does.
tokenization_utils_base.AddedToken.__hash__ = lambda self: hash(self.content)

SEED = 777
WORDS = ("the a an of to and in is it that was for on are with as his they be at one have this from or had by "
         "hot word but what some we can out other were all there when up use your how said each she which do "
         "their time if will way about many then them write would like so these her long make thing see him two "
         "has look more day could go come did number sound no most people my over know water than call first who "
         "may down side been now find any new work part take get place made live where after back little only "
         "round man year came show every good me give our under name very through just form sentence great think "
         "say help low line differ turn cause much mean before move right boy old too same tell does set three "
         "want air well also play small end put home read hand port large spell add even land here must big high "
         "such follow act why ask men change went light kind off need house picture try us again animal point "
         "mother world near build self earth father").split()
MARKERS = ["<|source|>", "<|candidate1|>", "<|candidate2|>", "<|candidate|>"]


def make_vocab():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789")
    punct = list(".,!?;:'\"()-[]<>|")
    toks = specials + chars + ["##" + c for c in chars] + punct + sorted(set(WORDS) - set(chars))
    return toks


def tokenizer_json(vocab, n_base):
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(vocab[:5])]
    added += [{"id": n_base + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
               "normalized": True, "special": False} for i, t in enumerate(MARKERS)]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(vocab)}},
    }


def write_tokenizer(folder, vocab, n_base, chat_template=None):
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab, n_base), f)
    cfg = {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
           "mask_token": "[MASK]", "do_lower_case": True, "model_max_length": 512,
           "tokenizer_class": "BertTokenizer"}
    if chat_template:
        cfg["chat_template"] = chat_template
        cfg["bos_token"] = "[CLS]"
        cfg["eos_token"] = "[SEP]"
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    extra = {"bos_token": "[CLS]", "eos_token": "[SEP]"} if chat_template else {}
    tok = BertTokenizer(os.path.join(folder, "vocab.txt"), do_lower_case=True, **extra)
    tok.add_tokens(MARKERS)
    if chat_template:
        tok.chat_template = chat_template
    os.remove(os.path.join(folder, "vocab.txt"))
    return tok


def det_init(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(module.named_parameters(), key=lambda kv: kv[0]):
            r = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if "LayerNorm.weight" in name or "norm.weight" in name:
                p.copy_(1.0 + 0.1 * r)
            elif name.endswith(".bias"):
                p.copy_(0.1 * r)
            else:
                p.copy_(r / (p.shape[-1] ** 0.5))


def deberta_config(vocab_size, layers=3, **kw):
    cfg = DebertaV2Config(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=layers, num_attention_heads=4,
        intermediate_size=64, hidden_act="gelu", max_position_embeddings=64, type_vocab_size=0,
        layer_norm_eps=1e-7, relative_attention=True, max_relative_positions=-1, position_buckets=8,
        pad_token_id=0, position_biased_input=False, pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm",
        share_att_key=True, **kw)
    return cfg


class PairRM(nn.Module):
    """llm-blender DebertaV2PairRM: encoder + head_layer on [h_src; h_cand] at the marker tokens."""

    def __init__(self, cfg, ids):
        super().__init__()
        self.pretrained_model = DebertaV2Model(cfg)
        h = cfg.hidden_size
        self.head_layer = nn.Sequential(nn.Dropout(0.05), nn.Linear(2 * h, h), nn.Tanh(), nn.Dropout(0.05),
                                        nn.Linear(h, 1))
        self.ids = ids

    def forward(self, input_ids, attention_mask):
        keep = attention_mask.ne(0).any(dim=0)
        input_ids, attention_mask = input_ids[:, keep], attention_mask[:, keep]
        o = self.pretrained_model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        encs = o.hidden_states[-1]
        s, c1, c2 = (torch.where(input_ids == i) for i in self.ids)
        src, e1, e2 = encs[s[0], s[1]], encs[c1[0], c1[1]], encs[c2[0], c2[1]]
        left = self.head_layer(torch.cat([src, e1], -1))
        right = self.head_layer(torch.cat([src, e2], -1))
        return (left - right).mean(-1), left, right


def collate_pair(tok, source, cand1, cand2, smax, cmax):
    """llm-blender CrossCompareCollator + CrossCompareReranker._forward for one source (batch of one)."""
    sep, ids = tok.sep_token, tok.convert_tokens_to_ids(MARKERS)
    src = (MARKERS[0] + source).replace(sep, " ")
    cands = [(MARKERS[3] + c).replace(sep, " ") for c in (cand1, cand2)]
    s = tok.encode(src, max_length=smax, truncation=True)
    remaining = smax - len(s)
    out = list(s)
    for k, c in enumerate(cands):
        ci = tok.encode(c, max_length=cmax + remaining // 2, truncation=True)
        out += [ids[1 + k] if t == ids[3] else t for t in ci]
    return out


def rand_text(g, n):
    pool = WORDS + ["xyzzy", "quux", "blorple", "42", "x7", "[SEP]", "hello!", "can't"]
    return " ".join(pool[int(i)] for i in torch.randint(0, len(pool), (n,), generator=g))


def lst(t):
    return t.detach().double().flatten().tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="test/golden/pairrm")
    out = ap.parse_args().out
    torch.manual_seed(SEED)
    g = torch.Generator().manual_seed(SEED)
    vocab = make_vocab()
    n_base = len(vocab)
    ref = {"meta": {"torch": torch.__version__, "seed": SEED, "notes": [
        "f64 results: .double() of the f32 weights; hidden_states[0] = embeddings, [i] = layer i",
        "compare only positions where mask == 1"]}}

    # ---- PairRM folder -----------------------------------------------------------------------------
    pdir = os.path.join(out, "pairrm-tiny")
    os.makedirs(pdir, exist_ok=True)
    tok = write_tokenizer(pdir, vocab, n_base)
    marker_ids = tok.convert_tokens_to_ids(MARKERS)
    assert marker_ids == list(range(n_base, n_base + 4)), marker_ids
    cfg = deberta_config(n_base + 4)
    cfg.source_prefix_id, cfg.cand1_prefix_id, cfg.cand2_prefix_id, cfg.cand_prefix_id = marker_ids[:1] + marker_ids[1:3] + marker_ids[3:]
    cfg.n_tasks, cfg.drop_out = 1, 0.05
    cfg.architectures = ["DebertaV2PairRM"]
    model = PairRM(cfg, marker_ids[:3]).eval()
    det_init(model, SEED)
    cfg.save_pretrained(pdir)
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(pdir, "model.safetensors"), sd, {"format": "pt"})
    torch.save(sd, os.path.join(pdir, "pytorch_model.bin"))
    ref["state_dict_keys"] = sorted(sd)

    # encoder: 3 rows, longer than the buckets (mid 4, max 64), padding
    lens = [40, 23, 9]
    T = max(lens)
    ids = torch.zeros(3, T, dtype=torch.long)
    mask = torch.zeros(3, T, dtype=torch.long)
    for b, n in enumerate(lens):
        ids[b, :n] = torch.randint(5, n_base, (n,), generator=g)
        mask[b, :n] = 1
    enc = model.pretrained_model
    with torch.no_grad():
        o = enc.double()(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        ref["encoder"] = {"ids": ids.flatten().tolist(), "mask": mask.flatten().tolist(), "B": 3, "T": T,
                          "hidden_states": [lst(h) for h in o.hidden_states]}
        enc.float()
        o32 = enc(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        ref["encoder"]["f32_last"] = lst(o32.hidden_states[-1])

    # encoder gradients (for DebertaEncoder backward): loss = sum(last_hidden * R * mask), f64
    R = torch.randn(3, T, cfg.hidden_size, generator=g, dtype=torch.float64)
    e64 = DebertaV2Model(cfg).eval()
    e64.load_state_dict(enc.state_dict())
    e64 = e64.double()
    e64.zero_grad()
    last = e64(input_ids=ids, attention_mask=mask).last_hidden_state
    (last * R * mask[:, :, None]).sum().backward()
    grads = {n: [float("%.9g" % v) for v in p.grad.flatten().tolist()] for n, p in e64.named_parameters()
             if p.grad is not None}
    with open(os.path.join(out, "grads.json"), "w") as f:
        json.dump({"R": [float("%.9g" % v) for v in R.flatten().tolist()], "grads": grads}, f)

    # PairRM pairs through the collator (short budgets so truncation and sharing happen), batched + padded
    texts = {"source": rand_text(g, 30), "cands": [rand_text(g, n) for n in (5, 12, 30)]}
    rows = []
    for i in range(3):
        for j in range(3):
            if i != j:
                rows.append(collate_pair(tok, texts["source"], texts["cands"][i], texts["cands"][j], 24, 10))
    L = max(len(r) for r in rows)
    pid = torch.zeros(len(rows), L, dtype=torch.long)
    pm = torch.zeros(len(rows), L, dtype=torch.long)
    for r, row in enumerate(rows):
        pid[r, :len(row)] = torch.tensor(row)
        pm[r, :len(row)] = 1
    with torch.no_grad():
        res = {}
        for name, dt in (("f64", torch.float64), ("f32", torch.float32)):
            m = model.to(dt)
            logit, left, right = m(pid, pm)
            res[name] = {"logits": lst(logit), "left": lst(left), "right": lst(right)}
        model.float()
    ref["pairrm"] = {"texts": texts, "source_max": 24, "candidate_max": 10, "rows": rows,
                     "order": [[i, j] for i in range(3) for j in range(3) if i != j], **res}

    # collator at upstream's budgets (1224 / 412) on long texts
    long_cases = []
    for ns, nc1, nc2 in ((1500, 600, 700), (300, 900, 100), (20, 2000, 2000)):
        s, c1, c2 = rand_text(g, ns), rand_text(g, nc1), rand_text(g, nc2)
        long_cases.append({"source": s, "cand1": c1, "cand2": c2, "ids": collate_pair(tok, s, c1, c2, 1224, 412)})
    ref["collator_long"] = long_cases

    # log buckets of a DeBERTa-v3-large config (256 buckets, 512 max positions), relative -3000..3000
    rp = build_relative_position(1, 6001, bucket_size=256, max_position=512)[0, 0] - 0
    ref["buckets_large"] = {"rel_from": -6000, "note": "rel = 0 - k for k in 0..6000", "values": rp.tolist()}

    # ---- classifiers ------------------------------------------------------------------------------
    template = ("{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|> {{ message['content'] }}"
                "{{ eos_token }}{% endfor %}")
    ldir = os.path.join(out, "cls-llama")
    os.makedirs(ldir, exist_ok=True)
    ltok = write_tokenizer(ldir, vocab, n_base, chat_template=template)
    lcfg = LlamaConfig(vocab_size=n_base + 4, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                       rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, num_labels=1,
                       pad_token_id=0, bos_token_id=2, eos_token_id=3)
    lcfg.architectures = ["LlamaForSequenceClassification"]
    lm = LlamaForSequenceClassification(lcfg).eval()
    det_init(lm, SEED + 1)
    lcfg.save_pretrained(ldir)
    write_safetensors(os.path.join(ldir, "model.safetensors"),
                      {k: v.contiguous() for k, v in lm.state_dict().items()}, {"format": "pt"})
    groups = [("what is two and three", ["five", "it is the number five, and that is all"]),
              ("tell me a word", ["water"])]
    lrows = []
    for p, cs in groups:
        for c in cs:
            conv = [{"role": "user", "content": p}, {"role": "assistant", "content": c}]
            text = ltok.apply_chat_template(conv, tokenize=False)
            lrows.append({"prompt": p, "response": c, "text": text,
                          "ids": ltok.encode(text, add_special_tokens=False)})
    L = max(len(r["ids"]) for r in lrows)
    lid = torch.zeros(len(lrows), L, dtype=torch.long)
    for r, row in enumerate(lrows):
        lid[r, :len(row["ids"])] = torch.tensor(row["ids"])
    with torch.no_grad():
        s64 = lm.double()(input_ids=lid, attention_mask=(lid != 0).long()).logits
    for r, row in enumerate(lrows):
        row["score"] = float(s64[r, 0])
    ref["cls_llama"] = lrows

    ddir = os.path.join(out, "cls-deberta")
    os.makedirs(ddir, exist_ok=True)
    dtok = write_tokenizer(ddir, vocab, n_base)
    dcfg = deberta_config(n_base + 4, layers=2, num_labels=1, pooler_hidden_size=32, pooler_hidden_act="gelu",
                          pooler_dropout=0.0)
    dcfg.architectures = ["DebertaV2ForSequenceClassification"]
    dm = DebertaV2ForSequenceClassification(dcfg).eval()
    det_init(dm, SEED + 2)
    dcfg.save_pretrained(ddir)
    write_safetensors(os.path.join(ddir, "model.safetensors"),
                      {k: v.contiguous() for k, v in dm.state_dict().items()}, {"format": "pt"})
    drows = []
    for p, cs in groups:
        for c in cs:
            e = dtok(p, c)
            drows.append({"prompt": p, "response": c, "ids": e["input_ids"]})
    with torch.no_grad():
        dm.double()
        for row in drows:
            row["score"] = float(dm(input_ids=torch.tensor([row["ids"]])).logits[0, 0])
    ref["cls_deberta"] = drows

    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f)
    print(f"pairrm logits f64 {res['f64']['logits'][:3]} -> {out}")


if __name__ == "__main__":
    main()
