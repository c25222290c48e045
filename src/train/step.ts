// One micro-batch of DPO (collate → policy token log-probs → objective → model.backward) and the
// no-gradient evaluation over a split, with TRL's logits/chosen and logits/rejected (mean over the
// vocabulary of each response position's logits). Not the loop: see trainer.ts.
import type { CausalLM } from "../models/index.js";
import { collatePairs, type PairBatch, type TokenizedPair } from "./collate.js";
import { batchObjective, type ObjectiveSettings, type RefRowLogps } from "./objective.js";
import type { RefPairLogps } from "./ref-cache.js";

export interface StepMetrics {
  metrics: Record<string, number>;
  pairs: number;
}

function refRows(ref: RefPairLogps[] | null): RefRowLogps | null {
  if (ref === null) return null;
  const n = ref.length;
  const total = new Float64Array(2 * n);
  const shared = new Float64Array(2 * n);
  ref.forEach(([ct, cs, rt, rs], i) => {
    total[i] = ct;
    shared[i] = cs;
    total[n + i] = rt;
    shared[n + i] = rs;
  });
  return { total, shared };
}

/** TRL's logits/chosen and logits/rejected: token-weighted mean of mean-over-V logits at response positions. */
export function logitMetrics(model: CausalLM, pb: PairBatch): Record<string, number> {
  const { B, T } = pb.batch;
  const logits = model.logits(pb.batch);
  const V = logits.length / (B * T);
  const sum = [0, 0];
  const cnt = [0, 0];
  for (let b = 0; b < B; b++) {
    const side = b < pb.n ? 0 : 1;
    for (let t = 0; t < T - 1; t++) {
      if (!pb.logpMask[b * (T - 1) + t]) continue;
      let s = 0;
      const off = (b * T + t) * V;
      for (let v = 0; v < V; v++) s += logits[off + v];
      sum[side] += s / V;
      cnt[side]++;
    }
  }
  return {
    "logits/chosen": cnt[0] > 0 ? sum[0] / cnt[0] : 0,
    "logits/rejected": cnt[1] > 0 ? sum[1] / cnt[1] : 0,
  };
}

/**
 * Forward + backward of one micro-batch; gradients accumulate into Parameter.grad scaled by `gradScale`.
 * Backward is skipped when the loss is not finite (the caller stops with a clear error).
 */
export function runMicroBatch(
  model: CausalLM,
  pairs: TokenizedPair[],
  ref: RefPairLogps[] | null,
  padId: number,
  s: ObjectiveSettings,
  gradScale: number,
  withLogits: boolean,
): StepMetrics {
  const pb = collatePairs(pairs, padId);
  const tm1 = pb.batch.T - 1;
  const lp = model.tokenLogprobs(pb.batch, pb.lossMask, true);
  const obj = batchObjective(lp, pb.logpMask, pb.n, tm1, refRows(ref), s, gradScale);
  if (Number.isFinite(obj.loss)) model.backward(obj.dTokenLogps);
  const metrics: Record<string, number> = { loss: obj.loss, ...obj.metrics };
  if (withLogits) Object.assign(metrics, logitMetrics(model, pb));
  return { metrics, pairs: pb.n };
}

/** Equal-weight mean over micro-batches (TRL averages each logged metric over its micro-batches). */
export function averageMetrics(parts: StepMetrics[]): Record<string, number> {
  const out: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p.metrics)) {
      out[k] = (out[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  for (const k of Object.keys(out)) out[k] /= counts[k];
  return out;
}

/** Loss and metrics over a whole split without gradients, weighted by pairs per batch. */
export function evaluatePairs(
  model: CausalLM,
  pairs: TokenizedPair[],
  ref: RefPairLogps[] | null,
  padId: number,
  batchSize: number,
  s: ObjectiveSettings,
): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const pb = collatePairs(chunk, padId);
    const lp = model.tokenLogprobs(pb.batch, pb.lossMask, false);
    const obj = batchObjective(
      lp,
      pb.logpMask,
      pb.n,
      pb.batch.T - 1,
      refRows(ref ? ref.slice(i, i + batchSize) : null),
      s,
    );
    const m: Record<string, number> = { loss: obj.loss, ...obj.metrics, ...logitMetrics(model, pb) };
    for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v * pb.n;
    total += pb.n;
  }
  for (const k of Object.keys(out)) out[k] /= Math.max(1, total);
  return out;
}
