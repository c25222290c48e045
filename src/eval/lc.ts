// Length-controlled win rates from annotation files: the per-file GLM rows, the gamed-baseline rows
// upstream regularises towards (rebuilt from the gamed models' outputs and published coefficients,
// since alpaca_eval's df_gamed.csv is not available offline), and the per-model LC. Not the solver.
import { sigmoid } from "./logistic-l1.js";
import type { AnnotationFile } from "./annotations.js";
import {
  type GamedRows,
  type GlmOptions,
  glmRows,
  type LcResult,
  lengthControlledWinrate,
  lengthFeature,
} from "./glm.js";
import type { LcWeights } from "./lc-weights.js";

export function rowsOf(file: AnnotationFile) {
  return glmRows(
    file.rows.map((r) => r.output_1),
    file.rows.map((r) => r.output_2),
    file.rows.map((r) => r.preference),
  );
}

/**
 * Gamed-baseline rows: the reference's outputs against a gamed model's (e.g. gpt4_1106_preview_verbose),
 * labelled with that model's expected preference under its published coefficients (soft labels carry
 * the same information to the log loss as the judge's preferences would, in expectation).
 */
export function gamedRowsFromCoefficients(
  referenceOutputs: string[],
  gamedOutputs: string[],
  coef: [number, number, number],
  difficulty: ArrayLike<number>,
): GamedRows {
  const t = lengthFeature(referenceOutputs, gamedOutputs);
  const label = t.map((ti, i) => sigmoid(coef[0] * ti + coef[1] * difficulty[i]! + coef[2]));
  return { tanhDelta: t, label, index: Int32Array.from({ length: t.length }, (_, i) => i) };
}

export interface GamedSource {
  referenceOutputs: string[];
  models: { name: string; outputs: string[] }[];
  weights: LcWeights;
}

export function buildGamedRows(src: GamedSource | undefined, difficulty: ArrayLike<number>): GamedRows[] {
  if (src === undefined) return [];
  return src.models.flatMap((m) => {
    const coef = src.weights.get(m.name);
    return coef ? [gamedRowsFromCoefficients(src.referenceOutputs, m.outputs, coef, difficulty)] : [];
  });
}

export function lcForFile(
  file: AnnotationFile,
  difficulty: ArrayLike<number>,
  gamed: GamedRows[],
  opts: GlmOptions = {},
): LcResult {
  return lengthControlledWinrate(rowsOf(file), difficulty, gamed, {
    ...opts,
    regularizeLambda: gamed.length > 0 ? (opts.regularizeLambda ?? 0.2) : 0,
    isBaseline: file.model === file.baseline,
  });
}
