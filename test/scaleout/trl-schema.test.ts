// The handbook recipe, accelerate config and dataset prefloop writes, checked against schemas written from the
// documentation of what reads them (strict: an unknown key fails, as TrlParser rejects unknown keys):
// - TRL v0.28.0 trl/trainer/dpo_config.py (DPOConfig fields; loss_type docstring values), trl/scripts/utils.py
//   (ScriptArguments), trl/trainer/model_config.py (ModelConfig); transformers TrainingArguments docs;
// - alignment-handbook src/alignment/configs.py (ScriptArguments.dataset_mixture: datasets[{id, config, split,
//   columns, weight}], seed, test_split_size) and recipes/zephyr-7b-beta/dpo/config_full.yaml;
// - alignment-handbook recipes/accelerate_configs/zero3.yaml (accelerate + DeepSpeed ZeRO-3 keys);
// - TRL dataset formats doc: conversational preference = chosen/rejected lists of {role, content}.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { parse } from "yaml";
import { z } from "zod";
import { recipeFromObject } from "../../src/config/index.js";
import { exportTrl } from "../../src/scaleout/index.js";
import { ConfigError } from "../../src/util/errors.js";

const msgs = z.array(z.strictObject({ role: z.enum(["system", "user", "assistant"]), content: z.string() }));
const handbookDpoRecipe = z.strictObject({
  // ModelConfig
  model_name_or_path: z.string(),
  attn_implementation: z.enum(["eager", "sdpa", "flash_attention_2"]).optional(),
  use_peft: z.boolean().optional(),
  lora_r: z.number().int().optional(),
  lora_alpha: z.number().optional(),
  lora_dropout: z.number().optional(),
  lora_target_modules: z.array(z.string()).optional(),
  // handbook ScriptArguments
  dataset_mixture: z.strictObject({
    datasets: z.array(
      z.strictObject({
        id: z.string(),
        config: z.string().nullable().optional(),
        split: z.string(),
        columns: z.array(z.string()).nullable().optional(),
        weight: z.number().nullable().optional(),
      }),
    ),
    seed: z.number().int().optional(),
    test_split_size: z.number().nullable().optional(),
  }),
  // DPOConfig
  dataset_num_proc: z.number().int().optional(),
  beta: z.number(),
  loss_type: z.array(
    z.enum([
      "sigmoid",
      "hinge",
      "ipo",
      "exo_pair",
      "nca_pair",
      "robust",
      "bco_pair",
      "sppo_hard",
      "aot",
      "aot_unpaired",
      "discopop",
      "apo_zero",
      "apo_down",
      "sft",
    ]),
  ),
  loss_weights: z.array(z.number()).optional(),
  label_smoothing: z.number(),
  rpo_alpha: z.number().optional(),
  ld_alpha: z.number().optional(),
  max_length: z.number().int(),
  max_prompt_length: z.number().int(),
  truncation_mode: z.enum(["keep_end", "keep_start"]),
  // TrainingArguments
  bf16: z.boolean(),
  do_eval: z.boolean(),
  eval_strategy: z.enum(["no", "steps", "epoch"]),
  gradient_accumulation_steps: z.number().int(),
  gradient_checkpointing: z.boolean(),
  gradient_checkpointing_kwargs: z.strictObject({ use_reentrant: z.boolean() }),
  learning_rate: z.number(),
  log_level: z.enum(["debug", "info", "warning", "error", "critical", "passive"]),
  logging_steps: z.number(),
  lr_scheduler_type: z.enum(["linear", "cosine", "constant", "constant_with_warmup"]),
  num_train_epochs: z.number(),
  max_steps: z.number().int(),
  optim: z.string(),
  adam_beta1: z.number(),
  adam_beta2: z.number(),
  adam_epsilon: z.number(),
  weight_decay: z.number(),
  max_grad_norm: z.number(),
  output_dir: z.string(),
  per_device_train_batch_size: z.number().int(),
  per_device_eval_batch_size: z.number().int(),
  push_to_hub: z.boolean(),
  report_to: z.array(z.string()),
  save_strategy: z.enum(["no", "steps", "epoch"]),
  save_steps: z.number(),
  save_total_limit: z.number().int(),
  seed: z.number().int(),
  warmup_ratio: z.number(),
});
const zero3 = z.strictObject({
  compute_environment: z.literal("LOCAL_MACHINE"),
  debug: z.boolean(),
  deepspeed_config: z.strictObject({
    deepspeed_multinode_launcher: z.string(),
    offload_optimizer_device: z.string(),
    offload_param_device: z.string(),
    zero3_init_flag: z.boolean(),
    zero3_save_16bit_model: z.boolean(),
    zero_stage: z.literal(3),
  }),
  distributed_type: z.literal("DEEPSPEED"),
  downcast_bf16: z.string(),
  machine_rank: z.number().int(),
  main_training_function: z.string(),
  mixed_precision: z.enum(["no", "fp16", "bf16"]),
  num_machines: z.number().int(),
  num_processes: z.number().int(),
  rdzv_backend: z.string(),
  same_network: z.boolean(),
  tpu_env: z.array(z.string()),
  tpu_use_cluster: z.boolean(),
  tpu_use_sudo: z.boolean(),
  use_cpu: z.boolean(),
});
const datasetRow = z.object({
  prompt_id: z.string(),
  prompt: z.string(),
  chosen: msgs,
  rejected: msgs,
  messages: msgs,
  score_chosen: z.number(),
  score_rejected: z.number(),
});

