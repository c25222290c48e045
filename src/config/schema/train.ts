// The `train` stage: DPO hyper-parameters under TRL's DPOConfig / ModelConfig names (src/train's DpoSettings
// uses the same), plus prefloop's `reference` choice. Defaults are the alignment-handbook zephyr-7b-dpo values
// (beta 0.01, lr 5e-7, cosine, warmup 0.1, 1 epoch, max_length 1024, max_prompt_length 512); recipes for tiny
// models override them.
import { z } from "zod";

export const LOSS_TYPES = ["sigmoid", "ipo", "hinge", "robust", "sppo_hard", "apo_zero", "simpo"] as const;

const int = () => z.number().int();

export const trainSchema = z
  .strictObject({
    beta: z
      .number()
      .positive()
      .default(0.01)
      .describe("float > 0. DPO temperature: how far the policy may move from the reference (zephyr: 0.01)."),
    loss_type: z
      .array(z.enum(LOSS_TYPES))
      .min(1)
      .default(["sigmoid"])
      .describe(
        "list of sigmoid | ipo | hinge | robust | sppo_hard | apo_zero | simpo. Losses summed with loss_weights, like TRL's loss_type list. simpo is reference-free.",
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
      .describe("float in [0, 0.5). Assumed label-flip rate for the robust loss (cDPO)."),
    simpo_gamma: z.number().min(0).default(0.5).describe("float >= 0. SimPO target margin ratio gamma/beta."),
    rpo_alpha: z
      .number()
      .min(0)
      .nullable()
      .default(null)
      .describe(
        "float >= 0 | null. Weight of an SFT (NLL) term on chosen (RPO; TRL's loss_type 'sft'); null = off.",
      ),
    ld_alpha: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .default(null)
      .describe(
        "float in [0, 1] | null. LD-DPO length desensitisation: weight of the tokens past the shorter response; null = off.",
      ),
    reference: z
      .enum(["previous", "base"])
      .default("previous")
      .describe(
        "previous | base. Reference policy of iteration k: the previous iterate (the seed recipe) or the original base model (RLHFlow, OpenRLHF).",
      ),
    learning_rate: z
      .number()
      .positive()
      .default(5e-7)
      .describe("float > 0. Peak learning rate (zephyr: 5e-7)."),
    lr_scheduler_type: z
      .enum(["linear", "cosine", "constant"])
      .default("cosine")
      .describe("linear | cosine | constant. Decay after warmup."),
    warmup_ratio: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe("float in [0, 1]. Fraction of steps warming up."),
    num_train_epochs: z
      .number()
      .positive()
      .default(1)
      .describe("float > 0. Passes over the iteration's pairs."),
    max_steps: int()
      .min(-1)
      .default(-1)
      .describe("int >= -1. Optimizer steps; -1 = derive from num_train_epochs."),
    per_device_train_batch_size: int()
      .positive()
      .default(8)
      .describe("int > 0. Pairs per micro-batch (per device)."),
    gradient_accumulation_steps: int()
      .positive()
      .default(2)
      .describe(
        "int > 0. Micro-batches per optimizer step; effective batch = per_device_train_batch_size x this (x processes).",
      ),
    max_length: int().positive().default(1024).describe("int > 0. Prompt + response tokens kept."),
    max_prompt_length: int().positive().default(512).describe("int > 0. Prompt tokens kept."),
    truncation_mode: z
      .enum(["keep_end", "keep_start"])
      .default("keep_end")
      .describe("keep_end | keep_start. Which end of an over-long prompt survives (TRL's truncation_mode)."),
    weight_decay: z.number().min(0).default(0).describe("float >= 0. AdamW decoupled weight decay."),
    adam_beta1: z.number().min(0).lt(1).default(0.9).describe("float in [0, 1). AdamW beta1."),
    adam_beta2: z.number().min(0).lt(1).default(0.999).describe("float in [0, 1). AdamW beta2."),
    adam_epsilon: z.number().positive().default(1e-8).describe("float > 0. AdamW epsilon."),
    max_grad_norm: z.number().min(0).default(1).describe("float >= 0. Global-norm clipping; 0 = off."),
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
      .default(["q_proj", "k_proj", "v_proj", "o_proj"])
      .describe("list of strings. Linear layers that get adapters (HF names)."),
    logging_steps: int().positive().default(1).describe("int > 0. Steps between train_log.jsonl lines."),
    eval_steps: int()
      .min(0)
      .default(0)
      .describe("int >= 0. Steps between evaluations on the test split; 0 = at the end only."),
    save_steps: int().min(0).default(50).describe("int >= 0. Steps between resumable checkpoints; 0 = off."),
  })
  .superRefine((t, ctx) => {
    if (t.loss_weights !== null && t.loss_weights.length !== t.loss_type.length) {
      ctx.addIssue({
        code: "custom",
        path: ["loss_weights"],
        message: `expected ${t.loss_type.length} weight(s), one per loss_type entry, got ${t.loss_weights.length}`,
      });
    }
    if (t.max_prompt_length >= t.max_length) {
      ctx.addIssue({
        code: "custom",
        path: ["max_prompt_length"],
        message: `expected less than max_length (${t.max_length}), got ${t.max_prompt_length}`,
      });
    }
  })
  .describe("DPO training of the iteration's policy on its pairs.");

export type TrainConfig = z.infer<typeof trainSchema>;
export type LossType = (typeof LOSS_TYPES)[number];
