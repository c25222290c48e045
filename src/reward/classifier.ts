// Classifier reward models from Hugging Face folders, on the engine: sequence-classification heads on the
// Llama family (LlamaForSequenceClassification / Skywork-Reward layout: chat template of [user, assistant],
// last non-pad token's final hidden state → score.weight) and on DeBERTa-v2/v3 (OpenAssistant reward model
// layout: [CLS] prompt [SEP] response [SEP] → ContextPooler (dense + GELU on token 0) → classifier).
// A scalar head is pointwise; a prefloop pairwise head or a PairRM folder ranks in pairs (classifierRanker).
// Follows transformers' *ForSequenceClassification.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Backend, getBackend, linearForward } from "../engine/index.js";
import {
  configFromHf,
  DebertaEncoder,
  LlamaModel,
  loadDebertaFolder,
  loadWeights,
  parameterShapes,
  readGgufHeader,
  type Tensor,
} from "../models/index.js";
import {
  HfTokenizer,
  loadTextAssetsFromFolder,
  specialTokenText,
  type Tokenizer,
  textAssetsFromGguf,
} from "../text/index.js";
import { ModelError } from "../util/errors.js";
import { pairrmRanker } from "./pairrm-ranker.js";
import { pairwiseIds, pairwiseScores } from "./pairwise-input.js";
import type { Ranker } from "./ranker.js";

/** Scores (prompt, response) pairs; higher is better. */
export interface RewardClassifier {
  readonly kind: "llama" | "deberta";
  /** "pairwise": a prefloop pairwise head (config `prefloop_head`), read through `scoreAt` */
  readonly head: "sequence" | "pairwise";
  readonly tokenizer: Tokenizer;
  /** token ids the model reads for one pair (for tests and debugging) */
  inputIds(prompt: string, response: string): number[];
  scorePairs(pairs: Array<{ prompt: string; response: string }>): number[];
  /** Llama family: the score head (label 0) at `positions` of one unpadded row */
  scoreAt?(ids: number[], positions: number[]): number[];
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new ModelError(`${path}: cannot read JSON (${(e as Error).message})`, { cause: e });
  }
}

function single(t: Tensor | undefined, name: string, dir: string): Tensor {
  if (!t) throw new ModelError(`${dir}: tensor "${name}" is missing`);
  return t;
}

