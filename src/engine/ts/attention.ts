// Reference causal self-attention with grouped-query heads and a key padding mask, for the `ts` backend.
// One query row at a time: scores for that row only (Tk floats, never a T×T matrix), softmax, weighted
// sum of V; the row's log-sum-exp is saved so backward recomputes probabilities (FlashAttention-2, Alg. 2).
// A query that may attend no key at all (every allowed key is padding) gets out = 0 and lse = -Infinity.
import type { AttentionGrads, AttentionParams } from "../backend.js";

/** Whether query row i of batch b may attend key j. */
function allowed(p: AttentionParams, b: number, i: number, j: number): boolean {
  if (j >= p.Tk || j > p.qPos0 + i) return false;
  return p.keyMask === null || p.keyMask[b * p.kStride + j] !== 0;
}

function dot(x: Float32Array, xo: number, y: Float32Array, yo: number, n: number): number {
  let s = 0;
  for (let d = 0; d < n; d++) s += x[xo + d] * y[yo + d];
  return s;
}

export function attentionForward(p: AttentionParams): void {
  const { q, k, v, out, lse, B, Tq, Tk, kStride, NH, NKV, HS, scale } = p;
  const group = NH / NKV; // query heads per key/value head
  const scores = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < Tq; i++) {
        const qo = ((b * Tq + i) * NH + h) * HS;
        let max = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (!allowed(p, b, i, j)) continue;
          scores[j] = scale * dot(q, qo, k, ((b * kStride + j) * NKV + kvh) * HS, HS);
          if (scores[j] > max) max = scores[j];
        }
        out.fill(0, qo, qo + HS);
        if (max === -Infinity) {
          lse[(b * NH + h) * Tq + i] = -Infinity;
          continue;
        }
        let sum = 0;
        for (let j = 0; j < Tk; j++) {
          if (!allowed(p, b, i, j)) continue;
          const w = Math.exp(scores[j] - max);
          sum += w;
          const vo = ((b * kStride + j) * NKV + kvh) * HS;
          for (let d = 0; d < HS; d++) out[qo + d] += w * v[vo + d];
        }
        for (let d = 0; d < HS; d++) out[qo + d] /= sum;
        lse[(b * NH + h) * Tq + i] = max + Math.log(sum);
      }
    }
  }
}

// With P = softmax(S), O = P V and D_i = dO_i · O_i: dV += Pᵀ dO; dP = dO Vᵀ; dS = P ∘ (dP - D);
// dQ += scale dS K; dK += scale dSᵀ Q.
export function attentionBackward(p: AttentionParams, g: AttentionGrads): void {
  const { q, k, v, out, lse, B, Tq, Tk, kStride, NH, NKV, HS, scale } = p;
  const { dout, dq, dk, dv } = g;
  const group = NH / NKV;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < Tq; i++) {
        const rowLse = lse[(b * NH + h) * Tq + i];
        if (rowLse === -Infinity) continue;
        const qo = ((b * Tq + i) * NH + h) * HS;
        const D = dot(dout, qo, out, qo, HS);
        for (let j = 0; j < Tk; j++) {
          if (!allowed(p, b, i, j)) continue;
          const ko = ((b * kStride + j) * NKV + kvh) * HS;
          const prob = Math.exp(scale * dot(q, qo, k, ko, HS) - rowLse);
          const dp = dot(dout, qo, v, ko, HS);
          const ds = prob * (dp - D);
          for (let d = 0; d < HS; d++) {
            dv[ko + d] += prob * dout[qo + d];
            dq[qo + d] += scale * ds * k[ko + d];
            dk[ko + d] += scale * ds * q[qo + d];
          }
        }
      }
    }
  }
}
