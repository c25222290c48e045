// `prefloop rm train` and `prefloop rm eval`: build your own reward model (Bradley–Terry, pointwise, pairwise or
// weak supervision from labelling functions) on a Llama-family backbone or by fine-tuning PairRM itself, and evaluate any reward model on
// held-out pairs. Thin: parses flags and calls src/rm.
import type { Command } from "commander";

interface TrainFlags {
  backbone: string;
  data: string;
  out: string;
  evalData?: string;
  lf: string[];
  set: string[];
  randomInit?: string;
  resume: boolean;
}

interface EvalFlags {
  model: string;
  data: string;
  compare?: string;
  out?: string;
  limit?: string;
  maxLength?: string;
}

/** A Llama-family backbone with a fresh head (or a saved reward model), optionally re-initialised small. */
async function llamaBackbone(flags: TrainFlags, settings: import("../../rm/index.js").RmSettings) {
  const rmLib = await import("../../rm/index.js");
  const { ConfigError } = await import("../../util/errors.js");
  const model = await rmLib.loadRewardModel(flags.backbone, {
    head: settings.loss === "pairwise" ? "pairwise" : "sequence",
    seed: settings.seed,
  });
  if (!flags.randomInit) return model;
  const m = /^(\d+),(\d+)$/.exec(flags.randomInit);
  if (!m) throw new ConfigError(`--random-init: expected <layers>,<hidden>, got '${flags.randomInit}'`);
  const [L, C] = [Number(m[1]), Number(m[2])];
  const heads = Math.max(1, C / 32);
  const cfg = {
    ...model.trunk.config,
    numLayers: L,
    hiddenSize: C,
    intermediateSize: Math.round((8 * C) / 3 / 8) * 8,
    numHeads: heads,
    numKvHeads: heads,
    headDim: C / heads,
    ropeLayout: "half" as const,
  };
  const random = rmLib.randomRewardModel(cfg, model.assets, settings.seed);
  return new rmLib.RewardModel(
    random.trunk,
    random.score.data,
    model.assets,
    model.head,
    model.tokenizerSource,
  );
}

const collect = (v: string, acc: string[]) => [...acc, v];

