// The DPO training loop on a CausalLM: tokenize + truncate, reference log-probs (cached), epochs of
// shuffled micro-batches with gradient accumulation, clipping, AdamW + schedule, TRL-named metrics to
// train_log.jsonl, evaluation every eval_steps, atomic checkpoints and bit-exact resume, NaN/Inf guard.
// Follows HF Trainer / TRL DPOTrainer semantics; not a model loader or saver (the caller does that).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../engine/index.js";
import type { CausalLM, Parameter } from "../models/index.js";
import type { Tokenizer } from "../text/index.js";
import { ConfigError, PrefloopError } from "../util/errors.js";
import { resumeTraining, saveCheckpoint, sha256 } from "./checkpoint.js";
import {
  type ChatTemplateLike,
  type PreferenceRow,
  type TokenizedPair,
  tokenizePair,
  truncatePair,
} from "./collate.js";
import { checkLossTypes, referenceFreeLosses } from "./losses/combine.js";
import type { ObjectiveSettings } from "./objective.js";
import { AdamW } from "./optim/adamw.js";
import { clipGradNorm } from "./optim/clip.js";
import { LoraAdapter } from "./optim/lora.js";
import { learningRate, warmupSteps } from "./optim/schedule.js";
import {
  computeRefLogps,
  modelFingerprint,
  pairsFingerprint,
  type RefPairLogps,
  readRefCache,
  writeRefCache,
} from "./ref-cache.js";
import { epochOrder, Rng } from "./rng.js";
import { type DpoSettings, type DpoSettingsInput, parseDpoSettings } from "./settings.js";
import { averageMetrics, evaluatePairs, runMicroBatch, type StepMetrics } from "./step.js";

export interface TrainProgress {
  phase: "reference" | "train" | "eval" | "done";
  step: number;
  totalSteps: number;
  /** latest metrics (TRL names) */
  metrics: Record<string, number>;
  /** one human-readable progress line */
  line: string;
}

export interface TrainDpoOptions {
  /** the policy, at the iteration's starting weights; trained in place (LoRA merged into it) */
  model: CausalLM;
  tokenizer: Tokenizer;
  /** chat template; null (or kind "plain") = plain prompt + response text + EOS */
  template: ChatTemplateLike | null;
  trainRows: PreferenceRow[];
  testRows?: PreferenceRow[];
  /** reference model; default: the policy itself before its first update (the iteration's start) */
  refModel?: CausalLM | null;
  /** cache of reference log-probs; default <outDir>/ref_logps.json (the pipeline puts it beside the dataset) */
  refCachePath?: string;
  /** precomputed reference log-probs, one entry per train/test row (skips the reference pass and cache) */
  refLogps?: { train: RefPairLogps[]; test: RefPairLogps[] };
  /** aborting stops between optimizer steps with a "cancelled" PrefloopError (the run stays resumable) */
  signal?: AbortSignal;
  settings?: DpoSettingsInput;
  outDir: string;
  onProgress?: (p: TrainProgress) => void;
  /** engine Backend (its adamw and matmul kernels); default: TypeScript AdamW and LoRA loops */
  backend?: Pick<Backend, "adamw" | "matmul"> | null;
  /** resume from <outDir>/checkpoints when present (default true) */
  resume?: boolean;
  /** stop after this many optimizer steps of THIS call (tests of kill/resume); the run stays resumable */
  stopAfterSteps?: number;
}

export interface TrainDpoResult {
  steps: number;
  totalSteps: number;
  /** metrics of the last logged train step and the last evaluation (eval_* names) */
  train: Record<string, number>;
  eval: Record<string, number> | null;
  trainLogPath: string;
  resumedFrom: number | null;
}

export class NumericError extends PrefloopError {
  constructor(message: string, hint?: string) {
    super("numeric", message, { hint });
    this.name = "NumericError";
  }
}

function prepare(rows: PreferenceRow[], o: TrainDpoOptions, s: DpoSettings): TokenizedPair[] {
  return rows.map((r, i) =>
    truncatePair(tokenizePair(r, o.tokenizer, o.template, i + 1), {
      maxLength: s.max_length,
      maxPromptLength: s.max_prompt_length,
      truncationMode: s.truncation_mode,
    }),
  );
}

function fmt(x: number | undefined, d = 4): string {
  return x === undefined ? "-" : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(d) : x.toExponential(2);
}

export function progressLine(step: number, total: number, m: Record<string, number>): string {
  return (
    `step ${step}/${total} loss ${fmt(m.loss)} acc ${fmt(m["rewards/accuracies"], 2)} ` +
    `margin ${fmt(m["rewards/margins"])} chosen ${fmt(m["rewards/chosen"])} rejected ${fmt(m["rewards/rejected"])} ` +
    `grad_norm ${fmt(m.grad_norm, 3)} lr ${m.learning_rate === undefined ? "-" : m.learning_rate.toExponential(2)}`
  );
}

