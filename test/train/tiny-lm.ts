// A test double for the trainer: a bigram language model (logits = E[token] · Wᵀ) implementing CausalLM
// with exact forward/backward in plain TS. Small enough that trainer tests run in milliseconds; the
// Llama model is exercised separately against PyTorch goldens.
import type { CausalLM, KVCache, LlamaConfig, Parameter, TokenBatch } from "../../src/models/causal-lm.js";
import { Rng } from "../../src/train/index.js";

export class BigramLM implements CausalLM {
  readonly config: LlamaConfig;
  readonly params: Parameter[];
  private saved: { batch: TokenBatch; lossMask: Uint8Array; probs: Float64Array } | null = null;
  /** counts calls by mode (tests of the reference cache) */
  calls = { train: 0, eval: 0 };
  /** return NaN log-probs on the n-th training forward (tests of the NaN guard) */
  nanAtTrainCall = -1;

  constructor(
    readonly V: number,
    readonly C: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const init = (n: number, s: number) =>
      Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * s);
    this.params = [
      { name: "model.embed_tokens.weight", shape: [V, C], data: init(V * C, 0.5), grad: null },
      { name: "model.layers.0.self_attn.q_proj.weight", shape: [V, C], data: init(V * C, 0.5), grad: null },
    ];
    this.config = {
      modelType: "llama",
      vocabSize: V,
      hiddenSize: C,
      intermediateSize: C,
      numLayers: 1,
      numHeads: 1,
      numKvHeads: 1,
      headDim: C,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      ropeLayout: "half",
      ropeScaling: null,
      maxPositionEmbeddings: 4096,
      tieWordEmbeddings: false,
      attentionBias: false,
      bosTokenId: 1,
      eosTokenIds: [2],
    };
  }

  parameters(): Parameter[] {
    return this.params;
  }

  logits(batch: TokenBatch): Float32Array {
    const { V, C } = this;
    const [E, W] = [this.params[0].data, this.params[1].data];
    const out = new Float32Array(batch.B * batch.T * V);
    for (let i = 0; i < batch.B * batch.T; i++) {
      const e = batch.tokens[i] * C;
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += E[e + c] * W[v * C + c];
        out[i * V + v] = s;
      }
    }
    return out;
  }

  tokenLogprobs(batch: TokenBatch, lossMask: Uint8Array, train: boolean): Float32Array {
    if (train) this.calls.train++;
    else this.calls.eval++;
    const { B, T } = batch;
    const V = this.V;
    const logits = this.logits(batch);
    const probs = new Float64Array(B * T * V);
    const out = new Float32Array(B * (T - 1));
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T - 1; t++) {
        if (!lossMask[b * T + t + 1]) continue;
        const off = (b * T + t) * V;
        let mx = -Infinity;
        for (let v = 0; v < V; v++) mx = Math.max(mx, logits[off + v]);
        let z = 0;
        for (let v = 0; v < V; v++) z += Math.exp(logits[off + v] - mx);
        for (let v = 0; v < V; v++) probs[off + v] = Math.exp(logits[off + v] - mx) / z;
        out[b * (T - 1) + t] = logits[off + batch.tokens[b * T + t + 1]] - mx - Math.log(z);
      }
    }
    if (train && this.calls.train === this.nanAtTrainCall) out.fill(Number.NaN);
    this.saved = train ? { batch, lossMask, probs } : null;
    return out;
  }

  backward(dlogprobs: Float32Array): void {
    if (this.saved === null) throw new Error("backward without a training forward");
    const { batch, lossMask, probs } = this.saved;
    const { B, T } = batch;
    const { V, C } = this;
    const [pE, pW] = this.params;
    pE.grad ??= new Float32Array(pE.data.length);
    pW.grad ??= new Float32Array(pW.data.length);
    const dl = new Float64Array(V);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T - 1; t++) {
        if (!lossMask[b * T + t + 1]) continue;
        const g = dlogprobs[b * (T - 1) + t];
        if (g === 0) continue;
        const off = (b * T + t) * V;
        const target = batch.tokens[b * T + t + 1];
        for (let v = 0; v < V; v++) dl[v] = g * ((v === target ? 1 : 0) - probs[off + v]);
        const e = batch.tokens[b * T + t] * C;
        for (let v = 0; v < V; v++) {
          for (let c = 0; c < C; c++) {
            pW.grad[v * C + c] += dl[v] * pE.data[e + c];
            pE.grad[e + c] += dl[v] * pW.data[v * C + c];
          }
        }
      }
    }
  }

  newCache(): KVCache {
    throw new Error("not used by the trainer");
  }
  copyCacheRow(): void {
    throw new Error("not used by the trainer");
  }
  decode(): Float32Array {
    throw new Error("not used by the trainer");
  }
}

/** A tokenizer over "t<id>" words: encode("t5 t9") = [5, 9]; ids 0 pad, 1 bos, 2 eos. */
export const wordTokenizer = {
  vocabSize: 64,
  bosId: 1,
  eosId: 2,
  padId: 0,
  encode(text: string): number[] {
    return text
      .split(/\s+/)
      .filter((w) => w.length > 0)
      .map((w) => Number(w.slice(1)));
  },
  decode(ids: number[]): string {
    return ids.map((i) => `t${i}`).join(" ");
  },
  tokenText(id: number): string {
    return ` t${id}`;
  },
};
