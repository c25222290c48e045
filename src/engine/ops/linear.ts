// A linear layer on the Backend: y[N,OUT] = x[N,IN] Wᵀ + b with W stored [OUT,IN] as torch.nn.Linear.
// Backward accumulates dx += dy W, dW += dyᵀ x, db += Σ_rows dy.
import type { Backend } from "../backend.js";

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
  if (bias)
    for (let i = 0; i < N; i++)
      be.add(y.subarray(i * OUT, (i + 1) * OUT), y.subarray(i * OUT, (i + 1) * OUT), bias, OUT);
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
  if (dbias) for (let i = 0; i < N; i++) be.axpy(dbias, 1, dy.subarray(i * OUT, (i + 1) * OUT), OUT);
}
