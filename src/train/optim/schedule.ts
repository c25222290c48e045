// Learning-rate schedules with HF transformers' semantics (get_linear_schedule_with_warmup,
// get_cosine_schedule_with_warmup with num_cycles 0.5, get_constant_schedule_with_warmup):
// the lr used at optimizer step k (0-based) is base·λ(k), so step 0 of a warmup runs at lr 0.
import { ConfigError } from "../../util/errors.js";

export type ScheduleKind = "linear" | "cosine" | "constant" | "constant_with_warmup";

/** HF TrainingArguments.get_warmup_steps: ceil(total · ratio). */
export function warmupSteps(totalSteps: number, warmupRatio: number): number {
  return Math.ceil(totalSteps * warmupRatio);
}

export function lrLambda(kind: ScheduleKind, step: number, warmup: number, total: number): number {
  if (kind === "constant") return 1;
  if (step < warmup) return step / Math.max(1, warmup);
  switch (kind) {
    case "constant_with_warmup":
      return 1;
    case "linear":
      return Math.max(0, (total - step) / Math.max(1, total - warmup));
    case "cosine": {
      const progress = (step - warmup) / Math.max(1, total - warmup);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
    default:
      throw new ConfigError(`lr_scheduler_type: unknown schedule '${String(kind)}'`, {
        hint: "one of linear, cosine, constant, constant_with_warmup",
      });
  }
}

export function learningRate(
  kind: ScheduleKind,
  baseLr: number,
  step: number,
  warmup: number,
  total: number,
): number {
  return baseLr * lrLambda(kind, step, warmup, total);
}
