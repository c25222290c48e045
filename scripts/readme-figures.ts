// Regenerates the README figures (docs/img/report-<chart>.png) and docs/img/figures.json (where they came
// from) from a run folder: `npx tsx scripts/readme-figures.ts runs/default [--out docs/img] [--scale 2]`.
// `--fixture` renders the test fixture run instead (the pipeline's loop with fake components), for when no
// real run exists yet; figures.json then says so.
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildReport, writeBytesAtomic, writeChartPngs } from "../src/report/index.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string", default: "docs/img" },
    scale: { type: "string", default: "2" },
    fixture: { type: "boolean", default: false },
  },
});

let runDir = positionals[0];
let source = runDir;
if (values.fixture) {
  const { makeFixtureRun } = await import("../test/report/fixtures/make-run.js");
  runDir = (await makeFixtureRun()).dir;
  source = "test fixture run (test/report/fixtures/make-run.ts: fake generator, ranker, judge and trainer)";
}
if (!runDir) {
  process.stderr.write(
    "usage: npx tsx scripts/readme-figures.ts <run folder> [--out docs/img] [--scale 2] | --fixture\n",
  );
  process.exit(2);
}
const out = resolve(values.out ?? "docs/img");
mkdirSync(out, { recursive: true });
const { charts } = await buildReport(runDir);
// Render into a scratch folder, then move each file into place under its README name.
const scratch = join(out, ".figures.tmp");
rmSync(scratch, { recursive: true, force: true });
const pngs = await writeChartPngs(charts, scratch, Number(values.scale));
const written: string[] = [];
for (const p of pngs) {
  const name = `report-${p.slice(scratch.length + 1)}`;
  renameSync(p, join(out, name));
  written.push(name);
}
rmSync(scratch, { recursive: true, force: true });
const skipped = charts.filter((c) => c.svg === null).map((c) => ({ chart: c.id, why: c.note }));
writeBytesAtomic(
  join(out, "figures.json"),
  `${JSON.stringify({ source: values.fixture ? source : relative(process.cwd(), resolve(runDir)), figures: written, skipped }, null, 2)}\n`,
);
for (const w of written) process.stdout.write(`${join(out, w)}\n`);
for (const s of skipped) process.stderr.write(`skipped ${s.chart}: ${s.why}\n`);
