// PairRM itself (llm-blender's DebertaV2PairRM, loaded by src/reward's PairRM) as a trainable reward model:
// the same rows and head as inference (reward/pairrm.ts headForward), the head's backward (Linear → tanh →
// Linear, source position fed by both halves) and the DeBERTa encoder's (models/deberta/backward.ts), and a
// save that `pairrm:<dir>` loads unchanged (model.safetensors under llm-blender's names + config + tokenizer).
// Not the loss (losses.ts pairwiseLoss = llm-blender's "instructgpt" loss) nor the loop (trainer.ts).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Backend, getBackend, linearBackward } from "../engine/index.js";
import {
  type DebertaGrads,
  debertaBackward,
  type LayerActs,
  type Parameter,
  writeSafetensors,
} from "../models/index.js";
import { PairRM, type PairrmBudget, rightPadRows } from "../reward/index.js";
import { writeFileAtomic } from "../train/index.js";
import { ModelError } from "../util/errors.js";

const prefix = "pretrained_model.";
const headNames = ["head_layer.1.weight", "head_layer.1.bias", "head_layer.4.weight", "head_layer.4.bias"];
/** tokenizer files of an llm-blender/PairRM folder, copied next to the fine-tuned weights when present */
const tokenizerFiles = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "spm.model",
];

/** Whether `path` is a PairRM folder (llm-blender's DebertaV2PairRM config or its ranker config). */
export function isPairrmFolder(path: string): boolean {
  const cfg = join(path, "config.json");
  if (!existsSync(cfg)) return false;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(cfg, "utf8")) as Record<string, unknown>;
  } catch {
    return false;
  }
  const arch = Array.isArray(raw.architectures) ? raw.architectures.map(String) : [];
  return arch.includes("DebertaV2PairRM") || "cand1_prefix_id" in raw;
}

interface Kept {
  ids: Int32Array;
  mask: Uint8Array;
  B: number;
  T: number;
  acts: LayerActs[];
  x: Float32Array;
  h: Float32Array;
  at: Array<[number, number, number]>;
}

export class PairrmRewardModel {
  readonly head = "pairrm" as const;
  private readonly encoderParams: Parameter[];
  private readonly headParams: Parameter[];
  private kept: Kept | null = null;

  constructor(readonly pairrm: PairRM) {
    const c = pairrm.encoder.config;
    const names = [
      "embeddings.word_embeddings.weight",
      "embeddings.LayerNorm.weight",
      "embeddings.LayerNorm.bias",
    ];
    if (c.positionBiasedInput) names.push("embeddings.position_embeddings.weight");
    names.push("encoder.rel_embeddings.weight");
    if (c.normRelEmbedding) names.push("encoder.LayerNorm.weight", "encoder.LayerNorm.bias");
    const layer = [
      "attention.self.query_proj",
      "attention.self.key_proj",
      "attention.self.value_proj",
      "attention.output.dense",
      "intermediate.dense",
      "output.dense",
    ].flatMap((m) => [`${m}.weight`, `${m}.bias`]);
    layer.push(
      ...["attention.output.LayerNorm", "output.LayerNorm"].flatMap((m) => [`${m}.weight`, `${m}.bias`]),
    );
    if (!c.shareAttKey) {
      if (c.c2p) layer.push("attention.self.pos_key_proj.weight", "attention.self.pos_key_proj.bias");
      if (c.p2c) layer.push("attention.self.pos_query_proj.weight", "attention.self.pos_query_proj.bias");
    }
    for (let l = 0; l < c.numLayers; l++) names.push(...layer.map((n) => `encoder.layer.${l}.${n}`));
    // the Parameters share their arrays with the encoder and head, so an optimiser step updates the model
    const param = (name: string): Parameter => {
      const t = pairrm.tensors.get(name);
      if (!t) throw new ModelError(`${pairrm.dir}: tensor "${name}" is missing`);
      return { name, shape: t.shape, data: t.data, grad: null };
    };
    this.encoderParams = names.map((n) => param(prefix + n));
    this.headParams = headNames.map(param);
  }

  static async load(
    dir: string,
    o: { backend?: Backend; budget?: PairrmBudget } = {},
  ): Promise<PairrmRewardModel> {
    return new PairrmRewardModel(
      await PairRM.load(dir, { backend: o.backend ?? getBackend(), budget: o.budget }),
    );
  }

  get backend(): Backend {
    return this.pairrm.encoder.backend;
  }

  get tasks(): number {
    return this.pairrm.tasks;
  }

