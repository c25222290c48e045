// Length-controlled win rates from annotation files: the per-file GLM rows, the gamed-baseline rows
// upstream regularises towards (rebuilt from the gamed models' outputs and published coefficients,
// since alpaca_eval's df_gamed.csv is not available offline), and the per-model LC. Not the solver.
import { InputError } from "../util/errors.js";
import { type AnnotationFile, checkAligned } from "./annotations.js";
import { type DifficultyEstimate, estimateDifficulty } from "./difficulty.js";
import { sigmoid } from "./logistic-l1.js";
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

export interface LcForFilesOptions {
  /** instruction difficulty by row; estimated from the files when absent */
  difficulty?: ArrayLike<number>;
  /** published coefficients: anchor the difficulty estimate and label the gamed rows */
  weights?: LcWeights;
  /** gamed baselines' outputs (regularise the length and difficulty terms as upstream); needs weights */
  gamedOutputs?: { name: string; outputs: string[] }[];
}

/** LC for several annotation files judged on the same instructions against the same reference. */
export function lcForFiles(
  files: AnnotationFile[],
  opts: LcForFilesOptions = {},
): { results: LcResult[]; difficulty: Float64Array; estimated: DifficultyEstimate | null } {
  checkAligned(files);
  let estimated: DifficultyEstimate | null = null;
  let difficulty: Float64Array;
  if (opts.difficulty !== undefined) {
    difficulty = Float64Array.from(opts.difficulty);
    const n = files[0]?.rows.length ?? 0;
    if (difficulty.length !== n) {
      throw new InputError(
        `difficulty: expected ${n} values (one per instruction), got ${difficulty.length}`,
      );
    }
  } else {
    const models = files.filter((f) => f.model !== f.baseline);
    if (models.length === 0)
      throw new InputError(
        `${files[0]?.path ?? "annotations"}: no model other than the reference to estimate difficulty from`,
      );
    estimated = estimateDifficulty(
      models.map((f) => ({ name: f.model, ...rowsOf(f), coef: opts.weights?.get(f.model) })),
    );
    difficulty = estimated.difficulty;
  }
  const first = files[0];
  const gamed =
    opts.weights !== undefined && opts.gamedOutputs !== undefined && first !== undefined
      ? buildGamedRows(
          {
            referenceOutputs: first.rows.map((r) => r.output_1),
            models: opts.gamedOutputs,
            weights: opts.weights,
          },
          difficulty,
        )
      : [];
  return { results: files.map((f) => lcForFile(f, difficulty, gamed)), difficulty, estimated };
}
