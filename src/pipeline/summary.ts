// summary.json (one row per iteration, iteration 0 = the base model) and the end-of-run table printed by
// `prefloop run` and `prefloop status`. Keys are snake_case: the file is read by people's scripts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../util/errors.js";
import { writeJsonAtomic } from "./atomic.js";

export interface SummaryRow {
  iteration: number;
  /** mean training reward of held-out answers */
  held_out_reward: number | null;
  /** held-out judge win rate of this iterate over the base model, in [0, 1] (draws count half) */
  judge_win_rate: number | null;
  judge_win_rate_se: number | null;
  mean_length_chars: number | null;
  pairs_kept: number | null;
  train_loss: number | null;
  reward_accuracy: number | null;
  seconds_by_stage: Record<string, number>;
}

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
