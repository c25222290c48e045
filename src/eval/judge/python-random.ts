// CPython's random.Random(str_seed).choices(population, k=1): MT19937 seeded by init_by_array from
// the big-endian integer of (seed bytes + sha512(seed bytes)), then floor(random() · n). alpaca_eval
// uses this to decide, per instruction, whether the judge sees the pair switched; reproducing it lets
// prefloop's judge present exactly the orders upstream's did. Not a general-purpose RNG.
import { createHash } from "node:crypto";

class Mt19937 {
  private readonly mt = new Uint32Array(624);
  private index = 625;

  initGenrand(s: number): void {
    this.mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1]! ^ (this.mt[i - 1]! >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = 624;
  }

  initByArray(key: Uint32Array): void {
    this.initGenrand(19650218);
    const mt = this.mt;
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i]! & 0x80000000) | (mt[(i + 1) % 624]! & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  next32(): number {
    if (this.index >= 624) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random.random(): 53-bit float in [0, 1) */
  random(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** random.Random(seed) for a str seed (CPython ≥ 3.2, version 2 seeding). */
export function pythonRandomFromString(seed: string): { random(): number } {
  const bytes = Buffer.from(seed, "utf8");
  const all = Buffer.concat([bytes, createHash("sha512").update(bytes).digest()]);
  // The integer's 32-bit words, least significant first, without leading zero words.
  let start = 0;
  while (start < all.length - 1 && all[start] === 0) start++;
  const digits = all.subarray(start);
  const nWords = Math.max(1, Math.ceil(digits.length / 4));
  const key = new Uint32Array(nWords);
  for (let w = 0; w < nWords; w++) {
    let v = 0;
    for (let b = 0; b < 4; b++) {
      const pos = digits.length - 1 - (w * 4 + b);
      if (pos >= 0) v |= digits[pos]! << (8 * b);
    }
    key[w] = v >>> 0;
  }
  const mt = new Mt19937();
  mt.initByArray(key);
  return mt;
}

/** random.Random(seed).choices(population, k=1)[0] */
export function pythonSeededChoice<T>(seed: string, population: readonly T[]): T {
  const r = pythonRandomFromString(seed).random();
  return population[Math.floor(r * population.length)]!;
}
