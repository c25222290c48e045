// cos/sin tables [maxPos, HS/2] for Backend.ropeForward, computed as Hugging Face does in float32
// (LlamaRotaryEmbedding: inv_freq = 1 / theta^(2i/HS), angle = pos * inv_freq), with optional Llama-3
// frequency scaling (transformers' _compute_llama3_parameters). Not the rotation itself (ts/rope.ts, pf_rope.c).

export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** inv_freq[i] for i < HS/2, rounded to float32 at each step as torch computes it. */
export function ropeInvFreq(
  HS: number,
  theta: number,
  scaling: Llama3RopeScaling | null = null,
): Float32Array {
  const f = Math.fround;
  const half = HS / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = f(1 / f(f(theta) ** f((2 * i) / HS)));
  if (!scaling) return inv;
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: old } = scaling;
  const lowWavelen = old / lowFreqFactor;
  const highWavelen = old / highFreqFactor;
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowWavelen) inv[i] = f(inv[i] / factor);
    else if (wavelen >= highWavelen) {
      // medium band: interpolate between scaled and unscaled frequencies
      const smooth = (old / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      inv[i] = f((1 - smooth) * (inv[i] / factor) + smooth * inv[i]);
    }
  }
  return inv;
}

/** Tables for positions 0..maxPos-1. */
export function ropeTables(
  maxPos: number,
  HS: number,
  theta: number,
  scaling: Llama3RopeScaling | null = null,
): { cos: Float32Array; sin: Float32Array } {
  const half = HS / 2;
  const inv = ropeInvFreq(HS, theta, scaling);
  const cos = new Float32Array(maxPos * half);
  const sin = new Float32Array(maxPos * half);
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inv[i]);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
