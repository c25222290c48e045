// The `rank` stage: which scorer turns each prompt's n responses into scores, and length control.
// Ranker kinds follow the rankers issue (PairRM, classifier RMs, LLM judges, programmatic scorers, ensembles).
import { z } from "zod";
import { pathField } from "./common.js";

export const scorerSchema = z
  .strictObject({
    name: pathField(
      "string. A built-in scorer (length, regex, keywords, json_valid, refusal, repetition, reading_level, ...) or a module path (./my-scorer.ts, relative to the recipe).",
    ),
    weight: z.number().default(1).describe("float. Weight in the ensemble sum (negative = penalty)."),
    options: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("map. Options passed to the scorer (e.g. {pattern: '...'})."),
  })
  .describe("One programmatic scorer of an ensemble.");

export const judgeSchema = z
  .strictObject({
    base_url: z.string().url().describe("URL. OpenAI-compatible endpoint of the judge."),
    model: z.string().min(1).describe("string. Judge model name."),
    api_key_env: z
      .string()
      .default("OPENAI_API_KEY")
      .describe("string. Environment variable holding the API key."),
    mode: z
      .enum(["pointwise", "pairwise"])
      .default("pointwise")
      .describe("pointwise | pairwise. Score 1-10 from a rubric, or compare pairs (tournament)."),
  })
  .describe("An LLM judge over an OpenAI-compatible API.");

export const lengthControlSchema = z
  .strictObject({
    mode: z
      .enum(["none", "penalty", "residual", "ratio"])
      .default("none")
      .describe(
        "none | penalty | residual | ratio. penalty: score - lambda*length; residual: rank by the residual of score ~ length over the batch; ratio: pick pairs within max_ratio length ratio. Counters the reward's length bias (seed recipe's LC win rate fell behind its raw one).",
      ),
    lambda: z.number().min(0).default(0).describe("float >= 0. Penalty per length unit (mode penalty)."),
    unit: z.enum(["chars", "tokens"]).default("chars").describe("chars | tokens. Length unit."),
    max_ratio: z
      .number()
      .min(1)
      .default(1.5)
      .describe("float >= 1. Longest/shortest length ratio a pair may have (mode ratio)."),
  })
  .describe("Length control, so the reward's preference for long answers is not what DPO learns.");

export const rankerSchema = z
  .strictObject({
    type: z
      .enum(["pairrm", "classifier", "judge", "scorers", "ensemble"])
      .describe(
        "pairrm | classifier | judge | scorers | ensemble. Required. pairrm: llm-blender/PairRM folder; classifier: a sequence-classification RM folder; judge: an LLM judge; scorers/ensemble: programmatic scorers combined.",
      ),
    model: pathField("path. Model folder for pairrm / classifier.").nullable().default(null),
    pairrm_mode: z
      .enum(["full", "bubble"])
      .default("full")
      .describe("full | bubble. PairRM aggregation: full N x N matrix, or bubble best-of-N passes."),
    judge: judgeSchema.nullable().default(null),
    scorers: z
      .array(scorerSchema)
      .default([])
      .describe("list. Programmatic scorers (type scorers / ensemble)."),
    normalize: z
      .enum(["none", "zscore", "rank"])
      .default("zscore")
      .describe("none | zscore | rank. Per-prompt normalisation before the weighted sum of several scorers."),
    combine: z
      .enum(["weighted", "label_model"])
      .default("weighted")
      .describe(
        "weighted | label_model. Weighted sum, or a Snorkel-style label model learning scorer accuracies.",
      ),
    batch_size: z.number().int().positive().default(16).describe("int > 0. Candidates scored together."),
  })
  .describe("A ranker: turns one prompt's candidates into scores, higher is better.");

export const rankSchema = rankerSchema
  .extend({
    length_control: lengthControlSchema.prefault({}),
  })
  .describe("Ranking the sampled responses (the training reward).");

export type RankerConfig = z.infer<typeof rankerSchema>;
export type RankConfig = z.infer<typeof rankSchema>;