export function registerRm(program: Command): void {
  const rm = program.command("rm").description("train and evaluate your own reward models");
  rm.command("train")
    .description(
      "train a reward model: backbone + scalar head on the last token (HF *ForSequenceClassification)",
    )
    .requiredOption(
      "--backbone <path>",
      "a .gguf file or HF folder (causal LM or a saved reward model), or an llm-blender/PairRM folder (fine-tunes PairRM)",
    )
    .requiredOption(
      "--data <file>",
      "JSONL/JSON: prompt+chosen+rejected[+margin][+preference] | prompt+response+label|score | prompt+response_a+response_b (with --lf)",
    )
    .requiredOption(
      "--out <dir>",
      "output folder: the trained model (HF layout), train_log.jsonl, checkpoints/",
    )
    .option("--eval-data <file>", "held-out rows (default: eval_split of --data)")
    .option(
      "--lf <spec>",
      "labelling function: a ranker spec (e.g. story-suite, module:./lf.ts) (repeatable)",
      collect,
      [] as string[],
    )
    .option(
      "--set <key=value>",
      "override a setting (RewardConfig names), e.g. --set loss=pairwise (repeatable)",
      collect,
      [] as string[],
    )
    .option(
      "--random-init <layers,hidden>",
      "random-init backbone with the --backbone's tokenizer and this shape, e.g. 4,128",
    )
    .option("--no-resume", "start over even when --out holds a checkpoint")
    .action(async (flags: TrainFlags, command: Command) => {
      const quiet = Boolean(command.optsWithGlobals().quiet);
      const rmLib = await import("../../rm/index.js");
      const { parseSetFlags } = await import("../../train/index.js");
      const { ConfigError } = await import("../../util/errors.js");
      const { buildRanker, registerEngineRankers } = await import("../../reward/index.js");
      const settings = rmLib.parseRmSettings(parseSetFlags(flags.set), "--set");
      const pairrm = rmLib.isPairrmFolder(flags.backbone);
      if (pairrm && settings.loss !== "pairwise" && settings.loss !== "auto") {
        throw new ConfigError(
          `--set loss=${settings.loss}: a PairRM backbone (${flags.backbone}) trains with loss=pairwise`,
        );
      }
      if (pairrm && flags.randomInit)
        throw new ConfigError("--random-init applies to Llama-family backbones only");
      const model = pairrm
        ? await rmLib.PairrmRewardModel.load(flags.backbone, {
            budget: { sourceMax: settings.source_maxlength, candidateMax: settings.candidate_maxlength },
          })
        : await llamaBackbone(flags, settings);
      registerEngineRankers();
      const lfs = await Promise.all(
        flags.lf.map((spec, i) =>
          // a JSON object is the object form of a spec, e.g. '{"type":"length","target":400}'
          buildRanker(
            spec.startsWith("{") ? JSON.parse(spec) : spec,
            { baseDir: process.cwd() },
            `--lf #${i + 1}`,
          ),
        ),
      );
      const evalRows = flags.evalData ? rmLib.readRows(flags.evalData) : undefined;
      const rows = rmLib.readRows(flags.data);
      const common = { settings, evalRows, evalPath: flags.evalData, labellingFunctions: lfs };
      const { data, note } =
        model instanceof rmLib.PairrmRewardModel
          ? await rmLib.buildPairrmData(rows, flags.data, { model, ...common })
          : await rmLib.buildRmData(rows, flags.data, { assets: model.assets, ...common });
      if (!quiet) process.stderr.write(`rm train: ${note}\n`);
      const res = await rmLib.trainRewardModel({
        model,
        data,
        settings,
        outDir: flags.out,
        resume: flags.resume,
        backend: model instanceof rmLib.PairrmRewardModel ? model.backend : model.trunk.backend,
        onProgress: quiet ? undefined : (p) => process.stderr.write(`${p.line}\n`),
      });
      if (model instanceof rmLib.PairrmRewardModel) model.save(flags.out);
      // a pairwise head cuts each candidate to its share of max_length: the ranker cuts the same way
      else
        model.save(flags.out, model.head === "pairwise" ? { prefloop_max_length: settings.max_length } : {});
      process.stdout.write(
        `${JSON.stringify({ out: flags.out, steps: res.steps, train: res.train, eval: res.eval }, null, 2)}\n`,
      );
    });
  rm.command("eval")
    .description("accuracy, calibration, length strata and agreement of a reward model on preference pairs")
    .requiredOption(
      "--model <dir>",
      "a trained reward model folder (or any ranker spec: classifier:..., pairrm:..., story-suite)",
    )
    .requiredOption("--data <file>", "JSONL/JSON pairs: prompt, chosen, rejected")
    .option("--compare <spec>", "another ranker to measure agreement with")
    .option("--limit <n>", "first n pairs only")
    .option(
      "--max-length <n>",
      "tokens per sequence for a reward-model folder (longer: keep the end)",
      "4096",
    )
    .option("--out <dir>", "write rm_eval.json and reliability.svg here")
    .action(async (flags: EvalFlags) => {
      const { existsSync, mkdirSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const rmLib = await import("../../rm/index.js");
      const { buildRanker, registerEngineRankers } = await import("../../reward/index.js");
      registerEngineRankers();
      const ranker = rmLib.isPairrmFolder(flags.model)
        ? await buildRanker({ type: "pairrm", path: flags.model }, { baseDir: process.cwd() }, "--model")
        : existsSync(join(flags.model, "config.json"))
          ? rmLib.rewardModelRanker(
              await rmLib.loadRewardModel(flags.model),
              flags.model,
              Number(flags.maxLength ?? 4096),
            )
          : await buildRanker(flags.model, { baseDir: process.cwd() }, "--model");
      let pairs = rmLib.pairTexts(rmLib.readRows(flags.data), flags.data);
      if (flags.limit) pairs = pairs.slice(0, Number(flags.limit));
      const tick = (d: number) => {
        if (d % 20 === 0) process.stderr.write(`rm eval: ${d}/${pairs.length}\n`);
      };
      const scores = await rmLib.pairScores(ranker, pairs, tick);
      const other = flags.compare
        ? await buildRanker(flags.compare, { baseDir: process.cwd() }, "--compare").then(async (r) => ({
            id: r.id,
            scores: await rmLib.pairScores(r, pairs),
          }))
        : null;
      const report = rmLib.rmEvalReport(pairs, scores, other);
      if (flags.out) {
        mkdirSync(flags.out, { recursive: true });
        writeFileSync(join(flags.out, "rm_eval.json"), `${JSON.stringify(report, null, 2)}\n`);
        writeFileSync(
          join(flags.out, "reliability.svg"),
          await rmLib.renderSvg(rmLib.reliabilitySpec(report, flags.model)),
        );
      }
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
}
