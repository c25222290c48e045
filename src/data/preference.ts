// Preference pairs: one prompt, its n sampled responses and their reward scores -> a dataset row
// with the best as chosen and the worst as rejected (as in Snorkel-Mistral-PairRM-DPO). Also the
// validator for rows read back from files. Not ranking itself (src/reward).
import { InputError } from "../util/errors.js";
import type { ChatMessage } from "../util/types.js";
import { typeName } from "./field-map.js";
import { promptId } from "./normalize.js";
import type { PreferenceRow } from "./types.js";

export interface ScoredPrompt {
  prompt_id?: string;
  prompt: string;
  /** the conversation ending with the user turn (default: [{user, prompt}]) */
  messages?: ChatMessage[];
  responses: string[];
  scores: number[];
}

/**
 * Best = chosen, worst = rejected (first index on ties). null when there is no preference signal:
 * fewer than two responses or all scores equal. `where` names the input in errors.
 */
export function toPreferenceRow(s: ScoredPrompt, where = "scores"): PreferenceRow | null {
  if (s.responses.length !== s.scores.length) {
    throw new InputError(
      `${where}: ${s.responses.length} responses but ${s.scores.length} scores for prompt ${s.prompt_id ?? ""}`.trim(),
    );
  }
  s.scores.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new InputError(`${where}: scores[${i}] must be a finite number, got ${JSON.stringify(x)}`);
    }
  });
  if (s.responses.length < 2) return null;
  let best = 0;
  let worst = 0;
  for (let i = 1; i < s.scores.length; i++) {
    if (s.scores[i] > s.scores[best]) best = i;
    if (s.scores[i] < s.scores[worst]) worst = i;
  }
  if (s.scores[best] === s.scores[worst]) return null;
  const context = s.messages ?? [{ role: "user", content: s.prompt }];
  const chosen: ChatMessage[] = [...context, { role: "assistant", content: s.responses[best] }];
  const rejected: ChatMessage[] = [...context, { role: "assistant", content: s.responses[worst] }];
  return {
    prompt_id: s.prompt_id ?? promptId(s.prompt),
    prompt: s.prompt,
    chosen,
    rejected,
    messages: chosen,
    score_chosen: s.scores[best],
    score_rejected: s.scores[worst],
    all_generated_responses: [...s.responses],
    all_rm_scores: [...s.scores],
  };
}

/** Checks a row read from a file; throws an InputError naming `where` and the field. */
export function checkPreferenceRow(value: unknown, where: string): PreferenceRow {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: expected a preference row object, got ${typeName(value)}`);
  }
  const r = value as Record<string, unknown>;
  const bad = (field: string, expected: string) =>
    new InputError(`${where}: field "${field}" expected ${expected}, got ${typeName(r[field])}`);
  for (const f of ["prompt_id", "prompt"]) if (typeof r[f] !== "string") throw bad(f, "a string");
  for (const f of ["score_chosen", "score_rejected"]) if (typeof r[f] !== "number") throw bad(f, "a number");
  for (const f of ["chosen", "rejected", "messages"]) {
    const list = r[f];
    if (!Array.isArray(list)) throw bad(f, "a list of {role, content}");
    list.forEach((m, i) => {
      const msg = m as Record<string, unknown> | null;
      if (
        typeof msg !== "object" ||
        msg === null ||
        typeof msg.role !== "string" ||
        typeof msg.content !== "string"
      ) {
        throw new InputError(`${where}: field "${f}[${i}]" expected {role: string, content: string}`);
      }
    });
  }
  const responses = r.all_generated_responses;
  if (!Array.isArray(responses) || responses.some((x) => typeof x !== "string")) {
    throw bad("all_generated_responses", "a list of strings");
  }
  const scores = r.all_rm_scores;
  if (!Array.isArray(scores) || scores.some((x) => typeof x !== "number"))
    throw bad("all_rm_scores", "a list of numbers");
  return r as unknown as PreferenceRow;
}
