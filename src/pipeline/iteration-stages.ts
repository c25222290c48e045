// The per-iteration stages over JSONL files: generate (n samples per prompt), rank (scores per group) and
// held-out evaluation (one answer per held-out prompt, its training reward, and the judge's verdict against
// the base model's answer). Each resumes at row granularity; rows depend only on (seed, iteration, prompt).
import { sep } from "node:path";
import type { Recipe } from "../config/index.js";
import type { GenerationRequest, Generator, SamplingSettings } from "../generate/generator.js";
import type { Ranker } from "../reward/ranker.js";
import type { Logger } from "../util/log.js";
import type { PromptRecord } from "./components.js";
import type { RunDirectory } from "./run-dir.js";
import { runJsonlStageWork, type StageResult } from "./stage.js";
import { seedFor } from "./seeds.js";

export interface GenerationRow {
  prompt_id: string;
  responses: string[];
  finish_reasons: string[];
  seed: number;
  model: string;
  sampling: {
    n: number;
    temperature: number;
    top_p: number;
    top_k: number;
    min_p: number;
    max_tokens: number;
  };
}

export interface ScoreRow {
  prompt_id: string;
  scores: number[];
  ranker: string;
}

export interface HeldOutRow {
  prompt_id: string;
  response: string;
  length_chars: number;
  reward: number;
  /** judge scores of [this answer, the base answer]; null for the base model itself */
  judge_scores: [number, number] | null;
  /** 1 win, 0.5 draw, 0 loss against the base answer; null for the base model */
  win: number | null;
}

/** n and sampling of iteration k: the stage's values with generate.per_iteration[k-1] on top. */
export function samplingFor(recipe: Recipe, k: number): GenerationRow["sampling"] & { stop: string[] } {
  const g = recipe.generate;
  const o = g.per_iteration[k - 1] ?? {};
  return {
    n: o.n ?? g.n,
    temperature: o.temperature ?? g.temperature,
    top_p: o.top_p ?? g.top_p,
    top_k: o.top_k ?? g.top_k,
    min_p: o.min_p ?? g.min_p,
    max_tokens: o.max_tokens ?? g.max_tokens,
    stop: g.stop,
  };
}

function request(
  recipe: Recipe,
  p: PromptRecord,
  n: number,
  s: Omit<SamplingSettings, "seed">,
  seed: number,
): GenerationRequest {
  return {
    prompt: recipe.model.chat_template === "raw" ? { raw: p.prompt } : p.messages,
    n,
    sampling: { ...s, seed },
  };
}

/**
 * A model id as recorded in a stage file: a path inside the run folder is written relative to it, so the same
 * run in two folders (or a moved one) has the same bytes.
 */
export function runRelative(runDir: string, modelId: string): string {
  const prefix = runDir.endsWith(sep) ? runDir : `${runDir}${sep}`;
  return modelId.startsWith(prefix) ? modelId.slice(prefix.length) : modelId;
}

export function generateWork(
  run: RunDirectory,
  id: string,
  recipe: Recipe,
  k: number,
  prompts: PromptRecord[],
  generator: () => Promise<Generator>,
  logger: Logger,
): Promise<StageResult> {
  const s = samplingFor(recipe, k);
  const sampling = {
    temperature: s.temperature,
    topP: s.top_p,
    topK: s.top_k,
    minP: s.min_p,
    maxTokens: s.max_tokens,
    stop: s.stop,
  };
  return runJsonlStageWork<PromptRecord, GenerationRow>({
    run,
    id,
    file: run.path(`iteration-${k}`, "generations.jsonl"),
    inputs: prompts,
    keyOf: (p) => p.prompt_id,
    outKey: (r) => r.prompt_id,
    batchSize: recipe.generate.batch_size,
    logger,
    label: `iteration ${k} generate`,
    unit: "prompts",
    process: async (batch) => {
      const gen = await generator();
      const seeds = batch.map((p) => seedFor(recipe.seed, "generate", k, p.prompt_id));
      const out = await gen.generate(batch.map((p, i) => request(recipe, p, s.n, sampling, seeds[i])));
      return batch.map((p, i) => ({
        prompt_id: p.prompt_id,
        responses: out[i].map((x) => x.text),
        finish_reasons: out[i].map((x) => x.finishReason),
        seed: seeds[i],
        model: runRelative(run.dir, gen.id),
        sampling: {
          n: s.n,
          temperature: s.temperature,
          top_p: s.top_p,
          top_k: s.top_k,
          min_p: s.min_p,
          max_tokens: s.max_tokens,
        },
      }));
    },
  });
}

