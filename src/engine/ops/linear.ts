// A linear layer on the Backend: y[N,OUT] = x[N,IN] Wᵀ + b with W stored [OUT,IN] as torch.nn.Linear.
// Backward accumulates dx += dy W, dW += dyᵀ x, db += Σ_rows dy.
import type { Backend } from "../backend.js";

// Bias add and its gradient are rank-1 matmuls with a ones vector (one kernel call, no per-row views).
let onesBuf = new Float32Array(0);
function ones(n: number): Float32Array {
  if (onesBuf.length < n) onesBuf = new Float32Array(Math.max(n, 2 * onesBuf.length)).fill(1);
  return onesBuf;
}

export function linearForward(
  be: Backend,
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  N: number,
  IN: number,
  OUT: number,
): void {
  be.matmul({ a: x, b: w, c: y, m: N, n: OUT, k: IN, transA: false, transB: true });
  // y[N,OUT] += ones[N,1] bias[1,OUT]
  if (bias)
    be.matmul({ a: ones(N), b: bias, c: y, m: N, n: OUT, k: 1, transA: false, transB: false, beta: 1 });
}

export function linearBackward(
  be: Backend,
  dx: Float32Array | null,
  dw: Float32Array | null,
  dbias: Float32Array | null,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  N: number,
  IN: number,
  OUT: number,
): void {
  if (dx) be.matmul({ a: dy, b: w, c: dx, m: N, n: IN, k: OUT, transA: false, transB: false, beta: 1 });
  if (dw) be.matmul({ a: dy, b: x, c: dw, m: OUT, n: IN, k: N, transA: true, transB: false, beta: 1 });
  // db[1,OUT] += ones[1,N] dy[N,OUT]
  if (dbias)
    be.matmul({ a: ones(N), b: dy, c: dbias, m: 1, n: OUT, k: N, transA: false, transB: false, beta: 1 });
}
