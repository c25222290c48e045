// RoPE cos/sin tables [positions, HS/2] for the backend's rope kernels, with Llama-3 frequency scaling.
// Not the rotation itself (engine ropeForward). Follows HF LlamaRotaryEmbedding: inv_freq and the angles are
// computed in float32 (so tables match transformers to f32 rounding) and `_compute_llama3_parameters`.
import type { LlamaConfig } from "../causal-lm.js";

const f = Math.fround;

/** inv_freq[i] = 1 / theta^(2i/HS), then Llama-3 scaling when configured. */
export function inverseFrequencies(c: LlamaConfig): Float32Array {
  const half = c.headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(f(c.ropeTheta) ** f((2 * i) / c.headDim)));
  const s = c.ropeScaling;
  if (s) {
    const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
    const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen < highWavelen) continue; // high frequencies unchanged
      if (wavelen > lowWavelen) {
        inv[i] = inv[i] / s.factor; // low frequencies stretched by `factor`
        continue;
      }
      const smooth =
        (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
  return inv;
}

export class RopeTables {
  cos = new Float32Array(0);
  sin = new Float32Array(0);
  positions = 0;
  private readonly inv: Float32Array;

  constructor(config: LlamaConfig) {
    this.inv = inverseFrequencies(config);
  }

  /** Make sure positions 0..n-1 are in the tables (grows by doubling; never shrinks). */
  ensure(n: number): void {
    if (n <= this.positions) return;
    const size = Math.max(n, this.positions * 2, 64);
    const half = this.inv.length;
    const cos = new Float32Array(size * half);
    const sin = new Float32Array(size * half);
    for (let p = 0; p < size; p++) {
      for (let i = 0; i < half; i++) {
        const a = f(p * this.inv[i]);
        cos[p * half + i] = Math.cos(a);
        sin[p * half + i] = Math.sin(a);
      }
    }
    this.cos = cos;
    this.sin = sin;
    this.positions = size;
  }
}
