// Times the same workloads in PyTorch (and numpy's BLAS, OpenBLAS on Debian) in a child Python process,
// for `prefloop bench engine`. The script is embedded so an installed package needs no extra files; it
// uses HF's LlamaDecoderLayer from the vendored transformers of PREFLOOP_REFERENCE (see its README).
import { spawnSync } from "node:child_process";

export interface TorchSpec {
  threads: number;
  reps: number;
  sgemm: Array<[number, number, number]>;
  block: { B: number; T: number; C: number; NH: number; NKV: number; I: number } | null;
  reference: string;
}

export interface TorchTimes {
  torch: string;
  threads: number;
  /** seconds per sgemm, by "MxNxK" */
  sgemm: Record<string, number>;
  /** seconds per numpy matmul (system BLAS), by "MxNxK" */
  blas: Record<string, number>;
  blasLibrary: string | null;
  /** seconds per block forward+backward, or null with blockError */
  block: number | null;
  blockError?: string;
}

const SCRIPT = `
import json, os, sys, time
spec = json.loads(sys.argv[1])
os.environ["OPENBLAS_NUM_THREADS"] = str(spec["threads"])
import torch
torch.set_num_threads(spec["threads"])
def best(fn, reps):
    fn()
    t = []
    for _ in range(reps):
        s = time.perf_counter(); fn(); t.append(time.perf_counter() - s)
    return min(t)
res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "sgemm": {}, "blas": {}, "blasLibrary": None, "block": None}
for m, n, k in spec["sgemm"]:
    a, b = torch.randn(m, k), torch.randn(k, n)
    c = torch.empty(m, n)
    r = max(1, spec["reps"] if m * n * k <= 2**30 else spec["reps"] // 2)
    res["sgemm"][f"{m}x{n}x{k}"] = best(lambda: torch.mm(a, b, out=c), r)
try:
    import numpy as np
    for m, n, k in spec["sgemm"]:
        a, b = np.random.randn(m, k).astype(np.float32), np.random.randn(k, n).astype(np.float32)
        res["blas"][f"{m}x{n}x{k}"] = best(lambda: a @ b, max(1, spec["reps"] // 2))
    with open("/proc/self/maps") as f:
        libs = sorted({l.split()[-1] for l in f if "blas" in l.lower() and l.split()[-1].startswith("/")})
    res["blasLibrary"] = os.path.realpath(libs[0]) if libs else None
except Exception as e:
    res["blasLibrary"] = None
bs = spec["block"]
if bs:
    try:
        sys.path.insert(0, os.path.join(spec["reference"], "vendor"))
        from transformers.models.llama.modeling_llama import LlamaConfig, LlamaDecoderLayer
        cfg = LlamaConfig(hidden_size=bs["C"], num_attention_heads=bs["NH"], num_key_value_heads=bs["NKV"],
                          intermediate_size=bs["I"], rms_norm_eps=1e-6, max_position_embeddings=max(2048, bs["T"]))
        cfg._attn_implementation = "eager"
        layer = LlamaDecoderLayer(cfg, layer_idx=0)
        B, T = bs["B"], bs["T"]
        x = torch.randn(B, T, bs["C"], requires_grad=True)
        mask = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)[None, None].expand(B, 1, T, T)
        pos = torch.arange(T)[None].expand(B, T)
        R = torch.randn(B, T, bs["C"])
        def step():
            y = layer(x, attention_mask=mask, position_ids=pos)[0]
            (y * R).sum().backward()
        res["block"] = best(step, spec["reps"])
    except Exception as e:
        res["blockError"] = repr(e)
print(json.dumps(res))
`;

/** Runs the timing script; null with a reason when Python or torch is missing. */
export function timeTorch(spec: TorchSpec): { times: TorchTimes | null; error: string } {
  const python = process.env.PREFLOOP_PYTHON ?? "/usr/bin/python3";
  const r = spawnSync(python, ["-c", SCRIPT, JSON.stringify(spec)], {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: String(spec.threads) },
    maxBuffer: 1 << 20,
  });
  if (r.error) return { times: null, error: `${python}: ${r.error.message}` };
  if (r.status !== 0)
    return { times: null, error: (r.stderr || "").trim().split("\n").slice(-1)[0] ?? "failed" };
  try {
    return { times: JSON.parse(r.stdout.trim().split("\n").slice(-1)[0]) as TorchTimes, error: "" };
  } catch {
    return { times: null, error: "unreadable output from the timing script" };
  }
}
