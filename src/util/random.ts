// mulberry32: a small seeded PRNG in [0, 1) for reproducible small choices (a shuffle of a handful of
// candidates, best_random's partner). Not for sampling tokens: src/generate has its own xoshiro128** streams.

/** A generator of floats in [0, 1) seeded by a 32-bit integer (Tommy Ettinger's mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