  /** Encoder parameters (llm-blender names, "pretrained_model." prefix) then the head's. */
  parameters(): Parameter[] {
    return [...this.encoderParams, ...this.headParams];
  }

  encoderParameters(): Parameter[] {
    return this.encoderParams;
  }

  headParameters(): Parameter[] {
    return this.headParams;
  }

  /** The row (upstream collation) of (prompt, left, right), and its mirror (right, left). */
  pairRows(prompt: string, left: string, right: string): [number[], number[]] {
    const [ab, ba] = this.pairrm.rows(
      prompt,
      [left, right],
      [
        [0, 1],
        [1, 0],
      ],
    );
    return [ab, ba];
  }

  /**
   * Head scores of token rows (pairRow layout), right-padded into one batch: [left_{b,t}…, right_{b,t}…]
   * (B·n_tasks each, pairwiseLoss's layout); logit_b = mean_t(left − right). `train` keeps what backward needs.
   */
  scoresOf(rows: number[][], train: boolean): Float32Array {
    const B = rows.length;
    const { ids, mask, T } = rightPadRows(rows);
    const acts: LayerActs[] = [];
    const { last } = this.pairrm.encoder.forward(ids, mask, B, T, false, train ? acts : undefined);
    const { x, h, y, at } = this.pairrm.headForward(last, rows, T);
    this.kept = train ? { ids, mask, B, T, acts, x, h, at } : null;
    return y;
  }

  /** Accumulates parameter gradients from d(loss)/d(scores) of the last training `scoresOf`. */
  backward(dScores: Float32Array): void {
    const k = this.kept;
    if (!k) throw new ModelError("PairrmRewardModel.backward: call scoresOf(rows, true) first");
    const { B, T } = k;
    const be = this.backend;
    const H = this.pairrm.encoder.config.hiddenSize;
    const n = this.tasks;
    const [gw1, gb1, gw2, gb2] = this.headParams.map((p) => {
      p.grad ??= new Float32Array(p.data.length);
      return p.grad;
    });
    const dh = new Float32Array(2 * B * H);
    linearBackward(be, dh, gw2, gb2, dScores, k.h, this.pairrm.w2, 2 * B, H, n);
    for (let i = 0; i < dh.length; i++) dh[i] *= 1 - k.h[i] * k.h[i];
    const dx = new Float32Array(2 * B * 2 * H);
    linearBackward(be, dx, gw1, gb1, dh, k.x, this.pairrm.w1, 2 * B, 2 * H, H);
    // x rows gathered [src; cand1] and [src; cand2]: scatter back, the source token receiving both halves
    const dLast = new Float32Array(B * T * H);
    k.at.forEach((p, b) => {
      const add = (pos: number, from: number) =>
        be.axpy(dLast.subarray((b * T + pos) * H), 1, dx.subarray(from), H);
      add(p[0], b * 2 * H);
      add(p[1], b * 2 * H + H);
      add(p[0], (B + b) * 2 * H);
      add(p[2], (B + b) * 2 * H + H);
    });
    const grads: DebertaGrads = new Map();
    for (const p of this.encoderParams) {
      p.grad ??= new Float32Array(p.data.length);
      grads.set(p.name.slice(prefix.length), p.grad);
    }
    debertaBackward(this.pairrm.encoder, k.ids, k.mask, B, T, k.acts, dLast, grads);
    this.kept = null;
  }

  /** After weights changed in place (optimiser step, LoRA merge, resume): refresh what the encoder caches. */
  afterUpdate(): void {
    this.pairrm.encoder.refreshRelative();
  }

  /** Writes a folder `pairrm:<dir>` loads: config.json, model.safetensors (every tensor), tokenizer files. */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeSafetensors(join(dir, "model.safetensors"), this.pairrm.tensors, "F32");
    const raw = this.pairrm.encoder.config.raw;
    const config = {
      ...raw,
      architectures: Array.isArray(raw.architectures) ? raw.architectures : ["DebertaV2PairRM"],
      prefloop_head: "pairrm",
      // the collation budgets it was trained with, so `pairrm:<dir>` reads the same rows
      source_maxlength: this.pairrm.budget.sourceMax,
      candidate_maxlength: this.pairrm.budget.candidateMax,
    };
    writeFileAtomic(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
    if (resolve(dir) === resolve(this.pairrm.dir)) return;
    for (const f of tokenizerFiles) {
      const src = join(this.pairrm.dir, f);
      if (existsSync(src)) writeFileAtomic(join(dir, f), readFileSync(src));
    }
  }
}
