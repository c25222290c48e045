// Settings of `prefloop rm train`, with TRL RewardConfig / HF TrainingArguments names (snake_case, as in TRL
// configs), each field documented; defaults suit small CPU backbones (TRL's 7B defaults are noted).
// Not the data reader or the loop.
import { z } from "zod";
import { ConfigError } from "../util/errors.js";

export const rmSettingsSchema = z
  .object({
    loss: z
      .enum(["auto", "bt", "bce", "mse", "pairwise"])
      .default("auto")
      .describe(
        "bt: Bradley–Terry on chosen/rejected; bce/mse: pointwise labels/scores; pairwise: PairRM-style; auto: from the data",
      ),
    learning_rate: z
      .number()
      .positive()
      .default(1e-3)
      .describe("TRL's default 1e-5 suits 7B; small backbones need more"),
    lr_scheduler_type: z.enum(["linear", "cosine", "constant", "constant_with_warmup"]).default("linear"),
    warmup_ratio: z.number().min(0).max(1).default(0.05),
    num_train_epochs: z.number().positive().default(1),
    max_steps: z.number().int().default(-1).describe("> 0 overrides num_train_epochs"),
    per_device_train_batch_size: z.number().int().positive().default(8),
    per_device_eval_batch_size: z.number().int().positive().default(16),
    gradient_accumulation_steps: z.number().int().positive().default(1),
    weight_decay: z.number().min(0).default(0),
    adam_beta1: z.number().min(0).max(1).default(0.9),
    adam_beta2: z.number().min(0).max(1).default(0.999),
    adam_epsilon: z.number().positive().default(1e-8),
    max_grad_norm: z.number().positive().default(1),
    max_length: z
      .number()
      .int()
      .positive()
      .default(512)
      .describe("tokens per sequence (longer: keep the end)"),
    source_maxlength: z
      .number()
      .int()
      .min(3)
      .default(1224)
      .describe("PairRM backbones: llm-blender's source budget in tokens, counting [CLS] and [SEP]"),
    candidate_maxlength: z
      .number()
      .int()
      .min(4)
      .default(412)
      .describe("PairRM backbones: each candidate's budget (plus half the source budget left unused)"),
    center_rewards_coefficient: z
      .number()
      .min(0)
      .nullable()
      .default(null)
      .describe("TRL: adds c · mean((r_chosen + r_rejected)²) (Eisenstein et al. 2023; 0.01 recommended)"),
    eval_split: z
      .number()
      .min(0)
      .max(0.9)
      .default(0.1)
      .describe("held-out fraction when the data has no test split"),
    use_peft: z.boolean().default(false).describe("LoRA adapters (score head stays fully trained)"),
    lora_r: z.number().int().positive().default(16),
    lora_alpha: z.number().positive().default(32),
    lora_target_modules: z
      .array(z.string())
      .default(["q_proj", "k_proj", "v_proj", "o_proj"])
      .describe(
        "PairRM: q/k/v_proj mean DeBERTa's query/key/value_proj (o_proj has no match); all-linear adds dense",
      ),
    seed: z.number().int().default(42),
    logging_steps: z.number().int().positive().default(10),
    eval_steps: z.number().int().min(0).default(0).describe("0: evaluate at the end only"),
    save_steps: z.number().int().min(0).default(0).describe("checkpoint every N steps (0: none)"),
    save_total_limit: z.number().int().positive().default(2),
  })
  .strict();

export type RmSettings = z.infer<typeof rmSettingsSchema>;
export type RmSettingsInput = z.input<typeof rmSettingsSchema>;

export function parseRmSettings(input: unknown, where = "rm settings"): RmSettings {
  const r = rmSettingsSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(`${where}: ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}
