// The op-contract table: every Backend op as a case with differentiable inputs, a forward that returns
// fresh outputs, and a backward giving d(Σ out[0]·dout)/d(input). ops.test.ts checks each case with finite
// differences on `ts`; contract.test.ts runs each on every available backend against `ts`.
import type { Backend, MatmulParams, RopeLayout } from "../../src/engine/index.js";
import { matmulBackward } from "../../src/engine/ops/matmul-grad.js";
import { randn, rng } from "./helpers.js";

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

const copy = (a: Float32Array) => new Float32Array(a);
const zerosLike = (a: Float32Array) => new Float32Array(a.length);

function matmulCase(
  name: string,
  r: () => number,
  m: number,
  n: number,
  k: number,
  opts: Partial<MatmulParams>,
): OpCase {
  const batch = opts.batch ?? 1;
  const sA = opts.strideA ?? m * k;
  const sB = opts.strideB ?? k * n;
  const sizeA = (opts.offsetA ?? 0) + (batch - 1) * sA + m * k;
  const sizeB = (opts.offsetB ?? 0) + (batch - 1) * sB + k * n;
  const sizeC = (opts.offsetC ?? 0) + batch * m * n;
  const params = (x: Inputs, c: Float32Array): MatmulParams => ({
    a: x.a,
    b: x.b,
    c,
    m,
    n,
    k,
    transA: false,
    transB: false,
    ...opts,
  });
  return {
    name,
    inputs: { a: randn(r, sizeA), b: randn(r, sizeB), c: randn(r, sizeC) },
    forward(be, x) {
      const c = copy(x.c);
      be.matmul(params(x, c));
      return [c];
    },
    backward(be, x, dout) {
      const da = zerosLike(x.a);
      const db = zerosLike(x.b);
      matmulBackward(be, params(x, copy(x.c)), { dc: dout, da, db });
      const dc = new Float32Array(x.c.length);
      const beta = opts.beta ?? 0;
      for (let i = 0; i < dc.length; i++) dc[i] = i >= (opts.offsetC ?? 0) ? beta * dout[i] : dout[i];
      return { a: da, b: db, c: dc };
    },
  };
}

function ropeTables(maxPos: number, HS: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = HS / 2;
  const cos = new Float32Array(maxPos * half);
  const sin = new Float32Array(maxPos * half);
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < half; i++) {
      const ang = p * theta ** (-(2 * i) / HS);
      cos[p * half + i] = Math.cos(ang);
      sin[p * half + i] = Math.sin(ang);
    }
  }
  return { cos, sin };
}

function ropeCase(layout: RopeLayout, r: () => number): OpCase {
  const N = 6;
  const H = 3;
  const HS = 8;
  const pos = Int32Array.from([0, 1, 2, 5, 9, 3]);
  const { cos, sin } = ropeTables(16, HS, 10000);
  return {
    name: `rope ${layout}`,
    inputs: { x: randn(r, N * H * HS) },
    forward(be, x) {
      const y = copy(x.x);
      be.ropeForward(y, pos, cos, sin, N, H, HS, layout);
      return [y];
    },
    backward(be, _x, dout) {
      const dx = copy(dout);
      be.ropeBackward(dx, pos, cos, sin, N, H, HS, layout);
      return { x: dx };
    },
  };
}

interface AttnShape {
  B: number;
  Tq: number;
  Tk: number;
  kStride: number;
  NH: number;
  NKV: number;
  HS: number;
  qPos0: number;
  mask: number[] | null;
}

function attentionCase(name: string, r: () => number, s: AttnShape): OpCase {
  const keyMask = s.mask ? Uint8Array.from(s.mask) : null;
  const lse = new Float32Array(s.B * s.NH * s.Tq);
  const params = (x: Inputs, out: Float32Array) => ({
    ...s,
    q: x.q,
    k: x.k,
    v: x.v,
    out,
    lse,
    keyMask,
    scale: 1 / Math.sqrt(s.HS),
  });
  return {
    name,
    inputs: {
      q: randn(r, s.B * s.Tq * s.NH * s.HS),
      k: randn(r, s.B * s.kStride * s.NKV * s.HS),
      v: randn(r, s.B * s.kStride * s.NKV * s.HS),
    },
    forward(be, x) {
      const out = new Float32Array(x.q.length);
      be.attentionForward(params(x, out));
      return [out, copy(lse)];
    },
    backward(be, x, dout) {
      const out = new Float32Array(x.q.length);
      const p = params(x, out);
      be.attentionForward(p);
      const g = { dout, dq: zerosLike(x.q), dk: zerosLike(x.k), dv: zerosLike(x.v) };
      be.attentionBackward(p, g);
      return { q: g.dq, k: g.dk, v: g.dv };
    },
  };
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

  const N = 5;
  const C = 12;
  const V = 7;
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
  cases.push({
    name: "rmsnorm",
    inputs: { x: randn(r, N * C), w: randn(r, C) },
    forward(be, x) {
      const out = new Float32Array(N * C);
      const rstd = new Float32Array(N);
      be.rmsnormForward(out, rstd, x.x, x.w, N, C, 1e-5);
      return [out, rstd];
    },
    backward(be, x, dout) {
      const rstd = this.forward(be, x)[1];
      const dx = zerosLike(x.x);
      const dw = zerosLike(x.w);
      be.rmsnormBackward(dx, dw, dout, x.x, x.w, rstd, N, C);
      return { x: dx, w: dw };
    },
  });
  cases.push({
    name: "layernorm",
    inputs: { x: randn(r, N * C), w: randn(r, C), b: randn(r, C) },
    forward(be, x) {
      const out = new Float32Array(N * C);
      const mean = new Float32Array(N);
      const rstd = new Float32Array(N);
      be.layernormForward(out, mean, rstd, x.x, x.w, x.b, N, C, 1e-5);
      return [out, mean, rstd];
    },
    backward(be, x, dout) {
      const [, mean, rstd] = this.forward(be, x);
      const g = { x: zerosLike(x.x), w: zerosLike(x.w), b: zerosLike(x.b) };
      be.layernormBackward(g.x, g.w, g.b, dout, x.x, x.w, mean, rstd, N, C);
      return g;
    },
  });
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
