// The files an alignment-handbook DPO job reads: its recipe YAML (TrlParser over handbook ScriptArguments +
// DPOConfig + ModelConfig; field names as in handbook recipes/zephyr-7b-beta/dpo/config_full.yaml and TRL
// 0.20-0.28's DPOConfig), an accelerate DeepSpeed ZeRO-3 config (handbook recipes/accelerate_configs/zero3.yaml)
// and launch.sh. Pure builders plus one writer; running the job is trl-trainer.ts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { EnginesConfig, TrainConfig } from "../config/index.js";
import { writeFileAtomic } from "../data/index.js";
import { ConfigError } from "../util/errors.js";

// TRL's DPOConfig.loss_type values (v0.28 docstring); prefloop's simpo is CPOTrainer's, not DPOTrainer's.
const TRL_DPO_LOSSES = new Set(["sigmoid", "ipo", "hinge", "robust", "sppo_hard", "apo_zero"]);

export interface TrlJob {
  iteration: number;
  /** model the job starts from (a local HF folder or a hub id); also the reference (handbook loads it twice) */
  model: string;
  /** the dataset folder holding train_iteration_<k>.parquet (absolute) */
  datasetDir: string;
  /** where TRL writes checkpoints and the final model (absolute) */
  outputDir: string;
  seed: number;
  train: TrainConfig;
  engine: EnginesConfig["trainer"];
}

/** The handbook DPO recipe (plain object; YAML by trlRecipeYaml). Keys are TRL/handbook field names. */
export function trlRecipe(job: TrlJob): Record<string, unknown> {
  const t = job.train;
  const bad = t.loss_type.filter((l) => !TRL_DPO_LOSSES.has(l));
  if (bad.length > 0)
    throw new ConfigError(`train.loss_type: ${bad.join(", ")} has no TRL DPOTrainer equivalent`, {
      hint: "with engines.trainer.type: trl use sigmoid, ipo, hinge, robust, sppo_hard or apo_zero",
    });
  const r: Record<string, unknown> = {
    // ModelConfig
    model_name_or_path: job.model,
    attn_implementation: "sdpa",
    // handbook ScriptArguments: the dataset is a local HF folder; only the message-list columns are kept so
    // TRL sees a conversational implicit-prompt dataset (as the zephyr recipe selects chosen/rejected).
    dataset_mixture: {
      datasets: [
        {
          id: job.datasetDir,
          config: "default",
          split: `train_iteration_${job.iteration}`,
          columns: ["chosen", "rejected"],
          weight: 1.0,
        },
      ],
      seed: job.seed,
    },
    dataset_num_proc: 4,
    // DPOConfig
    beta: t.beta,
    loss_type: t.loss_type,
    label_smoothing: t.label_smoothing,
    max_length: t.max_length,
    max_prompt_length: t.max_prompt_length,
    truncation_mode: t.truncation_mode,
    // TrainingArguments
    bf16: job.engine.bf16,
    do_eval: false,
    eval_strategy: "no",
    gradient_accumulation_steps: t.gradient_accumulation_steps,
    gradient_checkpointing: job.engine.gradient_checkpointing,
    gradient_checkpointing_kwargs: { use_reentrant: false },
    learning_rate: t.learning_rate,
    log_level: "info",
    logging_steps: t.logging_steps,
    lr_scheduler_type: t.lr_scheduler_type,
    num_train_epochs: t.num_train_epochs,
    max_steps: t.max_steps,
    optim: "adamw_torch",
    adam_beta1: t.adam_beta1,
    adam_beta2: t.adam_beta2,
    adam_epsilon: t.adam_epsilon,
    weight_decay: t.weight_decay,
    max_grad_norm: t.max_grad_norm,
    output_dir: job.outputDir,
    per_device_train_batch_size: t.per_device_train_batch_size,
    per_device_eval_batch_size: t.per_device_train_batch_size,
    push_to_hub: false,
    report_to: ["none"],
    save_strategy: t.save_steps > 0 ? "steps" : "no",
    save_steps: t.save_steps > 0 ? t.save_steps : 500,
    save_total_limit: 1,
    seed: job.seed,
    warmup_ratio: t.warmup_ratio,
  };
  if (t.loss_weights !== null) r.loss_weights = t.loss_weights;
  if (t.rpo_alpha !== null) r.rpo_alpha = t.rpo_alpha;
  if (t.ld_alpha !== null) r.ld_alpha = t.ld_alpha;
  if (t.use_peft) {
    Object.assign(r, {
      use_peft: true,
      lora_r: t.lora_r,
      lora_alpha: t.lora_alpha,
      lora_dropout: t.lora_dropout,
      lora_target_modules: t.lora_target_modules,
    });
  }
  return r;
}

