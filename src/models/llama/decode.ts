// KV-cache decoding for LlamaModel: each cache row is an independent sequence with its own length;
// decode feeds T new tokens to a set of rows and returns the logits of each row's last token.
// Not sampling (src/generate). The generation hot loop: workspaces grow once and are reused, per call
// only array views and the returned logits are allocated. Cache layout per layer, keys and values alike:
// [batch, NKV*HS, capacity] (d-major, see Backend.attentionDecode).
import { ShapeError } from "../../util/errors.js";
import type { KVCache, Parameter } from "../causal-lm.js";
import { allocActs, type LayerActs, type LinearFn, layerForward, linear } from "./layer.js";
import type { LlamaModel } from "./model.js";

/**
 * A model with at most this many Linear weights (f32: 16 MB) sits in the CPU caches, so decoding it is
 * compute-bound, not memory-bound: each cache then holds its weights transposed to [in, out], which the
 * skinny matmul uses without a lane reduction per output (bench/models-decode.ts: stories260K's 5-row steps
 * ~2x faster). Larger models stream [out, in] weights from memory once per step, which suits them.
 */
const TRANSPOSED_MAX_FLOATS = 4 * 1024 * 1024;

export class LlamaCache implements KVCache {
  readonly lengths: Int32Array;
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  constructor(
    readonly owner: LlamaModel,
    readonly batch: number,
    readonly capacity: number,
    /** [in, out] copies of the Linear weights as they were at newCache() (small models only) */
    readonly transposed: Map<Parameter, Float32Array> | null,
  ) {
    const c = owner.config;
    const size = batch * capacity * c.numKvHeads * c.headDim;
    this.lengths = new Int32Array(batch);
    this.k = Array.from({ length: c.numLayers }, () => new Float32Array(size));
    this.v = Array.from({ length: c.numLayers }, () => new Float32Array(size));
  }
}

interface Workspace {
  rows: number;
  acts: LayerActs;
  x: Float32Array;
  out: Float32Array;
  pos: Int32Array;
  rowIds: Int32Array;
  pos0: Int32Array;
}

export class Decoder {
  private ws: Workspace | null = null;
  private last = { x: new Float32Array(0), xn: new Float32Array(0), rstd: new Float32Array(0) };

  constructor(
    private readonly model: LlamaModel,
    private readonly transposedMaxFloats = TRANSPOSED_MAX_FLOATS,
  ) {}

  newCache(batch: number, capacity: number): LlamaCache {
    if (!(Number.isInteger(batch) && batch > 0 && Number.isInteger(capacity) && capacity > 0)) {
      throw new ShapeError(`newCache: batch ${batch} and capacity ${capacity} must be positive integers`);
    }
    return new LlamaCache(this.model, batch, capacity, this.transposedWeights());
  }

  /** [in, out] copies of every Linear weight of a small model (decoding reads the weights of newCache time) */
  private transposedWeights(): Map<Parameter, Float32Array> | null {
    const m = this.model;
    const ws = [...m.layers.flatMap((l) => [l.wq, l.wk, l.wv, l.wo, l.wg, l.wu, l.wd]), m.head];
    if (ws.reduce((a, w) => a + w.data.length, 0) > this.transposedMaxFloats) return null;
    const out = new Map<Parameter, Float32Array>();
    for (const w of ws) {
      const [rows, cols] = w.shape;
      const t = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w.data[r * cols + c];
      out.set(w, t);
    }
    return out;
  }

  private cacheOf(cache: KVCache): LlamaCache {
    if (!(cache instanceof LlamaCache) || cache.owner !== this.model) {
      throw new ShapeError("KV cache was not created by this model's newCache()");
    }
    return cache;
  }

  copyRow(kv: KVCache, from: number, to: number[]): void {
    const cache = this.cacheOf(kv);
    const c = this.model.config;
    const kvd = c.numKvHeads * c.headDim;
    const row = cache.capacity * kvd;
    const len = cache.lengths[from];
    for (const r of [from, ...to]) {
      if (!(r >= 0 && r < cache.batch))
        throw new ShapeError(`copyCacheRow: row ${r} outside the cache (batch ${cache.batch})`);
    }
    for (const r of to) {
      if (r === from) continue;
      for (let l = 0; l < c.numLayers; l++) {
        for (const kv of [cache.k[l], cache.v[l]]) {
          for (let e = 0; e < kvd; e++) {
            const src = from * row + e * cache.capacity;
            kv.copyWithin(r * row + e * cache.capacity, src, src + len);
          }
        }
      }
      cache.lengths[r] = cache.lengths[from];
    }
  }

