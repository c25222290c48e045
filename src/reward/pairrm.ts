// PairRM (llm-blender/PairRM, DebertaV2PairRM) on the engine: the DeBERTa-v3 encoder, the head
// Linear(2H→H) → tanh → Linear(H→1) on [h_source; h_candidate] at the marker tokens of the last hidden layer,
// logit(A, B) = head(A) − head(B) (mean over tasks). Rows are batched by length with padding last.
// Not the aggregation (pairrm-aggregate.ts) nor the Ranker (pairrm-ranker.ts). Upstream: pair_ranker/pairrm.py.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Backend, getBackend, linearForward } from "../engine/index.js";
import { DebertaEncoder, loadDebertaFolder, type Tensor } from "../models/index.js";
import { HfTokenizer, loadTextAssetsFromFolder, specialTokenText } from "../text/index.js";
import { ModelError } from "../util/errors.js";
import {
  encodeCandidate,
  encodeSource,
  type PairrmBudget,
  type PairrmTokenIds,
  pairRow,
  upstreamBudget,
} from "./pairrm-input.js";

export interface PairrmOptions {
  backend?: Backend;
  budget?: PairrmBudget;
  /** rows per forward call (padding is trimmed to the longest row of each batch) */
  batchRows?: number;
}

export const pairrmMarkers = ["<|source|>", "<|candidate1|>", "<|candidate2|>"] as const;

export class PairRM {
  readonly encoder: DebertaEncoder;
  readonly ids: PairrmTokenIds;
  readonly budget: PairrmBudget;
  /** head_layer.1 (Linear 2H→H) and head_layer.4 (Linear H→n_tasks), shared with `tensors` */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  readonly tasks: number;
  private readonly batchRows: number;

  private constructor(
    encoder: DebertaEncoder,
    /** every tensor of the folder under its stored name; the encoder and head read (and training updates) these */
    readonly tensors: Map<string, Tensor>,
    ids: PairrmTokenIds,
    readonly encode: (text: string) => number[],
    opts: PairrmOptions,
    /** the folder it was loaded from (tokenizer files travel from here when a fine-tuned copy is saved) */
    readonly dir: string,
  ) {
    const source = dir;
    this.encoder = encoder;
    this.ids = ids;
    // a folder fine-tuned by `prefloop rm train` records the budgets it was trained with (llm-blender's names)
    const raw = encoder.config.raw;
    const saved =
      typeof raw.source_maxlength === "number" && typeof raw.candidate_maxlength === "number"
        ? { sourceMax: raw.source_maxlength, candidateMax: raw.candidate_maxlength }
        : null;
    this.budget = opts.budget ?? saved ?? upstreamBudget;
    this.batchRows = opts.batchRows ?? 8;
    const H = encoder.config.hiddenSize;
    const get = (n: string): Tensor => {
      const t = tensors.get(n);
      if (!t)
        throw new ModelError(`${source}: tensor "${n}" is missing (llm-blender PairRM layout expected)`);
      return t;
    };
    const w1 = get("head_layer.1.weight");
    const w2 = get("head_layer.4.weight");
    if (w1.shape[0] !== H || w1.shape[1] !== 2 * H || w2.shape[1] !== H) {
      throw new ModelError(
        `${source}: head_layer shapes [${w1.shape}] / [${w2.shape}] do not fit hidden size ${H}`,
      );
    }
    this.w1 = w1.data;
    this.b1 = get("head_layer.1.bias").data;
    this.w2 = w2.data;
    this.b2 = get("head_layer.4.bias").data;
    this.tasks = w2.shape[0];
  }

  /** Loads an HF folder of llm-blender/PairRM or PairRM-hf (config.json, weights, tokenizer.json). */
  static async load(dir: string, opts: PairrmOptions = {}): Promise<PairRM> {
    const folder = loadDebertaFolder(dir);
    const backend = opts.backend ?? getBackend();
    const encoder = new DebertaEncoder(
      folder.config,
      folder.tensors,
      backend,
      "pretrained_model.",
      folder.weightsFile,
    );
    if (!existsSync(join(dir, "tokenizer.json"))) {
      throw new ModelError(`${dir}: tokenizer.json is missing (only the fast-tokenizer file is supported)`, {
        hint: "create it once with transformers: AutoTokenizer.from_pretrained(dir).save_pretrained(dir)",
      });
    }
    const { tokenizer } = await loadTextAssetsFromFolder(dir);
    if (!(tokenizer instanceof HfTokenizer))
      throw new ModelError(`${dir}: expected a tokenizer.json tokenizer`);
    const cfgPath = join(dir, "tokenizer_config.json");
    const tcfg = existsSync(cfgPath)
      ? (JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>)
      : {};
    const raw = folder.config.raw;
    const idOf = (token: string, cfgKey: string): number => {
      const id = tokenizer.tokenId(token) ?? raw[cfgKey];
      if (typeof id !== "number") {
        throw new ModelError(
          `${dir}: token ${token} is neither in tokenizer.json nor config.json (${cfgKey})`,
        );
      }
      return id;
    };
    const ids: PairrmTokenIds = {
      cls: idOf(specialTokenText(tcfg.cls_token) ?? "[CLS]", "cls_token_id"),
      sep: idOf(specialTokenText(tcfg.sep_token) ?? "[SEP]", "sep_token_id"),
      source: idOf(pairrmMarkers[0], "source_prefix_id"),
      cand1: idOf(pairrmMarkers[1], "cand1_prefix_id"),
      cand2: idOf(pairrmMarkers[2], "cand2_prefix_id"),
    };
    return new PairRM(encoder, folder.tensors, ids, (t) => tokenizer.encode(t), opts, dir);
  }

