// A scalar reward model on the engine: a Llama-family trunk (its final-normed hidden states) + a linear head
// `score.weight` [1, C] without bias, read at chosen positions (the last non-pad token for a sequence score,
// or two candidate ends for the pairwise variant). Loads a causal-LM backbone (GGUF or HF folder) or a saved
// reward model; saves transformers' LlamaForSequenceClassification layout. Not the losses or the loop.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Backend, getBackend } from "../engine/index.js";
import {
  type Checkpoint,
  configFromHf,
  type GgufMetadata,
  configToHf,
  hfTensors,
  LlamaModel,
  loadModel,
  readGgufHeader,
  loadWeights,
  type Parameter,
  parameterShapes,
  saveGguf,
  type TokenBatch,
  tokenizerFileNames,
  writeSafetensors,
} from "../models/index.js";
import { loadTextAssetsFromFolder, type TextAssets, textAssetsFromGguf } from "../text/index.js";
import { writeFileAtomic } from "../train/index.js";
import { ModelError } from "../util/errors.js";

export type RmHead = "sequence" | "pairwise";

export class RewardModel {
  readonly score: Parameter;
  private kept: { positions: Int32Array; hidden: Float32Array; T: number; B: number } | null = null;

  constructor(
    readonly trunk: LlamaModel,
    score: Float32Array,
    readonly assets: TextAssets,
    /** "sequence": one reward per text; "pairwise": logit = score(left end) − score(right end) */
    readonly head: RmHead = "sequence",
    /** where the tokenizer came from: files to copy into a saved folder, or GGUF metadata to write beside it */
    readonly tokenizerSource: { files: string[] } | { raw: GgufMetadata } = { files: [] },
  ) {
    const C = trunk.config.hiddenSize;
    if (score.length !== C)
      throw new ModelError(`score.weight has ${score.length} entries, expected [1, ${C}]`);
    this.score = { name: "score.weight", shape: [1, C], data: score, grad: null };
  }

  get hiddenSize(): number {
    return this.trunk.config.hiddenSize;
  }

  /** Trunk parameters (HF names, no lm_head) then score.weight. */
  parameters(): Parameter[] {
    return [...this.trunk.parameters(), this.score];
  }

  /** Rewards at flattened positions (b·T + t) of a right-padded batch; `train` keeps what backward needs. */
  rewardsAt(batch: TokenBatch, positions: Int32Array, train: boolean): Float32Array {
    const C = this.hiddenSize;
    const x = this.trunk.hiddenStates(batch, train);
    const w = this.score.data;
    const out = new Float32Array(positions.length);
    for (let i = 0; i < positions.length; i++) {
      const off = positions[i] * C;
      let s = 0;
      for (let j = 0; j < C; j++) s += x[off + j] * w[j];
      out[i] = s;
    }
    this.kept = train ? { positions, hidden: x, T: batch.T, B: batch.B } : null;
    return out;
  }

  /** Accumulate parameter gradients from d(loss)/d(rewards) of the last training `rewardsAt`. */
  backward(dRewards: ArrayLike<number>): void {
    const k = this.kept;
    if (!k) throw new ModelError("RewardModel.backward: call rewardsAt(batch, positions, true) first");
    const C = this.hiddenSize;
    const w = this.score.data;
    this.score.grad ??= new Float32Array(C);
    const gw = this.score.grad;
    const dx = new Float32Array(k.B * k.T * C);
    for (let i = 0; i < k.positions.length; i++) {
      const off = k.positions[i] * C;
      const d = dRewards[i];
      for (let j = 0; j < C; j++) {
        gw[j] += d * k.hidden[off + j];
        dx[off + j] += d * w[j];
      }
    }
    this.trunk.backwardHidden(dx);
    this.kept = null;
  }