export function rankWork(
  run: RunDirectory,
  id: string,
  k: number,
  prompts: Map<string, PromptRecord>,
  generations: GenerationRow[],
  ranker: () => Promise<Ranker>,
  logger: Logger,
): Promise<StageResult> {
  return runJsonlStageWork<GenerationRow, ScoreRow>({
    run,
    id,
    file: run.path(`iteration-${k}`, "scores.jsonl"),
    inputs: generations,
    keyOf: (g) => g.prompt_id,
    outKey: (r) => r.prompt_id,
    batchSize: 1,
    logger,
    label: `iteration ${k} rank`,
    unit: "prompts",
    process: async ([g]) => {
      const r = await ranker();
      const p = prompts.get(g.prompt_id);
      if (!p) throw new Error(`rank: generation for unknown prompt ${g.prompt_id}`);
      const { scores } = await r.score(p.prompt, g.responses);
      if (scores.length !== g.responses.length)
        throw new Error(`rank: ${r.id} gave ${scores.length} scores for ${g.responses.length} responses`);
      return [{ prompt_id: g.prompt_id, scores, ranker: r.id }];
    },
  });
}

export interface HeldOutDeps {
  generator: () => Promise<Generator>;
  ranker: () => Promise<Ranker>;
  /** null for the base model's own evaluation */
  judge: (() => Promise<Ranker>) | null;
  /** the base model's answers by prompt_id (for the judge) */
  baseAnswers: Map<string, string> | null;
}

export function heldOutWork(
  run: RunDirectory,
  id: string,
  file: string,
  label: string,
  recipe: Recipe,
  prompts: PromptRecord[],
  deps: HeldOutDeps,
  logger: Logger,
): Promise<StageResult> {
  const sampling = {
    temperature: recipe.eval.temperature,
    topP: 1,
    topK: 0,
    minP: 0,
    maxTokens: recipe.eval.max_tokens,
    stop: recipe.generate.stop,
  };
  return runJsonlStageWork<PromptRecord, HeldOutRow>({
    run,
    id,
    file,
    inputs: prompts,
    keyOf: (p) => p.prompt_id,
    outKey: (r) => r.prompt_id,
    batchSize: recipe.generate.batch_size,
    logger,
    label,
    unit: "prompts",
    process: async (batch) => {
      const gen = await deps.generator();
      // The same seed for base and every iterate: differences come from the model, not the dice.
      const reqs = batch.map((p) =>
        request(recipe, p, 1, sampling, seedFor(recipe.seed, "heldout", p.prompt_id)),
      );
      const out = await gen.generate(reqs);
      const ranker = await deps.ranker();
      const rows: HeldOutRow[] = [];
      for (let i = 0; i < batch.length; i++) {
        const text = batch[i].prompt;
        const response = out[i][0].text;
        const base = deps.baseAnswers?.get(batch[i].prompt_id);
        const reward = await heldOutReward(ranker, text, response, base);
        let judgeScores: [number, number] | null = null;
        let win: number | null = null;
        if (deps.judge && deps.baseAnswers) {
          if (base === undefined) throw new Error(`held-out: no base answer for ${batch[i].prompt_id}`);
          const judge = await deps.judge();
          const s = (await judge.score(text, [response, base])).scores;
          judgeScores = [s[0], s[1]];
          win = s[0] > s[1] ? 1 : s[0] < s[1] ? 0 : 0.5;
        }
        rows.push({
          prompt_id: batch[i].prompt_id,
          response,
          length_chars: response.length,
          reward,
          judge_scores: judgeScores,
          win,
        });
      }
      return rows;
    },
  });
}

/**
 * The training reward of one held-out answer. Pointwise rankers score it alone; group-relative ones (PairRM,
 * normalised ensembles) score it in a group with the base model's answer, so the number means "better than
 * base by" (0 for the base model itself, scored against its own answer).
 */
async function heldOutReward(
  ranker: Ranker,
  prompt: string,
  response: string,
  base: string | undefined,
): Promise<number> {
  if (ranker.pointwise === true) return (await ranker.score(prompt, [response])).scores[0];
  return (await ranker.score(prompt, [response, base ?? response])).scores[0];
}

/** Mean reward, win rate with its standard error (sample SD / sqrt(n), as AlpacaEval), mean length. */
export function heldOutMetrics(rows: HeldOutRow[]): Record<string, number | null> {
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const wins = rows.map((r) => r.win).filter((w): w is number => w !== null);
  const wr = mean(wins);
  let se: number | null = null;
  if (wr !== null && wins.length > 1) {
    const v = wins.reduce((a, w) => a + (w - wr) ** 2, 0) / (wins.length - 1);
    se = Math.sqrt(v / wins.length);
  }
  return {
    held_out_reward: mean(rows.map((r) => r.reward)),
    judge_win_rate: wr,
    judge_win_rate_se: se,
    mean_length_chars: mean(rows.map((r) => r.length_chars)),
    n: rows.length,
  };
}
