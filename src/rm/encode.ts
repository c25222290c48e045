// Reward-model examples as token ids and their right-padded batches. A sequence score reads the text the
// classifier ranker reads (src/reward/classifier.ts: chat template of [user, assistant], parseSpecial, no
// padding) so a trained model scores the same at training and in `classifier:<dir>`; the pairwise variant
// holds both candidates in one sequence and reads the score at each candidate's last token.
import type { TokenBatch } from "../models/index.js";
import type { TextAssets } from "../text/index.js";

// the pairwise layout lives in src/reward so `classifier:<dir>` reads a pairwise folder exactly as trained
export { pairwiseIds } from "../reward/index.js";

export interface PairExample {
  chosen: number[];
  rejected: number[];
  margin: number;
  /** P(chosen ≻ rejected); 1 for hard labels */
  soft: number;
}
export interface PointExample {
  ids: number[];
  label: number;
}
export interface PairwiseExample {
  ids: number[];
  left: number;
  right: number;
  /** P(left ≻ right) */
  label: number;
}

/** Keep the last `max` tokens: the head reads the last token, the same one it reads when scoring. */
function keepEnd(ids: number[], max: number): number[] {
  return ids.length > max ? ids.slice(ids.length - max) : ids;
}

export function sequenceIds(
  assets: TextAssets,
  prompt: string,
  response: string,
  maxLength: number,
): number[] {
  const text = assets.chatTemplate.render(
    [
      { role: "user", content: prompt },
      { role: "assistant", content: response },
    ],
    { addGenerationPrompt: false },
  );
  return keepEnd(assets.tokenizer.encode(text, { parseSpecial: true }), maxLength);
}

/** Right-padded batch of `rows` (pad id anywhere: masked out). */
export function padBatch(rows: number[][], padId: number): TokenBatch {
  const B = rows.length;
  const T = Math.max(1, ...rows.map((r) => r.length));
  const tokens = new Int32Array(B * T).fill(padId);
  const mask = new Uint8Array(B * T);
  rows.forEach((r, b) => {
    tokens.set(r, b * T);
    mask.fill(1, b * T, b * T + r.length);
  });
  return { tokens, mask, B, T };
}

/** Flattened position of each row's last real token. */
export function lastPositions(rows: number[][], T: number): Int32Array {
  return Int32Array.from(rows, (r, b) => b * T + r.length - 1);
}
