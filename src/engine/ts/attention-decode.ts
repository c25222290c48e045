// Reference decoding attention over KV-cache rows for the `ts` backend: appends each sequence's new keys and
// values to its cache row (both caches d-major: [batch, NKV, HS, capacity]), then runs the reference causal
// attention (attention.ts) for that sequence alone on row-major copies of its keys and values, its queries at
// positions pos0[r] .. pos0[r]+T-1. Not the native kernel (pf_attention_decode.c).
import type { DecodeAttentionParams } from "../backend.js";
import { attentionForward } from "./attention.js";

export function attentionDecode(p: DecodeAttentionParams): void {
  const { R, T, capacity, NH, NKV, HS } = p;
  const kvd = NKV * HS;
  const qd = NH * HS;
  const lse = new Float32Array(NH * T);
  for (let r = 0; r < R; r++) {
    const Tk = p.pos0[r] + T;
    const at = p.rows[r] * kvd * capacity; // this row's [NKV*HS, capacity] blocks
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < kvd; e++) {
        p.kCache[at + e * capacity + p.pos0[r] + t] = p.k[(r * T + t) * kvd + e];
        p.vCache[at + e * capacity + p.pos0[r] + t] = p.v[(r * T + t) * kvd + e];
      }
    }
    const k = new Float32Array(Tk * kvd);
    const v = new Float32Array(Tk * kvd);
    for (let j = 0; j < Tk; j++) {
      for (let e = 0; e < kvd; e++) {
        k[j * kvd + e] = p.kCache[at + e * capacity + j];
        v[j * kvd + e] = p.vCache[at + e * capacity + j];
      }
    }
    attentionForward({
      q: p.q.subarray(r * T * qd, (r + 1) * T * qd),
      k,
      v,
      out: p.out.subarray(r * T * qd, (r + 1) * T * qd),
      lse,
      B: 1,
      Tq: T,
      Tk,
      kStride: Tk,
      NH,
      NKV,
      HS,
      qPos0: p.pos0[r],
      keyMask: null,
      scale: p.scale,
    });
  }
}