export async function loadRewardClassifier(
  dir: string,
  backend: Backend = getBackend(),
): Promise<RewardClassifier> {
  const cfgPath = join(dir, "config.json");
  if (!existsSync(cfgPath))
    throw new ModelError(`${cfgPath}: missing; expected a Hugging Face reward model folder`);
  const raw = readJson(cfgPath);
  const arch = Array.isArray(raw.architectures) ? String(raw.architectures[0]) : "";
  // a reward model trained from a SentencePiece GGUF backbone keeps its vocabulary in model.gguf (prefloop rm)
  const gguf = join(dir, "model.gguf");
  const { tokenizer, chatTemplate } =
    !existsSync(join(dir, "tokenizer.json")) && existsSync(gguf)
      ? textAssetsFromGguf(new Map([...readGgufHeader(gguf).metadata].map(([k, e]) => [k, e.value])), gguf)
      : await loadTextAssetsFromFolder(dir);
  if (/^(Llama|Mistral|Qwen2)ForSequenceClassification$/.test(arch)) {
    const config = configFromHf(raw, cfgPath);
    // the score head replaces the LM head: build the trunk as tied so no lm_head is needed
    config.tieWordEmbeddings = true;
    const { tensors } = loadWeights(dir);
    const names = new Set(parameterShapes(config).map(([n]) => n));
    const trunk = new Map([...tensors].filter(([n]) => names.has(n)));
    const model = new LlamaModel({ config, tensors: trunk }, backend);
    const score = single(tensors.get("score.weight"), "score.weight", dir);
    const C = config.hiddenSize;
    if (score.shape[1] !== C)
      throw new ModelError(`${dir}: score.weight is [${score.shape}], expected [labels, ${C}]`);
    const inputIds = (prompt: string, response: string): number[] =>
      tokenizer.encode(
        chatTemplate.render(
          [
            { role: "user", content: prompt },
            { role: "assistant", content: response },
          ],
          { addGenerationPrompt: false },
        ),
        { parseSpecial: true },
      );
    const scoreAt = (ids: number[], positions: number[]): number[] => {
      const T = ids.length;
      const x = model.hiddenStates({
        tokens: Int32Array.from(ids),
        mask: new Uint8Array(T).fill(1),
        B: 1,
        T,
      });
      const y = new Float32Array(score.shape[0]);
      return positions.map((t) => {
        linearForward(backend, y, x.subarray(t * C, (t + 1) * C), score.data, null, 1, C, score.shape[0]);
        return y[0];
      });
    };
    return {
      kind: "llama",
      head: raw.prefloop_head === "pairwise" ? "pairwise" : "sequence",
      tokenizer,
      inputIds,
      scoreAt,
      scorePairs(pairs) {
        // label 0 of the last token (HF: the token before the first pad; we never pad)
        return pairs.map(({ prompt, response }) => {
          const ids = inputIds(prompt, response);
          return scoreAt(ids, [ids.length - 1])[0];
        });
      },
    };
  }
  if (arch === "DebertaV2ForSequenceClassification") {
    const folder = loadDebertaFolder(dir);
    const c = folder.config;
    const enc = new DebertaEncoder(c, folder.tensors, backend, "deberta.", folder.weightsFile);
    if (c.poolerHiddenAct !== "gelu") throw new ModelError(`${cfgPath}: pooler_hidden_act must be gelu`);
    const pw = single(folder.tensors.get("pooler.dense.weight"), "pooler.dense.weight", dir);
    const pb = single(folder.tensors.get("pooler.dense.bias"), "pooler.dense.bias", dir);
    const cw = single(folder.tensors.get("classifier.weight"), "classifier.weight", dir);
    const cb = single(folder.tensors.get("classifier.bias"), "classifier.bias", dir);
    if (!(tokenizer instanceof HfTokenizer))
      throw new ModelError(`${dir}: expected a tokenizer.json tokenizer`);
    const tcfg = existsSync(join(dir, "tokenizer_config.json"))
      ? readJson(join(dir, "tokenizer_config.json"))
      : {};
    const special = (field: string, dflt: string): number => {
      const id = tokenizer.tokenId(specialTokenText(tcfg[field]) ?? dflt);
      if (id === undefined) throw new ModelError(`${dir}: ${field} is not in the vocabulary`);
      return id;
    };
    const cls = special("cls_token", "[CLS]");
    const sep = special("sep_token", "[SEP]");
    const C = c.hiddenSize;
    const P = c.poolerHiddenSize;
    const L = cw.shape[0];
    // tokenizer(prompt, response): the pair template of DeBERTa-v2/v3, no truncation (upstream's example)
    const inputIds = (prompt: string, response: string): number[] => [
      cls,
      ...tokenizer.encode(prompt),
      sep,
      ...tokenizer.encode(response),
      sep,
    ];
    return {
      kind: "deberta",
      head: "sequence",
      tokenizer,
      inputIds,
      scorePairs(pairs) {
        return pairs.map(({ prompt, response }) => {
          const ids = inputIds(prompt, response);
          const T = ids.length;
          const { last } = enc.forward(Int32Array.from(ids), new Uint8Array(T).fill(1), 1, T);
          const pooled = new Float32Array(P);
          linearForward(backend, pooled, last.subarray(0, C), pw.data, pb.data, 1, C, P);
          backend.geluForward(pooled, pooled, P);
          const y = new Float32Array(L);
          linearForward(backend, y, pooled, cw.data, cb.data, 1, P, L);
          return y[0];
        });
      },
    };
  }
  throw new ModelError(`${cfgPath}: architecture "${arch}" is not a supported reward classifier`, {
    hint: "supported: LlamaForSequenceClassification (also Mistral/Qwen2), DebertaV2ForSequenceClassification",
  });
}

/**
 * `classifier:<dir>` dispatches on the folder: a scalar head scores each response alone (pointwise); a prefloop
 * pairwise head (`prefloop_head: "pairwise"`) and a PairRM folder (DebertaV2PairRM) compare candidates in pairs.
 */
export async function classifierRanker(path: string, backend?: Backend, maxLength?: number): Promise<Ranker> {
  const cfgPath = join(path, "config.json");
  const raw = existsSync(cfgPath) ? readJson(cfgPath) : {};
  const arch = Array.isArray(raw.architectures) ? raw.architectures.map(String) : [];
  if (arch.includes("DebertaV2PairRM") || "cand1_prefix_id" in raw) return pairrmRanker({ path, backend });
  const model = await loadRewardClassifier(path, backend);
  const id = `classifier:${resolve(path)}`;
  const { scoreAt } = model;
  if (model.head === "pairwise" && scoreAt) {
    // the max_length it was trained with (`rm train` records it), else a generous one
    const max = maxLength ?? (typeof raw.prefloop_max_length === "number" ? raw.prefloop_max_length : 4096);
    return {
      id,
      pointwise: false,
      async score(prompt, candidates) {
        const n = candidates.length;
        const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
        for (let a = 0; a < n; a++)
          for (let b = 0; b < n; b++) {
            if (a === b) continue;
            const row = pairwiseIds(model, prompt, candidates[a], candidates[b], max);
            const [left, right] = scoreAt(row.ids, [row.left, row.right]);
            matrix[a][b] = left - right;
          }
        return { scores: pairwiseScores(matrix), matrix };
      },
    };
  }
  return {
    id,
    pointwise: true,
    async score(prompt, candidates) {
      return { scores: model.scorePairs(candidates.map((response) => ({ prompt, response }))) };
    },
  };
}
