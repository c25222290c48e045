// The reward-model training loop: shuffled micro-batches with gradient accumulation, clipping, src/train's
// AdamW + HF schedules + LoRA + atomic checkpoints with bit-exact resume, TRL RewardTrainer metric names
// (loss, accuracy, margin; eval_* on the held-out split) to train_log.jsonl. Follows HF Trainer semantics
// like src/train's DPO loop; the model is a Llama-family RewardModel or PairRM itself (pairrm-model.ts, whose
// encoder refreshes its cached position projections after every in-place update). Not the losses (losses.ts).
import { appendFileSync, mkdirSync } from "node:fs";
import type { Backend } from "../engine/index.js";
import type { Parameter } from "../models/index.js";
import {
  AdamW,
  clipGradNorm,
  epochOrder,
  LoraAdapter,
  learningRate,
  NumericError,
  Rng,
  resumeTraining,
  saveCheckpoint,
  sha256,
  type TrainDpoResult,
  warmupSteps,
} from "../train/index.js";
import { ConfigError } from "../util/errors.js";
import {
  lastPositions,
  type PairExample,
  type PairwiseExample,
  type PointExample,
  padBatch,
} from "./encode.js";
import { btLoss, type LossResult, pairwiseLoss, pointwiseLoss } from "./losses.js";
import { RewardModel } from "./model.js";
import type { PairrmExample } from "./pairrm-data.js";
import { PairrmRewardModel } from "./pairrm-model.js";
import { parseRmSettings, type RmSettings, type RmSettingsInput } from "./settings.js";

export type RmData =
  | { kind: "pairs"; train: PairExample[]; test: PairExample[] }
  | { kind: "points"; loss: "bce" | "mse"; train: PointExample[]; test: PointExample[] }
  | { kind: "pairwise"; train: PairwiseExample[]; test: PairwiseExample[] }
  | { kind: "pairrm"; train: PairrmExample[]; test: PairrmExample[] };

type Example = PairExample | PointExample | PairwiseExample | PairrmExample;

/** A Llama-family reward model (scalar or pairwise head) or PairRM itself. */
export type TrainableRm = RewardModel | PairrmRewardModel;

// LoRA's module names are Llama's; on DeBERTa the same roles are called query_proj, key_proj, value_proj
const debertaModules: Record<string, string> = {
  q_proj: "query_proj",
  k_proj: "key_proj",
  v_proj: "value_proj",
};

/** LoRA wraps the trunk (or encoder); the head is always fully trained. */
function loraParts(model: TrainableRm, modules: string[]) {
  if (model instanceof PairrmRewardModel) {
    return {
      base: model.encoderParameters(),
      head: model.headParameters(),
      modules: modules.flatMap((m) =>
        m === "all-linear" ? ["query_proj", "key_proj", "value_proj", "dense"] : [debertaModules[m] ?? m],
      ),
    };
  }
  return { base: model.trunk.parameters(), head: [model.score], modules };
}

function pairrmBatch(model: TrainableRm, ex: PairrmExample[], gradScale: number, train: boolean): LossResult {
  if (!(model instanceof PairrmRewardModel))
    throw new ConfigError("rm train: PairRM token rows need a PairRM model (llm-blender/PairRM folder)");
  const scores = model.scoresOf(
    ex.map((e) => e.ids),
    train,
  );
  // llm-blender's compute_loss ("instructgpt"): mean over rows and tasks of −log σ(±(left − right))
  const labels = ex.flatMap((e) => new Array<number>(model.tasks).fill(e.label));
  const res = pairwiseLoss(scores, labels, gradScale);
  if (train && Number.isFinite(res.loss)) model.backward(res.dRewards);
  return res;
}

export interface RmProgress {
  phase: "train" | "eval" | "done";
  step: number;
  totalSteps: number;
  metrics: Record<string, number>;
  line: string;
}

export interface TrainRmOptions {
  model: TrainableRm;
  data: RmData;
  settings?: RmSettingsInput;
  outDir: string;
  onProgress?: (p: RmProgress) => void;
  backend?: Pick<Backend, "adamw" | "matmul"> | null;
  resume?: boolean;
  stopAfterSteps?: number;
}