const row = (i: number) => ({
  prompt_id: `id${i}`,
  prompt: `q${i}`,
  chosen: [
    { role: "user" as const, content: `q${i}` },
    { role: "assistant" as const, content: "good" },
  ],
  rejected: [
    { role: "user" as const, content: `q${i}` },
    { role: "assistant" as const, content: "bad" },
  ],
  messages: [
    { role: "user" as const, content: `q${i}` },
    { role: "assistant" as const, content: "good" },
  ],
  score_chosen: 1,
  score_rejected: 0,
  all_generated_responses: ["good", "bad"],
  all_rm_scores: [1, 0],
});

test("the seed recipe's TRL export matches TRL / alignment-handbook / accelerate field names and types", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-trl-schema-"));
  try {
    const { recipe } = recipeFromObject(parse(readFileSync("recipes/snorkel-mistral-pairrm.yaml", "utf8")));
    const job = await exportTrl({
      recipe,
      iteration: 2,
      rows: [row(1), row(2), row(3)],
      startModel: "mistralai/Mistral-7B-Instruct-v0.2",
      outputDir: join(dir, "out"),
      dir: join(dir, "trl"),
      seed: 44,
    });
    const r = handbookDpoRecipe.parse(parse(readFileSync(job.files.recipe, "utf8")));
    // zephyr config_full.yaml values carried over from the recipe
    assert.equal(r.beta, 0.01);
    assert.equal(r.learning_rate, 5e-7);
    assert.equal(r.lr_scheduler_type, "cosine");
    assert.equal(r.per_device_train_batch_size, 8);
    assert.equal(r.gradient_accumulation_steps, 2);
    assert.deepEqual(r.dataset_mixture.datasets[0].columns, ["chosen", "rejected"]);
    assert.equal(r.dataset_mixture.datasets[0].split, "train_iteration_2");
    const acc = zero3.parse(parse(readFileSync(job.files.accelerateConfig, "utf8")));
    assert.equal(acc.num_processes, 8);
    assert.match(
      readFileSync(job.files.launchScript, "utf8"),
      /accelerate launch --config_file [\s\S]*scripts\/dpo\.py" --config /,
    );
    assert.equal(job.command, `bash ${job.files.launchScript}`);
    // dataset: Parquet splits with the documented columns and types (messages as list<struct<role, content>>)
    const file = join(job.datasetDir, "train_iteration_2.parquet");
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const meta = parquetMetadata(ab);
    assert.equal(Number(meta.num_rows), 3);
    const rows = await parquetReadObjects({ file: ab });
    for (const x of rows) datasetRow.parse(x);
    const test_ = readFileSync(join(job.datasetDir, "test_iteration_2.parquet"));
    assert.ok(test_.length > 0, "test split written (empty: prefloop evaluates held-out prompts itself)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("losses without a DPOTrainer equivalent are refused with the field named", async () => {
  const obj = parse(readFileSync("recipes/snorkel-mistral-pairrm.yaml", "utf8"));
  obj.train.loss_type = ["simpo"];
  const { recipe } = recipeFromObject(obj);
  await assert.rejects(
    exportTrl({
      recipe,
      iteration: 1,
      rows: [row(1)],
      startModel: "m",
      outputDir: "/tmp/x",
      dir: mkdtempSync(join(tmpdir(), "pf-trl-")),
      seed: 1,
    }),
    (e: unknown) => e instanceof ConfigError && /train\.loss_type: simpo/.test(e.message),
  );
});
