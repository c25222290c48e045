// Derived seeds: every random choice of a run is seeded from (run seed, purpose, iteration, prompt_id), so
// results do not depend on batching, resume points or thread scheduling.
import { createHash } from "node:crypto";

/** A 31-bit seed from the parts (stable across platforms and Node versions). */
export function seedFor(...parts: Array<string | number>): number {
  const h = createHash("sha256").update(parts.join("\u0000")).digest();
  return h.readUInt32LE(0) & 0x7fffffff;
}

/** mulberry32: a small seeded PRNG in [0, 1) for choices like best_random's partner. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
