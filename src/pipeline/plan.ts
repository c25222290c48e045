// `prefloop run --dry-run`: the plan of a run without loading anything — stages, counts, models, and the
// commands external engines would launch; marks stages already done when the run folder exists.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Recipe } from "../config/index.js";
import type { RankerSpec } from "../reward/index.js";
import { type ITERATION_STAGES, stageIds, startModelPath } from "./controller.js";
import { samplingFor } from "./iteration-stages.js";
import type { Manifest } from "./manifest.js";
import { RunDirectory } from "./run-dir.js";

export interface PlanStep {
  id: string;
  what: string;
  /** external command this stage would launch, if any */
  command?: string;
}

export interface RunPlan {
  header: string[];
  steps: PlanStep[];
  notes: string[];
}

const size = (v: number | null, what: string): string =>
  v === null
    ? `the rest of the pool split evenly (${what})`
    : v < 1
      ? `${(v * 100).toFixed(1)}% of the pool`
      : `${v}`;

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/** Local paths are checked; hub ids (org/name, no ./ or /) are left to the engine that loads them. */
function pathNote(path: string, hubIdAllowed = false): string {
  if (existsSync(path)) return path;
  const looksLocal = path.startsWith("/") || path.startsWith(".");
  if (hubIdAllowed && !looksLocal && /^[\w.-]+\/[\w.-]+$/.test(path)) return `${path} (Hugging Face hub id)`;
  return `${path} (NOT FOUND: download or create it before running)`;
}

export function planRun(recipe: Recipe, outDir: string): RunPlan {
  const K = recipe.iterations;
  const p = recipe.prompts;
  const gen = recipe.engines.generator;
  const tr = recipe.engines.trainer;
  const rk = recipe.rank;
  const notes: string[] = [];
  const perIter = p.per_iteration;
  const test = p.test_per_iteration;
  const countOrNull = (v: number | null) => (v !== null && v >= 1 ? v : null);
  const header = [
    `run ${recipe.name} -> ${outDir}  (seed ${recipe.seed}, ${K} iteration(s), threads ${recipe.threads || "all"})`,
    `model:    ${pathNote(recipe.model.path, gen.type !== "local" || tr.type !== "local")}  [chat template: ${recipe.model.chat_template}]`,
    `prompts:  ${pathNote(p.source)}  [${p.format}${p.split_name ? `, split ${p.split_name}` : ""}${p.limit ? `, limit ${p.limit}` : ""}]; per iteration ${size(perIter, `${K} parts`)} to train, ${size(test, "")} held out`,
    `ranker:   ${describeSpec(rk.ranker)}${rk.length_control.mode !== "none" ? `; length control ${rk.length_control.mode}` : ""}`,
    `judge:    ${recipe.eval.judge ? describeSpec(recipe.eval.judge) : "the training ranker (set eval.judge for an independent judge)"}`,
    `engines:  generator ${gen.type}${gen.base_url ? ` @ ${gen.base_url}` : ""}, trainer ${tr.type}${tr.type === "trl" ? ` (${tr.num_processes} processes${tr.deepspeed_zero3 ? ", DeepSpeed ZeRO-3" : ""}${tr.bf16 ? ", bf16" : ""})` : ""}`,
  ];
  const heldOut = countOrNull(test) !== null ? `${(test as number) * K}` : `${size(test, "")} x ${K}`;
  const steps: PlanStep[] = [];
  for (const id of stageIds(K)) {
    if (id === "prompts") {
      steps.push({
        id,
        what: `read, normalise, dedupe by prompt_id, seeded shuffle (seed ${recipe.seed}), split into ${K} disjoint parts + held-out parts`,
      });
      continue;
    }
    if (id === "base/heldout-eval") {
      steps.push({
        id,
        what: `base model answers ${heldOut} held-out prompts (T=${recipe.eval.temperature}, max ${recipe.eval.max_tokens} tokens); training reward, length`,
        command: launch(recipe, recipe.model.path),
      });
      continue;
    }
    const [iter, stage] = id.split("/");
    const k = Number(iter.split("-")[1]);
    const start = k === 1 ? recipe.model.path : join(outDir, `iteration-${k - 1}`, "model");
    const ref = recipe.train.reference === "base" ? recipe.model.path : start;
    const n = countOrNull(perIter);
    const s = samplingFor(recipe, k);
    const t = recipe.train;
    switch (stage as (typeof ITERATION_STAGES)[number]) {
      case "generate":
        steps.push({
          id,
          what: `sample n=${s.n} from ${start} for ${n ?? "part k's"} prompts${n ? ` = ${n * s.n} responses` : ""} (T=${s.temperature}, top_p ${s.top_p}, top_k ${s.top_k}, min_p ${s.min_p}, max ${s.max_tokens} tokens)`,
          command: launch(recipe, start),
        });
        break;
      case "rank":
        steps.push({ id, what: `${rk.ranker.type} scores ${n ?? "each"} groups of ${s.n} responses` });
        break;
      case "pairs":
        steps.push({
          id,
          what: `${recipe.pairs.strategy} pairs, all-tie groups dropped and counted${recipe.pairs.min_margin > 0 ? `, min margin ${recipe.pairs.min_margin}` : ""}${recipe.pairs.max_length_ratio ? `, length ratio <= ${recipe.pairs.max_length_ratio}` : ""} -> at most ${n ?? "one per prompt"} pairs; dataset train_iteration_${k}`,
        });
        break;
      case "ref-logps":
        steps.push({
          id,
          what: t.loss_type.every((l) => l === "simpo")
            ? "skipped (reference-free loss)"
            : `reference log-probs under ${ref} (reference: ${t.reference})`,
        });
        break;
      case "train": {
        const eff =
          t.per_device_train_batch_size *
          t.gradient_accumulation_steps *
          (tr.type === "trl" ? tr.num_processes : 1);
        const lora = t.use_peft ? `, LoRA r ${t.lora_r}` : "";
        steps.push({
          id,
          what: `DPO ${t.loss_type.join("+")} beta ${t.beta}, lr ${t.learning_rate} ${t.lr_scheduler_type} warmup ${t.warmup_ratio}, ${t.max_steps > 0 ? `${t.max_steps} steps` : `${t.num_train_epochs} epoch(s)`}, batch ${eff} (${t.per_device_train_batch_size}x${t.gradient_accumulation_steps}${tr.type === "trl" ? `x${tr.num_processes}` : ""}), max_length ${t.max_length}/${t.max_prompt_length}${lora} -> ${join(outDir, `iteration-${k}`, "model")}`,
          command: trainCommand(recipe, outDir, k),
        });
        break;
      }
      case "heldout-eval":
        steps.push({
          id,
          what: `iteration ${k} answers the ${heldOut} held-out prompts; reward, judge win rate vs base (± SE), length`,
        });
        break;
    }
  }
  if (gen.type === "openai" && gen.base_url)
    notes.push(`generation requests go to ${gen.base_url} (key from $${gen.api_key_env})`);
  if (tr.type === "openai")
    notes.push(`training uploads preference JSONL to the fine-tuning API (key from $${tr.api_key_env})`);
  if (recipe.eval.alpaca_eval.enabled)
    notes.push("after the last iteration: AlpacaEval 2.0 on the final model");
  return { header, steps, notes };
}

