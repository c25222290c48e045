// Test fixtures for src/rm: the golden tiny LlamaForSequenceClassification (scripts/reference/rm_ref.py) as a
// RewardModel, and a character-level tokenizer for synthetic text tasks (no model files needed).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getBackend } from "../../src/engine/index.js";
import { configFromHf, type LlamaConfig, loadWeights } from "../../src/models/index.js";
import { RewardModel, trunkOf } from "../../src/rm/index.js";
import { PlainChatTemplate, type TextAssets, type Tokenizer } from "../../src/text/index.js";

export const goldenDir = join(import.meta.dirname, "..", "golden", "rm");

/** ids = char codes mod (V − 3) + 3; 0 pad, 1 bos, 2 eos. Enough for synthetic rules on characters. */
export function charTokenizer(V: number): Tokenizer {
  return {
    vocabSize: V,
    bosId: 1,
    eosId: 2,
    padId: 0,
    encode: (text: string) => Array.from(text, (ch) => ((ch.codePointAt(0) ?? 0) % (V - 3)) + 3),
    decode: (ids: number[]) => ids.map((i) => String.fromCharCode(i)).join(""),
    tokenText: (id: number) => String.fromCharCode(id),
  };
}

export function charAssets(V: number): TextAssets {
  return { tokenizer: charTokenizer(V), chatTemplate: new PlainChatTemplate() };
}

export function goldenModel(): RewardModel {
  const raw = JSON.parse(readFileSync(join(goldenDir, "config.json"), "utf8")) as Record<string, unknown>;
  const config = configFromHf(raw, "golden config.json");
  const { tensors } = loadWeights(goldenDir);
  const score = tensors.get("score.weight");
  if (!score) throw new Error("golden score.weight missing");
  return new RewardModel(
    trunkOf(config, tensors, getBackend()),
    Float32Array.from(score.data),
    charAssets(48),
  );
}

export const tinyConfig: LlamaConfig = {
  modelType: "llama",
  vocabSize: 48,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 4,
  headDim: 8,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  ropeLayout: "half",
  ropeScaling: null,
  maxPositionEmbeddings: 256,
  tieWordEmbeddings: true,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenIds: [2],
};

/** Deterministic pseudo-random in [0, 1) from a string and a salt. */
export function hashUnit(text: string, salt: number): number {
  let h = (2166136261 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 2246822507) >>> 0;
  h ^= h >>> 13;
  return h / 4294967296;
}

/** Random strings over "abcdef" (the synthetic rule: more 'a's is better). */
export function randomText(seed: number, i: number): string {
  const n = 6 + Math.floor(hashUnit(`len${i}`, seed) * 8);
  let s = "";
  for (let j = 0; j < n; j++) s += "abcdef"[Math.floor(hashUnit(`${i}:${j}`, seed) * 6)];
  return s;
}

export const countA = (s: string): number => [...s].filter((c) => c === "a").length;