/** Same shape as the DPO trainer's result: steps, metrics (TRL names), log path, resume point. */
export type TrainRmResult = TrainDpoResult;

/** Forward (and backward when `train`) of one micro-batch; gradients scaled by `gradScale`. */
export function rmMicroBatch(
  model: TrainableRm,
  data: RmData,
  ex: Example[],
  s: Pick<RmSettings, "center_rewards_coefficient">,
  gradScale: number,
  train: boolean,
): LossResult {
  if (data.kind === "pairrm") return pairrmBatch(model, ex as PairrmExample[], gradScale, train);
  if (!(model instanceof RewardModel))
    throw new ConfigError(`rm train: ${data.kind} data needs a Llama-family reward model, not PairRM`);
  const pad = model.assets.tokenizer.padId ?? model.assets.tokenizer.eosId ?? 0;
  let res: LossResult;
  if (data.kind === "pairs") {
    const pairs = ex as PairExample[];
    const rows = [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)];
    const batch = padBatch(rows, pad);
    const r = model.rewardsAt(batch, lastPositions(rows, batch.T), train);
    const hasSoft = pairs.some((p) => p.soft !== 1);
    res = btLoss(r, {
      margins: pairs.some((p) => p.margin !== 0) ? pairs.map((p) => p.margin) : null,
      soft: hasSoft ? pairs.map((p) => p.soft) : null,
      centerCoefficient: s.center_rewards_coefficient ?? 0,
      gradScale,
    });
  } else if (data.kind === "points") {
    const pts = ex as PointExample[];
    const rows = pts.map((p) => p.ids);
    const batch = padBatch(rows, pad);
    const r = model.rewardsAt(batch, lastPositions(rows, batch.T), train);
    res = pointwiseLoss(
      r,
      pts.map((p) => p.label),
      data.loss,
      gradScale,
    );
  } else {
    const pw = ex as PairwiseExample[];
    const batch = padBatch(
      pw.map((p) => p.ids),
      pad,
    );
    const pos = Int32Array.from([
      ...pw.map((p, b) => b * batch.T + p.left),
      ...pw.map((p, b) => b * batch.T + p.right),
    ]);
    const r = model.rewardsAt(batch, pos, train);
    res = pairwiseLoss(
      r,
      pw.map((p) => p.label),
      gradScale,
    );
  }
  if (train && Number.isFinite(res.loss)) model.backward(res.dRewards);
  return res;
}

/** Loss and metrics over a split, weighted by examples per batch (eval_* names added by the caller). */
export function evaluateRm(
  model: TrainableRm,
  data: RmData,
  s: RmSettings,
  split: Example[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < split.length; i += s.per_device_eval_batch_size) {
    const chunk = split.slice(i, i + s.per_device_eval_batch_size);
    const r = rmMicroBatch(model, data, chunk, s, 1, false);
    for (const [k, v] of Object.entries({ loss: r.loss, ...r.metrics }))
      out[k] = (out[k] ?? 0) + v * chunk.length;
  }
  for (const k of Object.keys(out)) out[k] /= Math.max(1, split.length);
  return out;
}

function fmt(x: number | undefined): string {
  return x === undefined ? "-" : x.toFixed(4);
}

