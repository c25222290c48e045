// DPO training settings: one zod schema, TRL/HF TrainingArguments names (snake_case, as in recipes and
// `--set key=value`), each field described. Defaults are the alignment-handbook zephyr-7b-beta DPO recipe
// (recipes/zephyr-7b-beta/dpo/config_full.yaml); `smallModelDefaults` is the measured preset for the
// bundled 260K-parameter story model. Unknown keys are rejected.
import { z } from "zod";
import { ConfigError } from "../util/errors.js";
import { lossTypes } from "./losses/combine.js";

const int = () => z.number().int();

/**
 * The fields, one source of truth: the recipe's `train` stage (src/config/schema/train.ts) spreads this shape,
 * adds `reference`, and overrides only the defaults it documents as differing for a run.
 */
export const dpoSettingsShape = {
  beta: z
    .number()
    .positive()
    .default(0.01)
    .describe("float > 0. DPO temperature: how far the policy may move from the reference (zephyr: 0.01)."),
  loss_type: z
    .array(z.enum(lossTypes as [string, ...string[]]))
    .min(1)
    .default(["sigmoid"])
    .describe(
      "list of sigmoid | ipo | hinge | robust | sppo_hard | apo_zero | simpo | sft. Losses summed with loss_weights, like TRL's loss_type list. simpo and sft are reference-free.",
    ),
  loss_weights: z
    .array(z.number().min(0))
    .nullable()
    .default(null)
    .describe("list of floats | null. One weight per loss_type entry; null = all 1."),
  label_smoothing: z
    .number()
    .min(0)
    .lt(0.5)
    .default(0)
    .describe("float in [0, 0.5). Assumed label-flip rate for cDPO (sigmoid), the robust loss and SimPO."),
  rpo_alpha: z
    .number()
    .min(0)
    .nullable()
    .default(null)
    .describe(
      "float >= 0 | null. Weight of an SFT (NLL) term on chosen (RPO; TRL's loss_type 'sft'); null = off.",
    ),
  simpo_gamma: z.number().min(0).default(0.5).describe("float >= 0. SimPO target margin ratio gamma/beta."),
  ld_alpha: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .default(null)
    .describe(
      "float in [0, 1] | null. LD-DPO length desensitisation: weight of the tokens past the shorter response; null = off.",
    ),
  learning_rate: z
    .number()
    .positive()
    .default(5e-7)
    .describe("float > 0. Peak learning rate (zephyr: 5e-7)."),
  lr_scheduler_type: z
    .enum(["linear", "cosine", "constant", "constant_with_warmup"])
    .default("cosine")
    .describe("linear | cosine | constant | constant_with_warmup. Decay after warmup."),
  warmup_ratio: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe("float in [0, 1]. Fraction of steps warming up (warmup steps = ceil(ratio x total))."),
  num_train_epochs: z.number().positive().default(1).describe("float > 0. Passes over the training pairs."),
  max_steps: int()
    .min(-1)
    .default(-1)
    .describe("int >= -1. Optimizer steps; -1 = derive from num_train_epochs."),
  per_device_train_batch_size: int()
    .positive()
    .default(8)
    .describe("int > 0. Pairs per micro-batch (per device)."),
  per_device_eval_batch_size: int().positive().default(8).describe("int > 0. Pairs per evaluation batch."),
  gradient_accumulation_steps: int()
    .positive()
    .default(2)
    .describe(
      "int > 0. Micro-batches per optimizer step; effective batch = per_device_train_batch_size x this (x processes).",
    ),
  max_grad_norm: z.number().min(0).default(1).describe("float >= 0. Global-norm clipping; 0 = off."),
  weight_decay: z
    .number()
    .min(0)
    .default(0)
    .describe("float >= 0. AdamW decoupled weight decay (not on norms and biases)."),
  adam_beta1: z.number().min(0).lt(1).default(0.9).describe("float in [0, 1). AdamW beta1."),
  adam_beta2: z.number().min(0).lt(1).default(0.999).describe("float in [0, 1). AdamW beta2."),
  adam_epsilon: z.number().positive().default(1e-8).describe("float > 0. AdamW epsilon."),
  max_length: int().positive().default(1024).describe("int > 0. Prompt + response tokens kept."),
  max_prompt_length: int().positive().default(512).describe("int > 0. Prompt tokens kept."),
  truncation_mode: z
    .enum(["keep_end", "keep_start"])
    .default("keep_end")
    .describe(
      "keep_end | keep_start. Which end of an over-long prompt survives (TRL <= 0.11's truncation_mode).",
    ),
  seed: int().default(42).describe("int. Data order and LoRA initialisation."),
  logging_steps: int().positive().default(10).describe("int > 0. Steps between train_log.jsonl lines."),
  eval_steps: int()
    .min(0)
    .default(100)
    .describe("int >= 0. Steps between evaluations on the test split; 0 = at the end only."),
  save_steps: int().min(0).default(100).describe("int >= 0. Steps between resumable checkpoints; 0 = off."),
  save_total_limit: int().positive().default(2).describe("int > 0. Checkpoints kept."),
  use_peft: z
    .boolean()
    .default(false)
    .describe("bool. Train LoRA adapters instead of all weights (merged on save)."),
  lora_r: int().positive().default(16).describe("int > 0. LoRA rank."),
  lora_alpha: z
    .number()
    .positive()
    .default(32)
    .describe("float > 0. LoRA scale numerator (scale = lora_alpha / lora_r)."),
  lora_dropout: z
    .literal(0)
    .default(0)
    .describe("0. Dropout on the adapter input: only 0 is supported (adapters are merged into the weights)."),
  lora_target_modules: z
    .array(z.string().min(1))
    .min(1)
    .default(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    .describe("list of strings. Linear layers that get adapters (HF names)."),
};

/** Cross-field checks shared by the trainer's and the recipe's schema. */
export function checkDpoSettings(
  s: { max_length: number; max_prompt_length: number; loss_type: string[]; loss_weights: number[] | null },
  ctx: z.RefinementCtx,
): void {
  if (s.loss_weights !== null && s.loss_weights.length !== s.loss_type.length) {
    ctx.addIssue({
      code: "custom",
      path: ["loss_weights"],
      message: `expected ${s.loss_type.length} weight(s), one per loss_type entry, got ${s.loss_weights.length}`,
    });
  }
  if (s.max_prompt_length >= s.max_length) {
    ctx.addIssue({
      code: "custom",
      path: ["max_prompt_length"],
      message: `expected less than max_length (${s.max_length}), got ${s.max_prompt_length}`,
    });
  }
}

export const dpoSettingsSchema = z.strictObject(dpoSettingsShape).superRefine(checkDpoSettings);

export type DpoSettings = z.output<typeof dpoSettingsSchema>;
export type DpoSettingsInput = z.input<typeof dpoSettingsSchema>;

/**
 * Preset for the bundled stories260K model (d 64, 5 layers). Measured with bench/train-small.ts (400
 * synthetic story pairs, 100 held out, native backend, 2 threads): one epoch = 50 steps in 30 s wall
 * (11 s CPU), held-out reward accuracy 1.00 from step 20 on (margin 10.3 at the end) with lr 5e-4 and
 * β 0.1. A 260K model's log-probs move little per step, hence an lr 1000x zephyr's.
 */
export const smallModelDefaults: DpoSettingsInput = {
  beta: 0.1,
  learning_rate: 5e-4,
  lr_scheduler_type: "cosine",
  warmup_ratio: 0.1,
  num_train_epochs: 1,
  per_device_train_batch_size: 8,
  per_device_eval_batch_size: 16,
  gradient_accumulation_steps: 1,
  max_length: 256,
  max_prompt_length: 128,
  logging_steps: 1,
  eval_steps: 20,
  save_steps: 50,
};

/** Parse settings (defaults < overrides), turning zod issues into one-line ConfigErrors naming the field. */
export function parseDpoSettings(input: unknown, source = "train settings"): DpoSettings {
  const r = dpoSettingsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join(".") || "(root)";
  throw new ConfigError(`${source}: ${field}: ${issue.message}`, {
    hint: "see `prefloop train --help` for every setting and its default",
  });
}

/** `key=value` flag parsing: JSON values (numbers, booleans, null, arrays) or bare strings; lists by comma. */
export function parseSetFlags(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new ConfigError(`--set ${p}: expected key=value`);
    const key = p.slice(0, eq).trim();
    const raw = p.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const listKeys = new Set(["loss_type", "loss_weights", "lora_target_modules"]);
    if (listKeys.has(key) && !Array.isArray(value)) {
      value = String(raw)
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x.length > 0)
        .map((x) => (key === "loss_weights" ? Number(x) : x));
    }
    out[key] = value;
  }
  return out;
}