  /** Token rows of ordered pairs (left, right) of one source's candidates. */
  rows(source: string, candidates: string[], pairs: Array<[number, number]>): number[][] {
    const src = encodeSource(this.encode, this.ids, source, this.budget);
    const bodies = new Map<number, number[]>();
    const body = (i: number): number[] => {
      const known = bodies.get(i);
      if (known) return known;
      const b = encodeCandidate(this.encode, candidates[i]);
      bodies.set(i, b);
      return b;
    };
    return pairs.map(([a, b]) => pairRow(this.ids, src.ids, src.candidateMax, body(a), body(b)));
  }

  /** logit(left preferred over right) for each token row (pairRow layout). */
  logitsOfRows(rows: number[][]): number[] {
    const out = new Array<number>(rows.length);
    // sorting by length keeps padding low; results go back to their rows
    const order = rows.map((r, i) => [r.length, i] as const).sort((a, b) => a[0] - b[0]);
    for (let s = 0; s < order.length; s += this.batchRows) {
      const chunk = order.slice(s, s + this.batchRows).map(([, i]) => i);
      const logits = this.forwardBatch(chunk.map((i) => rows[i]));
      chunk.forEach((i, k) => {
        out[i] = logits[k];
      });
    }
    return out;
  }

  /** Head scores per row: [left, right] (n_tasks averaged in the logit only). */
  private forwardBatch(rows: number[][]): number[] {
    const B = rows.length;
    const { ids, mask, T } = rightPadRows(rows);
    const { last } = this.encoder.forward(ids, mask, B, T);
    const { y } = this.headForward(last, rows, T);
    const res: number[] = [];
    for (let b = 0; b < B; b++) {
      let d = 0;
      for (let t = 0; t < this.tasks; t++) d += y[b * this.tasks + t] - y[(B + b) * this.tasks + t];
      res.push(d / this.tasks);
    }
    return res;
  }

  /** Positions of <|source|>, <|candidate1|>, <|candidate2|> in a pairRow-layout row. */
  markerPositions(r: number[], b = 0): [number, number, number] {
    // markers by structure, not by search: a text may itself contain a marker string ("[SEP]" never
    // survives the collator, so the segment boundaries are the first two [SEP]s)
    const sep1 = r.indexOf(this.ids.sep);
    const sep2 = r.indexOf(this.ids.sep, sep1 + 1);
    const at: [number, number, number] = [1, sep1 + 2, sep2 + 2];
    const want = [this.ids.source, this.ids.cand1, this.ids.cand2];
    if (sep1 < 0 || sep2 < 0 || at.some((p, k) => r[p] !== want[k])) {
      throw new ModelError(
        `pairrm: row ${b} is not [CLS] <|source|> … [SEP] [CLS] <|candidate1|> … (pairRow layout)`,
      );
    }
    return at;
  }

  /**
   * The head on the last hidden layer [B, T, H] of `rows`: x [2B, 2H] (rows 0..B−1 = [src; cand1], B..2B−1 =
   * [src; cand2]), h = tanh(W1 x + b1) [2B, H], y = W2 h + b2 [2B, n_tasks] (left scores, then right).
   */
  headForward(
    last: Float32Array,
    rows: number[][],
    T: number,
  ): { x: Float32Array; h: Float32Array; y: Float32Array; at: Array<[number, number, number]> } {
    const B = rows.length;
    const H = this.encoder.config.hiddenSize;
    const be = this.encoder.backend;
    const x = new Float32Array(2 * B * 2 * H);
    const at = rows.map((r, b) => this.markerPositions(r, b));
    at.forEach((p, b) => {
      const pos = (k: number) => (b * T + p[k]) * H;
      const s = last.subarray(pos(0), pos(0) + H);
      x.set(s, b * 2 * H);
      x.set(last.subarray(pos(1), pos(1) + H), b * 2 * H + H);
      x.set(s, (B + b) * 2 * H);
      x.set(last.subarray(pos(2), pos(2) + H), (B + b) * 2 * H + H);
    });
    const h = new Float32Array(2 * B * H);
    linearForward(be, h, x, this.w1, this.b1, 2 * B, 2 * H, H);
    for (let i = 0; i < h.length; i++) h[i] = Math.tanh(h[i]);
    const y = new Float32Array(2 * B * this.tasks);
    linearForward(be, y, h, this.w2, this.b2, 2 * B, H, this.tasks);
    return { x, h, y, at };
  }

  /** Pairwise logit matrix M[i][j] = logit(i preferred over j), all N(N−1) ordered pairs, diagonal 0. */
  matrix(source: string, candidates: string[]): number[][] {
    const n = candidates.length;
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) pairs.push([i, j]);
    const logits = this.logitsOfRows(this.rows(source, candidates, pairs));
    const m = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    pairs.forEach(([i, j], k) => {
      m[i][j] = logits[k];
    });
    return m;
  }

  /** compare(A, B) = logit(A, B) − logit(B, A), llm-blender's "[A,B]+[B,A]" mode (> 0: A is better). */
  compare(source: string, a: string, b: string): number {
    const [ab, ba] = this.logitsOfRows(
      this.rows(
        source,
        [a, b],
        [
          [0, 1],
          [1, 0],
        ],
      ),
    );
    return ab - ba;
  }
}

/** Token rows right-padded (id 0, mask 0) into one [rows, T] batch, T the longest row. */
export function rightPadRows(rows: number[][]): { ids: Int32Array; mask: Uint8Array; T: number } {
  const T = Math.max(...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * T);
  const mask = new Uint8Array(rows.length * T);
  rows.forEach((r, b) => {
    ids.set(r, b * T);
    mask.fill(1, b * T, b * T + r.length);
  });
  return { ids, mask, T };
}
