// `prefloop rank`: scores every group of a generations.jsonl with one ranker into scores.jsonl,
// resumable by prompt_id, with a score cache so reruns cost nothing. Thin: the work is src/reward.
import type { Command } from "commander";

export function registerRank(program: Command): void {
  program
    .command("rank")
    .description("score generations (prompt_id, prompt, responses[]) with a ranker into scores.jsonl")
    .requiredOption(
      "--ranker <spec>",
      "ranker spec (length, regex:/x/i, ./my-scorer.ts, judge:<url>#<model>, story-suite, ...) or a .yaml/.json file with the object form",
    )
    .requiredOption("--in <file>", "generations.jsonl")
    .requiredOption("--out <file>", "scores.jsonl (appended; prompt_ids already there are skipped)")
    .option("--cache <file>", "score cache (JSONL); default: <out>.cache.jsonl")
    .option("--no-cache", "do not read or write a score cache")
    .option("--batch-size <n>", "groups scored and appended at a time", "64")
    .option("--concurrency <n>", "parallel groups for rankers that score one group at a time", "4")
    .action(
      async (opts: {
        ranker: string;
        in: string;
        out: string;
        cache: string | boolean;
        batchSize: string;
        concurrency: string;
      }) => {
        const { buildRanker, rankFile, registerEngineRankers } = await import("../../reward/index.js");
        registerEngineRankers();
        const { ConfigError } = await import("../../util/errors.js");
        const batchSize = Number(opts.batchSize);
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(batchSize) || batchSize < 1)
          throw new ConfigError("--batch-size: expected a positive integer");
        if (!Number.isInteger(concurrency) || concurrency < 1)
          throw new ConfigError("--concurrency: expected a positive integer");
        const cachePath =
          opts.cache === false
            ? undefined
            : typeof opts.cache === "string"
              ? opts.cache
              : `${opts.out}.cache.jsonl`;
        // A .yaml/.yml/.json file holds the recipe's object form (or a recipe whose `ranker:` is used).
        let spec: unknown = opts.ranker;
        let baseDir = process.cwd();
        if (/\.(ya?ml|json)$/i.test(opts.ranker)) {
          const [{ readFile }, { parse }, { dirname, resolve }] = await Promise.all([
            import("node:fs/promises"),
            import("yaml"),
            import("node:path"),
          ]);
          const file = resolve(opts.ranker);
          const doc = parse(
            await readFile(file, "utf8").catch(() => {
              throw new ConfigError(`--ranker: cannot read ${file}`);
            }),
          ) as unknown;
          spec =
            typeof doc === "object" && doc !== null && "ranker" in doc
              ? (doc as { ranker: unknown }).ranker
              : doc;
          baseDir = dirname(file);
        }
        const ranker = await buildRanker(spec, { cachePath, baseDir }, `--ranker ${opts.ranker}`);
        const quiet = program.opts().quiet === true;
        try {
          const r = await rankFile(ranker, opts.in, opts.out, {
            batchSize,
            concurrency,
            onProgress: (done, total) => {
              if (!quiet && process.stderr.isTTY) process.stderr.write(`\rrank: ${done}/${total} prompts`);
            },
          });
          if (!quiet && process.stderr.isTTY) process.stderr.write("\n");
          process.stdout.write(
            `${JSON.stringify({ ranker: ranker.id, out: opts.out, total: r.total, skipped: r.skipped, written: r.written })}\n`,
          );
        } finally {
          await ranker.close?.();
        }
      },
    );
}
