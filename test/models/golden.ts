// Reads the golden files written by scripts/reference/models_ref.py (JSON index + raw little-endian f32).
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const goldenDir = "test/golden/models";

export interface Golden {
  get(name: string): Float32Array;
  shape(name: string): number[];
  names(): string[];
}

export function readGolden(variant: string): Golden {
  const dir = join(goldenDir, variant);
  const index = JSON.parse(readFileSync(join(dir, "golden.json"), "utf8")) as {
    arrays: Record<string, { shape: number[]; offset: number; length: number }>;
  };
  const bytes = readFileSync(join(dir, "golden.bin"));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return {
    get: (n) => {
      const e = index.arrays[n];
      if (!e) throw new Error(`golden ${variant}: no array ${n}`);
      return all.subarray(e.offset, e.offset + e.length);
    },
    shape: (n) => index.arrays[n].shape,
    names: () => Object.keys(index.arrays),
  };
}

/** max |a - b| over entries where keep(i), divided by max |b| over the same entries. */
export function relErr(a: Float32Array, b: Float32Array, keep: (i: number) => boolean = () => true): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    if (!keep(i)) continue;
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}
