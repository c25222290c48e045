// The Llama-family CausalLM (Llama, Mistral, Qwen2) on an engine Backend: full-batch logits, masked
// token log-probs with activations kept for backward (optionally recomputed per block), and the
// KV-cache decode (decode.ts). Not checkpoint IO (io/). Follows HF LlamaForCausalLM and llm.c's train loop.
import type { Backend } from "../../engine/index.js";
import { ShapeError } from "../../util/errors.js";
import type { CausalLM, KVCache, LlamaConfig, Parameter, TokenBatch } from "../causal-lm.js";
import { type Checkpoint, checkCheckpoint, parameterShapes } from "../checkpoint.js";
import { Decoder } from "./decode.js";
import {
  allocActs,
  allocGradScratch,
  type LayerActs,
  type LayerWeights,
  layerBackward,
  layerForward,
  linear,
} from "./layer.js";
import { RopeTables } from "./rope.js";

export interface LlamaOptions {
  /** keep only each block's input during training and recompute the block in backward (less memory) */
  recompute?: boolean;
  /** rows of logits computed at once by the LM head in training (bounds the [rows, V] buffer) */
  headChunkRows?: number;
  /** use the checkpoint's arrays as the parameters instead of copying them (halves peak memory at load) */
  adoptWeights?: boolean;
  /** Linear weights (floats) up to which each KV cache keeps [in, out] copies for decoding (decode.ts);
   * default 4M (16 MB), 0 = never */
  decodeTransposedMaxFloats?: number;
}

interface TrainState {
  batch: TokenBatch;
  pos: Int32Array;
  /** residual stream at each block input, [L+1][N*C]; [L] is the final block output */
  xs: Float32Array[];
  acts: LayerActs[];
  rstdf: Float32Array;
  xf: Float32Array;
  /** rows (b*T+t) whose next-token log-prob is taken, their targets, and the head's log-sum-exp */
  rows: Int32Array;
  targets: Int32Array;
  lse: Float32Array;
}

export class LlamaModel implements CausalLM {
  readonly config: LlamaConfig;
  readonly backend: Backend;
  readonly embed: Parameter;
  readonly norm: Parameter;
  /** the LM head: lm_head.weight, or the embedding when tied */
  readonly head: Parameter;
  readonly layers: LayerWeights[];
  readonly rope: RopeTables;
  private readonly params: Parameter[];
  private readonly recompute: boolean;
  private readonly headChunkRows: number;
  private train: TrainState | null = null;
  private readonly decoder: Decoder;

  constructor(ck: Checkpoint, backend: Backend, opts: LlamaOptions = {}) {
    checkCheckpoint(ck, "model");
    this.config = ck.config;
    this.backend = backend;
    this.recompute = opts.recompute ?? false;
    this.headChunkRows = opts.headChunkRows ?? Math.max(1, Math.floor(4_194_304 / ck.config.vocabSize));
    const byName = new Map<string, Parameter>();
    this.params = parameterShapes(ck.config).map(([name, shape]) => {
      const t = ck.tensors.get(name);
      // checkCheckpoint guarantees presence; copy so the model owns its weights
      const p: Parameter = {
        name,
        shape,
        data: t ? new Float32Array(t.data) : new Float32Array(0),
        grad: null,
      };
      byName.set(name, p);
      return p;
    });
    const get = (n: string): Parameter => byName.get(n) as Parameter;
    const opt = (n: string): Parameter | null => byName.get(n) ?? null;
    this.embed = get("model.embed_tokens.weight");
    this.norm = get("model.norm.weight");
    this.head = ck.config.tieWordEmbeddings ? this.embed : get("lm_head.weight");
    this.layers = [];
    for (let l = 0; l < ck.config.numLayers; l++) {
      const p = `model.layers.${l}.`;
      this.layers.push({
        ln1: get(`${p}input_layernorm.weight`),
        wq: get(`${p}self_attn.q_proj.weight`),
        wk: get(`${p}self_attn.k_proj.weight`),
        wv: get(`${p}self_attn.v_proj.weight`),
        bq: opt(`${p}self_attn.q_proj.bias`),
        bk: opt(`${p}self_attn.k_proj.bias`),
        bv: opt(`${p}self_attn.v_proj.bias`),
        wo: get(`${p}self_attn.o_proj.weight`),
        ln2: get(`${p}post_attention_layernorm.weight`),
        wg: get(`${p}mlp.gate_proj.weight`),
        wu: get(`${p}mlp.up_proj.weight`),
        wd: get(`${p}mlp.down_proj.weight`),
      });
    }
    this.rope = new RopeTables(ck.config);
    this.decoder = new Decoder(this, opts.decodeTransposedMaxFloats);
  }