/** accelerate's config (the handbook's zero3.yaml fields); ZeRO-3 off = plain multi-GPU DDP. */
export function accelerateConfig(engine: EnginesConfig["trainer"]): Record<string, unknown> {
  const common = {
    compute_environment: "LOCAL_MACHINE",
    debug: false,
    downcast_bf16: "no",
    machine_rank: 0,
    main_training_function: "main",
    mixed_precision: engine.bf16 ? "bf16" : "no",
    num_machines: 1,
    num_processes: engine.num_processes,
    rdzv_backend: "static",
    same_network: true,
    tpu_env: [],
    tpu_use_cluster: false,
    tpu_use_sudo: false,
    use_cpu: false,
  };
  if (!engine.deepspeed_zero3) return { ...common, distributed_type: "MULTI_GPU", gpu_ids: "all" };
  return {
    ...common,
    deepspeed_config: {
      deepspeed_multinode_launcher: "standard",
      offload_optimizer_device: "none",
      offload_param_device: "none",
      zero3_init_flag: true,
      zero3_save_16bit_model: true,
      zero_stage: 3,
    },
    distributed_type: "DEEPSPEED",
  };
}

const HEADER = "# Written by prefloop (engines.trainer.type: trl). Edit the recipe, not this file.\n";

export function trlRecipeYaml(job: TrlJob): string {
  return `${HEADER}${stringify(trlRecipe(job))}`;
}

/** Shell-quote one word for /bin/sh. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** launch.sh: the handbook's own command (ALIGNMENT_HANDBOOK = its checkout; default the working directory). */
export function launchScript(files: TrlFiles, engine: EnginesConfig["trainer"]): string {
  return [
    "#!/usr/bin/env bash",
    "# Written by prefloop: runs alignment-handbook's DPO script on this iteration's recipe.",
    "set -euo pipefail",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell default expansion, not a JS template
    'HANDBOOK="${ALIGNMENT_HANDBOOK:-.}"',
    `ACCELERATE_LOG_LEVEL=info exec accelerate launch --config_file ${shellQuote(files.accelerateConfig)} \\`,
    `  --num_processes ${engine.num_processes} "$HANDBOOK/scripts/dpo.py" --config ${shellQuote(files.recipe)}`,
    "",
  ].join("\n");
}

export interface TrlFiles {
  dir: string;
  recipe: string;
  accelerateConfig: string;
  launchScript: string;
}

/** Writes recipe.yaml, accelerate_config.yaml and launch.sh into `dir` (each atomically). */
export async function writeTrlFiles(dir: string, job: TrlJob): Promise<TrlFiles> {
  mkdirSync(dir, { recursive: true });
  const files: TrlFiles = {
    dir,
    recipe: join(dir, "recipe.yaml"),
    accelerateConfig: join(dir, "accelerate_config.yaml"),
    launchScript: join(dir, "launch.sh"),
  };
  await writeFileAtomic(files.recipe, trlRecipeYaml(job));
  await writeFileAtomic(files.accelerateConfig, `${HEADER}${stringify(accelerateConfig(job.engine))}`);
  await writeFileAtomic(files.launchScript, launchScript(files, job.engine));
  return files;
}
