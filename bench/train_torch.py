#!/usr/bin/python3
"""PyTorch side of bench/train.ts: one DPO training step (policy forward on [chosen; rejected] rows,
masked log-probs, sigmoid loss against fixed reference log-probs, backward, grad clipping, AdamW) on HF's
own LlamaForCausalLM (vendored transformers 4.40), fp32, torch.set_num_threads(THREADS). Prints JSON.
Usage: /usr/bin/python3 bench/train_torch.py --hidden 512 --layers 8 --batch 8 --seq 256 --vocab 8192 --steps 3"""
import argparse
import json
import os
import resource
import sys
import time

REF = os.environ.get("PREFLOOP_REFERENCE", "/work/shared/reference")
sys.path.insert(0, REF)
sys.path.insert(0, os.path.join(REF, "vendor"))
import _common  # noqa: E402,F401
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from transformers.models.llama.modeling_llama import LlamaConfig, LlamaForCausalLM  # noqa: E402

ap = argparse.ArgumentParser()
for k, d in (("hidden", 512), ("layers", 8), ("heads", 8), ("inter", 1376), ("batch", 8), ("seq", 256),
             ("vocab", 8192), ("steps", 3), ("threads", 2)):
    ap.add_argument(f"--{k}", type=int, default=d)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
cfg = LlamaConfig(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                  num_key_value_heads=a.heads, intermediate_size=a.inter, max_position_embeddings=a.seq,
                  tie_word_embeddings=False)
model = LlamaForCausalLM(cfg).train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-6, weight_decay=0.0)
ids = torch.randint(3, a.vocab, (a.batch, a.seq))
attn = torch.ones_like(ids)
mask = torch.zeros(a.batch, a.seq - 1)
mask[:, a.seq // 2:] = 1  # second half of each row is the response
ref = torch.randn(a.batch) * 10 - 500
n = a.batch // 2
times = []
for i in range(a.steps + 1):
    t0 = time.perf_counter()
    opt.zero_grad()
    logits = model(input_ids=ids, attention_mask=attn).logits
    lp = torch.gather(F.log_softmax(logits[:, :-1], -1), 2, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    s = (lp * mask).sum(-1)
    loss = -F.logsigmoid(0.1 * ((s[:n] - ref[:n]) - (s[n:] - ref[n:]))).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if i > 0:  # the first step warms up allocators
        times.append(time.perf_counter() - t0)
print(json.dumps({"step_s": min(times), "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
