// `prefloop export dataset`: gather a run's preference datasets (or check a dataset folder, or build
// one iteration from preference JSONL files) with a dataset card, and optionally push it to the Hub.
import type { Command } from "commander";

interface ExportDatasetFlags {
  out?: string;
  push?: string;
  private?: boolean;
  hubUrl?: string;
  title?: string;
  train?: string;
  test?: string;
  iteration?: string;
}

export function registerExport(program: Command): void {
  const exp = program.command("export").description("export artefacts of a run");
  exp
    .command("dataset")
    .description(
      "the preference dataset (train_iteration_<k>/test_iteration_<k> Parquet + JSONL + README.md)",
    )
    .argument("[input]", "a run folder (runs/<name>) or a dataset folder")
    .option("--out <dir>", "where a run's dataset is gathered (default <run>/dataset)")
    .option("--train <jsonl>", "build one iteration from preference rows in JSONL (with --test, --out)")
    .option("--test <jsonl>", "the test rows for --train")
    .option("--iteration <k>", "the iteration number for --train/--test", "1")
    .option("--title <text>", "dataset card title")
    .option("--push <repo>", "upload to the Hugging Face dataset repo owner/name (needs HF_TOKEN)")
    .option("--private", "create the pushed repo as private")
    .option("--hub-url <url>", "Hub endpoint (default $HF_ENDPOINT or https://huggingface.co)")
    .action(async (input: string | undefined, flags: ExportDatasetFlags) => {
      const data = await import("../../data/index.js");
      const { ConfigError } = await import("../../util/errors.js");
      let dir: string;
      let splits: Array<{ name: string; rows: number }>;
      if (flags.train !== undefined || flags.test !== undefined) {
        if (!flags.train || !flags.test || !flags.out)
          throw new ConfigError("--train needs --test and --out");
        const k = Number(flags.iteration);
        if (!Number.isInteger(k) || k < 1)
          throw new ConfigError(`--iteration: expected a whole number >= 1, got "${flags.iteration}"`);
        const written = await data.writeIterationDataset({
          dir: flags.out,
          iteration: k,
          train: data.readPreferenceJsonl(flags.train),
          test: data.readPreferenceJsonl(flags.test),
          card: { title: flags.title },
        });
        dir = written.dir;
        splits = written.splits;
      } else {
        if (input === undefined)
          throw new ConfigError("export dataset: give a run or dataset folder, or --train/--test");
        const result = await data.exportDataset(input, flags.out, { title: flags.title });
        dir = result.dir;
        splits = result.splits;
      }
      for (const s of splits) process.stdout.write(`${s.name}\t${s.rows}\n`);
      process.stdout.write(`dataset\t${dir}\n`);
      if (flags.push) {
        const pushed = await data.pushDataset(dir, flags.push, {
          hubUrl: flags.hubUrl,
          private: flags.private,
        });
        process.stdout.write(`pushed\t${pushed.repo}\t${pushed.commit ?? ""}\n`);
      }
    });
  exp
    .command("trl")
    .description(
      "an iteration's TRL / alignment-handbook job: dataset, recipe.yaml, accelerate_config.yaml, launch.sh (runs nothing)",
    )
    .argument("<run>", "a run folder (runs/<name>) whose iteration has pairs.jsonl")
    .requiredOption("--iteration <k>", "the iteration")
    .option("--out <dir>", "where the files go (default <run>/iteration-<k>/trl)")
    .action(async (run: string, flags: { iteration: string; out?: string }) => {
      const { ConfigError } = await import("../../util/errors.js");
      const k = Number(flags.iteration);
      if (!Number.isInteger(k) || k < 1)
        throw new ConfigError(`--iteration: expected a whole number >= 1, got "${flags.iteration}"`);
      const { exportTrlForRun } = await import("../../scaleout/index.js");
      const job = await exportTrlForRun(run, k, flags.out);
      process.stdout.write(`dataset\t${job.datasetDir}\n`);
      process.stdout.write(`recipe\t${job.files.recipe}\n`);
      process.stdout.write(`accelerate_config\t${job.files.accelerateConfig}\n`);
      process.stdout.write(`launch\t${job.files.launchScript}\n`);
      process.stdout.write(`command\t${job.command}\n`);
    });
}
