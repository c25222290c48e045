// `prefloop train`: DPO on a preference dataset, writing an HF model folder (plus model.gguf when the
// source is GGUF, so the tokenizer travels with it), train_log.jsonl and checkpoints. Thin: flags here,
// the work in src/train. Reruns with the same --out resume from the last checkpoint.
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { defaultModelPath } from "./generate.js";

interface TrainFlags {
  model: string;
  dataset: string;
  out: string;
  refModel?: string;
  preset?: string;
  set: string[];
  resume: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("Train a model with DPO on a preference dataset (TRL loss types, LoRA, resumable).")
    .option(
      "--model <path>",
      "policy (and reference): a .gguf file or a Hugging Face folder",
      defaultModelPath,
    )
    .requiredOption(
      "--dataset <path>",
      "dataset folder (train*/test* .parquet or .jsonl) or one .jsonl/.parquet file",
    )
    .requiredOption("--out <dir>", "output folder: HF model, train_log.jsonl, checkpoints/")
    .option("--ref-model <path>", "reference model (default: the starting --model)")
    .option(
      "--preset <name>",
      "settings preset: zephyr (7B recipe) or small (bundled model); default by model",
    )
    .option(
      "--set <key=value>",
      "override a setting (TRL names, repeatable), e.g. --set beta=0.1 --set loss_type=sigmoid,sft",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--no-resume", "start over even when --out holds a checkpoint")
    .action(async (flags: TrainFlags, command: Command) => {
      const quiet = Boolean(command.optsWithGlobals().quiet);
      const { ConfigError, ModelError } = await import("../../util/errors.js");
      const { loadModel, saveGguf, saveHfFolder } = await import("../../models/index.js");
      const { loadTextAssetsFromFolder, textAssetsFromGguf } = await import("../../text/index.js");
      const train = await import("../../train/index.js");
      const preset = flags.preset ?? (flags.model === defaultModelPath ? "small" : "zephyr");
      if (preset !== "small" && preset !== "zephyr") {
        throw new ConfigError(`--preset: expected zephyr or small, got '${preset}'`);
      }
      const settings = {
        ...(preset === "small" ? train.smallModelDefaults : {}),
        ...train.parseSetFlags(flags.set),
      };
      train.parseDpoSettings(settings, "--set"); // fail before loading anything
      const loaded = loadModel(flags.model);
      const src = loaded.tokenizer;
      let assets: Awaited<ReturnType<typeof loadTextAssetsFromFolder>>;
      if (src.kind === "gguf") {
        assets = textAssetsFromGguf(new Map([...src.raw].map(([k, e]) => [k, e.value])), src.path);
      } else if (src.kind === "hf") {
        assets = await loadTextAssetsFromFolder(src.folder);
      } else {
        throw new ModelError(
          `${flags.model}: the model has no tokenizer (tokenizer.json or GGUF tokenizer metadata)`,
        );
      }
      const refModel = flags.refModel ? loadModel(flags.refModel).model : null;
      const data = await train.readTrainDataset(flags.dataset);
      const started = Date.now();
      const result = await train.trainDpo({
        model: loaded.model,
        tokenizer: assets.tokenizer,
        template: assets.chatTemplate,
        trainRows: data.train,
        testRows: data.test,
        refModel,
        // beside the dataset: one reference pass per dataset, shared by reruns and other --out folders
        refCachePath: statSync(flags.dataset).isDirectory()
          ? join(flags.dataset, "ref_logps.json")
          : `${flags.dataset}.ref_logps.json`,
        settings,
        outDir: flags.out,
        backend: loaded.model.backend,
        resume: flags.resume,
        onProgress: (p) => {
          if (!quiet) process.stderr.write(`train: ${p.line}\n`);
        },
      });
      saveHfFolder(loaded.model, flags.out, { tokenizerFiles: src.kind === "hf" ? src.files : [] });
      if (src.kind === "gguf") saveGguf(loaded.model, join(flags.out, "model.gguf"), { metadata: src.raw });
      const secs = (Date.now() - started) / 1000;
      if (!quiet)
        process.stderr.write(`train: ${result.steps} steps in ${secs.toFixed(1)} s -> ${flags.out}\n`);
      process.stdout.write(
        `${JSON.stringify({ steps: result.steps, train: result.train, eval: result.eval, out: flags.out })}\n`,
      );
    });
}
