// One Llama decoder block, forward and backward side by side (llm.c style): RMSNorm -> q/k/v (+bias) ->
// RoPE -> GQA causal attention -> o_proj + residual -> RMSNorm -> SwiGLU MLP + residual.
// Not the model loop or the KV cache (model.ts, decode.ts). Math follows HF modeling_llama.py / modeling_qwen2.py.
// Shapes: N = B*T rows, C hidden, NH/NKV heads, HS head size, I intermediate; Linear weights are [out, in].
import type { Backend } from "../../engine/index.js";
import type { LlamaConfig, Parameter } from "../causal-lm.js";

export interface LayerWeights {
  ln1: Parameter;
  wq: Parameter;
  wk: Parameter;
  wv: Parameter;
  bq: Parameter | null;
  bk: Parameter | null;
  bv: Parameter | null;
  wo: Parameter;
  ln2: Parameter;
  wg: Parameter;
  wu: Parameter;
  wd: Parameter;
}

/** Everything a block's backward needs; `x` is the block input (a view of the residual stream). */
export interface LayerActs {
  rstd1: Float32Array; // [N]
  xn1: Float32Array; // [N, C]
  q: Float32Array; // [N, NH*HS] after RoPE
  k: Float32Array; // [N, NKV*HS] after RoPE
  v: Float32Array; // [N, NKV*HS]
  att: Float32Array; // [N, NH*HS]
  lse: Float32Array; // [B, NH, T]
  x2: Float32Array; // [N, C] residual after attention
  rstd2: Float32Array;
  xn2: Float32Array;
  g: Float32Array; // [N, I]
  u: Float32Array;
  h: Float32Array; // silu(g) * u
}

export function allocActs(c: LlamaConfig, B: number, T: number): LayerActs {
  const N = B * T;
  const qd = c.numHeads * c.headDim;
  const kvd = c.numKvHeads * c.headDim;
  const I = c.intermediateSize;
  const C = c.hiddenSize;
  return {
    rstd1: new Float32Array(N),
    xn1: new Float32Array(N * C),
    q: new Float32Array(N * qd),
    k: new Float32Array(N * kvd),
    v: new Float32Array(N * kvd),
    att: new Float32Array(N * qd),
    lse: new Float32Array(B * c.numHeads * T),
    x2: new Float32Array(N * C),
    rstd2: new Float32Array(N),
    xn2: new Float32Array(N * C),
    g: new Float32Array(N * I),
    u: new Float32Array(N * I),
    h: new Float32Array(N * I),
  };
}

/** y[N, out] (= or +=) x[N, in] · Wᵀ */
export function linear(
  be: Backend,
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  N: number,
  inF: number,
  outF: number,
  beta = 0,
): void {
  be.matmul({ a: x, b: w, c: y, m: N, n: outF, k: inF, transA: false, transB: true, beta });
}

/** dx[N, in] += dy[N, out] · W;  dW[out, in] += dyᵀ · x */
export function linearBackward(
  be: Backend,
  dx: Float32Array,
  dw: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  w: Float32Array,
  N: number,
  inF: number,
  outF: number,
  dxBeta = 1,
): void {
  be.matmul({ a: dy, b: w, c: dx, m: N, n: inF, k: outF, transA: false, transB: false, beta: dxBeta });
  be.matmul({ a: dy, b: x, c: dw, m: outF, n: inF, k: N, transA: true, transB: false, beta: 1 });
}

export function addBias(y: Float32Array, b: Float32Array, N: number, D: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) y[o + j] += b[j];
  }
}

function biasBackward(db: Float32Array, dy: Float32Array, N: number, D: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * D;
    for (let j = 0; j < D; j++) db[j] += dy[o + j];
  }
}

/** y[N, out] (= or +=) x[N, in] · Wᵀ for one of a block's weights; decoding may use its own layout (decode.ts) */
export type LinearFn = (
  y: Float32Array,
  x: Float32Array,
  w: Parameter,
  N: number,
  inF: number,
  outF: number,
  beta?: number,
) => void;

export interface RopeArgs {
  pos: Int32Array;
  cos: Float32Array;
  sin: Float32Array;
}

/** Block forward: reads x [N, C], writes acts and the block output `out` [N, C] (may not alias x). */
export function layerForward(
  be: Backend,
  c: LlamaConfig,
  w: LayerWeights,
  x: Float32Array,
  out: Float32Array,
  a: LayerActs,
  B: number,
  T: number,
  rope: RopeArgs,
  keyMask: Uint8Array | null,
  /** replaces the in-batch causal attention (the KV-cache decode attends to cached keys instead) */
  attend?: (a: LayerActs) => void,
  lin: LinearFn = (y, xs, wt, n, inF, outF, beta = 0) => linear(be, y, xs, wt.data, n, inF, outF, beta),
): void {
  const N = B * T;
  const C = c.hiddenSize;
  const HS = c.headDim;
  const qd = c.numHeads * HS;
  const kvd = c.numKvHeads * HS;
  const I = c.intermediateSize;
  be.rmsnormForward(a.xn1, a.rstd1, x, w.ln1.data, N, C, c.rmsNormEps);
  lin(a.q, a.xn1, w.wq, N, C, qd);
  lin(a.k, a.xn1, w.wk, N, C, kvd);
  lin(a.v, a.xn1, w.wv, N, C, kvd);
  if (w.bq && w.bk && w.bv) {
    addBias(a.q, w.bq.data, N, qd);
    addBias(a.k, w.bk.data, N, kvd);
    addBias(a.v, w.bv.data, N, kvd);
  }
  be.ropeForward(a.q, rope.pos, rope.cos, rope.sin, N, c.numHeads, HS, c.ropeLayout);
  be.ropeForward(a.k, rope.pos, rope.cos, rope.sin, N, c.numKvHeads, HS, c.ropeLayout);
  if (attend) attend(a);
  else be.attentionForward(attnParams(c, a, B, T, keyMask));
  a.x2.set(x.subarray(0, N * C));
  lin(a.x2, a.att, w.wo, N, qd, C, 1);
  be.rmsnormForward(a.xn2, a.rstd2, a.x2, w.ln2.data, N, C, c.rmsNormEps);
  lin(a.g, a.xn2, w.wg, N, C, I);
  lin(a.u, a.xn2, w.wu, N, C, I);
  be.swigluForward(a.h, a.g, a.u, N * I);
  out.set(a.x2.subarray(0, N * C));
  lin(out, a.h, w.wd, N, I, C, 1);
}

