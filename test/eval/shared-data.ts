// Paths to the shared AlpacaEval data used as the independent reference by the eval tests.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { sharedDir } from "../shared-dir.js";

export const alpacaDir = join(sharedDir, "data/alpaca_eval");
export const leaderboardCsv = join(
  alpacaDir,
  "leaderboards/src__alpaca_eval__leaderboards__data_AlpacaEval_2__weighted_alpaca_eval_gpt4_turbo_leaderboard.csv",
);
export const weightsCsv = join(
  alpacaDir,
  "leaderboards/src__alpaca_eval__metrics__weights__weighted_alpaca_eval_gpt4_turbo__length_controlled_v1__baseline_gpt4_1106_preview.csv",
);

/** Models with weighted-judge annotations in the shared results folder. */
export function annotatedModels(): { model: string; path: string }[] {
  const dir = join(alpacaDir, "results");
  return readdirSync(dir)
    .map((model) => ({ model, path: join(dir, model, "weighted_alpaca_eval_gpt4_turbo/annotations.json") }))
    .filter((m) => existsSync(m.path));
}

export function publishedLeaderboard(): Map<string, Record<string, string>> {
  const rows = parse(readFileSync(leaderboardCsv, "utf8"), { columns: true }) as Record<string, string>[];
  return new Map(rows.map((r) => [r[""] ?? "", r]));
}
