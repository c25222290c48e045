// `prefloop report <run> [--out file.html] [--png dir]`: the run's self-contained HTML report (inline SVG charts,
// no network) and, on request, a PNG of every chart. Thin: the work is src/report's writeReport.
import type { Command } from "commander";

export function registerReport(program: Command): void {
  program
    .command("report")
    .argument("<run>", "run folder (e.g. runs/default)")
    .option("--out <file>", "HTML file to write (default: <run>/report.html)")
    .option("--png <dir>", "also write <chart>.png of every chart into this folder")
    .option("--scale <n>", "PNG pixel ratio", (v: string) => Number(v), 2)
    .description("write a run's HTML report (charts inline, works offline) and optional PNG figures")
    .action(async (run: string, opts: { out?: string; png?: string; scale: number }) => {
      const { writeReport } = await import("../../report/index.js");
      const r = await writeReport(run, { out: opts.out, pngDir: opts.png, pngScale: opts.scale });
      const missing = r.charts.filter((c) => c.svg === null).map((c) => c.id);
      process.stdout.write(`${r.html}\n`);
      for (const p of r.pngs) process.stdout.write(`${p}\n`);
      if (missing.length > 0)
        process.stderr.write(`report: no data for ${missing.join(", ")} (noted in the page)\n`);
    });
}