function attnParams(c: LlamaConfig, a: LayerActs, B: number, T: number, keyMask: Uint8Array | null) {
  return {
    q: a.q,
    k: a.k,
    v: a.v,
    out: a.att,
    lse: a.lse,
    B,
    Tq: T,
    Tk: T,
    kStride: T,
    NH: c.numHeads,
    NKV: c.numKvHeads,
    HS: c.headDim,
    qPos0: 0,
    keyMask,
    scale: 1 / Math.sqrt(c.headDim),
  };
}

/** Scratch buffers of a block backward (reused across layers). */
export interface LayerGradScratch {
  dxn: Float32Array; // [N, C]
  datt: Float32Array; // [N, NH*HS]
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  dh: Float32Array; // [N, I]
  dg: Float32Array;
  du: Float32Array;
}

export function allocGradScratch(c: LlamaConfig, N: number): LayerGradScratch {
  const qd = c.numHeads * c.headDim;
  const kvd = c.numKvHeads * c.headDim;
  const I = c.intermediateSize;
  return {
    dxn: new Float32Array(N * c.hiddenSize),
    datt: new Float32Array(N * qd),
    dq: new Float32Array(N * qd),
    dk: new Float32Array(N * kvd),
    dv: new Float32Array(N * kvd),
    dh: new Float32Array(N * I),
    dg: new Float32Array(N * I),
    du: new Float32Array(N * I),
  };
}

function grad(p: Parameter): Float32Array {
  if (!p.grad) p.grad = new Float32Array(p.data.length);
  return p.grad;
}

/**
 * Block backward. On entry dx holds d(loss)/d(block output); on exit d(loss)/d(block input x).
 * Parameter gradients are accumulated (+=) into Parameter.grad.
 */
export function layerBackward(
  be: Backend,
  c: LlamaConfig,
  w: LayerWeights,
  x: Float32Array,
  a: LayerActs,
  s: LayerGradScratch,
  dx: Float32Array,
  B: number,
  T: number,
  rope: RopeArgs,
  keyMask: Uint8Array | null,
): void {
  const N = B * T;
  const C = c.hiddenSize;
  const HS = c.headDim;
  const qd = c.numHeads * HS;
  const kvd = c.numKvHeads * HS;
  const I = c.intermediateSize;
  // MLP: out = x2 + (silu(g) * u) Wdᵀ
  linearBackward(be, s.dh, grad(w.wd), dx, a.h, w.wd.data, N, I, C, 0);
  s.dg.fill(0);
  s.du.fill(0);
  be.swigluBackward(s.dg, s.du, s.dh, a.g, a.u, N * I);
  linearBackward(be, s.dxn, grad(w.wg), s.dg, a.xn2, w.wg.data, N, C, I, 0);
  linearBackward(be, s.dxn, grad(w.wu), s.du, a.xn2, w.wu.data, N, C, I, 1);
  be.rmsnormBackward(dx, grad(w.ln2), s.dxn, a.x2, w.ln2.data, a.rstd2, N, C);
  // attention: x2 = x + att Woᵀ
  linearBackward(be, s.datt, grad(w.wo), dx, a.att, w.wo.data, N, qd, C, 0);
  s.dq.fill(0);
  s.dk.fill(0);
  s.dv.fill(0);
  be.attentionBackward(attnParams(c, a, B, T, keyMask), { dout: s.datt, dq: s.dq, dk: s.dk, dv: s.dv });
  be.ropeBackward(s.dq, rope.pos, rope.cos, rope.sin, N, c.numHeads, HS, c.ropeLayout);
  be.ropeBackward(s.dk, rope.pos, rope.cos, rope.sin, N, c.numKvHeads, HS, c.ropeLayout);
  if (w.bq && w.bk && w.bv) {
    biasBackward(grad(w.bq), s.dq, N, qd);
    biasBackward(grad(w.bk), s.dk, N, kvd);
    biasBackward(grad(w.bv), s.dv, N, kvd);
  }
  linearBackward(be, s.dxn, grad(w.wq), s.dq, a.xn1, w.wq.data, N, C, qd, 0);
  linearBackward(be, s.dxn, grad(w.wk), s.dk, a.xn1, w.wk.data, N, C, kvd, 1);
  linearBackward(be, s.dxn, grad(w.wv), s.dv, a.xn1, w.wv.data, N, C, kvd, 1);
  be.rmsnormBackward(dx, grad(w.ln1), s.dxn, x, w.ln1.data, a.rstd1, N, C);
}
