// The iteration loop (issue 8): for k = 1..K, prompt part k -> n samples from the iteration's starting model
// -> rank -> pairs -> reference log-probs -> DPO -> held-out evaluation; the trained model is the policy (and
// with reference: previous, the reference) of iteration k+1. Each stage is a manifest entry; a rerun skips
// done stages and resumes the others at row granularity. Not the components: see components.ts / wiring.ts.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Recipe, recipeToYaml } from "../config/index.js";
import type { Generator } from "../generate/generator.js";
import type { Ranker } from "../reward/ranker.js";
import type { Logger } from "../util/log.js";
import { writeFileAtomic } from "./atomic.js";
import type { Components, PreferenceRow, PromptRecord, Trainer } from "./components.js";
import { sha256File, sha256Text, sha256Tree } from "./hash.js";
import {
  type GenerationRow,
  generateWork,
  type HeldOutRow,
  heldOutMetrics,
  heldOutWork,
  rankWork,
  samplingFor,
  type ScoreRow,
} from "./iteration-stages.js";
import { readJsonlRows } from "./jsonl.js";
import { buildPairs } from "./pairs.js";
import { RunDirectory } from "./run-dir.js";
import { runStage } from "./stage.js";
import { type Summary, type SummaryRow, writeSummary } from "./summary.js";

export const ITERATION_STAGES = ["generate", "rank", "pairs", "ref-logps", "train", "heldout-eval"] as const;

/** Stage ids in plan order. */
export function stageIds(iterations: number): string[] {
  const ids = ["prompts", "base/heldout-eval"];
  for (let k = 1; k <= iterations; k++) for (const s of ITERATION_STAGES) ids.push(`iteration-${k}/${s}`);
  return ids;
}

export interface LoopOptions {
  /** the resolved recipe with absolute paths (resolveRecipePaths) */
  recipe: Recipe;
  outDir: string;
  components: Components;
  logger: Logger;
}

/** The model folder (or id) iteration k starts from: the base model for k = 1, else iteration k-1's model. */
export function startModelPath(recipe: Recipe, outDir: string, k: number): string {
  return k === 1 ? recipe.model.path : trainedModelPath(outDir, k - 1);
}

export function trainedModelPath(outDir: string, k: number): string {
  const dir = join(outDir, `iteration-${k}`, "model");
  // External hosted trainers leave a reference to a model id instead of weights.
  const ref = join(dir, "model_ref.json");
  if (existsSync(ref)) return (JSON.parse(readFileSync(ref, "utf8")) as { model: string }).model;
  return dir;
}

/** Opens components lazily (a finished stage never loads a model) and closes them at the end. */
class Lazy<T extends { close?(): Promise<void> }> {
  private value: Promise<T> | undefined;
  constructor(private readonly make: () => Promise<T>) {}
  get = (): Promise<T> => {
    this.value ??= this.make();
    return this.value;
  };
  async close(): Promise<void> {
    if (this.value) await (await this.value).close?.();
    this.value = undefined;
  }
}

