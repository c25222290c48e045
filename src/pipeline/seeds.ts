// Derived seeds: every random choice of a run is seeded from (run seed, purpose, iteration, prompt_id), so
// results do not depend on batching, resume points or thread scheduling.
import { createHash } from "node:crypto";
import { mulberry32 } from "../util/random.js";

/** A 31-bit seed from the parts (stable across platforms and Node versions). */
export function seedFor(...parts: Array<string | number>): number {
  const h = createHash("sha256").update(parts.join("\u0000")).digest();
  return h.readUInt32LE(0) & 0x7fffffff;
}

/** mulberry32 (src/util/random.ts): a small seeded PRNG in [0, 1) for choices like best_random's partner. */
export const rng = mulberry32;
