// The `train` stage: src/train's DPO settings (TRL DPOConfig / ModelConfig names, zephyr-7b-dpo defaults:
// beta 0.01, lr 5e-7, cosine, warmup 0.1, 1 epoch, max_length 1024, max_prompt_length 512) plus prefloop's
// `reference` choice. Fields, checks and descriptions come from src/train's dpoSettingsShape; only `seed`
// (the recipe's run-level seed is used) is dropped, and only the defaults overridden below differ.
import { z } from "zod";
import { checkDpoSettings, dpoSettingsShape, type LossType, lossTypes } from "../../train/index.js";

export const LOSS_TYPES: readonly LossType[] = lossTypes;
export type { LossType };

const { seed: _seed, ...fields } = dpoSettingsShape;

export const trainSchema = z
  .strictObject({
    ...fields,
    reference: z
      .enum(["previous", "base"])
      .default("previous")
      .describe(
        "previous | base. Reference policy of iteration k: the previous iterate (the seed recipe) or the original base model (RLHFlow, OpenRLHF).",
      ),
    // A run's defaults that differ from the trainer's zephyr ones: log every step, evaluate at the end,
    // checkpoint more often (a run is resumable), adapters on attention only (the handbook's LoRA recipes).
    logging_steps: fields.logging_steps
      .unwrap()
      .default(1)
      .describe("int > 0. Steps between train_log.jsonl lines (run default 1; trainer default 10)."),
    eval_steps: fields.eval_steps
      .unwrap()
      .default(0)
      .describe(
        "int >= 0. Steps between evaluations on the test split; 0 = at the end only (run default 0; trainer default 100).",
      ),
    save_steps: fields.save_steps
      .unwrap()
      .default(50)
      .describe(
        "int >= 0. Steps between resumable checkpoints; 0 = off (run default 50; trainer default 100).",
      ),
    lora_target_modules: fields.lora_target_modules
      .unwrap()
      .default(["q_proj", "k_proj", "v_proj", "o_proj"])
      .describe(
        "list of strings. Linear layers that get adapters (HF names; run default attention only, trainer default attention + MLP).",
      ),
  })
  .superRefine(checkDpoSettings)
  .describe("DPO training of the iteration's policy on its pairs.");

export type TrainConfig = z.infer<typeof trainSchema>;
