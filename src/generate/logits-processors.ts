// Logits processors: each one rewrites a row of logits [V] in place, masking tokens with -Infinity, in the
// order transformers' generate applies its warpers (temperature, top-k, top-p, min-p). Not the sampler.
// Semantics follow transformers' TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper and
// MinPLogitsWarper; ties at a cut-off are all kept.
import type { SamplingSettings } from "./generator.js";

export type LogitsProcessor = (logits: Float32Array) => void;

/** Index of the largest logit (the lowest index on ties). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** log-sum-exp of a row (max-shifted; -Infinity when every entry is masked). */
export function logSumExp(logits: Float32Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  return max + Math.log(sum);
}

export function temperature(t: number): LogitsProcessor {
  return (logits) => {
    for (let i = 0; i < logits.length; i++) logits[i] = (logits[i] as number) / t;
  };
}

/** Keep the k largest logits (and any tied with the k-th). */
export function topK(k: number): LogitsProcessor {
  let sorted = new Float32Array(0); // reused across calls: sampling allocates nothing per token
  return (logits) => {
    if (k >= logits.length) return;
    if (sorted.length !== logits.length) sorted = new Float32Array(logits.length);
    sorted.set(logits);
    sorted.sort();
    const threshold = sorted[logits.length - k] as number;
    for (let i = 0; i < logits.length; i++)
      if ((logits[i] as number) < threshold) logits[i] = Number.NEGATIVE_INFINITY;
  };
}

/** Softmax of a row into `out` (masked entries get 0). */
function softmaxInto(logits: Float32Array, out: Float64Array): void {
  const lse = logSumExp(logits);
  for (let i = 0; i < logits.length; i++) out[i] = Math.exp((logits[i] as number) - lse);
}

/**
 * Keep the smallest set of most probable tokens whose probability mass reaches p (at least one token).
 * Only tokens above a threshold whose mass already reaches p are sorted: the nucleus is a subset of any
 * top set that reaches p, so this is exact and avoids sorting a whole large vocabulary.
 */
export function topP(p: number): LogitsProcessor {
  let probs = new Float64Array(0); // reused across calls
  return (logits) => {
    if (p >= 1) return;
    if (probs.length !== logits.length) probs = new Float64Array(logits.length);
    softmaxInto(logits, probs);
    let maxProb = 0;
    for (let i = 0; i < probs.length; i++) if ((probs[i] as number) > maxProb) maxProb = probs[i] as number;
    let candidates: number[] = [];
    for (let floor = maxProb / 256; ; floor /= 256) {
      candidates = [];
      let mass = 0;
      for (let i = 0; i < probs.length; i++) {
        if ((probs[i] as number) >= floor) {
          candidates.push(probs[i] as number);
          mass += probs[i] as number;
        }
      }
      if (mass >= p || floor === 0) break;
      if (floor < Number.MIN_VALUE * 256) floor = 0;
    }
    candidates.sort((a, b) => b - a);
    let mass = 0;
    let threshold = candidates[0] as number;
    for (const q of candidates) {
      threshold = q;
      mass += q;
      if (mass >= p) break;
    }
    for (let i = 0; i < logits.length; i++)
      if ((probs[i] as number) < threshold) logits[i] = Number.NEGATIVE_INFINITY;
  };
}

/** Drop tokens whose probability is below minP times the most probable token's. */
export function minP(m: number): LogitsProcessor {
  return (logits) => {
    const max = logits[argmax(logits)] as number;
    // p_i < m * p_max  <=>  logit_i < logit_max + ln m
    const cut = max + Math.log(m);
    for (let i = 0; i < logits.length; i++)
      if ((logits[i] as number) < cut) logits[i] = Number.NEGATIVE_INFINITY;
  };
}

/** The processors a sampling configuration asks for, in application order (empty for greedy). */
export function processorsFor(s: SamplingSettings): LogitsProcessor[] {
  if (s.temperature === 0) return [];
  const out: LogitsProcessor[] = [];
  if (s.temperature !== 1) out.push(temperature(s.temperature));
  if (s.topK > 0) out.push(topK(s.topK));
  if (s.topP < 1) out.push(topP(s.topP));
  if (s.minP > 0) out.push(minP(s.minP));
  return out;
}
