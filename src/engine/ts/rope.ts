// Reference rotary position embedding for the `ts` backend, in place on x [N, H, HS].
// Layouts: "half" pairs element i with i + HS/2 (HF rotate_half); "interleaved" pairs 2i with 2i+1
// (Meta's original / llama2.c). Backward rotates the gradient by -angle (a rotation's inverse is its transpose).
import type { RopeLayout } from "../backend.js";

function rotate(
  x: Float32Array,
  pos: Int32Array,
  cos: Float32Array,
  sin: Float32Array,
  N: number,
  H: number,
  HS: number,
  layout: RopeLayout,
  sign: number,
): void {
  const half = HS / 2;
  for (let n = 0; n < N; n++) {
    const t = pos[n] * half; // row of the [maxPos, HS/2] tables
    for (let h = 0; h < H; h++) {
      const base = (n * H + h) * HS;
      for (let i = 0; i < half; i++) {
        const c = cos[t + i];
        const s = sign * sin[t + i];
        const i1 = layout === "half" ? base + i : base + 2 * i;
        const i2 = layout === "half" ? base + i + half : base + 2 * i + 1;
        const x1 = x[i1];
        const x2 = x[i2];
        x[i1] = x1 * c - x2 * s;
        x[i2] = x2 * c + x1 * s;
      }
    }
  }
}

export function ropeForward(
  x: Float32Array,
  pos: Int32Array,
  cos: Float32Array,
  sin: Float32Array,
  N: number,
  H: number,
  HS: number,
  layout: RopeLayout,
): void {
  rotate(x, pos, cos, sin, N, H, HS, layout, 1);
}

export function ropeBackward(
  dx: Float32Array,
  pos: Int32Array,
  cos: Float32Array,
  sin: Float32Array,
  N: number,
  H: number,
  HS: number,
  layout: RopeLayout,
): void {
  rotate(dx, pos, cos, sin, N, H, HS, layout, -1);
}
