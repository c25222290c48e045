// The published GLM coefficient table (alpaca_eval metrics/weights/<annotator>/length_controlled_v1/
// baseline_<ref>.csv: one row per model, columns in glmColumns order) and upstream's predict_winrate:
// LC of model vs baseline = 100·mean_i σ(Δintercept + Δb·difficulty_i). Not the fit (glm.ts).
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { InputError } from "../util/errors.js";
import { glmColumns } from "./glm.js";
import { sigmoid } from "./logistic-l1.js";

/** model → [length, difficulty, intercept] */
export type LcWeights = Map<string, [number, number, number]>;

export function parseLcWeights(text: string, path: string): LcWeights {
  let rows: string[][];
  try {
    rows = parse(text, { relaxColumnCount: false }) as string[][];
  } catch (e) {
    throw new InputError(`${path}: not a CSV (${(e as Error).message})`, { cause: e });
  }
  const header = rows[0];
  if (header === undefined) throw new InputError(`${path}: empty coefficient table`);
  const cols = glmColumns.map((c) => header.indexOf(c));
  cols.forEach((c, k) => {
    if (c < 0) throw new InputError(`${path}: line 1: expected a column "${glmColumns[k]}"`);
  });
  const out: LcWeights = new Map();
  rows.slice(1).forEach((r, i) => {
    const v = cols.map((c) => Number(r[c]));
    if (v.some((x) => !Number.isFinite(x))) {
      throw new InputError(`${path}: line ${i + 2}: expected three numeric coefficients for "${r[0]}"`);
    }
    out.set(r[0] ?? "", [v[0]!, v[1]!, v[2]!]);
  });
  return out;
}

export async function readLcWeights(path: string): Promise<LcWeights> {
  try {
    return parseLcWeights(await readFile(path, "utf8"), path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read the coefficient table (${(e as Error).message})`, {
      cause: e,
    });
  }
}

function lookup(weights: LcWeights, model: string): [number, number, number] {
  const w = weights.get(model);
  if (w === undefined) throw new InputError(`coefficient table: no row for model "${model}"`);
  return w;
}

/** Upstream predict_winrate: LC (in %) of `model` against `baseline` from the coefficient table. */
export function predictWinrate(
  weights: LcWeights,
  model: string,
  baseline: string,
  difficulty: ArrayLike<number>,
): number {
  const m = lookup(weights, model);
  const b = lookup(weights, baseline);
  const dB = m[1] - b[1];
  const dC = m[2] - b[2];
  let s = 0;
  for (let i = 0; i < difficulty.length; i++) s += sigmoid(dC + dB * difficulty[i]!);
  return (s / difficulty.length) * 100;
}
