// The op-contract table: every Backend op as a case with differentiable inputs, a forward that returns
// fresh outputs, and a backward giving d(Σ out[0]·dout)/d(input). ops.test.ts checks each case with finite
// differences on `ts`; contract.test.ts runs each on every available backend against `ts`.
import type { Backend } from "../../src/engine/index.js";
import { linearBackward, linearForward } from "../../src/engine/index.js";
import { randn, rng } from "./helpers.js";
import {
  attentionCase,
  attentionDecodeCase,
  copy,
  matmulCase,
  normCases,
  ropeCase,
  zerosLike,
} from "./op-case-builders.js";

export type Inputs = Record<string, Float32Array>;

export interface OpCase {
  name: string;
  inputs: Inputs;
  forward(be: Backend, x: Inputs): Float32Array[];
  /** gradients of Σ forward(x)[0] · dout; absent for ops without a backward (adamw, sumSquares) */
  backward?(be: Backend, x: Inputs, dout: Float32Array): Inputs;
  /** inputs to leave out of the finite-difference check */
  noFd?: string[];
}

/** Builds the table; sizes are small (the ts oracle is slow) but cross SIMD widths and tile edges. */
export function opCases(seed = 1): OpCase[] {
  const r = rng(seed);
  const cases: OpCase[] = [];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      cases.push(matmulCase(`matmul tA=${transA} tB=${transB}`, r, 13, 11, 9, { transA, transB }));
    }
  }
  cases.push(
    matmulCase("matmul batched alpha beta", r, 7, 5, 6, { batch: 3, transB: true, alpha: 0.5, beta: 1 }),
  );
  cases.push(
    matmulCase("matmul batched shared B, offsets", r, 5, 4, 3, {
      batch: 2,
      strideB: 0,
      offsetA: 2,
      offsetC: 3,
    }),
  );
  cases.push(matmulCase("matmul tile edges", r, 37, 29, 19, { transB: true }));
  // native paths: k across two KC=256 panels (beta applied once), n across NC=3072, and m <= 4 (no packing)
  cases.push(matmulCase("matmul k > KC, beta", r, 14, 18, 300, { transA: true, beta: 0.5 }));
  cases.push(matmulCase("matmul n > NC", r, 7, 3100, 3, { transB: true }));
  cases.push(matmulCase("matmul decode m=2, tB", r, 2, 70, 33, { transB: true, beta: 1 }));
  cases.push(matmulCase("matmul decode m=3", r, 3, 70, 33, { alpha: 2 }));
  // native skinny path (m <= 32, no packing, B streamed once): register-tile edges in m, odd n and k
  // (vector tails), with and without beta; m = 33 takes the packed path. Forward covers B [N,K] (transB) and
  // [K,N]; backward's dA = dC·op(B) takes the other layout with the same m.
  for (const [i, m] of [1, 3, 5, 16, 33].entries()) {
    for (const transB of [true, false]) {
      const beta = (i + Number(transB)) % 2 === 0 ? 0 : 0.75;
      cases.push(
        matmulCase(`matmul skinny m=${m} tB=${transB} beta=${beta}`, r, m, 67, 37, { transB, beta }),
      );
    }
  }
  // [K,N] tiles of up to 8 rows: a full 2-vector block, a 1-vector block and a partial vector (90 = 64+16+10)
  cases.push(matmulCase("matmul skinny m=7 [K,N] column tails", r, 7, 90, 21, { beta: 0.5 }));
  cases.push(
    matmulCase("matmul skinny over the pool", r, 5, 1031, 37, { transB: true, alpha: 0.5, beta: 1 }),
  );
  cases.push(matmulCase("matmul skinny over the pool, B [K,N]", r, 3, 1037, 45, { beta: 0.5 }));

  const N = 5;
  const C = 12;
  const V = 7;
  const OUT = 9;
  cases.push({
    name: "linear with bias (torch Linear)",
    inputs: { x: randn(r, N * C), w: randn(r, OUT * C), b: randn(r, OUT) },
    forward(be, x) {
      const y = new Float32Array(N * OUT);
      linearForward(be, y, x.x, x.w, x.b, N, C, OUT);
      return [y];
    },
    backward(be, x, dout) {
      const g = { x: zerosLike(x.x), w: zerosLike(x.w), b: zerosLike(x.b) };
      linearBackward(be, g.x, g.w, g.b, dout, x.x, x.w, N, C, OUT);
      return g;
    },
  });
  const ids = Int32Array.from([3, 0, 3, 6, 1]);
  cases.push({
    name: "embedding",
    inputs: { table: randn(r, V * C) },
    forward(be, x) {
      const out = new Float32Array(N * C);
      be.embeddingForward(out, x.table, ids, C);
      return [out];
    },
    backward(be, x, dout) {
      const d = zerosLike(x.table);
      be.embeddingBackward(d, dout, ids, C);
      return { table: d };
    },
  });
  cases.push(...normCases(r, N, C, ""));
  // wide enough that the native kernels split rows over several tasks and reduce dw/db partials
  cases.push(...normCases(r, 64, 600, " wide (multi-task reduction)"));
  cases.push(ropeCase("half", r), ropeCase("interleaved", r));
  const full = { B: 2, Tq: 5, Tk: 5, kStride: 5, NH: 2, NKV: 2, HS: 8, qPos0: 0, mask: null };
  cases.push(attentionCase("attention causal", r, full));
  cases.push(
    attentionCase("attention GQA + padding", r, {
      ...full,
      NH: 4,
      NKV: 2,
      Tq: 6,
      Tk: 6,
      kStride: 6,
      mask: [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], // row 0 left-padded, row 1 right-padded
    }),
  );
  cases.push(
    attentionCase("attention decode (qPos0, kStride)", r, {
      ...full,
      B: 2,
      Tq: 2,
      Tk: 6,
      kStride: 9,
      NH: 4,
      NKV: 1,
      qPos0: 4,
      mask: null,
    }),
  );
  // native blocking: 200 keys span four 64-key online-softmax blocks, 20 queries two 16-query tasks
  const mask200 = Array.from({ length: 400 }, (_, i) => (i >= 200 + 190 ? 0 : 1)); // row 1 right-padded
  cases.push(
    attentionCase("attention long (key and query blocks)", r, {
      ...full,
      B: 2,
      Tq: 20,
      Tk: 200,
      kStride: 200,
      NH: 2,
      NKV: 1,
      HS: 16,
      qPos0: 180,
      mask: mask200,
    }),
  );
  // decoding over cache rows: own lengths, rows out of order, GQA (heads in pairs and alone); 32- and 8-key
  // score blocks, partial blocks and scalar keys at the capacity's edge; head sizes on the vector path (8, 64) and off it (9); prefill over
  // 16-query tasks
  const dec = {
    R: 3,
    T: 1,
    batch: 4,
    capacity: 40,
    NH: 4,
    NKV: 2,
    HS: 8,
    rows: [2, 0, 3],
    pos0: [0, 13, 31],
  };
  cases.push(attentionDecodeCase("attentionDecode one token, GQA", r, dec));
  cases.push(attentionDecodeCase("attentionDecode HS 64 MHA", r, { ...dec, NH: 2, NKV: 2, HS: 64 }));
  cases.push(
    attentionDecodeCase("attentionDecode HS 9, keys at the capacity's edge", r, {
      ...dec,
      capacity: 37,
      pos0: [0, 13, 34],
      NH: 3,
      NKV: 1,
      HS: 9,
    }),
  );
  cases.push(
    attentionDecodeCase("attentionDecode GQA HS 8, long rows (4-block score steps)", r, {
      ...dec,
      capacity: 80,
      pos0: [70, 33, 8],
    }),
  );
  cases.push(
    attentionDecodeCase("attentionDecode GQA group 4, HS 12, whole and partial key blocks", r, {
      ...dec,
      capacity: 24,
      pos0: [7, 15, 20],
      NH: 8,
      NKV: 2,
      HS: 12,
    }),
  );
  cases.push(
    attentionDecodeCase("attentionDecode prefill T 18", r, {
      ...dec,
      R: 2,
      T: 18,
      rows: [1, 3],
      pos0: [0, 5],
    }),
  );
  const n = 37;
  cases.push({
    name: "swiglu",
    inputs: { gate: randn(r, n, 2), up: randn(r, n) },
    forward(be, x) {
      const out = new Float32Array(n);
      be.swigluForward(out, x.gate, x.up, n);
      return [out];
    },
    backward(be, x, dout) {
      const g = { gate: zerosLike(x.gate), up: zerosLike(x.up) };
      be.swigluBackward(g.gate, g.up, dout, x.gate, x.up, n);
      return g;
    },
  });
  cases.push({
    name: "gelu",
    inputs: { x: randn(r, n, 2) },
    forward(be, x) {
      const out = new Float32Array(n);
      be.geluForward(out, x.x, n);
      return [out];
    },
    backward(be, x, dout) {
      const dx = zerosLike(x.x);
      be.geluBackward(dx, dout, x.x, n);
      return { x: dx };
    },
  });
  cases.push({
    name: "softmax",
    inputs: { x: randn(r, N * C, 2) },
    forward(be, x) {
      const y = new Float32Array(N * C);
      be.softmaxForward(y, x.x, N, C);
      return [y];
    },
    backward(be, x, dout) {
      const y = this.forward(be, x)[0];
      const dx = zerosLike(x.x);
      be.softmaxBackward(dx, dout, y, N, C);
      return { x: dx };
    },
  });
  const targets = Int32Array.from([2, -1, 0, 6, -100]);
  cases.push({
    name: "logSoftmaxGather",
    inputs: { logits: randn(r, N * V, 2) },
    forward(be, x) {
      const logp = new Float32Array(N);
      const lse = new Float32Array(N);
      be.logSoftmaxGatherForward(logp, lse, x.logits, targets, N, V);
      return [logp, lse];
    },
    backward(be, x, dout) {
      const lse = this.forward(be, x)[1];
      const d = zerosLike(x.logits);
      be.logSoftmaxGatherBackward(d, dout, x.logits, lse, targets, N, V);
      return { logits: d };
    },
  });
  cases.push({
    name: "mul / add / axpy / scale",
    inputs: { x: randn(r, n), y: randn(r, n) },
    forward(be, x) {
      const out = new Float32Array(n);
      be.mul(out, x.x, x.y, n); // out = x y
      be.add(out, out, x.x, n); // out = x y + x
      be.axpy(out, 0.5, x.y, n); // out = x y + x + y/2
      be.scale(out, 3, n); // out = 3 (x y + x + y/2)
      return [out];
    },
    backward(be, x, dout) {
      const dx = new Float32Array(n);
      const dy = new Float32Array(n);
      be.mul(dx, dout, x.y, n);
      be.axpy(dx, 1, dout, n);
      be.scale(dx, 3, n);
      be.mul(dy, dout, x.x, n);
      be.axpy(dy, 0.5, dout, n);
      be.scale(dy, 3, n);
      return { x: dx, y: dy };
    },
  });
  const wide = 70001; // several native tasks
  cases.push({
    name: "swiglu wide + sumSquares wide",
    inputs: { gate: randn(r, wide), up: randn(r, wide) },
    forward(be, x) {
      const out = new Float32Array(wide);
      be.swigluForward(out, x.gate, x.up, wide);
      return [out, Float32Array.of(be.sumSquares(x.up, wide))];
    },
    backward(be, x, dout) {
      const g = { gate: zerosLike(x.gate), up: zerosLike(x.up) };
      be.swigluBackward(g.gate, g.up, dout, x.gate, x.up, wide);
      return g;
    },
  });
  cases.push({
    name: "sumSquares",
    inputs: { x: randn(r, 1001) },
    forward: (be, x) => [Float32Array.of(be.sumSquares(x.x, x.x.length))],
  });
  cases.push({
    name: "adamw (3 steps)",
    inputs: { p: randn(r, 67), g: randn(r, 67) },
    forward(be, x) {
      const p = copy(x.p);
      const m = new Float32Array(67);
      const v = new Float32Array(67);
      for (let t = 1; t <= 3; t++) be.adamw(p, x.g, m, v, 67, 1e-2, 0.9, 0.999, 1e-8, 0.1, t);
      return [p, m, v];
    },
  });
  return cases;
}
