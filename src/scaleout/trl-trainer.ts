// `engines.trainer.type: trl`: the Trainer that hands an iteration's DPO to TRL / alignment-handbook. It
// writes <iteration>/trl/ (dataset, recipe.yaml, accelerate_config.yaml, launch.sh), runs the launch command
// with the model folder (.model.tmp) as output_dir, streams the job's logs into progress, then checks the
// saved model (check-model.ts). A failed job fails the stage; the rerun relaunches, and the handbook resumes
// from the checkpoint-N it left in output_dir.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Recipe } from "../config/index.js";
import { writeFileAtomic, writeIterationDataset } from "../data/index.js";
import type { PreferenceRow, Trainer, TrainerSettings, TrainMetrics } from "../pipeline/index.js";
import { ConfigError, PrefloopError } from "../util/errors.js";
import type { Logger } from "../util/log.js";
import { checkTrainedModel } from "./check-model.js";
import { fillTemplate, runJob } from "./launch.js";
import { type TrlFiles, writeTrlFiles } from "./trl-files.js";
import { type Metrics, parseMetricLine, parseStepCounter, readLogHistory } from "./trl-logs.js";

export const DEFAULT_TRL_COMMAND = "bash {launch_script}";

export interface TrlExport {
  files: TrlFiles;
  datasetDir: string;
  /** the launch command, placeholders filled */
  command: string;
}

/** Writes everything the external job needs for iteration k (no process is started). */
export async function exportTrl(o: {
  recipe: Recipe;
  iteration: number;
  rows: PreferenceRow[];
  startModel: string;
  /** where the job's output_dir points */
  outputDir: string;
  /** the trl folder (dataset/ and the three files go in it) */
  dir: string;
  seed: number;
}): Promise<TrlExport> {
  const datasetDir = resolve(o.dir, "dataset");
  // Train on every pair (as the in-process trainer does); prefloop's held-out stage evaluates, so TRL's own
  // eval is off and the test split is written empty to keep the train/test layout of the dataset.
  await writeIterationDataset({ dir: datasetDir, iteration: o.iteration, train: o.rows, test: [] });
  const engine = o.recipe.engines.trainer;
  const files = await writeTrlFiles(resolve(o.dir), {
    iteration: o.iteration,
    model: o.startModel,
    datasetDir,
    outputDir: resolve(o.outputDir),
    seed: o.seed,
    train: o.recipe.train,
    engine,
  });
  const command = fillTemplate(
    engine.command ?? DEFAULT_TRL_COMMAND,
    {
      recipe: files.recipe,
      accelerate_config: files.accelerateConfig,
      launch_script: files.launchScript,
      dataset: datasetDir,
      out: resolve(o.outputDir),
      model: o.startModel,
      num_processes: String(engine.num_processes),
      iteration: String(o.iteration),
    },
    "engines.trainer.command",
  );
  return { files, datasetDir, command };
}

export function trlTrainer(recipe: Recipe, logger: Logger | null): Trainer {
  return {
    id: "trl",
    async train(
      rows: PreferenceRow[],
      startModelPath: string,
      refModelPath: string,
      outDir: string,
      settings: TrainerSettings,
    ): Promise<TrainMetrics> {
      const k = settings.iteration;
      if (refModelPath !== startModelPath)
        throw new ConfigError(
          `train.reference: base at iteration ${k} is not expressible for engines.trainer.type: trl`,
          {
            hint: "alignment-handbook's dpo.py uses the starting model as reference; use reference: previous",
          },
        );
      const iterDir = dirname(resolve(outDir));
      const job = await exportTrl({
        recipe,
        iteration: k,
        rows,
        startModel: startModelPath,
        outputDir: outDir,
        dir: join(iterDir, "trl"),
        seed: settings.seed,
      });
      const logFile = join(job.files.dir, "launch.log");
      logger?.info(`iteration ${k}: launching the external trainer: ${job.command}`);
      const streamed: Metrics[] = [];
      let bar: ReturnType<Logger["progress"]> | null = null;
      const result = await runJob(job.command, {
        logFile,
        env: { ...process.env, PREFLOOP_ITERATION: String(k) },
        onLine: (line) => {
          const m = parseMetricLine(line);
          if (m) {
            streamed.push(m);
            if (m.loss !== undefined) bar?.setInfo({ loss: m.loss.toFixed(4) });
            return;
          }
          const s = parseStepCounter(line);
          if (s && logger) {
            bar ??= logger.progress(`train ${k} (trl)`, s.total, { unit: "steps" });
            bar.update(s.step);
          }
        },
      });
      (bar as ReturnType<Logger["progress"]> | null)?.stop();
      if (result.code !== 0) {
        const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
        throw new PrefloopError(
          "external",
          `iteration ${k}: the trainer command ${how}: ${result.tail.at(-1) ?? "(no output)"}`,
          { hint: `full log: ${logFile}; fix the cause and rerun: the stage relaunches and resumes` },
        );
      }
      const checked = checkTrainedModel(outDir, startModelPath);
      logger?.info(
        `iteration ${k}: external trainer saved ${checked.architecture} (${checked.tensors} tensors)`,
      );
      const logPath = join(outDir, "train_log.jsonl");
      const history = readLogHistory(outDir);
      const log = history.length > 0 ? history : streamed.length > 0 ? streamed : readJsonlMetrics(logPath);
      // TRL leaves checkpoint-N folders in output_dir; only the model moves on.
      for (const d of readdirSync(outDir))
        if (/^checkpoint-\d+$/.test(d)) rmSync(join(outDir, d), { recursive: true, force: true });
      if (!existsSync(logPath) && log.length > 0)
        await writeFileAtomic(logPath, log.map((m) => `${JSON.stringify(m)}\n`).join(""));
      return metricsFrom(log);
    },
  };
}

/** The loop's summary metrics from a TRL log history (train_loss from the final entry, else the last loss). */
export function metricsFrom(log: Metrics[]): TrainMetrics {
  const last = (key: string): number | null => {
    for (let i = log.length - 1; i >= 0; i--) if (log[i][key] !== undefined) return log[i][key];
    return null;
  };
  const steps = last("step");
  return {
    train_loss: last("train_loss") ?? last("loss"),
    reward_accuracy: last("rewards/accuracies"),
    ...(steps !== null ? { steps } : {}),
  };
}

/** Metrics lines of a train_log.jsonl a trainer wrote itself (prefloop's own `train`, TRL-named keys). */
function readJsonlMetrics(path: string): Metrics[] {
  if (!existsSync(path)) return [];
  const out: Metrics[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const m: Metrics = {};
      for (const [k, v] of Object.entries(JSON.parse(line) as Record<string, unknown>))
        if (typeof v === "number") m[k] = v;
      out.push(m);
    } catch {
      // a partial line from a killed writer: skip
    }
  }
  return out;
}