  /** Write an HF folder: config.json (…ForSequenceClassification, num_labels 1, pad_token_id), weights, tokenizer. */
  save(dir: string, extra: Record<string, unknown> = {}): void {
    mkdirSync(dir, { recursive: true });
    const c = this.trunk.config;
    const ck: Checkpoint = {
      config: c,
      tensors: new Map(this.trunk.parameters().map((p) => [p.name, { shape: p.shape, data: p.data }])),
    };
    const tensors = hfTensors(ck);
    tensors.set("score.weight", { shape: [1, this.hiddenSize], data: this.score.data });
    writeSafetensors(join(dir, "model.safetensors"), tensors, "F32");
    const hf = configToHf({ ...c, tieWordEmbeddings: false }, "float32");
    const base = String((hf.architectures as string[])[0]).replace(/ForCausalLM$/, "");
    const tok = this.assets.tokenizer;
    const config = {
      ...hf,
      architectures: [`${base}ForSequenceClassification`],
      num_labels: 1,
      id2label: { "0": "LABEL_0" },
      label2id: { LABEL_0: 0 },
      pad_token_id: tok.padId ?? tok.eosId ?? 0,
      prefloop_head: this.head,
      ...extra,
    };
    writeFileAtomic(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    const src = this.tokenizerSource;
    if ("files" in src) {
      for (const f of src.files) writeFileAtomic(join(dir, f.split("/").pop() ?? f), readFileSync(f));
    } else {
      // a SentencePiece GGUF vocabulary has no tokenizer.json: keep the trunk as model.gguf, which carries it
      saveGguf(this.trunk, join(dir, "model.gguf"), { metadata: src.raw });
    }
  }
}

function normal(seed: number, n: number, std: number): Float32Array {
  // HF initialises score.weight ~ N(0, initializer_range); a seeded Box–Muller keeps runs reproducible
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Trunk config and weights without an LM head (the score head replaces it). */
export function trunkOf(
  config: LlamaModel["config"],
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  backend: Backend,
): LlamaModel {
  const cfg = { ...config, tieWordEmbeddings: true };
  const names = new Set(parameterShapes(cfg).map(([n]) => n));
  return new LlamaModel(
    { config: cfg, tensors: new Map([...tensors].filter(([n]) => names.has(n))) },
    backend,
    {
      adoptWeights: true,
    },
  );
}

export interface LoadRmOptions {
  backend?: Backend;
  head?: RmHead;
  /** seed of the fresh head's N(0, 0.02) init */
  seed?: number;
}

/**
 * A reward model from `path`: a saved reward model folder (…ForSequenceClassification: head kept), or a
 * causal-LM backbone (a .gguf file or an HF folder: fresh head).
 */
export async function loadRewardModel(path: string, o: LoadRmOptions = {}): Promise<RewardModel> {
  const backend = o.backend ?? getBackend();
  const cfgPath = join(path, "config.json");
  const raw = existsSync(cfgPath)
    ? (JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>)
    : null;
  const arch = raw && Array.isArray(raw.architectures) ? String(raw.architectures[0]) : "";
  if (raw && /ForSequenceClassification$/.test(arch)) {
    const config = configFromHf(raw, cfgPath);
    const { tensors } = loadWeights(path);
    const score = tensors.get("score.weight");
    if (score?.shape[0] !== 1 || !score) throw new ModelError(`${path}: score.weight [1, C] is missing`);
    const trunk = trunkOf(config, tensors, backend);
    const head: RmHead = raw.prefloop_head === "pairwise" ? "pairwise" : "sequence";
    const gguf = join(path, "model.gguf");
    if (!existsSync(join(path, "tokenizer.json")) && existsSync(gguf)) {
      const rawMeta = readGgufHeader(gguf).metadata;
      const meta = new Map([...rawMeta].map(([k, e]) => [k, e.value]));
      return new RewardModel(trunk, Float32Array.from(score.data), textAssetsFromGguf(meta, gguf), head, {
        raw: rawMeta,
      });
    }
    const files = tokenizerFileNames.map((f) => join(path, f)).filter((f) => existsSync(f));
    return new RewardModel(trunk, Float32Array.from(score.data), await loadTextAssetsFromFolder(path), head, {
      files,
    });
  }
  const lm = loadModel(path, { backend });
  const ck = new Map(lm.model.parameters().map((p) => [p.name, { shape: p.shape, data: p.data }]));
  const trunk = trunkOf(lm.model.config, ck, backend);
  const score = normal(o.seed ?? 0, trunk.config.hiddenSize, 0.02);
  const src = lm.tokenizer;
  if (src.kind === "gguf") {
    const meta = new Map([...src.raw].map(([k, e]) => [k, e.value]));
    return new RewardModel(trunk, score, textAssetsFromGguf(meta, src.path), o.head, { raw: src.raw });
  }
  if (src.kind === "hf") {
    return new RewardModel(trunk, score, await loadTextAssetsFromFolder(src.folder), o.head, {
      files: src.files.map((f) => (f.includes("/") ? f : join(src.folder, f))),
    });
  }
  throw new ModelError(`${path}: the backbone has no tokenizer (tokenizer.json or GGUF tokenizer metadata)`);
}

/**
 * A randomly initialised reward model (HF's init: N(0, 0.02) weights, unit norms) on `config`: the documented
 * small backbone when no pretrained one fits (tests, synthetic tasks, the UltraFeedback baseline).
 */
export function randomRewardModel(
  config: LlamaModel["config"],
  assets: TextAssets,
  seed = 0,
  backend: Backend = getBackend(),
): RewardModel {
  const cfg = { ...config, tieWordEmbeddings: true };
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let k = 1;
  for (const [name, shape] of parameterShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = name.endsWith("norm.weight")
      ? new Float32Array(n).fill(1)
      : normal(seed * 7919 + k, n, 0.02);
    tensors.set(name, { shape, data });
    k++;
  }
  return new RewardModel(trunkOf(cfg, tensors, backend), normal(seed * 7919, cfg.hiddenSize, 0.02), assets);
}
