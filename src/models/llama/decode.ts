// KV-cache decoding for LlamaModel: each cache row is an independent sequence with its own length;
// decode feeds T new tokens to a set of rows and returns the logits of each row's last token.
// Not sampling (src/generate). The generation hot loop: workspaces grow once and are reused, per call
// only array views and the returned logits are allocated. Cache layout per layer: [batch, capacity, NKV*HS].
import { ShapeError } from "../../util/errors.js";
import type { KVCache } from "../causal-lm.js";
import { allocActs, type LayerActs, layerForward, linear } from "./layer.js";
import type { LlamaModel } from "./model.js";

export class LlamaCache implements KVCache {
  readonly lengths: Int32Array;
  readonly k: Float32Array[];
  readonly v: Float32Array[];
  constructor(
    readonly owner: LlamaModel,
    readonly batch: number,
    readonly capacity: number,
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
  ids: Int32Array;
}

export class Decoder {
  private ws: Workspace | null = null;
  private last = { x: new Float32Array(0), xn: new Float32Array(0), rstd: new Float32Array(0) };

  constructor(private readonly model: LlamaModel) {}

  newCache(batch: number, capacity: number): LlamaCache {
    if (!(Number.isInteger(batch) && batch > 0 && Number.isInteger(capacity) && capacity > 0)) {
      throw new ShapeError(`newCache: batch ${batch} and capacity ${capacity} must be positive integers`);
    }
    return new LlamaCache(this.model, batch, capacity);
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
    const row = cache.capacity * c.numKvHeads * c.headDim;
    const used = cache.lengths[from] * c.numKvHeads * c.headDim;
    for (const r of [from, ...to]) {
      if (!(r >= 0 && r < cache.batch))
        throw new ShapeError(`copyCacheRow: row ${r} outside the cache (batch ${cache.batch})`);
    }
    for (const r of to) {
      if (r === from) continue;
      for (let l = 0; l < c.numLayers; l++) {
        cache.k[l].copyWithin(r * row, from * row, from * row + used);
        cache.v[l].copyWithin(r * row, from * row, from * row + used);
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
        ids: new Int32Array(rows),
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
    const qd = c.numHeads * HS;
    const kvd = c.numKvHeads * HS;
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
    for (let i = 0; i < R; i++) for (let t = 0; t < T; t++) pos[i * T + t] = cache.lengths[rows[i]] + t;
    let x = ws.x.subarray(0, N * C);
    let out = ws.out.subarray(0, N * C);
    be.embeddingForward(x, m.embed.data, tokens, C);
    const rope = { pos, cos: m.rope.cos, sin: m.rope.sin };
    const scale = 1 / Math.sqrt(HS);
    for (let l = 0; l < c.numLayers; l++) {
      const kc = cache.k[l];
      const vc = cache.v[l];
      const attend = (a: LayerActs): void => {
        const row = cache.capacity * kvd;
        for (let i = 0; i < R; i++) {
          const base = (rows[i] * cache.capacity + cache.lengths[rows[i]]) * kvd;
          kc.set(a.k.subarray(i * T * kvd, (i + 1) * T * kvd), base);
          vc.set(a.v.subarray(i * T * kvd, (i + 1) * T * kvd), base);
        }
        // one kernel call per run of consecutive cache rows of equal length (n samples of one prompt
        // are such a run), so the thread pool is entered once per run, not once per row
        for (let i = 0; i < R; ) {
          const r = rows[i];
          const len = cache.lengths[r];
          let n = 1;
          while (i + n < R && rows[i + n] === r + n && cache.lengths[r + n] === len) n++;
          be.attentionForward({
            q: a.q.subarray(i * T * qd, (i + n) * T * qd),
            k: kc.subarray(r * row, (r + n) * row),
            v: vc.subarray(r * row, (r + n) * row),
            out: a.att.subarray(i * T * qd, (i + n) * T * qd),
            lse: a.lse.subarray(0, n * c.numHeads * T),
            B: n,
            Tq: T,
            Tk: len + T,
            kStride: cache.capacity,
            NH: c.numHeads,
            NKV: c.numKvHeads,
            HS,
            qPos0: len,
            keyMask: null,
            scale,
          });
          i += n;
        }
      };
      layerForward(be, c, m.layers[l], x, out, ws.acts, 1, N, rope, null, attend);
      const t = x;
      x = out;
      out = t;
    }
    for (const r of rows) cache.lengths[r] += T;
    // final norm and LM head only for each row's last token
    if (this.last.rstd.length < R) {
      this.last = { x: new Float32Array(R * C), xn: new Float32Array(R * C), rstd: new Float32Array(R) };
    }
    const lx = this.last.x.subarray(0, R * C);
    const lxn = this.last.xn.subarray(0, R * C);
    for (let i = 0; i < R; i++) lx.set(x.subarray((i * T + T - 1) * C, (i * T + T) * C), i * C);
    be.rmsnormForward(lxn, this.last.rstd, lx, m.norm.data, R, C, c.rmsNormEps);
    const logits = new Float32Array(R * V);
    linear(be, logits, lxn, m.head.data, R, C, V);
    return logits;
  }
}
