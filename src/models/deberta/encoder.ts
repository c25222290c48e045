// The DeBERTa-v2/v3 encoder forward, explicit per layer on an engine Backend: embeddings + LayerNorm, then L
// layers of disentangled self-attention (content→content, content→position, position→content over shared,
// LayerNorm'd relative embeddings in log buckets) and a GELU MLP, each followed by residual LayerNorm; keeps
// activations for backward.ts when asked. The projected relative embeddings are cached: call refreshRelative()
// after changing weights in place. Follows transformers' modeling_deberta_v2.py (eval mode).
import { type Backend, linearForward } from "../../engine/index.js";
import { ModelError, ShapeError } from "../../util/errors.js";
import type { Tensor } from "../checkpoint.js";
import type { DebertaConfig } from "./config.js";
import { type LayerActs, newActs, Workspace } from "./workspace.js";

export type { LayerActs } from "./workspace.js";

export interface LayerWeights {
  wq: Float32Array;
  bq: Float32Array;
  wk: Float32Array;
  bk: Float32Array;
  wv: Float32Array;
  bv: Float32Array;
  wo: Float32Array;
  bo: Float32Array;
  ln1w: Float32Array;
  ln1b: Float32Array;
  wi: Float32Array;
  bi: Float32Array;
  wo2: Float32Array;
  bo2: Float32Array;
  ln2w: Float32Array;
  ln2b: Float32Array;
  /** separate position projections when share_att_key is false */
  wpk?: Float32Array;
  bpk?: Float32Array;
  wpq?: Float32Array;
  bpq?: Float32Array;
  /** projected relative embeddings, head-major [NH, 2*span, HS]: key side (c2p) and query side (p2c) */
  posKey: Float32Array;
  posQuery: Float32Array;
}

export interface EncoderOutput {
  /** last hidden layer [B, T, C] */
  last: Float32Array;
  /** embeddings then every layer's output, when asked for */
  hidden?: Float32Array[];
}

export class DebertaEncoder {
  readonly config: DebertaConfig;
  readonly backend: Backend;
  // internal to deberta/ (backward.ts reads them); not part of the folder's interface
  readonly wordEmb: Float32Array;
  readonly posEmb: Float32Array | null;
  readonly embLnW: Float32Array;
  readonly embLnB: Float32Array;
  readonly layers: LayerWeights[] = [];
  /** relative embeddings rows 0..2*span before and after the optional LayerNorm, with its statistics */
  readonly relRaw: Float32Array;
  readonly rel: Float32Array;
  readonly relMean: Float32Array;
  readonly relRstd: Float32Array;
  readonly relLnW: Float32Array | null;
  readonly relLnB: Float32Array | null;
  /** att_span: rows of relative embeddings per side */
  readonly span: number;