export async function trainRewardModel(o: TrainRmOptions): Promise<TrainRmResult> {
  const s = parseRmSettings(o.settings ?? {});
  const train = o.data.train as Example[];
  const test = o.data.test as Example[];
  if (train.length === 0) throw new ConfigError("rm train: the training split is empty");
  // the saved folder records the head, so a model trained on pairwise rows must carry the pairwise head
  if (o.model instanceof RewardModel && (o.data.kind === "pairwise") !== (o.model.head === "pairwise")) {
    throw new ConfigError(
      `rm train: ${o.data.kind} data on a model with the ${o.model.head} head (loadRewardModel(path, {head}))`,
    );
  }
  mkdirSync(o.outDir, { recursive: true });
  const rng = new Rng(s.seed);
  const parts = loraParts(o.model, s.lora_target_modules);
  const lora = s.use_peft
    ? new LoraAdapter(
        parts.base,
        { r: s.lora_r, alpha: s.lora_alpha, targetModules: parts.modules },
        rng,
        o.backend ? o.backend.matmul.bind(o.backend) : null,
      )
    : null;
  // after weights change in place, PairRM's encoder recomputes its cached relative-position projections
  const refresh = () => {
    if (o.model instanceof PairrmRewardModel) o.model.afterUpdate();
  };
  // LoRA trains A, B and the head; full fine-tuning trains every weight
  const trainable: Parameter[] = lora ? [...lora.parameters(), ...parts.head] : o.model.parameters();
  for (const p of [...trainable, ...o.model.parameters()]) p.grad ??= new Float32Array(p.data.length);
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
  const fingerprint = sha256([
    JSON.stringify(s),
    o.data.kind,
    JSON.stringify(train),
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
  refresh();
  const report = (p: Omit<RmProgress, "line">, line: string) => o.onProgress?.({ ...p, line });
  const appendLog = (rec: Record<string, number>) => appendFileSync(logPath, `${JSON.stringify(rec)}\n`);
  let lastGood = latest ? latest.dir : null;
  let lastTrain: Record<string, number> = {};
  let lastEval: Record<string, number> | null = null;
  const runEval = () => {
    if (test.length === 0) return;
    const m = evaluateRm(o.model, o.data, s, test);
    lastEval = Object.fromEntries(Object.entries(m).map(([k, v]) => [`eval_${k}`, v]));
    appendLog({ step, epoch: step / stepsPerEpoch, ...lastEval });
    report(
      { phase: "eval", step, totalSteps, metrics: lastEval },
      `eval step ${step}: loss ${fmt(m.loss)} accuracy ${fmt(m.accuracy)} margin ${fmt(m.margin)}`,
    );
  };
  let stepsThisCall = 0;
  while (step < totalSteps) {
    if (o.stopAfterSteps !== undefined && stepsThisCall >= o.stopAfterSteps) break;
    const epoch = Math.floor(step / stepsPerEpoch);
    const order = epochOrder(s.seed, epoch, train.length);
    const firstMicro = (step % stepsPerEpoch) * gas;
    const micros = Math.min(gas, microPerEpoch - firstMicro);
    for (const p of [...trainable, ...o.model.parameters()]) p.grad?.fill(0);
    const sums: Record<string, number> = {};
    for (let k = 0; k < micros; k++) {
      const ex = order.slice((firstMicro + k) * bs, (firstMicro + k + 1) * bs).map((i) => train[i]);
      const r = rmMicroBatch(o.model, o.data, ex, s, 1 / micros, true);
      if (!Number.isFinite(r.loss)) {
        throw new NumericError(
          `reward-model training diverged at step ${step + 1}: loss is ${r.loss}`,
          lastGood ? `last good checkpoint: ${lastGood}` : "lower learning_rate",
        );
      }
      for (const [key, v] of Object.entries({ loss: r.loss, ...r.metrics }))
        sums[key] = (sums[key] ?? 0) + v / micros;
    }
    lora?.backward();
    const gradNorm = clipGradNorm(trainable, s.max_grad_norm);
    if (!Number.isFinite(gradNorm)) {
      throw new NumericError(
        `reward-model training diverged at step ${step + 1}: gradient norm is ${gradNorm}`,
      );
    }
    const lr = learningRate(s.lr_scheduler_type, s.learning_rate, step, warmup, totalSteps);
    opt.update(lr);
    lora?.apply();
    refresh();
    step++;
    stepsThisCall++;
    lastTrain = { ...sums, grad_norm: gradNorm, learning_rate: lr };
    if (step % s.logging_steps === 0 || step === totalSteps)
      appendLog({ step, epoch: step / stepsPerEpoch, ...lastTrain });
    report(
      { phase: "train", step, totalSteps, metrics: lastTrain },
      `step ${step}/${totalSteps} loss ${fmt(sums.loss)} accuracy ${fmt(sums.accuracy)} margin ${fmt(sums.margin)} lr ${lr.toExponential(2)}`,
    );
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
    await new Promise<void>((r) => setImmediate(r));
  }
  if (step >= totalSteps) {
    runEval();
    report({ phase: "done", step, totalSteps, metrics: lastTrain }, `done: ${step} steps`);
  }
  return { steps: step, totalSteps, train: lastTrain, eval: lastEval, trainLogPath: logPath, resumedFrom };
}
