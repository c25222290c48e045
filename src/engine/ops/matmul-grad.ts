// Backward of Backend.matmul for every transpose combination, expressed as two more matmuls:
// d op(A) = alpha dC op(B)ᵀ and d op(B) = alpha op(A)ᵀ dC, accumulated (+=) into dA and dB.
// Operands shared across the batch (stride 0) get their gradient summed one batch at a time.
import type { Backend, MatmulParams } from "../backend.js";

export interface MatmulGrads {
  /** gradient of C, laid out as C */
  dc: Float32Array;
  /** accumulated, laid out as A; null to skip */
  da: Float32Array | null;
  /** accumulated, laid out as B; null to skip */
  db: Float32Array | null;
}

export function matmulBackward(be: Backend, p: MatmulParams, g: MatmulGrads): void {
  const { m, n, k, transA, transB } = p;
  const alpha = p.alpha ?? 1;
  const batch = p.batch ?? 1;
  const sA = p.strideA ?? m * k;
  const sB = p.strideB ?? k * n;
  const sC = p.strideC ?? m * n;
  const oA = p.offsetA ?? 0;
  const oB = p.offsetB ?? 0;
  const oC = p.offsetC ?? 0;
  const base = { alpha, beta: 1 };
  // one call per batch when the gradient target is shared, else one batched call
  const run = (shared: boolean, q: MatmulParams) => {
    if (!shared || batch === 1) return be.matmul({ ...q, batch });
    for (let i = 0; i < batch; i++) {
      be.matmul({
        ...q,
        batch: 1,
        offsetA: (q.offsetA ?? 0) + i * (q.strideA ?? 0),
        offsetB: (q.offsetB ?? 0) + i * (q.strideB ?? 0),
        offsetC: q.offsetC ?? 0,
      });
    }
  };
  if (g.da) {
    if (!transA) {
      // dA[M,K] += dC[M,N] op(B)ᵀ[N,K]
      run(sA === 0, {
        ...base,
        a: g.dc,
        b: p.b,
        c: g.da,
        m,
        n: k,
        k: n,
        transA: false,
        transB: !transB,
        strideA: sC,
        strideB: sB,
        strideC: sA,
        offsetA: oC,
        offsetB: oB,
        offsetC: oA,
      });
    } else {
      // dA[K,M] += op(B)[K,N] dCᵀ[N,M]
      run(sA === 0, {
        ...base,
        a: p.b,
        b: g.dc,
        c: g.da,
        m: k,
        n: m,
        k: n,
        transA: transB,
        transB: true,
        strideA: sB,
        strideB: sC,
        strideC: sA,
        offsetA: oB,
        offsetB: oC,
        offsetC: oA,
      });
    }
  }
  if (g.db) {
    if (!transB) {
      // dB[K,N] += op(A)ᵀ[K,M] dC[M,N]
      run(sB === 0, {
        ...base,
        a: p.a,
        b: g.dc,
        c: g.db,
        m: k,
        n,
        k: m,
        transA: !transA,
        transB: false,
        strideA: sA,
        strideB: sC,
        strideC: sB,
        offsetA: oA,
        offsetB: oC,
        offsetC: oB,
      });
    } else {
      // dB[N,K] += dCᵀ[N,M] op(A)[M,K]
      run(sB === 0, {
        ...base,
        a: g.dc,
        b: p.a,
        c: g.db,
        m: n,
        n: k,
        k: m,
        transA: true,
        transB: transA,
        strideA: sC,
        strideB: sA,
        strideC: sB,
        offsetA: oC,
        offsetB: oA,
        offsetC: oB,
      });
    }
  }
}
