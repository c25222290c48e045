// Reads progress out of an HF Trainer / TRL job's output: the metric dicts Trainer.log prints
// ({'loss': 0.69, 'rewards/accuracies': 0.5, 'epoch': 0.1} — Python repr), tqdm step counters (12/100 [...]),
// and at the end trainer_state.json's log_history (the same dicts with "step"). Not a general log parser.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type Metrics = Record<string, number>;

/** One metric dict from a printed line, or null. Accepts Python repr (single quotes, nan, inf) and JSON. */
export function parseMetricLine(line: string): Metrics | null {
  const m = /\{[^{}]*\}/.exec(line);
  if (!m) return null;
  const json = m[0]
    .replace(/'([^']*)'/g, '"$1"')
    .replace(/\bnan\b/gi, "null")
    .replace(/-inf\b/gi, "null")
    .replace(/\binf\b/gi, "null");
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const out: Metrics = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "number") out[k] = x;
  // Only training-log dicts: they carry a loss or a learning rate (not every dict printed is one).
  return "loss" in out || "learning_rate" in out || "train_loss" in out ? out : null;
}

/** tqdm's "  12/100 [00:03<00:20, ...]" counter, or null. */
export function parseStepCounter(line: string): { step: number; total: number } | null {
  const m = /(\d+)\/(\d+) \[/.exec(line);
  if (!m) return null;
  const step = Number(m[1]);
  const total = Number(m[2]);
  return total > 0 && step <= total ? { step, total } : null;
}

/** log_history of <dir>/trainer_state.json (the final model folder or its last checkpoint), or []. */
export function readLogHistory(dir: string): Metrics[] {
  const file = join(dir, "trainer_state.json");
  if (!existsSync(file)) return [];
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as { log_history?: unknown };
    if (!Array.isArray(state.log_history)) return [];
    return state.log_history.map((e) => {
      const out: Metrics = {};
      if (e && typeof e === "object")
        for (const [k, x] of Object.entries(e as Record<string, unknown>))
          if (typeof x === "number") out[k] = x;
      return out;
    });
  } catch {
    return [];
  }
}
