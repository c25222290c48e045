// summary.json (one row per iteration, iteration 0 = the base model) and the end-of-run table printed by
// `prefloop run` and `prefloop status`. Keys are snake_case: the file is read by people's scripts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../util/errors.js";
import type { SummaryRow } from "../util/run-rows.js";
import { writeJsonAtomic } from "./atomic.js";

export type { SummaryRow };

export interface Summary {
  run: string;
  iterations: SummaryRow[];
}

export function writeSummary(runDir: string, summary: Summary): void {
  writeJsonAtomic(join(runDir, "summary.json"), summary);
}

export function readSummary(runDir: string): Summary | undefined {
  const file = join(runDir, "summary.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as Summary;
    if (!Array.isArray(s.iterations)) throw new Error("no iterations list");
    return s;
  } catch (e) {
    throw new InputError(`${file}: not a prefloop summary (${(e as Error).message})`);
  }
}

const fmt = (v: number | null, digits: number): string =>
  v === null || !Number.isFinite(v) ? "—" : v.toFixed(digits);

/** The per-iteration table: held-out reward, judge win rate vs base (± SE), length, pairs, loss, accuracy, time. */
export function formatSummaryTable(rows: SummaryRow[]): string {
  const header = [
    "iter",
    "held-out reward",
    "win vs base",
    "mean len",
    "pairs",
    "train loss",
    "reward acc",
    "time",
  ];
  const body = rows.map((r) => [
    r.iteration === 0 ? "base" : String(r.iteration),
    fmt(r.held_out_reward, 3),
    r.judge_win_rate === null
      ? "—"
      : `${(100 * r.judge_win_rate).toFixed(1)}% ± ${fmt(r.judge_win_rate_se === null ? null : 100 * r.judge_win_rate_se, 1)}`,
    fmt(r.mean_length_chars, 0),
    r.pairs_kept === null ? "—" : String(r.pairs_kept),
    fmt(r.train_loss, 4),
    r.reward_accuracy === null ? "—" : `${(100 * r.reward_accuracy).toFixed(1)}%`,
    formatStageTimes(r.seconds_by_stage),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function formatStageTimes(s: Record<string, number>): string {
  const entries = Object.entries(s).filter(([, v]) => v > 0);
  if (entries.length === 0) return "—";
  const total = entries.reduce((a, [, v]) => a + v, 0);
  return `${total.toFixed(1)}s (${entries.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")})`;
}
