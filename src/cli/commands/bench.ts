// `prefloop bench <suite>`: benchmarks that print ratios against a reference measured in the same run.
// Suites are subcommands (engine here; others add theirs with benchCommand(program).command(...)).
import type { Command } from "commander";
import { ConfigError } from "../../util/errors.js";

/** The `bench` command, created on first use so several modules can add suites. */
export function benchCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "bench") ??
    program.command("bench").description("benchmarks, each printed beside a reference (PyTorch) run")
  );
}

export function registerBench(program: Command): void {
  benchCommand(program)
    .command("engine")
    .description("sgemm GFLOP/s and a Llama block fwd+bwd vs PyTorch and the system BLAS")
    .option("--threads <n>", "native threads (and torch threads); default all cores or PREFLOOP_THREADS")
    .option("--reps <n>", "repetitions per measurement (best of)", "5")
    .option("--rounds <n>", "rounds alternating prefloop and PyTorch (best of each)", "3")
    .option("--quick", "small sizes (a smoke run)")
    .option("--with-ts", "also time the ts backend where feasible")
    .option("--no-torch", "skip the PyTorch reference run")
    .option("--json", "print the results as JSON")
    .option(
      "--reference <dir>",
      "folder with the vendored transformers",
      process.env.PREFLOOP_REFERENCE ?? "/work/shared/reference",
    )
    .action(
      async (opts: {
        threads?: string;
        reps: string;
        rounds: string;
        quick?: boolean;
        withTs?: boolean;
        torch: boolean;
        json?: boolean;
        reference: string;
      }) => {
        const reps = Number(opts.reps);
        if (!Number.isInteger(reps) || reps < 1)
          throw new ConfigError(`--reps: expected a positive integer, got '${opts.reps}'`);
        if (opts.threads !== undefined) {
          const t = Number(opts.threads);
          if (!Number.isInteger(t) || t < 1)
            throw new ConfigError(`--threads: expected a positive integer, got '${opts.threads}'`);
          process.env.PREFLOOP_THREADS = String(t); // read when the native addon loads (below)
        }
        const rounds = Number(opts.rounds);
        if (!Number.isInteger(rounds) || rounds < 1) {
          throw new ConfigError(`--rounds: expected a positive integer, got '${opts.rounds}'`);
        }
        const engine = await import("../../engine/index.js");
        const result = engine.runEngineBench({
          reps,
          rounds,
          withTs: opts.withTs === true,
          torch: opts.torch,
          quick: opts.quick === true,
          reference: opts.reference,
          progress: (line) => process.stderr.write(`bench: ${line}\n`),
        });
        process.stdout.write(
          opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${engine.formatEngineBench(result)}\n`,
        );
      },
    );
}