  /** `tensors` under HF DebertaV2Model names, each prefixed by `prefix` ("pretrained_model." in PairRM). */
  constructor(
    config: DebertaConfig,
    tensors: Map<string, Tensor>,
    backend: Backend,
    prefix = "",
    source = "model",
  ) {
    this.config = config;
    this.backend = backend;
    const C = config.hiddenSize;
    const get = (name: string, shape: number[]): Float32Array => {
      const t = tensors.get(prefix + name);
      if (!t) throw new ModelError(`${source}: tensor "${prefix + name}" is missing`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new ModelError(
          `${source}: tensor "${prefix + name}" has shape [${t.shape}], expected [${shape}]`,
        );
      }
      return t.data;
    };
    if (config.typeVocabSize > 0) {
      throw new ModelError(`${source}: type_vocab_size > 0 (token type embeddings) is not supported`);
    }
    const emb = tensors.get(`${prefix}embeddings.word_embeddings.weight`);
    if (!emb)
      throw new ModelError(`${source}: tensor "${prefix}embeddings.word_embeddings.weight" is missing`);
    // the embedding matrix may have been resized for added tokens (PairRM's 4 markers): trust its rows
    const V = emb.shape[0];
    this.wordEmb = get("embeddings.word_embeddings.weight", [V, C]);
    this.posEmb = config.positionBiasedInput
      ? get("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, C])
      : null;
    this.embLnW = get("embeddings.LayerNorm.weight", [C]);
    this.embLnB = get("embeddings.LayerNorm.bias", [C]);
    this.span = config.positionBuckets > 0 ? config.positionBuckets : config.maxRelativePositions;
    const R = 2 * this.span;
    const relRaw = tensors.get(`${prefix}encoder.rel_embeddings.weight`);
    if (!relRaw || relRaw.shape[1] !== C || relRaw.shape[0] < R) {
      throw new ModelError(`${source}: "${prefix}encoder.rel_embeddings.weight" must be [>=${R}, ${C}]`);
    }
    // rel_embeddings[0 : 2*span] after the optional LayerNorm, projected once per weight change (refreshRelative)
    const rel = relRaw.data.slice(0, R * C);
    this.relRaw = relRaw.data.subarray(0, R * C);
    this.rel = rel;
    this.relMean = new Float32Array(R);
    this.relRstd = new Float32Array(R);
    this.relLnW = config.normRelEmbedding ? get("encoder.LayerNorm.weight", [C]) : null;
    this.relLnB = config.normRelEmbedding ? get("encoder.LayerNorm.bias", [C]) : null;
    const I = config.intermediateSize;
    for (let l = 0; l < config.numLayers; l++) {
      const p = `encoder.layer.${l}.`;
      const w = (n: string, shape: number[]) => get(p + n, shape);
      const lw = {
        wq: w("attention.self.query_proj.weight", [C, C]),
        bq: w("attention.self.query_proj.bias", [C]),
        wk: w("attention.self.key_proj.weight", [C, C]),
        bk: w("attention.self.key_proj.bias", [C]),
        wv: w("attention.self.value_proj.weight", [C, C]),
        bv: w("attention.self.value_proj.bias", [C]),
        wo: w("attention.output.dense.weight", [C, C]),
        bo: w("attention.output.dense.bias", [C]),
        ln1w: w("attention.output.LayerNorm.weight", [C]),
        ln1b: w("attention.output.LayerNorm.bias", [C]),
        wi: w("intermediate.dense.weight", [I, C]),
        bi: w("intermediate.dense.bias", [I]),
        wo2: w("output.dense.weight", [C, I]),
        bo2: w("output.dense.bias", [C]),
        ln2w: w("output.LayerNorm.weight", [C]),
        ln2b: w("output.LayerNorm.bias", [C]),
      };
      const sep = !config.shareAttKey;
      const pos = (n: string, shape: number[], on: boolean) => (sep && on ? w(n, shape) : undefined);
      this.layers.push({
        ...lw,
        wpk: pos("attention.self.pos_key_proj.weight", [C, C], config.c2p),
        bpk: pos("attention.self.pos_key_proj.bias", [C], config.c2p),
        wpq: pos("attention.self.pos_query_proj.weight", [C, C], config.p2c),
        bpq: pos("attention.self.pos_query_proj.bias", [C], config.p2c),
        posKey: new Float32Array(config.c2p ? R * C : 0),
        posQuery: new Float32Array(config.p2c ? R * C : 0),
      });
    }
    this.refreshRelative();
  }

  /**
   * Recomputes what the constructor derived from the weights: the LayerNorm'd relative embeddings and each
   * layer's projections of them. Call after changing weights in place (an optimiser step, a LoRA merge).
   */
  refreshRelative(): void {
    const c = this.config;
    const C = c.hiddenSize;
    const R = 2 * this.span;
    if (this.relLnW && this.relLnB) {
      this.backend.layernormForward(
        this.rel,
        this.relMean,
        this.relRstd,
        this.relRaw,
        this.relLnW,
        this.relLnB,
        R,
        C,
        c.layerNormEps,
      );
    } else this.rel.set(this.relRaw);
    const y = new Float32Array(R * C);
    const project = (out: Float32Array, wt: Float32Array, b: Float32Array) => {
      linearForward(this.backend, y, this.rel, wt, b, R, C, C);
      this.headMajor(y, 1, R, out);
    };
    for (const lw of this.layers) {
      if (c.c2p) project(lw.posKey, lw.wpk ?? lw.wk, lw.bpk ?? lw.bk);
      if (c.p2c) project(lw.posQuery, lw.wpq ?? lw.wq, lw.bpq ?? lw.bq);
    }
  }

  get vocabRows(): number {
    return this.wordEmb.length / this.config.hiddenSize;
  }

  /** [B, T, NH*HS] → [B, NH, T, HS] */
  headMajor(x: Float32Array, B: number, T: number, out?: Float32Array): Float32Array {
    const NH = this.config.numHeads;
    const HS = this.config.hiddenSize / NH;
    const y = out ?? new Float32Array(x.length);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * NH * HS;
        for (let h = 0; h < NH; h++) {
          const dst = ((b * NH + h) * T + t) * HS;
          for (let e = 0; e < HS; e++) y[dst + e] = x[src + h * HS + e];
        }
      }
    return y;
  }

