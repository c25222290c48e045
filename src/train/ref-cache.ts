// Reference log-probs, computed once per dataset with the iteration's starting model and cached in a JSON
// file beside the dataset (keyed by a hash of the tokenized pairs and the reference weights). Rows hold
// (total, shared) sums for chosen and rejected, so one cache serves every loss type and ld_alpha.
import { existsSync, readFileSync } from "node:fs";
import type { CausalLM } from "../models/index.js";
import { sha256, writeFileAtomic } from "./checkpoint.js";
import { collatePairs, type TokenizedPair } from "./collate.js";
import { refRowLogps } from "./objective.js";

/** Per pair: [chosenTotal, chosenShared, rejectedTotal, rejectedShared]. */
export type RefPairLogps = [number, number, number, number];

interface CacheFile {
  format: "prefloop-ref-logps/1";
  key: string;
  splits: Record<string, RefPairLogps[]>;
}

/** Hash of tokenized pairs (what the log-probs are of). */
export function pairsFingerprint(pairs: TokenizedPair[]): string {
  return sha256([JSON.stringify(pairs.map((p) => [p.promptIds, p.chosenIds, p.rejectedIds]))]);
}

/** Hash of a model's weights (identifies the reference). */
export function modelFingerprint(model: CausalLM): string {
  return sha256(
    model
      .parameters()
      .flatMap((p) => [p.name, new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength)]),
  );
}

/** Score `pairs` with `model` (no gradients) in batches of `batchSize` pairs. */
export function computeRefLogps(
  model: CausalLM,
  pairs: TokenizedPair[],
  padId: number,
  batchSize: number,
  onBatch?: (done: number, total: number) => void,
): RefPairLogps[] {
  const out: RefPairLogps[] = [];
  for (let i = 0; i < pairs.length; i += batchSize) {
    const chunk = pairs.slice(i, i + batchSize);
    const pb = collatePairs(chunk, padId);
    const tm1 = pb.batch.T - 1;
    const lp = model.tokenLogprobs(pb.batch, pb.lossMask, false);
    const r = refRowLogps(lp, pb.logpMask, pb.n, tm1);
    for (let k = 0; k < pb.n; k++) out.push([r.total[k], r.shared[k], r.total[pb.n + k], r.shared[pb.n + k]]);
    onBatch?.(Math.min(i + batchSize, pairs.length), pairs.length);
  }
  return out;
}

/** Cached splits for `key`, or null (missing file, other key, or a split absent). */
export function readRefCache(
  path: string,
  key: string,
  splits: string[],
): Record<string, RefPairLogps[]> | null {
  if (!existsSync(path)) return null;
  try {
    const f = JSON.parse(readFileSync(path, "utf8")) as CacheFile;
    if (f.format !== "prefloop-ref-logps/1" || f.key !== key) return null;
    return splits.every((s) => Array.isArray(f.splits[s])) ? f.splits : null;
  } catch {
    return null; // a damaged cache is recomputed, never trusted
  }
}

export function writeRefCache(path: string, key: string, splits: Record<string, RefPairLogps[]>): void {
  const f: CacheFile = { format: "prefloop-ref-logps/1", key, splits };
  writeFileAtomic(path, JSON.stringify(f));
}
