// One Llama decoder block (pre-norm attention + SwiGLU MLP, both residual) built from Backend kernels,
// forward and backward, activations in an Arena. It is the engine's end-to-end check against HF's
// LlamaDecoderLayer (test/engine/golden.test.ts) and the workload of `prefloop bench engine`; the model
// layer (src/models) owns the full network. Weights are HF-shaped [out, in]; rows are B*T tokens.
import type { Arena } from "../arena.js";
import type { Backend } from "../backend.js";
import { linearBackward, linearForward } from "./linear.js";

export interface LlamaBlockDims {
  B: number;
  T: number;
  C: number;
  NH: number;
  NKV: number;
  /** intermediate (MLP) width */
  I: number;
  eps: number;
}

export interface LlamaBlockWeights {
  inputNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  o: Float32Array;
  postNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

export interface LlamaBlockInputs {
  /** [B*T] positions into the rope tables */
  pos: Int32Array;
  /** [maxPos, HS/2] */
  cos: Float32Array;
  sin: Float32Array;
  /** [B, T] 1 = real token, or null */
  keyMask: Uint8Array | null;
}

export class LlamaBlock {
  constructor(
    private readonly be: Backend,
    private readonly d: LlamaBlockDims,
    private readonly arena: Arena,
    private readonly prefix = "block/",
  ) {}

  private buf(name: string, n: number): Float32Array {
    return this.arena.f32(this.prefix + name, n);
  }

  private attnParams(inp: LlamaBlockInputs) {
    const { B, T, C, NH, NKV } = this.d;
    const HS = C / NH;
    const N = B * T;
    return {
      q: this.buf("q", N * NH * HS),
      k: this.buf("k", N * NKV * HS),
      v: this.buf("v", N * NKV * HS),
      out: this.buf("att", N * C),
      lse: this.buf("lse", B * NH * T),
      B,
      Tq: T,
      Tk: T,
      kStride: T,
      NH,
      NKV,
      HS,
      qPos0: 0,
      keyMask: inp.keyMask,
      scale: 1 / Math.sqrt(HS),
    };
  }

  /** out[B*T, C] = block(x); activations stay in the arena for backward. */
  forward(w: LlamaBlockWeights, x: Float32Array, out: Float32Array, inp: LlamaBlockInputs): void {
    const { be } = this;
    const { B, T, C, NH, NKV, I, eps } = this.d;
    const N = B * T;
    const HS = C / NH;
    const h1 = this.buf("h1", N * C);
    be.rmsnormForward(h1, this.buf("rstd1", N), x, w.inputNorm, N, C, eps);
    const ap = this.attnParams(inp);
    linearForward(be, ap.q, h1, w.q, null, N, C, NH * HS);
    linearForward(be, ap.k, h1, w.k, null, N, C, NKV * HS);
    linearForward(be, ap.v, h1, w.v, null, N, C, NKV * HS);
    be.ropeForward(ap.q, inp.pos, inp.cos, inp.sin, N, NH, HS, "half");
    be.ropeForward(ap.k, inp.pos, inp.cos, inp.sin, N, NKV, HS, "half");
    be.attentionForward(ap);
    const x2 = this.buf("x2", N * C);
    linearForward(be, x2, ap.out, w.o, null, N, C, C);
    be.add(x2, x2, x, N * C);
    const h2 = this.buf("h2", N * C);
    be.rmsnormForward(h2, this.buf("rstd2", N), x2, w.postNorm, N, C, eps);
    const g = this.buf("g", N * I);
    const u = this.buf("u", N * I);
    linearForward(be, g, h2, w.gate, null, N, C, I);
    linearForward(be, u, h2, w.up, null, N, C, I);
    const s = this.buf("s", N * I);
    be.swigluForward(s, g, u, N * I);
    linearForward(be, out, s, w.down, null, N, I, C);
    be.add(out, out, x2, N * C);
  }

  /** dx[B*T, C] is overwritten; weight gradients in `dw` are accumulated. Needs the forward's activations. */
  backward(
    w: LlamaBlockWeights,
    dw: LlamaBlockWeights,
    x: Float32Array,
    dout: Float32Array,
    dx: Float32Array,
    inp: LlamaBlockInputs,
  ): void {
    const { be, arena } = this;
    const { B, T, C, NH, NKV, I } = this.d;
    const N = B * T;
    const HS = C / NH;
    const z = (name: string, n: number) => arena.zeros(this.prefix + name, n);
    // MLP
    const dx2 = this.buf("dx2", N * C);
    dx2.set(dout.subarray(0, N * C));
    const ds = z("ds", N * I);
    linearBackward(be, ds, dw.down, null, dout, this.buf("s", N * I), w.down, N, I, C);
    const dg = z("dg", N * I);
    const du = z("du", N * I);
    be.swigluBackward(dg, du, ds, this.buf("g", N * I), this.buf("u", N * I), N * I);
    const h2 = this.buf("h2", N * C);
    const dh2 = z("dh2", N * C);
    linearBackward(be, dh2, dw.gate, null, dg, h2, w.gate, N, C, I);
    linearBackward(be, dh2, dw.up, null, du, h2, w.up, N, C, I);
    be.rmsnormBackward(dx2, dw.postNorm, dh2, this.buf("x2", N * C), w.postNorm, this.buf("rstd2", N), N, C);
    // attention
    const ap = this.attnParams(inp);
    const datt = z("datt", N * C);
    linearBackward(be, datt, dw.o, null, dx2, ap.out, w.o, N, C, C);
    const dq = z("dq", N * NH * HS);
    const dk = z("dk", N * NKV * HS);
    const dv = z("dv", N * NKV * HS);
    be.attentionBackward(ap, { dout: datt, dq, dk, dv });
    be.ropeBackward(dq, inp.pos, inp.cos, inp.sin, N, NH, HS, "half");
    be.ropeBackward(dk, inp.pos, inp.cos, inp.sin, N, NKV, HS, "half");
    const h1 = this.buf("h1", N * C);
    const dh1 = z("dh1", N * C);
    linearBackward(be, dh1, dw.q, null, dq, h1, w.q, N, C, NH * HS);
    linearBackward(be, dh1, dw.k, null, dk, h1, w.k, N, C, NKV * HS);
    linearBackward(be, dh1, dw.v, null, dv, h1, w.v, N, C, NKV * HS);
    dx.set(dx2);
    be.rmsnormBackward(dx, dw.inputNorm, dh1, x, w.inputNorm, this.buf("rstd1", N), N, C);
  }
}