  /**
   * ids/mask [B, T] (mask 1 = token, 0 = padding). Rows of padding positions hold unspecified values.
   * `allHidden` also returns the embedding output and every layer's output.
   */
  forward(
    ids: Int32Array,
    mask: Uint8Array,
    B: number,
    T: number,
    allHidden = false,
    keep?: LayerActs[],
  ): EncoderOutput {
    const c = this.config;
    const be = this.backend;
    const C = c.hiddenSize;
    const N = B * T;
    if (ids.length !== N || mask.length !== N) {
      throw new ShapeError(
        `deberta forward: ids and mask need B*T = ${N} entries, got ${ids.length}, ${mask.length}`,
      );
    }
    const V = this.vocabRows;
    const safeIds = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      if (mask[i] && (ids[i] < 0 || ids[i] >= V)) {
        throw new ShapeError(
          `deberta forward: token ${ids[i]} at [${Math.floor(i / T)}, ${i % T}] is outside the vocabulary (${V})`,
        );
      }
      safeIds[i] = mask[i] ? ids[i] : 0;
    }
    let x: Float32Array = new Float32Array(N * C);
    be.embeddingForward(x, this.wordEmb, safeIds, C);
    if (this.posEmb) {
      if (T > c.maxPositionEmbeddings)
        throw new ShapeError(`deberta forward: T=${T} > max_position_embeddings`);
      for (let b = 0; b < B; b++) be.add(x.subarray(b * T * C), x.subarray(b * T * C), this.posEmb, T * C);
    }
    const mean = new Float32Array(N);
    const rstd = new Float32Array(N);
    be.layernormForward(x, mean, rstd, x.slice(), this.embLnW, this.embLnB, N, C, c.layerNormEps);
    for (let i = 0; i < N; i++) if (!mask[i]) x.fill(0, i * C, (i + 1) * C);
    const hidden = allHidden ? [x.slice()] : undefined;
    const ws = new Workspace(c, B, T, this.span);
    for (const lw of this.layers) {
      const acts = keep ? newActs(x) : undefined;
      if (acts) keep?.push(acts);
      x = this.layer(lw, x, mask, B, T, ws, acts);
      if (hidden) hidden.push(x.slice());
    }
    return { last: x, hidden };
  }

  private layer(
    lw: LayerWeights,
    x: Float32Array,
    mask: Uint8Array,
    B: number,
    T: number,
    ws: Workspace,
    keep?: LayerActs,
  ): Float32Array {
    const c = this.config;
    const be = this.backend;
    const C = c.hiddenSize;
    const NH = c.numHeads;
    const HS = C / NH;
    const N = B * T;
    linearForward(be, ws.tmp, x, lw.wq, lw.bq, N, C, C);
    this.headMajor(ws.tmp, B, T, ws.q);
    linearForward(be, ws.tmp, x, lw.wk, lw.bk, N, C, C);
    this.headMajor(ws.tmp, B, T, ws.k);
    linearForward(be, ws.tmp, x, lw.wv, lw.bv, N, C, C);
    this.headMajor(ws.tmp, B, T, ws.v);
    if (keep) {
      keep.q = ws.q.slice();
      keep.k = ws.k.slice();
      keep.v = ws.v.slice();
      keep.probs = new Float32Array(B * NH * T * T);
    }
    const factor = 1 + (c.c2p ? 1 : 0) + (c.p2c ? 1 : 0);
    const alpha = 1 / Math.fround(Math.sqrt(Math.fround(HS * factor)));
    const { idx, lo, hi } = ws.rel;
    const R = hi - lo + 1;
    const span2 = 2 * this.span;
    for (let b = 0; b < B; b++) {
      const qkv = b * NH * T * HS;
      const scores = ws.scores;
      be.matmul({
        a: ws.q,
        b: ws.k,
        c: scores,
        m: T,
        n: T,
        k: HS,
        transA: false,
        transB: true,
        alpha,
        batch: NH,
        strideA: T * HS,
        strideB: T * HS,
        strideC: T * T,
        offsetA: qkv,
        offsetB: qkv,
      });
      if (c.c2p) {
        be.matmul({
          a: ws.q,
          b: lw.posKey,
          c: ws.c2p,
          m: T,
          n: R,
          k: HS,
          transA: false,
          transB: true,
          alpha,
          batch: NH,
          strideA: T * HS,
          strideB: span2 * HS,
          strideC: T * R,
          offsetA: qkv,
          offsetB: lo * HS,
        });
      }
      if (c.p2c) {
        be.matmul({
          a: ws.k,
          b: lw.posQuery,
          c: ws.p2c,
          m: T,
          n: R,
          k: HS,
          transA: false,
          transB: true,
          alpha,
          batch: NH,
          strideA: T * HS,
          strideB: span2 * HS,
          strideC: T * R,
          offsetA: qkv,
          offsetB: lo * HS,
        });
      }
      const m0 = b * T;
      for (let h = 0; h < NH; h++) {
        const s0 = h * T * T;
        const r0 = h * T * R;
        for (let i = 0; i < T; i++) {
          const row = s0 + i * T;
          const ci = r0 + i * R - lo;
          for (let j = 0; j < T; j++) {
            if (!mask[m0 + j]) {
              scores[row + j] = Number.NEGATIVE_INFINITY;
              continue;
            }
            const r = idx[i * T + j];
            let s = scores[row + j];
            if (c.c2p) s += ws.c2p[ci + r];
            if (c.p2c) s += ws.p2c[r0 + j * R + r - lo];
            scores[row + j] = s;
          }
        }
      }
      be.softmaxForward(scores, scores, NH * T, T);
      keep?.probs.set(scores.subarray(0, NH * T * T), b * NH * T * T);
      be.matmul({
        a: scores,
        b: ws.v,
        c: ws.ctx,
        m: T,
        n: HS,
        k: T,
        transA: false,
        transB: false,
        batch: NH,
        strideA: T * T,
        strideB: T * HS,
        strideC: T * HS,
        offsetB: qkv,
        offsetC: qkv,
      });
    }
    // [B, NH, T, HS] → [B, T, C]
    for (let b = 0; b < B; b++)
      for (let h = 0; h < NH; h++)
        for (let t = 0; t < T; t++) {
          const src = ((b * NH + h) * T + t) * HS;
          const dst = (b * T + t) * C + h * HS;
          for (let e = 0; e < HS; e++) ws.tmp[dst + e] = ws.ctx[src + e];
        }
    const attnOut = new Float32Array(N * C);
    linearForward(be, ws.q, ws.tmp, lw.wo, lw.bo, N, C, C);
    be.add(ws.q, ws.q, x, N * C);
    be.layernormForward(attnOut, ws.mean, ws.rstd, ws.q, lw.ln1w, lw.ln1b, N, C, c.layerNormEps);
    if (keep) {
      keep.ctx = ws.tmp.slice();
      keep.pre1 = ws.q.slice();
      keep.mean1 = ws.mean.slice();
      keep.rstd1 = ws.rstd.slice();
      keep.attnOut = attnOut;
    }
    const I = c.intermediateSize;
    linearForward(be, ws.inter, attnOut, lw.wi, lw.bi, N, C, I);
    if (keep) keep.interPre = ws.inter.slice();
    be.geluForward(ws.inter, ws.inter, N * I);
    if (keep) keep.interAct = ws.inter.slice();
    linearForward(be, ws.q, ws.inter, lw.wo2, lw.bo2, N, I, C);
    be.add(ws.q, ws.q, attnOut, N * C);
    const out = new Float32Array(N * C);
    be.layernormForward(out, ws.mean, ws.rstd, ws.q, lw.ln2w, lw.ln2b, N, C, c.layerNormEps);
    if (keep) {
      keep.pre2 = ws.q.slice();
      keep.mean2 = ws.mean.slice();
      keep.rstd2 = ws.rstd.slice();
    }
    return out;
  }
}