  private workspace(N: number): Workspace {
    if (!this.ws || this.ws.rows < N) {
      const rows = Math.max(N, (this.ws?.rows ?? 0) * 2);
      const C = this.model.config.hiddenSize;
      this.ws = {
        rows,
        acts: allocActs(this.model.config, 1, rows),
        x: new Float32Array(rows * C),
        out: new Float32Array(rows * C),
        pos: new Int32Array(rows),
        rowIds: new Int32Array(rows),
        pos0: new Int32Array(rows),
      };
    }
    return this.ws;
  }

  decode(kv: KVCache, rows: number[], tokens: Int32Array, T: number): Float32Array {
    const cache = this.cacheOf(kv);
    const m = this.model;
    const c = m.config;
    const be = m.backend;
    const R = rows.length;
    const N = R * T;
    const C = c.hiddenSize;
    const V = c.vocabSize;
    const HS = c.headDim;
    if (!(Number.isInteger(T) && T > 0) || tokens.length !== N) {
      throw new ShapeError(`decode: tokens has ${tokens.length} entries, expected rows (${R}) × T (${T})`);
    }
    if (R === 0) return new Float32Array(0);
    const seen = new Set<number>();
    let maxEnd = 0;
    for (const r of rows) {
      if (!(Number.isInteger(r) && r >= 0 && r < cache.batch) || seen.has(r)) {
        throw new ShapeError(`decode: row ${r} is outside the cache (batch ${cache.batch}) or repeated`);
      }
      seen.add(r);
      const end = cache.lengths[r] + T;
      if (end > cache.capacity) {
        throw new ShapeError(
          `decode: row ${r} would hold ${end} positions, the cache capacity is ${cache.capacity}`,
        );
      }
      maxEnd = Math.max(maxEnd, end);
    }
    for (let i = 0; i < N; i++) {
      if (tokens[i] < 0 || tokens[i] >= V)
        throw new ShapeError(`decode: token ${tokens[i]} is outside the vocabulary (${V})`);
    }
    m.rope.ensure(maxEnd);
    const ws = this.workspace(N);
    const pos = ws.pos.subarray(0, N);
    const rowIds = ws.rowIds.subarray(0, R);
    const pos0 = ws.pos0.subarray(0, R);
    for (let i = 0; i < R; i++) {
      rowIds[i] = rows[i];
      pos0[i] = cache.lengths[rows[i]];
      for (let t = 0; t < T; t++) pos[i * T + t] = pos0[i] + t;
    }
    let x = ws.x.subarray(0, N * C);
    let out = ws.out.subarray(0, N * C);
    be.embeddingForward(x, m.embed.data, tokens, C);
    const rope = { pos, cos: m.rope.cos, sin: m.rope.sin };
    const scale = 1 / Math.sqrt(HS);
    const wt = cache.transposed;
    const lin: LinearFn | undefined = wt
      ? (y, xs, w, n, inF, outF, beta = 0) => {
          const b = wt.get(w);
          if (b) be.matmul({ a: xs, b, c: y, m: n, n: outF, k: inF, transA: false, transB: false, beta });
          else linear(be, y, xs, w.data, n, inF, outF, beta);
        }
      : undefined;
    for (let l = 0; l < c.numLayers; l++) {
      // one kernel call per layer for every row (own lengths): appends the new keys and values, then attends
      const attend = (a: LayerActs): void =>
        be.attentionDecode({
          q: a.q,
          k: a.k,
          v: a.v,
          kCache: cache.k[l],
          vCache: cache.v[l],
          out: a.att,
          rows: rowIds,
          pos0,
          R,
          T,
          batch: cache.batch,
          capacity: cache.capacity,
          NH: c.numHeads,
          NKV: c.numKvHeads,
          HS,
          scale,
        });
      layerForward(be, c, m.layers[l], x, out, ws.acts, 1, N, rope, null, attend, lin);
      const t = x;
      x = out;
      out = t;
    }
    for (const r of rows) cache.lengths[r] += T;
    // final norm and LM head only for each row's last token
    if (this.last.rstd.length < R) {
      this.last = { x: new Float32Array(R * C), xn: new Float32Array(R * C), rstd: new Float32Array(R) };
    }
    let lx = x;
    if (T > 1) {
      lx = this.last.x.subarray(0, R * C);
      for (let i = 0; i < R; i++) lx.set(x.subarray((i * T + T - 1) * C, (i * T + T) * C), i * C);
    }
    const lxn = this.last.xn.subarray(0, R * C);
    be.rmsnormForward(lxn, this.last.rstd, lx, m.norm.data, R, C, c.rmsNormEps);
    const logits = new Float32Array(R * V);
    // one row streams the [V, C] head better (a [C, V] one has too little work per fetched line)
    const headT = R > 1 ? wt?.get(m.head) : undefined;
    if (headT) be.matmul({ a: lxn, b: headT, c: logits, m: R, n: V, k: C, transA: false, transB: false });
    else linear(be, logits, lxn, m.head.data, R, C, V);
    return logits;
  }
}
