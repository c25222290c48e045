// Reference matmul for the `ts` backend: C = alpha * op(A) op(B) + beta * C, batched with strides.
// Written for clarity (one dot product per output element, accumulated in double); not for speed.
// Semantics follow BLAS sgemm (row-major) with the batching of torch.baddbmm.
import type { MatmulParams } from "../backend.js";

export function matmul(p: MatmulParams): void {
  const { a, b, c, m, n, k, transA, transB } = p;
  const alpha = p.alpha ?? 1;
  const beta = p.beta ?? 0;
  const batch = p.batch ?? 1;
  const strideA = p.strideA ?? m * k;
  const strideB = p.strideB ?? k * n;
  const strideC = p.strideC ?? m * n;
  // strides of op(A) [M,K] and op(B) [K,N] over the stored layouts: element (r, c) at r*rowStride + c*colStride
  const [aRow, aCol] = transA ? [1, m] : [k, 1];
  const [bRow, bCol] = transB ? [1, k] : [n, 1];
  for (let bi = 0; bi < batch; bi++) {
    const oa = (p.offsetA ?? 0) + bi * strideA;
    const ob = (p.offsetB ?? 0) + bi * strideB;
    const oc = (p.offsetC ?? 0) + bi * strideC;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let l = 0; l < k; l++) acc += a[oa + i * aRow + l * aCol] * b[ob + l * bRow + j * bCol];
        const ci = oc + i * n + j;
        // beta 0 overwrites (C may hold garbage or NaN), as BLAS does
        c[ci] = beta === 0 ? alpha * acc : alpha * acc + beta * c[ci];
      }
    }
  }
}
