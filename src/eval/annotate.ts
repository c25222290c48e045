// Pairwise annotation against reference outputs, as alpaca_eval's PairwiseAnnotator does it: outputs
// matched by instruction, identical outputs a draw without asking, the pair shown switched for the
// instructions upstream switches (seeded) and the verdict undone (3 − p), verdicts cached, a
// concurrency limit, token and cost totals; rows in annotations.json's format. Not the judges.
import { InputError } from "../util/errors.js";
import type { Annotation } from "./annotations.js";
import type { ModelOutput } from "./io.js";
import { JudgeCache, judgeCacheKey } from "./judge/cache.js";
import { isSwitched } from "./judge/prompt.js";
import type { PairJudge } from "./judge/types.js";

export interface AnnotateOptions {
  judge: PairJudge;
  cache?: JudgeCache;
  /** requests in flight at once */
  concurrency?: number;
  /** seed of the order switch (alpaca_eval's default: 0) */
  seed?: number;
  /** false: never switch the order */
  randomizeOrder?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface AnnotateStats {
  total: number;
  judged: number;
  cacheHits: number;
  draws: number;
  unparsed: number;
  promptTokens: number;
  completionTokens: number;
  /** US dollars spent by this run (cache hits cost nothing) */
  cost: number;
}

/** Pairs each model output with the reference output of the same instruction (model order kept). */
export function matchOutputs(
  model: ModelOutput[],
  reference: ModelOutput[],
  paths: [string, string],
): [ModelOutput, ModelOutput][] {
  const byInstruction = new Map<string, ModelOutput>();
  for (const r of reference) if (!byInstruction.has(r.instruction)) byInstruction.set(r.instruction, r);
  return model.map((m, i) => {
    const ref = byInstruction.get(m.instruction);
    if (ref === undefined) {
      throw new InputError(
        `${paths[0]}: [${i}].instruction: not found among the reference outputs in ${paths[1]}`,
      );
    }
    return [ref, m];
  });
}

async function mapPool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export async function annotatePairs(
  pairs: [ModelOutput, ModelOutput][],
  opts: AnnotateOptions,
): Promise<{ annotations: Annotation[]; stats: AnnotateStats }> {
  const cache = opts.cache ?? new JudgeCache(null);
  const stats: AnnotateStats = {
    total: pairs.length,
    judged: 0,
    cacheHits: 0,
    draws: 0,
    unparsed: 0,
    promptTokens: 0,
    completionTokens: 0,
    cost: 0,
  };
  let done = 0;
  const annotations = await mapPool(pairs, opts.concurrency ?? 8, async ([ref, model]) => {
    const base = {
      instruction: model.instruction,
      output_1: ref.output,
      generator_1: ref.generator,
      dataset: model.dataset ?? ref.dataset,
      output_2: model.output,
      generator_2: model.generator,
      annotator: opts.judge.id,
    };
    let row: Annotation;
    if (ref.output === model.output) {
      stats.draws++;
      row = { ...base, preference: 1.5, price_per_example: 0, time_per_example: 0, raw_completion: null };
    } else {
      const switched = opts.randomizeOrder !== false && isSwitched(model.instruction, opts.seed ?? 0);
      const [first, second] = switched ? [model.output, ref.output] : [ref.output, model.output];
      const key = judgeCacheKey(opts.judge.id, model.instruction, first, second);
      const t0 = performance.now();
      let verdict = cache.get(key);
      if (verdict !== undefined) stats.cacheHits++;
      else {
        verdict = await opts.judge.judge(model.instruction, first, second);
        stats.judged++;
        stats.promptTokens += verdict.promptTokens ?? 0;
        stats.completionTokens += verdict.completionTokens ?? 0;
        stats.cost += verdict.price ?? 0;
        await cache.set(key, verdict);
      }
      const p = verdict.preference;
      if (p === null) stats.unparsed++;
      row = {
        ...base,
        preference: p === null ? null : switched ? 3 - p : p,
        price_per_example: verdict.price ?? 0,
        time_per_example: (performance.now() - t0) / 1000,
        raw_completion: verdict.raw ?? null,
      };
    }
    opts.onProgress?.(++done, pairs.length);
    return row;
  });
  await cache.flush();
  return { annotations, stats };
}