export async function trainDpo(o: TrainDpoOptions): Promise<TrainDpoResult> {
  const s = parseDpoSettings(o.settings ?? {});
  // rpo_alpha (TRL <= 0.19) is the sft term with that weight
  const typeList = s.rpo_alpha === null ? s.loss_type : [...s.loss_type, "sft"];
  const lossWeights =
    s.rpo_alpha === null ? s.loss_weights : [...(s.loss_weights ?? s.loss_type.map(() => 1)), s.rpo_alpha];
  const types = checkLossTypes(typeList, lossWeights);
  const needsRef = types.some((t) => !referenceFreeLosses.has(t));
  if (o.trainRows.length === 0) throw new ConfigError("train rows: the training split is empty");
  mkdirSync(o.outDir, { recursive: true });
  const padId = o.tokenizer.padId ?? o.tokenizer.eosId ?? 0;
  const train = prepare(o.trainRows, o, s);
  const test = prepare(o.testRows ?? [], o, s);
  const report = (p: Omit<TrainProgress, "line"> & { line?: string }) =>
    o.onProgress?.({ ...p, line: p.line ?? progressLine(p.step, p.totalSteps, p.metrics) });

  // Reference log-probs: from the starting weights, before any update or checkpoint restore
  let refTrain: RefPairLogps[] | null = null;
  let refTest: RefPairLogps[] | null = null;
  if (needsRef && o.refLogps) {
    if (o.refLogps.train.length !== train.length || o.refLogps.test.length !== test.length) {
      throw new ConfigError(
        `refLogps: expected ${train.length} train and ${test.length} test entries, got ${o.refLogps.train.length} and ${o.refLogps.test.length}`,
      );
    }
    refTrain = o.refLogps.train;
    refTest = o.refLogps.test;
  } else if (needsRef) {
    const refModel = o.refModel ?? o.model;
    const cachePath = o.refCachePath ?? join(o.outDir, "ref_logps.json");
    const key = sha256([modelFingerprint(refModel), pairsFingerprint(train), pairsFingerprint(test)]);
    const cached = readRefCache(cachePath, key, ["train", "test"]);
    if (cached) {
      refTrain = cached.train;
      refTest = cached.test;
    } else {
      const all = train.length + test.length;
      const tick = (off: number) => (done: number) =>
        report({
          phase: "reference",
          step: 0,
          totalSteps: 0,
          metrics: {},
          line: `reference log-probs ${off + done}/${all}`,
        });
      refTrain = computeRefLogps(refModel, train, padId, s.per_device_eval_batch_size, tick(0));
      refTest = computeRefLogps(refModel, test, padId, s.per_device_eval_batch_size, tick(train.length));
      writeRefCache(cachePath, key, { train: refTrain, test: refTest });
    }
  }

  // Trainable parameters: every weight, or LoRA's A and B
  const rng = new Rng(s.seed);
  const lora = s.use_peft
    ? new LoraAdapter(
        o.model.parameters(),
        { r: s.lora_r, alpha: s.lora_alpha, targetModules: s.lora_target_modules },
        rng,
        o.backend ? o.backend.matmul.bind(o.backend) : null,
      )
    : null;
  const trainable: Parameter[] = lora ? lora.parameters() : o.model.parameters();
  const gradHolders: Parameter[] = lora ? lora.baseParameters() : trainable;
  for (const p of [...trainable, ...gradHolders]) p.grad ??= new Float32Array(p.data.length);
  const opt = new AdamW(
    trainable,
    { beta1: s.adam_beta1, beta2: s.adam_beta2, eps: s.adam_epsilon, weightDecay: s.weight_decay },
    o.backend ? o.backend.adamw.bind(o.backend) : null,
  );

  const bs = s.per_device_train_batch_size;
  const gas = s.gradient_accumulation_steps;
  const microPerEpoch = Math.ceil(train.length / bs);
  const stepsPerEpoch = Math.ceil(microPerEpoch / gas);
  const totalSteps = s.max_steps > 0 ? s.max_steps : Math.ceil(s.num_train_epochs * stepsPerEpoch);
  const warmup = warmupSteps(totalSteps, s.warmup_ratio);
  const objective: ObjectiveSettings = {
    lossTypes: types,
    lossWeights,
    ldAlpha: s.ld_alpha,
    beta: s.beta,
    labelSmoothing: s.label_smoothing,
    simpoGamma: s.simpo_gamma,
  };
  const fingerprint = sha256([
    JSON.stringify(s),
    pairsFingerprint(train),
    trainable.map((p) => `${p.name}:${p.data.length}`).join(","),
  ]);

  const resumed = resumeTraining({
    outDir: o.outDir,
    resume: o.resume !== false,
    fingerprint,
    params: trainable,
    opt,
  });
  const { ckRoot, logPath, latest, resumedFrom } = resumed;
  let step = resumed.step;
  lora?.apply();

  let lastGood = latest ? latest.dir : null;
  let lastTrain: Record<string, number> = {};
  let lastEval: Record<string, number> | null = null;
  // whole lines only; a line torn by a kill is dropped by truncateLog on resume
  const appendLog = (rec: Record<string, number>) => appendFileSync(logPath, `${JSON.stringify(rec)}\n`);
  const runEval = () => {
    if (test.length === 0) return;
    const m = evaluatePairs(o.model, test, refTest, padId, s.per_device_eval_batch_size, objective);
    lastEval = Object.fromEntries(Object.entries(m).map(([k, v]) => [`eval_${k}`, v]));
    appendLog({ step, epoch: step / stepsPerEpoch, ...lastEval });
    report({
      phase: "eval",
      step,
      totalSteps,
      metrics: lastEval,
      line: `eval step ${step}: loss ${fmt(m.loss)} acc ${fmt(m["rewards/accuracies"], 2)} margin ${fmt(m["rewards/margins"])}`,
    });
  };

  let stepsThisCall = 0;
  while (step < totalSteps) {
    if (o.stopAfterSteps !== undefined && stepsThisCall >= o.stopAfterSteps) break;
    if (o.signal?.aborted) {
      throw new PrefloopError("cancelled", `training cancelled at step ${step}`, {
        hint: lastGood ? `resume continues from ${lastGood}` : undefined,
      });
    }
    const epoch = Math.floor(step / stepsPerEpoch);
    const order = epochOrder(s.seed, epoch, train.length);
    const firstMicro = (step % stepsPerEpoch) * gas;
    const micros = Math.min(gas, microPerEpoch - firstMicro);
    // every model gradient is zeroed, frozen ones too (the model accumulates into all of them)
    for (const p of [...trainable, ...o.model.parameters()]) p.grad?.fill(0);
    const parts: StepMetrics[] = [];
    for (let k = 0; k < micros; k++) {
      const idx = order.slice((firstMicro + k) * bs, (firstMicro + k + 1) * bs);
      const pairs = idx.map((i) => train[i]);
      const ref = refTrain ? idx.map((i) => refTrain[i]) : null;
      const wantLogits = (step + 1) % s.logging_steps === 0 || step + 1 === totalSteps;
      const m = runMicroBatch(o.model, pairs, ref, padId, objective, 1 / micros, wantLogits);
      if (!Number.isFinite(m.metrics.loss)) {
        throw new NumericError(
          `training diverged at step ${step + 1}: loss is ${m.metrics.loss}`,
          lastGood
            ? `last good checkpoint: ${lastGood} (lower learning_rate or beta and resume)`
            : "no checkpoint was saved yet; lower learning_rate",
        );
      }
      parts.push(m);
    }
    lora?.backward();
    const gradNorm = clipGradNorm(trainable, s.max_grad_norm);
    if (!Number.isFinite(gradNorm)) {
      throw new NumericError(
        `training diverged at step ${step + 1}: gradient norm is ${gradNorm}`,
        lastGood ? `last good checkpoint: ${lastGood}` : "no checkpoint was saved yet; lower learning_rate",
      );
    }
    const lr = learningRate(s.lr_scheduler_type, s.learning_rate, step, warmup, totalSteps);
    opt.update(lr);
    lora?.apply();
    step++;
    stepsThisCall++;
    lastTrain = { ...averageMetrics(parts), grad_norm: gradNorm, learning_rate: lr };
    if (step % s.logging_steps === 0 || step === totalSteps) {
      appendLog({ step, epoch: step / stepsPerEpoch, ...lastTrain });
    }
    report({ phase: "train", step, totalSteps, metrics: lastTrain });
    if (s.eval_steps > 0 && step % s.eval_steps === 0 && step < totalSteps) runEval();
    if (s.save_steps > 0 && step % s.save_steps === 0 && step < totalSteps) {
      lastGood = saveCheckpoint(
        ckRoot,
        { step, stepsPerEpoch, seed: s.seed, fingerprint, adamStep: opt.step },
        trainable,
        opt.m,
        opt.v,
        s.save_total_limit,
      );
    }
    await new Promise<void>((r) => setImmediate(r)); // let signals and progress output through
  }
  if (step >= totalSteps) {
    runEval();
    report({ phase: "done", step, totalSteps, metrics: lastTrain });
  }
  return { steps: step, totalSteps, train: lastTrain, eval: lastEval, trainLogPath: logPath, resumedFrom };
}
