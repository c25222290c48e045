// Seeded random numbers for sampling: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", 2018; reference xoshiro128starstar.c) with its state filled by splitmix32. Pure 32-bit integer
// arithmetic (Math.imul, >>>), so a seed gives the same stream on every platform and backend. Not
// cryptographic. One stream per (seed, prompt, sample), so results do not depend on how work is batched.

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** murmur3's 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Raw state; it must not be all zero. */
  constructor(state: [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** State from one 32-bit seed through splitmix32, as the xoshiro authors recommend. */
  static fromSeed(seed: number): Xoshiro128 {
    let z = seed >>> 0;
    const next = (): number => {
      z = (z + 0x9e3779b9) >>> 0;
      return fmix32(z);
    };
    return new Xoshiro128([next(), next(), next(), next()]);
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws). */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

/** FNV-1a over the UTF-16 code units of `text`: a stable 32-bit key for a prompt. */
export function promptKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The stream of sample `sampleIndex` of the prompt with key `key` under `seed` (any safe integer; both
 * 32-bit halves count). Streams differ whenever any of the three differs.
 */
export function sampleStream(seed: number, key: number, sampleIndex: number): Xoshiro128 {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = fmix32(lo ^ 0x5bd1e995);
  h = fmix32(h ^ hi);
  h = fmix32(h ^ key);
  h = fmix32(h ^ sampleIndex);
  return Xoshiro128.fromSeed(h);
}