/** One line naming a ranker spec and the files it needs. */
export function describeSpec(s: RankerSpec): string {
  switch (s.type) {
    case "pairrm":
      return `pairrm ${pathNote(s.path, true)} (${s.mode})`;
    case "classifier":
      return `classifier ${pathNote(s.path, true)}`;
    case "judge":
      return `judge ${s.model} @ ${s.baseUrl} (${s.mode})`;
    case "module":
      return `module ${pathNote(s.path)}#${s.export}`;
    case "ensemble":
      return `${s.combine === "label-model" ? "label model" : `ensemble (${s.normalise})`} of ${s.members.map((m) => `${m.weight}*${describeSpec(m.ranker)}`).join(", ")}`;
    default:
      return s.type;
  }
}

function launch(recipe: Recipe, model: string): string | undefined {
  const g = recipe.engines.generator;
  if (g.type !== "vllm") return undefined;
  if (g.command === null) return `attach to ${g.base_url ?? `http://127.0.0.1:${g.port}/v1`}`;
  return fill(g.command, { model, port: g.port });
}

function trainCommand(recipe: Recipe, outDir: string, k: number): string | undefined {
  const t = recipe.engines.trainer;
  if (t.type !== "trl") return undefined;
  const dir = join(outDir, `iteration-${k}`, "trl");
  // The same files and placeholders as src/scaleout's trl trainer (trl-trainer.ts) writes and fills.
  const template = t.command ?? "bash {launch_script}";
  return fill(template, {
    recipe: join(dir, "recipe.yaml"),
    accelerate_config: join(dir, "accelerate_config.yaml"),
    launch_script: join(dir, "launch.sh"),
    dataset: join(dir, "dataset"),
    out: join(outDir, `iteration-${k}`, ".model.tmp"),
    model: startModelPath(recipe, outDir, k),
    iteration: k,
    num_processes: t.num_processes,
  });
}

export function formatPlan(plan: RunPlan, manifest?: Manifest): string {
  const w = Math.max(...plan.steps.map((s) => s.id.length));
  const lines = [...plan.header, "", "stages:"];
  for (const s of plan.steps) {
    const state = manifest?.stages[s.id]?.state;
    lines.push(`  ${s.id.padEnd(w)}  ${state && state !== "pending" ? `[${state}] ` : ""}${s.what}`);
    if (s.command) lines.push(`  ${"".padEnd(w)}    $ ${s.command}`);
  }
  if (plan.notes.length > 0) lines.push("", ...plan.notes.map((n) => `note: ${n}`));
  return `${lines.join("\n")}\n`;
}

/** The plan, with stage states when the run folder already has a manifest. */
export function describeRun(recipe: Recipe, outDir: string): string {
  const manifest = existsSync(join(outDir, "manifest.json")) ? RunDirectory.read(outDir) : undefined;
  return formatPlan(planRun(recipe, outDir), manifest);
}
