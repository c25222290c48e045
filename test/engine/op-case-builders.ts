// Builders of op-contract cases shared by op-cases.ts: matmul (any transpose/batch), RoPE, attention, norms.
import type { MatmulParams, RopeLayout } from "../../src/engine/index.js";
import { matmulBackward } from "../../src/engine/index.js";
import { randn } from "./helpers.js";
import type { Inputs, OpCase } from "./op-cases.js";

export const copy = (a: Float32Array) => new Float32Array(a);
export const zerosLike = (a: Float32Array) => new Float32Array(a.length);

export function matmulCase(
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

export function ropeCase(layout: RopeLayout, r: () => number): OpCase {
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

export interface AttnShape {
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

export function attentionCase(name: string, r: () => number, s: AttnShape): OpCase {
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

export function normCases(r: () => number, N: number, C: number, label: string): OpCase[] {
  const cases: OpCase[] = [];
  cases.push({
    name: `rmsnorm${label}`,
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
    name: `layernorm${label}`,
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
  return cases;
}

export interface DecodeAttnShape {
  R: number;
  T: number;
  batch: number;
  capacity: number;
  NH: number;
  NKV: number;
  HS: number;
  rows: number[];
  pos0: number[];
}

/** attentionDecode: forward only; outputs are the attention and both caches after the append */
export function attentionDecodeCase(name: string, r: () => number, s: DecodeAttnShape): OpCase {
  const cacheSize = s.batch * s.capacity * s.NKV * s.HS;
  return {
    name,
    inputs: {
      q: randn(r, s.R * s.T * s.NH * s.HS),
      k: randn(r, s.R * s.T * s.NKV * s.HS),
      v: randn(r, s.R * s.T * s.NKV * s.HS),
      kCache: randn(r, cacheSize),
      vCache: randn(r, cacheSize),
    },
    forward(be, x) {
      const out = new Float32Array(x.q.length);
      const kCache = copy(x.kCache);
      const vCache = copy(x.vCache);
      be.attentionDecode({
        ...s,
        q: x.q,
        k: x.k,
        v: x.v,
        kCache,
        vCache,
        out,
        rows: Int32Array.from(s.rows),
        pos0: Int32Array.from(s.pos0),
        scale: 1 / Math.sqrt(s.HS),
      });
      return [out, kCache, vCache];
    },
  };
}
