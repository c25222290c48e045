// DPO training step time beside PyTorch on the same config (Llama d 512, 8 layers, batch 8 rows = 4 pairs,
// seq 256, fp32, 2 threads): prints both step times, the ratio (ours / PyTorch; target <= 0.8), tokens/s
// and peak memory. The PyTorch side is bench/train_torch.py (HF LlamaForCausalLM + torch.optim.AdamW).
// Rounds alternate prefloop and PyTorch and keep the best of each (the machine is shared; load moves).
// Usage: node --import tsx bench/train.ts [--steps 3] [--rounds 2] [--vocab 8192] [--no-torch]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type LlamaConfig, modelFromCheckpoint, parameterShapes, type Tensor } from "../src/models/index.js";
import { AdamW, batchObjective, clipGradNorm, Rng } from "../src/train/index.js";

const { values: a } = parseArgs({
  options: {
    hidden: { type: "string", default: "512" },
    layers: { type: "string", default: "8" },
    heads: { type: "string", default: "8" },
    inter: { type: "string", default: "1376" },
    batch: { type: "string", default: "8" },
    seq: { type: "string", default: "256" },
    vocab: { type: "string", default: "8192" },
    steps: { type: "string", default: "3" },
    rounds: { type: "string", default: "2" },
    "no-torch": { type: "boolean", default: false },
  },
});
const [C, L, NH, I, B, T, V, steps] = [
  a.hidden,
  a.layers,
  a.heads,
  a.inter,
  a.batch,
  a.seq,
  a.vocab,
  a.steps,
].map(Number);
const config: LlamaConfig = {
  modelType: "llama",
  vocabSize: V,
  hiddenSize: C,
  intermediateSize: I,
  numLayers: L,
  numHeads: NH,
  numKvHeads: NH,
  headDim: C / NH,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  ropeLayout: "half",
  ropeScaling: null,
  maxPositionEmbeddings: T,
  tieWordEmbeddings: false,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenIds: [2],
};
const rng = new Rng(1);
const tensors = new Map<string, Tensor>();
for (const [name, shape] of parameterShapes(config)) {
  const n = shape.reduce((x, y) => x * y, 1);
  const s = name.endsWith("norm.weight") ? 0 : 0.02;
  tensors.set(name, {
    shape,
    data: Float32Array.from({ length: n }, () => (s === 0 ? 1 : (2 * rng.uniform() - 1) * s)),
  });
}
const model = modelFromCheckpoint({ config, tensors });
const tokens = Int32Array.from({ length: B * T }, () => 3 + Math.floor(rng.uniform() * (V - 3)));
const batch = { tokens, mask: new Uint8Array(B * T).fill(1), B, T };
const lossMask = new Uint8Array(B * T);
const logpMask = new Uint8Array(B * (T - 1));
for (let b = 0; b < B; b++) {
  for (let t = T / 2 + 1; t < T; t++) lossMask[b * T + t] = 1;
  for (let t = T / 2; t < T - 1; t++) logpMask[b * (T - 1) + t] = 1;
}
const n = B / 2;
const ref = { total: Float64Array.from({ length: B }, () => -500), shared: new Float64Array(B) };
const params = model.parameters();
const opt = new AdamW(
  params,
  { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  model.backend.adamw.bind(model.backend),
);
const settings = {
  lossTypes: ["sigmoid" as const],
  lossWeights: null,
  ldAlpha: null,
  beta: 0.1,
  labelSmoothing: 0,
  simpoGamma: 0,
};
let peak = 0;
function oursRound(): number {
  const times: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    for (const p of params) p.grad?.fill(0);
    const lp = model.tokenLogprobs(batch, lossMask, true);
    const obj = batchObjective(lp, logpMask, n, T - 1, ref, settings);
    model.backward(obj.dTokenLogps);
    clipGradNorm(params, 1);
    opt.update(1e-6);
    if (i > 0) times.push((performance.now() - t0) / 1000);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  return Math.min(...times);
}
interface TorchResult {
  step_s: number;
  peak_rss_mb: number;
  torch: string;
  threads: number;
}
function torchRound(): TorchResult | string {
  const args = [
    "--hidden",
    C,
    "--layers",
    L,
    "--heads",
    NH,
    "--inter",
    I,
    "--batch",
    B,
    "--seq",
    T,
    "--vocab",
    V,
    "--steps",
    steps,
  ].map(String);
  const r = spawnSync("/usr/bin/python3", [join(import.meta.dirname, "train_torch.py"), ...args], {
    encoding: "utf8",
  });
  if (r.status !== 0) return r.stderr.trim().split("\n").pop() ?? "failed";
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as TorchResult;
}
const tok = B * T;
let best = Number.POSITIVE_INFINITY;
let pt = null as TorchResult | null;
for (let r = 0; r < Number(a.rounds); r++) {
  best = Math.min(best, oursRound());
  if (!a["no-torch"]) {
    const t = torchRound();
    if (typeof t === "string") {
      console.log(`pytorch: failed (${t})`);
      break;
    }
    if (pt === null || t.step_s < pt.step_s)
      pt = { ...t, peak_rss_mb: Math.max(t.peak_rss_mb, pt?.peak_rss_mb ?? 0) };
  }
}
const peakMb = Math.max(peak, process.resourceUsage().maxRSS * 1024) / 2 ** 20;
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}; ${B} rows x ${T} tokens, d ${C}, ${L} layers, vocab ${V}`,
);
console.log(
  `prefloop (${model.backend.name}, ${model.backend.threads} threads): ${best.toFixed(3)} s/step, ${(tok / best).toFixed(0)} tokens/s, peak RSS ${peakMb.toFixed(0)} MB`,
);
if (pt !== null) {
  console.log(
    `pytorch ${pt.torch} (${pt.threads} threads): ${pt.step_s.toFixed(3)} s/step, ${(tok / pt.step_s).toFixed(0)} tokens/s, peak RSS ${pt.peak_rss_mb.toFixed(0)} MB`,
  );
  console.log(`ratio prefloop/pytorch step time: ${(best / pt.step_s).toFixed(2)}x (target <= 0.8x)`);
}
