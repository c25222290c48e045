// Length control for reward scores, selectable per recipe: a length penalty (score − λ·length) or the
// residual of a least-squares fit score ~ a + b·length over the whole batch (rank by what length does
// not explain). The third control, pairs within a length ratio, is a pair-selection rule (pairs.ts).
import { z } from "zod";
import type { Tokenizer } from "../text/index.js";
import { lengthOf } from "./scorers/builtins.js";

export const lengthUnitSchema = z.enum(["chars", "words", "tokens"]).describe("how length is counted");

export const lengthControlSchema = z
  .discriminatedUnion("mode", [
    z.object({ mode: z.literal("none") }).strict(),
    z
      .object({
        mode: z.literal("penalty"),
        lambda: z.number().min(0).describe("score − lambda · length/per"),
        per: z.number().positive().default(1000).describe("length unit of lambda: per 1000 chars by default"),
        unit: lengthUnitSchema.default("chars"),
      })
      .strict(),
    z.object({ mode: z.literal("residual"), unit: lengthUnitSchema.default("chars") }).strict(),
  ])
  .default({ mode: "none" })
  .describe("length control applied to the ranker's scores before pairs are built");
export type LengthControl = z.infer<typeof lengthControlSchema>;

export interface ScoredGroup {
  candidates: string[];
  scores: number[];
}

/** Ordinary least squares of y on x: y ≈ intercept + slope·x (slope 0 when x is constant). */
export function fitLine(x: number[], y: number[]): { intercept: number; slope: number } {
  const n = x.length;
  if (n === 0) return { intercept: 0, slope: 0 };
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/** Length-controlled scores for every group of a batch (the residual mode needs the whole batch). */
export function applyLengthControl(
  groups: ScoredGroup[],
  control: LengthControl,
  tokenizer?: Tokenizer,
): number[][] {
  if (control.mode === "none") return groups.map((g) => g.scores.slice());
  const lengths = groups.map((g) => g.candidates.map((c) => lengthOf(c, control.unit, tokenizer)));
  if (control.mode === "penalty") {
    return groups.map((g, k) => g.scores.map((s, i) => s - (control.lambda * lengths[k][i]) / control.per));
  }
  const xs: number[] = [];
  const ys: number[] = [];
  groups.forEach((g, k) => {
    g.scores.forEach((s, i) => {
      if (Number.isFinite(s)) {
        xs.push(lengths[k][i]);
        ys.push(s);
      }
    });
  });
  const { intercept, slope } = fitLine(xs, ys);
  return groups.map((g, k) => g.scores.map((s, i) => s - (intercept + slope * lengths[k][i])));
}
