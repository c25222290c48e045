// Test helpers for the engine: a seeded RNG, random tensors, error measures and a finite-difference
// gradient check (central differences on L = Σ out·R, R random), in the style of ggml's test-backend-ops.
import { mulberry32 } from "../../src/util/random.js";

/** mulberry32 (src/util/random): small, fast, deterministic. */
export const rng = mulberry32;

export function randn(r: () => number, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

export function randint(r: () => number, n: number, hi: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * hi);
  return out;
}

/** max |a-b| / (max |b| + tiny): a relative error that ignores near-zero elements' noise. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] === b[i] ? 0 : Math.abs(a[i] - b[i]); // equal infinities (masked lse) count as exact
    if (Number.isNaN(d)) return Infinity;
    if (d > num) num = d;
    if (Math.abs(b[i]) > den) den = Math.abs(b[i]);
  }
  return num / (den + 1e-30);
}

export function dotWith(a: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * r[i];
  return s;
}
