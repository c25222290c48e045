// The AlpacaEval leaderboard of a run, when an eval ran: eval/leaderboard.csv (AlpacaEval's columns, as
// `prefloop eval leaderboard` writes it) or, without it, the annotations.json files under eval/ through
// src/eval's buildLeaderboard. The run's own models are those its annotation files name.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { buildLeaderboard, findAnnotationFiles, type LeaderboardRow } from "../eval/index.js";
import { InputError } from "../util/errors.js";

export interface RunLeaderboard {
  rows: LeaderboardRow[];
  /** names of the run's own models (rows of its annotation files) */
  ours: Set<string>;
  source: string;
}

function annotationModels(files: string[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    const rows = JSON.parse(readFileSync(f, "utf8")) as { generator_2?: unknown }[];
    const g = rows[0]?.generator_2;
    if (typeof g === "string") names.add(g);
  }
  return names;
}

const num = (v: string | undefined): number => (v === undefined || v === "" ? Number.NaN : Number(v));

function readLeaderboardCsv(file: string): LeaderboardRow[] {
  const records = parse(readFileSync(file, "utf8"), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return records.map((r, i) => {
    const name = r[""] ?? r.name;
    if (!name) throw new InputError(`${file}: row ${i + 2}: no model name in the first column`);
    return {
      name,
      win_rate: num(r.win_rate),
      standard_error: num(r.standard_error),
      n_wins: num(r.n_wins),
      n_wins_base: num(r.n_wins_base),
      n_draws: num(r.n_draws),
      n_total: num(r.n_total),
      discrete_win_rate: num(r.discrete_win_rate),
      mode: r.mode ?? "",
      avg_length: num(r.avg_length),
      length_controlled_winrate: num(r.length_controlled_winrate),
      lc_standard_error: num(r.lc_standard_error),
    };
  });
}

/** null when the run has no eval/ folder or nothing to rank in it. */
export async function loadLeaderboard(evalDir: string | null): Promise<RunLeaderboard | null> {
  if (evalDir === null || !existsSync(evalDir)) return null;
  let files: string[] = [];
  try {
    files = findAnnotationFiles([evalDir]);
  } catch {
    files = [];
  }
  const csv = join(evalDir, "leaderboard.csv");
  if (existsSync(csv)) {
    const rows = readLeaderboardCsv(csv);
    if (rows.length === 0) return null;
    rows.sort((a, b) => b.length_controlled_winrate - a.length_controlled_winrate);
    return { rows, ours: annotationModels(files), source: csv };
  }
  if (files.length === 0) return null;
  const rows = await buildLeaderboard([evalDir]);
  return { rows, ours: annotationModels(files), source: `${evalDir} (annotations.json)` };
}
