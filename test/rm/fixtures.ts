// Test fixtures for src/rm: the golden tiny LlamaForSequenceClassification (scripts/reference/rm_ref.py) as a
// RewardModel, and a character-level tokenizer for synthetic text tasks (no model files needed).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getBackend } from "../../src/engine/index.js";
import { configFromHf, loadWeights } from "../../src/models/index.js";
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
