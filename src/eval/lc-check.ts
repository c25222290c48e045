// The offline LC reproduction: estimate instruction difficulty from the shared annotations anchored on
// the published per-model coefficients, then (1) refit the full GLM for every annotated model and
// (2) predict every model of the coefficient table, each beside its published LC. Not the GLM itself.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { InputError } from "../util/errors.js";
import { type AnnotationFile, checkAligned, readAnnotations } from "./annotations.js";
import { type DifficultyEstimate, estimateDifficulty } from "./difficulty.js";
import { lcFromCoefficients } from "./glm.js";
import { buildGamedRows, type GamedSource, lcForFile, rowsOf } from "./lc.js";
import { type LcWeights, readLcWeights } from "./lc-weights.js";
import { meanAbsoluteError, spearman } from "./stats.js";

export const annotatorName = "weighted_alpaca_eval_gpt4_turbo";
export const gamedModels = ["gpt4_1106_preview_verbose", "gpt4_1106_preview_concise"];
const leaderboardFile = `leaderboards/src__alpaca_eval__leaderboards__data_AlpacaEval_2__${annotatorName}_leaderboard.csv`;
const weightsFile = `leaderboards/src__alpaca_eval__metrics__weights__${annotatorName}__length_controlled_v1__baseline_gpt4_1106_preview.csv`;

export interface LcCheckRow {
  model: string;
  published: number;
  reproduced: number;
  /** "refit": the full GLM on the model's annotations; "coefficients": published coefficients + our difficulty */
  method: "refit" | "coefficients";
  /** the model's outputs are in the data folder's results/ */
  shared: boolean;
}

export interface LcCheckSummary {
  n: number;
  mae: number;
  spearman: number;
}

export interface LcCheckReport {
  difficulty: DifficultyEstimate;
  refit: LcCheckRow[];
  coefficients: LcCheckRow[];
  summary: { refit: LcCheckSummary; sharedCoefficients: LcCheckSummary; allCoefficients: LcCheckSummary };
}

async function readOutputs(path: string): Promise<string[]> {
  const rows = JSON.parse(await readFile(path, "utf8")) as unknown;
  if (!Array.isArray(rows)) throw new InputError(`${path}: expected a JSON array of model outputs`);
  return rows.map((r: { output?: unknown }, i) => {
    if (typeof r.output !== "string") throw new InputError(`${path}: [${i}].output: expected a string`);
    return r.output;
  });
}

function summarise(rows: LcCheckRow[]): LcCheckSummary {
  const p = rows.map((r) => r.published);
  const q = rows.map((r) => r.reproduced);
  return { n: rows.length, mae: meanAbsoluteError(p, q), spearman: spearman(p, q) };
}

export async function readPublishedLc(path: string): Promise<Map<string, number>> {
  const rows = parse(await readFile(path, "utf8"), { columns: true }) as Record<string, string>[];
  return new Map(rows.map((r) => [r[""] ?? r.name ?? "", Number(r.length_controlled_winrate)]));
}

/** Runs the reproduction on an alpaca_eval data folder laid out like ../shared/data/alpaca_eval. */
export async function lcCheck(dataDir: string): Promise<LcCheckReport> {
  const weights: LcWeights = await readLcWeights(join(dataDir, weightsFile));
  const published = await readPublishedLc(join(dataDir, leaderboardFile));
  const resultsDir = join(dataDir, "results");
  const files: AnnotationFile[] = [];
  for (const model of readdirSync(resultsDir).sort()) {
    const path = join(resultsDir, model, annotatorName, "annotations.json");
    if (existsSync(path)) files.push(await readAnnotations(path));
  }
  checkAligned(files);
  const models = files.filter((f) => f.model !== f.baseline);
  const difficulty = estimateDifficulty(
    models.map((f) => ({ name: f.model, ...rowsOf(f), coef: weights.get(f.model) })),
  );
  const d = difficulty.difficulty;
  const reference = files[0]?.baseline ?? "gpt4_1106_preview";
  const gamed: GamedSource = {
    referenceOutputs: await readOutputs(join(resultsDir, reference, "model_outputs.json")),
    models: await Promise.all(
      gamedModels
        .filter((g) => existsSync(join(resultsDir, g, "model_outputs.json")))
        .map(async (name) => ({
          name,
          outputs: await readOutputs(join(resultsDir, name, "model_outputs.json")),
        })),
    ),
    weights,
  };
  const gamedRows = buildGamedRows(gamed, d);
  const refit: LcCheckRow[] = models.map((f) => ({
    model: f.model,
    published: published.get(f.model) ?? Number.NaN,
    reproduced: lcForFile(f, d, gamedRows).length_controlled_winrate,
    method: "refit",
    shared: true,
  }));
  const sharedNames = new Set(readdirSync(resultsDir));
  const coefficients: LcCheckRow[] = [...weights.entries()]
    .filter(([m]) => published.has(m) && m !== reference)
    .map(([m, c]) => ({
      model: m,
      published: published.get(m)!,
      reproduced: lcFromCoefficients(d, c[1], c[2])[0],
      method: "coefficients",
      shared: sharedNames.has(m),
    }));
  return {
    difficulty,
    refit,
    coefficients,
    summary: {
      refit: summarise(refit.filter((r) => Number.isFinite(r.published))),
      sharedCoefficients: summarise(coefficients.filter((r) => r.shared)),
      allCoefficients: summarise(coefficients),
    },
  };
}
