// `prefloop status <run>`: what is done, running or failed in a run, and its headline numbers.
import type { Command } from "commander";

export function registerStatus(program: Command): void {
  program
    .command("status")
    .argument("<run>", "run folder (e.g. runs/default)")
    .option("--json", "print the manifest and summary as JSON")
    .description("show a run's stages and headline numbers")
    .action(async (run: string, opts: { json?: boolean }) => {
      const { formatStatus, runStatus, readSummary } = await import("../../pipeline/index.js");
      if (opts.json) {
        const st = runStatus(run);
        process.stdout.write(`${JSON.stringify({ ...st, summary: readSummary(run) ?? null }, null, 2)}\n`);
      } else {
        process.stdout.write(formatStatus(run));
        // The report layer's headline: win rate vs the previous iteration, chosen/rejected lengths, margins,
        // the AlpacaEval position (the same numbers as report.html's summary table).
        const { formatHeadline } = await import("../../report/index.js");
        const headline = await formatHeadline(run);
        if (headline) process.stdout.write(`\n${headline}`);
      }
    });
}
