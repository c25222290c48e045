// Reference elementwise kernels for the `ts` backend: SwiGLU, exact GELU, axpy/add/mul/scale,
// sum of squares and the AdamW update. Math as torch (F.silu, F.gelu(approximate="none"), torch.optim.AdamW).
import { erf } from "./erf.js";

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function swigluForward(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = gate[i] * sigmoid(gate[i]) * up[i];
}

// d silu(g)/dg = s (1 + g (1 - s)) with s = sigmoid(g)
export function swigluBackward(
  dgate: Float32Array,
  dup: Float32Array,
  dout: Float32Array,
  gate: Float32Array,
  up: Float32Array,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const s = sigmoid(gate[i]);
    dgate[i] += dout[i] * up[i] * s * (1 + gate[i] * (1 - s));
    dup[i] += dout[i] * gate[i] * s;
  }
}

export function geluForward(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = 0.5 * x[i] * (1 + erf(x[i] * INV_SQRT2));
}

// d/dx [x Φ(x)] = Φ(x) + x φ(x)
export function geluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const cdf = 0.5 * (1 + erf(x[i] * INV_SQRT2));
    const pdf = INV_SQRT_2PI * Math.exp(-0.5 * x[i] * x[i]);
    dx[i] += dout[i] * (cdf + x[i] * pdf);
  }
}

export function axpy(y: Float32Array, a: number, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] += a * x[i];
}

export function add(out: Float32Array, x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] + y[i];
}

export function mul(out: Float32Array, x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = x[i] * y[i];
}

export function scale(x: Float32Array, a: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] *= a;
}

export function sumSquares(x: Float32Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

export function adamw(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  n: number,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  step: number,
): void {
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  for (let i = 0; i < n; i++) {
    p[i] -= lr * weightDecay * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    p[i] -= (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
  }
}
