// Per-forward scratch buffers of the DeBERTa encoder and the activations it keeps for backward.
// Not the math (encoder.ts, backward.ts).
import type { DebertaConfig } from "./config.js";
import { relativeIndexTable } from "./rel-pos.js";

/** One layer's activations kept for backward (backward.ts). */
export interface LayerActs {
  x: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  probs: Float32Array;
  ctx: Float32Array;
  pre1: Float32Array;
  mean1: Float32Array;
  rstd1: Float32Array;
  attnOut: Float32Array;
  interPre: Float32Array;
  interAct: Float32Array;
  pre2: Float32Array;
  mean2: Float32Array;
  rstd2: Float32Array;
}

export function newActs(x: Float32Array): LayerActs {
  const e = new Float32Array(0);
  return {
    x,
    q: e,
    k: e,
    v: e,
    probs: e,
    ctx: e,
    pre1: e,
    mean1: e,
    rstd1: e,
    attnOut: e,
    interPre: e,
    interAct: e,
    pre2: e,
    mean2: e,
    rstd2: e,
  };
}

/** Scratch buffers of one forward call, shared by its layers. */
export class Workspace {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly ctx: Float32Array;
  readonly tmp: Float32Array;
  readonly inter: Float32Array;
  readonly scores: Float32Array;
  readonly c2p: Float32Array;
  readonly p2c: Float32Array;
  readonly mean: Float32Array;
  readonly rstd: Float32Array;
  readonly rel: { idx: Int32Array; lo: number; hi: number };
  constructor(c: DebertaConfig, B: number, T: number, span: number) {
    const N = B * T;
    const C = c.hiddenSize;
    const NH = c.numHeads;
    this.q = new Float32Array(N * C);
    this.k = new Float32Array(N * C);
    this.v = new Float32Array(N * C);
    this.ctx = new Float32Array(N * C);
    this.tmp = new Float32Array(N * C);
    this.inter = new Float32Array(N * c.intermediateSize);
    this.scores = new Float32Array(NH * T * T);
    this.rel = relativeIndexTable(T, span, c.positionBuckets, c.maxRelativePositions);
    const R = this.rel.hi - this.rel.lo + 1;
    this.c2p = new Float32Array(c.c2p ? NH * T * R : 0);
    this.p2c = new Float32Array(c.p2c ? NH * T * R : 0);
    this.mean = new Float32Array(N);
    this.rstd = new Float32Array(N);
  }
}
