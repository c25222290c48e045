// A small seeded PRNG (mulberry32) whose whole state is one uint32, so a checkpoint stores it exactly.
// Used for data shuffling and LoRA initialisation; not cryptographic, not torch's generator.

export class Rng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  /** uniform uint32 */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** uniform in [0, 1) */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Fisher–Yates permutation of 0..n-1 */
  permutation(n: number): number[] {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/** Data order: epoch e visits rows in Rng(seed + e)'s permutation, so any step's position is recomputable. */
export function epochOrder(seed: number, epoch: number, n: number): number[] {
  return new Rng((seed + Math.imul(epoch, 0x9e3779b1)) >>> 0).permutation(n);
}