  parameters(): Parameter[] {
    return this.params;
  }

  /** The current weights as a Checkpoint (shares the parameter arrays; no copy). */
  checkpoint(): Checkpoint {
    return {
      config: this.config,
      tensors: new Map(this.params.map((p) => [p.name, { shape: p.shape, data: p.data }])),
    };
  }

  private checkBatch(batch: TokenBatch, what: string): void {
    const { B, T, tokens, mask } = batch;
    if (!(B > 0 && T > 0) || tokens.length !== B * T || mask.length !== B * T) {
      throw new ShapeError(`${what}: batch B=${B} T=${T} needs tokens and mask of length ${B * T}`);
    }
    const V = this.config.vocabSize;
    for (let i = 0; i < tokens.length; i++) {
      if (mask[i] && (tokens[i] < 0 || tokens[i] >= V)) {
        throw new ShapeError(
          `${what}: token ${tokens[i]} at [${Math.floor(i / T)}, ${i % T}] is outside the vocabulary (${V})`,
        );
      }
    }
  }

  /** Embedding + blocks + final norm; returns the normed hidden states [N, C]. */
  private forwardTrunk(
    batch: TokenBatch,
    keep: boolean,
  ): { xf: Float32Array; st: Omit<TrainState, "rows" | "targets" | "lse"> } {
    const c = this.config;
    const be = this.backend;
    const { B, T } = batch;
    const N = B * T;
    const C = c.hiddenSize;
    this.rope.ensure(T);
    const pos = new Int32Array(N);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) pos[b * T + t] = t;
    // padding tokens may be any id; embed a valid one (their rows never reach a real query)
    const ids = new Int32Array(N);
    for (let i = 0; i < N; i++) ids[i] = batch.mask[i] ? batch.tokens[i] : 0;
    const keepAll = keep && !this.recompute;
    const xs: Float32Array[] = [];
    const acts: LayerActs[] = [];
    const scratch = keepAll ? null : allocActs(c, B, T);
    let x = new Float32Array(N * C);
    be.embeddingForward(x, this.embed.data, ids, C);
    const rope = { pos, cos: this.rope.cos, sin: this.rope.sin };
    // inference ping-pongs two residual buffers; training keeps every block input
    let spare = keep ? null : new Float32Array(N * C);
    for (let l = 0; l < c.numLayers; l++) {
      const a = scratch ?? allocActs(c, B, T);
      const out = spare ?? new Float32Array(N * C);
      layerForward(be, c, this.layers[l], x, out, a, B, T, rope, batch.mask);
      if (keep) xs.push(x);
      else spare = x;
      if (keepAll) acts.push(a);
      x = out;
    }
    xs.push(x);
    const rstdf = new Float32Array(N);
    const xf = new Float32Array(N * C);
    be.rmsnormForward(xf, rstdf, x, this.norm.data, N, C, c.rmsNormEps);
    return { xf, st: { batch, pos, xs, acts, rstdf, xf } };
  }

  /**
   * Final-normed hidden states [B, T, C] (sequence-classification heads read these). With `train` the
   * activations are kept for `backwardHidden`; otherwise no state is kept.
   */
  hiddenStates(batch: TokenBatch, train = false): Float32Array {
    this.checkBatch(batch, "hiddenStates");
    this.train = null;
    const { xf, st } = this.forwardTrunk(batch, train);
    if (train)
      this.train = { ...st, rows: new Int32Array(0), targets: new Int32Array(0), lse: new Float32Array(0) };
    return xf;
  }

  /** Backward from d(loss)/d(final-normed hidden states) [B, T, C] of the last `hiddenStates(batch, true)`. */
  backwardHidden(dHidden: Float32Array): void {
    const st = this.train;
    if (!st) throw new ShapeError("backwardHidden: call hiddenStates(batch, true) first");
    const N = st.batch.B * st.batch.T;
    if (dHidden.length !== N * this.config.hiddenSize) {
      throw new ShapeError(
        `backwardHidden: dHidden has ${dHidden.length} entries, expected B*T*C = ${N * this.config.hiddenSize}`,
      );
    }
    this.backwardTrunk(st, dHidden);
  }

  logits(batch: TokenBatch): Float32Array {
    this.checkBatch(batch, "logits");
    const { xf } = this.forwardTrunk(batch, false);
    const N = batch.B * batch.T;
    const out = new Float32Array(N * this.config.vocabSize);
    linear(this.backend, out, xf, this.head.data, N, this.config.hiddenSize, this.config.vocabSize);
    return out;
  }

  tokenLogprobs(batch: TokenBatch, lossMask: Uint8Array, train: boolean): Float32Array {
    this.checkBatch(batch, "tokenLogprobs");
    const { B, T } = batch;
    if (lossMask.length !== B * T)
      throw new ShapeError(`tokenLogprobs: lossMask has ${lossMask.length} entries, expected ${B * T}`);
    const c = this.config;
    const be = this.backend;
    const C = c.hiddenSize;
    const V = c.vocabSize;
    this.train = null;
    const { xf, st } = this.forwardTrunk(batch, train);
    // only rows whose next token is scored go through the LM head (prompts and padding skip the V-wide matmul)
    const sel: number[] = [];
    for (let b = 0; b < B; b++)
      for (let t = 0; t + 1 < T; t++) if (lossMask[b * T + t + 1]) sel.push(b * T + t);
    const rows = Int32Array.from(sel);
    const targets = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) targets[i] = batch.tokens[rows[i] + 1];
    const lse = new Float32Array(rows.length);
    const logp = new Float32Array(rows.length);
    const chunk = this.headChunkRows;
    const xsel = new Float32Array(Math.min(chunk, rows.length) * C);
    const logits = new Float32Array(Math.min(chunk, rows.length) * V);
    for (let r0 = 0; r0 < rows.length; r0 += chunk) {
      const n = Math.min(chunk, rows.length - r0);
      for (let i = 0; i < n; i++) xsel.set(xf.subarray(rows[r0 + i] * C, (rows[r0 + i] + 1) * C), i * C);
      linear(be, logits, xsel, this.head.data, n, C, V);
      be.logSoftmaxGatherForward(
        logp.subarray(r0, r0 + n),
        lse.subarray(r0, r0 + n),
        logits,
        targets.subarray(r0, r0 + n),
        n,
        V,
      );
    }
    const out = new Float32Array(B * (T - 1));
    for (let i = 0; i < rows.length; i++) {
      const b = Math.floor(rows[i] / T);
      out[b * (T - 1) + (rows[i] % T)] = logp[i];
    }
    if (train) this.train = { ...st, rows, targets, lse };
    return out;
  }

  backward(dlogprobs: Float32Array): void {
    const st = this.train;
    if (!st) throw new ShapeError("backward: call tokenLogprobs(batch, lossMask, true) first");
    const { B, T } = st.batch;
    if (dlogprobs.length !== B * (T - 1)) {
      throw new ShapeError(
        `backward: dlogprobs has ${dlogprobs.length} entries, expected B*(T-1) = ${B * (T - 1)}`,
      );
    }
    const c = this.config;
    const be = this.backend;
    const C = c.hiddenSize;
    const V = c.vocabSize;
    const N = B * T;
    const grad = (p: Parameter): Float32Array => {
      if (!p.grad) p.grad = new Float32Array(p.data.length);
      return p.grad;
    };
    // LM head, chunk by chunk, recomputing the logits it did not keep
    const dxf = new Float32Array(N * C);
    const { rows, targets, lse } = st;
    const chunk = this.headChunkRows;
    const cap = Math.min(chunk, rows.length);
    const xsel = new Float32Array(cap * C);
    const dxsel = new Float32Array(cap * C);
    const logits = new Float32Array(cap * V);
    const dlogits = new Float32Array(cap * V);
    const dlp = new Float32Array(cap);
    for (let r0 = 0; r0 < rows.length; r0 += chunk) {
      const n = Math.min(chunk, rows.length - r0);
      for (let i = 0; i < n; i++) {
        const r = rows[r0 + i];
        xsel.set(st.xf.subarray(r * C, (r + 1) * C), i * C);
        dlp[i] = dlogprobs[Math.floor(r / T) * (T - 1) + (r % T)];
      }
      linear(be, logits, xsel, this.head.data, n, C, V);
      dlogits.fill(0);
      be.logSoftmaxGatherBackward(
        dlogits,
        dlp,
        logits,
        lse.subarray(r0, r0 + n),
        targets.subarray(r0, r0 + n),
        n,
        V,
      );
      be.matmul({
        a: dlogits,
        b: this.head.data,
        c: dxsel,
        m: n,
        n: C,
        k: V,
        transA: false,
        transB: false,
        beta: 0,
      });
      be.matmul({
        a: dlogits,
        b: xsel,
        c: grad(this.head),
        m: V,
        n: C,
        k: n,
        transA: true,
        transB: false,
        beta: 1,
      });
      for (let i = 0; i < n; i++) {
        const r = rows[r0 + i];
        for (let j = 0; j < C; j++) dxf[r * C + j] += dxsel[i * C + j];
      }
    }
    this.backwardTrunk(st, dxf);
  }

  /** Final norm, blocks and embedding backward from d(normed hidden) [N, C]; accumulates into Parameter.grad. */
  private backwardTrunk(st: TrainState, dxf: Float32Array): void {
    const c = this.config;
    const be = this.backend;
    const C = c.hiddenSize;
    const { B, T } = st.batch;
    const N = B * T;
    const grad = (p: Parameter): Float32Array => {
      if (!p.grad) p.grad = new Float32Array(p.data.length);
      return p.grad;
    };
    const L = c.numLayers;
    const dx = new Float32Array(N * C);
    be.rmsnormBackward(dx, grad(this.norm), dxf, st.xs[L], this.norm.data, st.rstdf, N, C);
    const scratch = allocGradScratch(c, N);
    const rope = { pos: st.pos, cos: this.rope.cos, sin: this.rope.sin };
    const re = st.acts.length === 0 ? allocActs(c, B, T) : null;
    const reOut = re ? new Float32Array(N * C) : null;
    for (let l = L - 1; l >= 0; l--) {
      let a: LayerActs;
      if (re && reOut) {
        layerForward(be, c, this.layers[l], st.xs[l], reOut, re, B, T, rope, st.batch.mask);
        a = re;
      } else a = st.acts[l];
      layerBackward(be, c, this.layers[l], st.xs[l], a, scratch, dx, B, T, rope, st.batch.mask);
    }
    const ids = new Int32Array(N);
    // padding rows carry gradient only from their own (unused) outputs, which is zero; skip them anyway
    for (let i = 0; i < N; i++) {
      ids[i] = st.batch.mask[i] ? st.batch.tokens[i] : 0;
      if (!st.batch.mask[i]) dx.fill(0, i * C, (i + 1) * C);
    }
    be.embeddingBackward(grad(this.embed), dx, ids, C);
  }

  newCache(batch: number, capacity: number): KVCache {
    return this.decoder.newCache(batch, capacity);
  }

  copyCacheRow(cache: KVCache, from: number, to: number[]): void {
    this.decoder.copyRow(cache, from, to);
  }

  decode(cache: KVCache, rows: number[], tokens: Int32Array, T: number): Float32Array {
    return this.decoder.decode(cache, rows, tokens, T);
  }
}
