// A toy CausalLM for generator tests (not a test file): its logits are a deterministic function of each
// row's whole token history, which it keeps per cache row, so a wrong prefix copy, position or row mix-up
// changes the output. It counts decode calls and tokens fed.
import type { DecodingModel } from "../../src/generate/index.js";
import type { KVCache, LlamaConfig } from "../../src/models/index.js";

interface ToyCache extends KVCache {
  history: number[][];
}

export class ToyLM implements DecodingModel {
  readonly config: LlamaConfig;
  decodeCalls = 0;
  tokensFed = 0;
  rowsPerCall: number[] = [];

  constructor(vocabSize: number, opts: { eos?: number; ctx?: number; peak?: number } = {}) {
    this.config = {
      modelType: "llama",
      vocabSize,
      hiddenSize: 8,
      intermediateSize: 8,
      numLayers: 1,
      numHeads: 1,
      numKvHeads: 1,
      headDim: 8,
      rmsNormEps: 1e-5,
      ropeTheta: 10000,
      ropeLayout: "half",
      ropeScaling: null,
      maxPositionEmbeddings: opts.ctx ?? 256,
      tieWordEmbeddings: true,
      attentionBias: false,
      bosTokenId: 1,
      eosTokenIds: [opts.eos ?? 2],
    };
    this.peak = opts.peak ?? 3;
  }
  private readonly peak: number;

  newCache(batch: number, capacity: number): ToyCache {
    return {
      batch,
      capacity,
      lengths: new Int32Array(batch),
      history: Array.from({ length: batch }, () => []),
    };
  }

  copyCacheRow(cache: KVCache, from: number, to: number[]): void {
    const c = cache as ToyCache;
    for (const t of to) {
      c.history[t] = [...(c.history[from] as number[])];
      c.lengths[t] = c.lengths[from] as number;
    }
  }

  /** Logits of the next token after `history`: a hash-seeded spread, sharpened by `peak`. */
  logitsOf(history: number[], out: Float32Array): void {
    let h = 2166136261;
    for (const t of history) h = Math.imul(h ^ t, 16777619) >>> 0;
    for (let v = 0; v < out.length; v++) {
      const x = Math.imul(h ^ Math.imul(v + 1, 0x9e3779b1), 0x85ebca6b) >>> 0;
      out[v] = (x / 4294967296) * this.peak;
    }
  }

  decode(cache: KVCache, rows: number[], tokens: Int32Array, T: number): Float32Array {
    const c = cache as ToyCache;
    const V = this.config.vocabSize;
    const out = new Float32Array(rows.length * V);
    this.decodeCalls++;
    this.rowsPerCall.push(rows.length);
    rows.forEach((r, k) => {
      const hist = c.history[r] as number[];
      for (let t = 0; t < T; t++) hist.push(tokens[k * T + t] as number);
      if (hist.length > c.capacity)
        throw new Error(`row ${r} overflows the cache (${hist.length} > ${c.capacity})`);
      c.lengths[r] = hist.length;
      this.tokensFed += T;
      this.logitsOf(hist, out.subarray(k * V, (k + 1) * V));
    });
    return out;
  }
}
