// `prefloop data`: inspect a prompt source and split it into iteration parts, on files alone.
import type { Command } from "commander";

interface SourceFlags {
  format?: string;
  split?: string;
  config?: string;
  field?: string;
  messages?: string;
  turn?: string;
  alpaca?: boolean;
  skipEmpty?: boolean;
}

interface SplitFlags extends SourceFlags {
  out: string;
  iterations: string;
  train: string;
  test: string;
  seed: string;
  order: string;
}

function withSourceFlags(cmd: Command): Command {
  return cmd
    .option("--format <format>", "jsonl | json | csv | parquet | hf (default: from the name)")
    .option("--split <name>", "HF dataset folders: the split to read")
    .option("--config <name>", "HF dataset folders: the config to read")
    .option("--field <name>", "the prompt is this string field")
    .option("--messages <name>", "the prompt is a user turn of this chat messages field")
    .option("--turn <which>", "with --messages: first | last user turn", "first")
    .option("--alpaca", "the prompt is instruction + input (Alpaca)")
    .option("--skip-empty", "skip prompts that are empty after normalisation (default: error)");
}

async function specsOf(paths: string[], f: SourceFlags) {
  const { ConfigError } = await import("../../util/errors.js");
  type Spec = import("../../data/index.js").PromptSourceSpec;
  const chosen = [f.field, f.messages, f.alpaca].filter((x) => x !== undefined && x !== false).length;
  if (chosen > 1) throw new ConfigError("choose one of --field, --messages, --alpaca");
  if (f.turn !== "first" && f.turn !== "last")
    throw new ConfigError(`--turn: expected first or last, got "${f.turn}"`);
  const fields: Spec["fields"] = f.field
    ? { kind: "prompt", field: f.field }
    : f.messages
      ? { kind: "messages", field: f.messages, turn: f.turn }
      : f.alpaca
        ? { kind: "alpaca", instruction: "instruction", input: "input" }
        : { kind: "auto" };
  const formats = ["jsonl", "json", "csv", "parquet", "hf"];
  if (f.format !== undefined && !formats.includes(f.format)) {
    throw new ConfigError(`--format: expected one of ${formats.join(", ")}, got "${f.format}"`);
  }
  return paths.map(
    (path): Spec => ({ path, format: f.format as Spec["format"], split: f.split, config: f.config, fields }),
  );
}

export function registerData(program: Command): void {
  const data = program.command("data").description("prompt sources: inspect and split");
  withSourceFlags(
    data.command("inspect").argument("<source...>", "prompt files or HF dataset folders"),
  ).action(async (paths: string[], flags: SourceFlags) => {
    const d = await import("../../data/index.js");
    const stats = d.newReadStats();
    let first: string | undefined;
    const onEmpty = flags.skipEmpty ? "skip" : "error";
    for await (const rec of d.readPrompts(await specsOf(paths, flags), { stats, onEmpty }))
      first ??= rec.prompt;
    process.stdout.write(
      `rows\t${stats.rows}\nprompts\t${stats.prompts}\nduplicates\t${stats.duplicates}\nempty\t${stats.empty}\n`,
    );
    if (first !== undefined) process.stdout.write(`first\t${JSON.stringify(first.slice(0, 200))}\n`);
  });
  withSourceFlags(data.command("split").argument("<source...>", "prompt files or HF dataset folders"))
    .requiredOption("--out <dir>", "where <part>.jsonl files are written")
    .option("--iterations <k>", "number of iterations", "3")
    .option("--train <size>", "train part per iteration: a count, a fraction or a percentage", "30%")
    .option("--test <size>", "held-out test part per iteration", "3%")
    .option("--seed <n>", "split seed", "42")
    .option("--order <order>", "shuffled | source", "shuffled")
    .action(async (paths: string[], flags: SplitFlags) => {
      const d = await import("../../data/index.js");
      const { ConfigError } = await import("../../util/errors.js");
      if (flags.order !== "shuffled" && flags.order !== "source") {
        throw new ConfigError(`--order: expected shuffled or source, got "${flags.order}"`);
      }
      const specs = await specsOf(paths, flags);
      const onEmpty = flags.skipEmpty ? "skip" : "error";
      const spec = {
        iterations: Number(flags.iterations),
        train: d.parseSize(flags.train, "--train"),
        test: d.parseSize(flags.test, "--test"),
        seed: Number(flags.seed),
      };
      d.checkSplitSpec(spec);
      const plan = await d.planSplit(() => d.readPrompts(specs, { onEmpty }), spec);
      const parts = await d.writeSplitFiles(d.readPrompts(specs, { onEmpty }), plan, flags.out, {
        order: flags.order,
      });
      for (const p of parts) process.stdout.write(`${p.name}\t${p.count}\t${p.path}\n`);
      process.stdout.write(`unused\t${plan.total - parts.reduce((a, p) => a + p.count, 0)}\n`);
    });
}
