// Leaderboards in AlpacaEval's CSV columns (unnamed model column, win_rate, standard_error, n_wins,
// n_wins_base, n_draws, n_total, discrete_win_rate, mode, avg_length, length_controlled_winrate,
// lc_standard_error), sorted by LC like AlpacaEval 2.0, from annotation files or folders of them.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { InputError } from "../util/errors.js";
import { readAnnotations } from "./annotations.js";
import { type LcForFilesOptions, lcForFiles } from "./lc.js";
import { computeMetrics, type WinRateMetrics } from "./metrics.js";

export interface LeaderboardRow extends WinRateMetrics {
  name: string;
  mode: string;
  length_controlled_winrate: number;
  lc_standard_error: number;
}

export const leaderboardColumns = [
  "win_rate",
  "standard_error",
  "n_wins",
  "n_wins_base",
  "n_draws",
  "n_total",
  "discrete_win_rate",
  "mode",
  "avg_length",
  "length_controlled_winrate",
  "lc_standard_error",
] as const;

/** annotations.json files under each argument: the file itself, DIR/annotations.json, or one or two levels down. */
export function findAnnotationFiles(paths: string[], annotator?: string): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new InputError(`${p}: no such file or folder`);
    if (statSync(p).isFile()) {
      out.push(p);
      continue;
    }
    const direct = join(p, "annotations.json");
    if (existsSync(direct)) {
      out.push(direct);
      continue;
    }
    const found: string[] = [];
    for (const a of readdirSync(p).sort()) {
      const sub = join(p, a);
      if (!statSync(sub).isDirectory()) continue;
      if (existsSync(join(sub, "annotations.json"))) found.push(join(sub, "annotations.json"));
      else
        for (const b of readdirSync(sub).sort()) {
          const f = join(sub, b, "annotations.json");
          if (existsSync(f) && (annotator === undefined || b === annotator)) found.push(f);
        }
    }
    if (found.length === 0) throw new InputError(`${p}: no annotations.json in it or its subfolders`);
    out.push(...found);
  }
  return out;
}

export async function buildLeaderboard(
  paths: string[],
  opts: LcForFilesOptions & { mode?: string; annotator?: string } = {},
): Promise<LeaderboardRow[]> {
  const files = await Promise.all(findAnnotationFiles(paths, opts.annotator).map(readAnnotations));
  const { results } = lcForFiles(files, opts);
  const rows = files.map((f, i) => ({
    name: f.model,
    ...computeMetrics(f),
    mode: opts.mode ?? "community",
    length_controlled_winrate: results[i]!.length_controlled_winrate,
    lc_standard_error: results[i]!.lc_standard_error,
  }));
  return rows.sort((a, b) => b.length_controlled_winrate - a.length_controlled_winrate);
}

export function leaderboardCsv(rows: LeaderboardRow[]): string {
  return stringify([
    ["", ...leaderboardColumns],
    ...rows.map((r) => [r.name, ...leaderboardColumns.map((c) => r[c])]),
  ]);
}
