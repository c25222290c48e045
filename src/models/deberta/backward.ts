// Backward of the DeBERTa-v2/v3 encoder (deberta/encoder.ts) for fine-tuning: gradients of every encoder
// parameter under HF names, from the gradient of the last hidden layer and the activations forward kept.
// Attention: dS → softmax backward → q/k via the content product and, through the bucket gather, the c2p/p2c
// products and the shared relative embeddings (LayerNorm'd, projected by each layer's query/key weights).
// Checked against PyTorch autograd on transformers' DebertaV2Model (test/models/deberta.test.ts).
import { linearBackward } from "../../engine/index.js";
import type { DebertaEncoder, LayerActs } from "./encoder.js";
import { relativeIndexTable } from "./rel-pos.js";

/** Parameter gradients by HF name (without any prefix); accumulated into. */
export type DebertaGrads = Map<string, Float32Array>;

/**
 * Accumulates into `grads` the gradients of a loss whose gradient w.r.t. the last hidden layer [B, T, C] is
 * `dLast`, given the activations `acts` that `forward(ids, mask, B, T, false, acts)` kept.
 */
export function debertaBackward(
  enc: DebertaEncoder,
  ids: Int32Array,
  mask: Uint8Array,
  B: number,
  T: number,
  acts: LayerActs[],
  dLast: Float32Array,
  grads: DebertaGrads,
): void {
  const c = enc.config;
  const be = enc.backend;
  const C = c.hiddenSize;
  const NH = c.numHeads;
  const HS = C / NH;
  const I = c.intermediateSize;
  const N = B * T;
  const span2 = 2 * enc.span;
  const g = (name: string, size: number): Float32Array => {
    let t = grads.get(name);
    if (!t) {
      t = new Float32Array(size);
      grads.set(name, t);
    }
    return t;
  };
  const { idx, lo, hi } = relativeIndexTable(T, enc.span, c.positionBuckets, c.maxRelativePositions);
  const R = hi - lo + 1;
  const factor = 1 + (c.c2p ? 1 : 0) + (c.p2c ? 1 : 0);
  const alpha = 1 / Math.fround(Math.sqrt(Math.fround(HS * factor)));
  const dRel = new Float32Array(span2 * C);
  let dy = dLast.slice();
  for (let l = c.numLayers - 1; l >= 0; l--) {
    const lw = enc.layers[l];
    const a = acts[l];
    const p = `encoder.layer.${l}.`;
    const dPre2 = new Float32Array(N * C);
    be.layernormBackward(
      dPre2,
      g(`${p}output.LayerNorm.weight`, C),
      g(`${p}output.LayerNorm.bias`, C),
      dy,
      a.pre2,
      lw.ln2w,
      a.mean2,
      a.rstd2,
      N,
      C,
    );
    const dAttn = dPre2.slice();
    const dInterAct = new Float32Array(N * I);
    linearBackward(
      be,
      dInterAct,
      g(`${p}output.dense.weight`, C * I),
      g(`${p}output.dense.bias`, C),
      dPre2,
      a.interAct,
      lw.wo2,
      N,
      I,
      C,
    );
    const dInterPre = new Float32Array(N * I);
    be.geluBackward(dInterPre, dInterAct, a.interPre, N * I);
    linearBackward(
      be,
      dAttn,
      g(`${p}intermediate.dense.weight`, I * C),
      g(`${p}intermediate.dense.bias`, I),
      dInterPre,
      a.attnOut,
      lw.wi,
      N,
      C,
      I,
    );
    const dPre1 = new Float32Array(N * C);
    be.layernormBackward(
      dPre1,
      g(`${p}attention.output.LayerNorm.weight`, C),
      g(`${p}attention.output.LayerNorm.bias`, C),
      dAttn,
      a.pre1,
      lw.ln1w,
      a.mean1,
      a.rstd1,
      N,
      C,
    );
    const dx = dPre1.slice();
    const dCtx = new Float32Array(N * C);
    linearBackward(
      be,
      dCtx,
      g(`${p}attention.output.dense.weight`, C * C),
      g(`${p}attention.output.dense.bias`, C),
      dPre1,
      a.ctx,
      lw.wo,
      N,
      C,
      C,
    );
    const dCtxH = enc.headMajor(dCtx, B, T);
    const dq = new Float32Array(N * C);
    const dk = new Float32Array(N * C);
    const dv = new Float32Array(N * C);
    const dPK = new Float32Array(NH * span2 * HS);
    const dPQ = new Float32Array(NH * span2 * HS);
    const dP = new Float32Array(NH * T * T);
    const dS = new Float32Array(NH * T * T);
    const dC2P = new Float32Array(NH * T * R);
    const dP2C = new Float32Array(NH * T * R);
    for (let b = 0; b < B; b++) {
      const qkv = b * NH * T * HS;
      const probs = a.probs.subarray(b * NH * T * T, (b + 1) * NH * T * T);
      const mm = (o: Parameters<typeof be.matmul>[0]) => be.matmul(o);
      // ctx_h = P_h V_h
      mm({
        a: dCtxH,
        b: a.v,
        c: dP,
        m: T,
        n: T,
        k: HS,
        transA: false,
        transB: true,
        batch: NH,
        strideA: T * HS,
        strideB: T * HS,
        strideC: T * T,
        offsetA: qkv,
        offsetB: qkv,
      });
      mm({
        a: probs,
        b: dCtxH,
        c: dv,
        m: T,
        n: HS,
        k: T,
        transA: true,
        transB: false,
        beta: 1,
        batch: NH,
        strideA: T * T,
        strideB: T * HS,
        strideC: T * HS,
        offsetB: qkv,
        offsetC: qkv,
      });
      dS.fill(0);
      be.softmaxBackward(dS, dP, probs, NH * T, T);
      // S = alpha (q kᵀ + gather(q PKᵀ) + gather(k PQᵀ)ᵀ)
      mm({
        a: dS,
        b: a.k,
        c: dq,
        m: T,
        n: HS,
        k: T,
        transA: false,
        transB: false,
        alpha,
        beta: 1,
        batch: NH,
        strideA: T * T,
        strideB: T * HS,
        strideC: T * HS,
        offsetB: qkv,
        offsetC: qkv,
      });
      mm({
        a: dS,
        b: a.q,
        c: dk,
        m: T,
        n: HS,
        k: T,
        transA: true,
        transB: false,
        alpha,
        beta: 1,
        batch: NH,
        strideA: T * T,
        strideB: T * HS,
        strideC: T * HS,
        offsetB: qkv,
        offsetC: qkv,
      });
      dC2P.fill(0);
      dP2C.fill(0);
      for (let h = 0; h < NH; h++) {
        for (let i = 0; i < T; i++) {
          for (let j = 0; j < T; j++) {
            const d = dS[(h * T + i) * T + j];
            if (d === 0) continue;
            const r = idx[i * T + j] - lo;
            dC2P[(h * T + i) * R + r] += d;
            dP2C[(h * T + j) * R + r] += d;
          }
        }
      }
      if (c.c2p) {
        mm({
          a: dC2P,
          b: lw.posKey,
          c: dq,
          m: T,
          n: HS,
          k: R,
          transA: false,
          transB: false,
          alpha,
          beta: 1,
          batch: NH,
          strideA: T * R,
          strideB: span2 * HS,
          strideC: T * HS,
          offsetB: lo * HS,
          offsetC: qkv,
        });
        mm({
          a: dC2P,
          b: a.q,
          c: dPK,
          m: R,
          n: HS,
          k: T,
          transA: true,
          transB: false,
          alpha,
          beta: 1,
          batch: NH,
          strideA: T * R,
          strideB: T * HS,
          strideC: span2 * HS,
          offsetB: qkv,
          offsetC: lo * HS,
        });
      }
      if (c.p2c) {
        mm({
          a: dP2C,
          b: lw.posQuery,
          c: dk,
          m: T,
          n: HS,
          k: R,
          transA: false,
          transB: false,
          alpha,
          beta: 1,
          batch: NH,
          strideA: T * R,
          strideB: span2 * HS,
          strideC: T * HS,
          offsetB: lo * HS,
          offsetC: qkv,
        });
        mm({
          a: dP2C,
          b: a.k,
          c: dPQ,
          m: R,
          n: HS,
          k: T,
          transA: true,
          transB: false,
          alpha,
          beta: 1,
          batch: NH,
          strideA: T * R,
          strideB: T * HS,
          strideC: span2 * HS,
          offsetB: qkv,
          offsetC: lo * HS,
        });
      }
    }
    const tokenMajor = (h: Float32Array, rows: number): Float32Array => {
      // [NH, rows, HS] per batch → [rows, C]; for B > 1 the batch loop is outermost
      const out = new Float32Array(h.length);
      const Bn = h.length / (rows * C);
      for (let b = 0; b < Bn; b++)
        for (let hh = 0; hh < NH; hh++)
          for (let t = 0; t < rows; t++) {
            const src = ((b * NH + hh) * rows + t) * HS;
            const dst = (b * rows + t) * C + hh * HS;
            for (let e = 0; e < HS; e++) out[dst + e] = h[src + e];
          }
      return out;
    };
    const sa = `${p}attention.self.`;
    linearBackward(
      be,
      dx,
      g(`${sa}query_proj.weight`, C * C),
      g(`${sa}query_proj.bias`, C),
      tokenMajor(dq, T),
      a.x,
      lw.wq,
      N,
      C,
      C,
    );
    linearBackward(
      be,
      dx,
      g(`${sa}key_proj.weight`, C * C),
      g(`${sa}key_proj.bias`, C),
      tokenMajor(dk, T),
      a.x,
      lw.wk,
      N,
      C,
      C,
    );
    linearBackward(
      be,
      dx,
      g(`${sa}value_proj.weight`, C * C),
      g(`${sa}value_proj.bias`, C),
      tokenMajor(dv, T),
      a.x,
      lw.wv,
      N,
      C,
      C,
    );
    const pk = c.shareAttKey ? "key_proj" : "pos_key_proj";
    const pq = c.shareAttKey ? "query_proj" : "pos_query_proj";
    const wpk = c.shareAttKey ? lw.wk : (lw.wpk ?? lw.wk);
    const wpq = c.shareAttKey ? lw.wq : (lw.wpq ?? lw.wq);
    if (c.c2p)
      linearBackward(
        be,
        dRel,
        g(`${sa}${pk}.weight`, C * C),
        g(`${sa}${pk}.bias`, C),
        tokenMajor(dPK, span2),
        enc.rel,
        wpk,
        span2,
        C,
        C,
      );
    if (c.p2c)
      linearBackward(
        be,
        dRel,
        g(`${sa}${pq}.weight`, C * C),
        g(`${sa}${pq}.bias`, C),
        tokenMajor(dPQ, span2),
        enc.rel,
        wpq,
        span2,
        C,
        C,
      );
    dy = dx;
  }
  const dRelRaw = g("encoder.rel_embeddings.weight", span2 * C);
  if (enc.relLnW) {
    be.layernormBackward(
      dRelRaw,
      g("encoder.LayerNorm.weight", C),
      g("encoder.LayerNorm.bias", C),
      dRel,
      enc.relRaw,
      enc.relLnW,
      enc.relMean,
      enc.relRstd,
      span2,
      C,
    );
  } else {
    be.axpy(dRelRaw, 1, dRel, span2 * C);
  }
  // embeddings: x0 = LayerNorm(word (+ position)) * mask
  const safeIds = new Int32Array(N);
  for (let i = 0; i < N; i++) safeIds[i] = mask[i] ? ids[i] : 0;
  for (let i = 0; i < N; i++) if (!mask[i]) dy.fill(0, i * C, (i + 1) * C);
  const e = new Float32Array(N * C);
  be.embeddingForward(e, enc.wordEmb, safeIds, C);
  if (enc.posEmb)
    for (let b = 0; b < B; b++) be.add(e.subarray(b * T * C), e.subarray(b * T * C), enc.posEmb, T * C);
  const mean = new Float32Array(N);
  const rstd = new Float32Array(N);
  be.layernormForward(new Float32Array(N * C), mean, rstd, e, enc.embLnW, enc.embLnB, N, C, c.layerNormEps);
  const de = new Float32Array(N * C);
  be.layernormBackward(
    de,
    g("embeddings.LayerNorm.weight", C),
    g("embeddings.LayerNorm.bias", C),
    dy,
    e,
    enc.embLnW,
    mean,
    rstd,
    N,
    C,
  );
  be.embeddingBackward(g("embeddings.word_embeddings.weight", enc.wordEmb.length), de, safeIds, C);
  if (enc.posEmb) {
    const dp = g("embeddings.position_embeddings.weight", enc.posEmb.length);
    for (let b = 0; b < B; b++) be.axpy(dp, 1, de.subarray(b * T * C, (b + 1) * T * C), T * C);
  }
}
