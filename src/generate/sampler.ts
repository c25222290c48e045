// Picks the next token from a row of logits: greedy argmax at temperature 0, otherwise the logits
// processors then one uniform draw from the stream walked over token ids in index order (so the same
// draw gives the same token wherever the probabilities agree). Not the stopping logic.
import { ConfigError } from "../util/errors.js";
import type { SamplingSettings } from "./generator.js";
import { argmax, type LogitsProcessor, logSumExp, processorsFor } from "./logits-processors.js";
import type { Xoshiro128 } from "./rng.js";

export interface SampledToken {
  token: number;
  /** log-probability of the token under the model's own distribution (before temperature and filters) */
  logprob: number;
}

/** Rejects settings no sampler can honour, naming the field. */
export function validateSampling(s: SamplingSettings): void {
  const bad = (field: string, expected: string, value: unknown): never => {
    throw new ConfigError(`sampling.${field} must be ${expected}, got ${JSON.stringify(value)}`);
  };
  if (!(Number.isFinite(s.temperature) && s.temperature >= 0))
    bad("temperature", "a number >= 0", s.temperature);
  if (!(s.topP > 0 && s.topP <= 1)) bad("topP", "in (0, 1]", s.topP);
  if (!(Number.isInteger(s.topK) && s.topK >= 0)) bad("topK", "an integer >= 0", s.topK);
  if (!(s.minP >= 0 && s.minP < 1)) bad("minP", "in [0, 1)", s.minP);
  if (!(Number.isInteger(s.maxTokens) && s.maxTokens >= 0)) bad("maxTokens", "an integer >= 0", s.maxTokens);
  if (!Number.isSafeInteger(s.seed)) bad("seed", "an integer", s.seed);
  if (!Array.isArray(s.stop) || s.stop.some((x) => typeof x !== "string" || x.length === 0)) {
    bad("stop", "a list of non-empty strings", s.stop);
  }
  if (s.stopTokenIds !== undefined && !s.stopTokenIds.every((t) => Number.isInteger(t) && t >= 0)) {
    bad("stopTokenIds", "a list of token ids", s.stopTokenIds);
  }
}

export class TokenSampler {
  private readonly processors: LogitsProcessor[];
  private readonly greedy: boolean;
  private scratch = new Float32Array(0);

  constructor(settings: SamplingSettings) {
    validateSampling(settings);
    this.greedy = settings.temperature === 0;
    this.processors = processorsFor(settings);
  }

  /** `logits` [V] is left unchanged. */
  pick(logits: Float32Array, rng: Xoshiro128): SampledToken {
    const lse = logSumExp(logits);
    if (this.greedy) {
      const token = argmax(logits);
      return { token, logprob: (logits[token] as number) - lse };
    }
    if (this.scratch.length !== logits.length) this.scratch = new Float32Array(logits.length);
    const work = this.scratch;
    work.set(logits);
    for (const p of this.processors) p(work);
    const wlse = logSumExp(work);
    const r = rng.nextFloat();
    let acc = 0;
    let token = -1;
    for (let i = 0; i < work.length; i++) {
      const v = work[i] as number;
      if (v === Number.NEGATIVE_INFINITY) continue;
      token = i;
      acc += Math.exp(v - wlse);
      if (r < acc) break;
    }
    // rounding can leave acc a hair below r: the last kept token is then the pick
    if (token < 0) token = argmax(logits);
    return { token, logprob: (logits[token] as number) - lse };
  }
}
