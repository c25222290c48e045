// Reference decoding attention over KV-cache rows for the `ts` backend: appends each sequence's new keys
// (d-major: [batch, NKV, HS, capacity]) and values ([batch, capacity, NKV, HS]) to its cache row, then runs the
// reference causal attention (attention.ts) for that sequence alone on a row-major copy of its keys, its queries
// at positions pos0[r] .. pos0[r]+T-1. Not the native kernel (pf_attention_decode.c).
import type { DecodeAttentionParams } from "../backend.js";
import { attentionForward } from "./attention.js";

export function attentionDecode(p: DecodeAttentionParams): void {
  const { R, T, capacity, NH, NKV, HS } = p;
  const kvd = NKV * HS;
  const qd = NH * HS;
  const lse = new Float32Array(NH * T);
  for (let r = 0; r < R; r++) {
    const row = p.rows[r];
    const Tk = p.pos0[r] + T;
    p.vCache.set(p.v.subarray(r * T * kvd, (r + 1) * T * kvd), (row * capacity + p.pos0[r]) * kvd);
    const kt = row * kvd * capacity; // this row's [NKV*HS, capacity] block
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < kvd; e++) p.kCache[kt + e * capacity + p.pos0[r] + t] = p.k[(r * T + t) * kvd + e];
    }
    const k = new Float32Array(Tk * kvd);
    for (let j = 0; j < Tk; j++)
      for (let e = 0; e < kvd; e++) k[j * kvd + e] = p.kCache[kt + e * capacity + j];
    attentionForward({
      q: p.q.subarray(r * T * qd, (r + 1) * T * qd),
      k,
      v: p.vCache.subarray(row * capacity * kvd, (row * capacity + Tk) * kvd),
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