export async function runLoop(o: LoopOptions): Promise<Summary> {
  const { recipe, outDir, components, logger } = o;
  const K = recipe.iterations;
  const run = RunDirectory.open(outDir, {
    name: recipe.name,
    recipeYaml: recipeToYaml(recipe),
    seed: recipe.seed,
    threads: recipe.threads,
    stages: stageIds(K),
    choices: {
      reference: recipe.train.reference,
      loss_type: recipe.train.loss_type,
      pairs: recipe.pairs,
      length_control: recipe.rank.length_control,
      ranker: recipe.rank.ranker,
      judge: recipe.eval.judge,
      sampling_by_iteration: Array.from({ length: K }, (_, i) => samplingFor(recipe, i + 1)),
      engines: { generator: recipe.engines.generator.type, trainer: recipe.engines.trainer.type },
    },
  });
  const ids = stageIds(K);
  if (ids.every((id) => run.isDone(id)))
    logger.info(`${outDir}: all ${ids.length} stages are done already; nothing to run`);
  const ranker = new Lazy<Ranker>(() => components.ranker(recipe));
  const judge = new Lazy<Ranker>(() => components.judge(recipe));
  const trainer = new Lazy<Trainer>(() => components.trainer(recipe));
  try {
    const split = await promptsStage(run, o);
    const heldOut = split.test.flat();
    const baseFile = run.path("base", "heldout.jsonl");
    mkdirSync(run.path("base"), { recursive: true });
    const baseGen = new Lazy<Generator>(() => components.generator(recipe, recipe.model.path));
    await runStage(run, "base/heldout-eval", { model: recipe.model.path }, async () => {
      const r = await heldOutWork(
        run,
        "base/heldout-eval",
        baseFile,
        "base held-out eval",
        recipe,
        heldOut,
        {
          generator: baseGen.get,
          ranker: ranker.get,
          judge: null,
          baseAnswers: null,
        },
        logger,
      );
      return { ...r, metrics: heldOutMetrics(await readJsonlRows<HeldOutRow>(baseFile)) };
    });
    const baseAnswers = new Map(
      (await readJsonlRows<HeldOutRow>(baseFile)).map((r) => [r.prompt_id, r.response]),
    );

    for (let k = 1; k <= K; k++) {
      const dir = run.folder(`iteration-${k}`);
      const start = startModelPath(recipe, outDir, k);
      const ref = recipe.train.reference === "base" ? recipe.model.path : start;
      // Iteration 1 samples from the base model: reuse its generator if it is open.
      const gen = k === 1 ? baseGen : new Lazy<Generator>(() => components.generator(recipe, start));
      const prompts = split.train[k - 1];
      const id = (s: string) => `iteration-${k}/${s}`;

      await runStage(
        run,
        id("generate"),
        { prompts: await sha256File(join(dir, "prompts.jsonl")), model: start },
        () => generateWork(run, id("generate"), recipe, k, prompts, gen.get, logger),
      );
      await gen.close();
      if (k === 1) await baseGen.close();
      const generations = await readJsonlRows<GenerationRow>(join(dir, "generations.jsonl"));

      const byId = new Map(prompts.map((p) => [p.prompt_id, p]));
      await runStage(run, id("rank"), { generations: await sha256File(join(dir, "generations.jsonl")) }, () =>
        rankWork(run, id("rank"), k, byId, generations, ranker.get, logger),
      );

      const pairsFile = join(dir, "pairs.jsonl");
      await runStage(run, id("pairs"), { scores: await sha256File(join(dir, "scores.jsonl")) }, async () => {
        const scores = new Map(
          (await readJsonlRows<ScoreRow>(join(dir, "scores.jsonl"))).map((s) => [s.prompt_id, s.scores]),
        );
        const groups = generations.map((g) => {
          const s = scores.get(g.prompt_id);
          const p = byId.get(g.prompt_id);
          if (!s || !p) throw new Error(`pairs: missing scores or prompt for ${g.prompt_id}`);
          return {
            prompt_id: g.prompt_id,
            prompt: p.prompt,
            messages: p.messages,
            responses: g.responses,
            scores: s,
          };
        });
        const { rows, counts } = buildPairs(groups, recipe.pairs, recipe.rank.length_control, recipe.seed);
        writeFileAtomic(pairsFile, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
        await components.exportDataset?.(k, rows, join(dir, "dataset"));
        logger.info(
          `iteration ${k}: ${counts.pairs_kept} pairs kept of ${counts.groups} (${counts.dropped_ties} all-tie groups dropped, ${counts.dropped_filtered} with no pair passing min_margin / max_length_ratio)`,
        );
        return {
          rows: rows.length,
          outputs: { "pairs.jsonl": await sha256File(pairsFile) },
          metrics: { ...counts },
        };
      });
      const pairs = await readJsonlRows<PreferenceRow>(pairsFile);
      const settings = {
        ...recipe.train,
        seed: recipe.seed + k,
        threads: recipe.threads,
        iteration: k,
        checkpointDir: join(dir, ".model.tmp", "checkpoints"),
        referenceLogpsPath: null as string | null,
      };

      const refFile = join(dir, "ref_logps.jsonl");
      const referenceFree = recipe.train.loss_type.every((l) => l === "simpo");
      await runStage(
        run,
        id("ref-logps"),
        { pairs: await sha256File(pairsFile), reference: ref },
        async () => {
          const t = await trainer.get();
          if (!t.computeReferenceLogps || referenceFree) {
            return {
              metrics: { skipped: referenceFree ? "reference-free loss" : `${t.id} computes them itself` },
            };
          }
          await t.computeReferenceLogps(pairs, ref, refFile, settings);
          return { rows: pairs.length, outputs: { "ref_logps.jsonl": await sha256File(refFile) } };
        },
      );
      if (existsSync(refFile)) settings.referenceLogpsPath = refFile;

      const modelDir = join(dir, "model");
      await runStage(
        run,
        id("train"),
        { pairs: await sha256File(pairsFile), start, reference: ref },
        async () => {
          const t = await trainer.get();
          // The trainer writes into .model.tmp and may keep resumable checkpoints in .model.tmp/checkpoints
          // (src/train resumes from <outDir>/checkpoints), so a killed train stage continues, not restarts.
          const tmp = join(dir, ".model.tmp");
          mkdirSync(tmp, { recursive: true });
          if (pairs.length === 0)
            throw new Error(`iteration ${k}: no pairs to train on (every group tied or was filtered)`);
          const metrics = await t.train(pairs, start, ref, tmp, settings);
          // Only the model goes into model/: checkpoints are dropped, the step log and the reference log-prob
          // cache move beside it (DESIGN.md).
          rmSync(settings.checkpointDir, { recursive: true, force: true });
          for (const log of ["train_log.jsonl", "ref_logps.json"])
            if (existsSync(join(tmp, log))) renameSync(join(tmp, log), join(dir, log));
          rmSync(modelDir, { recursive: true, force: true });
          renameSync(tmp, modelDir);
          const clean: Record<string, number | null> = {};
          for (const [key, v] of Object.entries(metrics)) if (v !== undefined) clean[key] = v;
          return { outputs: { model: await sha256Tree(modelDir) }, rows: pairs.length, metrics: clean };
        },
      );

      const evalFile = join(dir, "heldout.jsonl");
      const evalGen = new Lazy<Generator>(() => components.generator(recipe, trainedModelPath(outDir, k)));
      await runStage(
        run,
        id("heldout-eval"),
        { model: run.stage(id("train")).outputs.model ?? "" },
        async () => {
          const r = await heldOutWork(
            run,
            id("heldout-eval"),
            evalFile,
            `iteration ${k} held-out eval`,
            recipe,
            heldOut,
            {
              generator: evalGen.get,
              ranker: ranker.get,
              judge: judge.get,
              baseAnswers,
            },
            logger,
          );
          return { ...r, metrics: heldOutMetrics(await readJsonlRows<HeldOutRow>(evalFile)) };
        },
      );
      await evalGen.close();
      writeSummary(outDir, summarize(run, recipe.name, k));
    }
    const summary = summarize(run, recipe.name, K);
    writeSummary(outDir, summary);
    return summary;
  } finally {
    await Promise.allSettled([ranker.close(), judge.close(), trainer.close()]);
    run.close();
  }
}

async function promptsStage(
  run: RunDirectory,
  o: LoopOptions,
): Promise<{ train: PromptRecord[][]; test: PromptRecord[][] }> {
  const K = o.recipe.iterations;
  const files = (k: number) => [
    run.path(`iteration-${k}`, "prompts.jsonl"),
    run.path(`iteration-${k}`, "heldout_prompts.jsonl"),
  ];
  await runStage(run, "prompts", { recipe: sha256Text(JSON.stringify(o.recipe.prompts)) }, async () => {
    const split = await o.components.prompts(o.recipe);
    if (split.train.length !== K || split.test.length !== K) {
      throw new Error(
        `prompts: expected ${K} training and held-out parts, got ${split.train.length} and ${split.test.length}`,
      );
    }
    const outputs: Record<string, string> = {};
    let rows = 0;
    for (let k = 1; k <= K; k++) {
      run.folder(`iteration-${k}`);
      const [trainFile, testFile] = files(k);
      const parts = [split.train[k - 1], split.test[k - 1]];
      [trainFile, testFile].forEach((f, i) => {
        const text = parts[i]
          .map((p) => `${JSON.stringify({ ...p, split: i === 0 ? "train" : "test", iteration: k })}\n`)
          .join("");
        writeFileAtomic(f, text);
        outputs[`iteration-${k}/${i === 0 ? "prompts" : "heldout_prompts"}.jsonl`] = sha256Text(text);
      });
      rows += parts[0].length + parts[1].length;
    }
    return {
      rows,
      outputs,
      metrics: {
        train_prompts: split.train.reduce((a, p) => a + p.length, 0),
        heldout_prompts: split.test.reduce((a, p) => a + p.length, 0),
      },
    };
  });
  const train: PromptRecord[][] = [];
  const test: PromptRecord[][] = [];
  for (let k = 1; k <= K; k++) {
    const [trainFile, testFile] = files(k);
    const strip = ({ prompt_id, prompt, messages, source }: PromptRecord) => ({
      prompt_id,
      prompt,
      messages,
      source,
    });
    train.push((await readJsonlRows<PromptRecord>(trainFile)).map(strip));
    test.push((await readJsonlRows<PromptRecord>(testFile)).map(strip));
  }
  return { train, test };
}

const num = (v: number | string | null | undefined): number | null => (typeof v === "number" ? v : null);

/** summary.json rows (iteration 0 = the base model) from the manifest's stage metrics. */
export function summarize(run: RunDirectory, name: string, upTo: number): Summary {
  const m = run.manifest;
  const base = m.stages["base/heldout-eval"];
  const rows: SummaryRow[] = [
    {
      iteration: 0,
      held_out_reward: num(base?.metrics.held_out_reward),
      judge_win_rate: null,
      judge_win_rate_se: null,
      mean_length_chars: num(base?.metrics.mean_length_chars),
      pairs_kept: null,
      train_loss: null,
      reward_accuracy: null,
      seconds_by_stage: { heldout_eval: base?.seconds ?? 0 },
    },
  ];
  for (let k = 1; k <= upTo; k++) {
    const st = (s: string) => m.stages[`iteration-${k}/${s}`];
    const ev = st("heldout-eval");
    if (ev?.state !== "done") break;
    const seconds: Record<string, number> = {};
    for (const s of ITERATION_STAGES)
      seconds[s.replace("-", "_")] = Math.round((st(s)?.seconds ?? 0) * 1000) / 1000;
    rows.push({
      iteration: k,
      held_out_reward: num(ev.metrics.held_out_reward),
      judge_win_rate: num(ev.metrics.judge_win_rate),
      judge_win_rate_se: num(ev.metrics.judge_win_rate_se),
      mean_length_chars: num(ev.metrics.mean_length_chars),
      pairs_kept: num(st("pairs")?.metrics.pairs_kept),
      train_loss: num(st("train")?.metrics.train_loss),
      reward_accuracy: num(st("train")?.metrics.reward_accuracy),
      seconds_by_stage: seconds,
    });
  }
  return { run: name, iterations: rows };
}
