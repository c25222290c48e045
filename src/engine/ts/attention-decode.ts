// Reference decoding attention over KV-cache rows for the `ts` backend: appends each sequence's new keys and
// values to its cache row, then runs the reference causal attention (attention.ts) for that sequence alone,
// its queries placed at positions pos0[r] .. pos0[r]+T-1. Not the native two-pass kernel (pf_attention_decode.c).
import type { DecodeAttentionParams } from "../backend.js";
import { attentionForward } from "./attention.js";

export function attentionDecode(p: DecodeAttentionParams): void {
  const { R, T, capacity, NH, NKV, HS } = p;
  const kvd = NKV * HS;
  const qd = NH * HS;
  const lse = new Float32Array(NH * T);
  for (let r = 0; r < R; r++) {
    const row = p.rows[r] * capacity * kvd;
    const at = row + p.pos0[r] * kvd;
    p.kCache.set(p.k.subarray(r * T * kvd, (r + 1) * T * kvd), at);
    p.vCache.set(p.v.subarray(r * T * kvd, (r + 1) * T * kvd), at);
    attentionForward({
      q: p.q.subarray(r * T * qd, (r + 1) * T * qd),
      k: p.kCache.subarray(row, row + capacity * kvd),
      v: p.vCache.subarray(row, row + capacity * kvd),
      out: p.out.subarray(r * T * qd, (r + 1) * T * qd),
      lse,
      B: 1,
      Tq: T,
      Tk: p.pos0[r] + T,
      kStride: capacity,
      NH,
      NKV,
      HS,
      qPos0: p.pos0[r],
      keyMask: null,
      scale: p.scale,
    });
  }
}
