// The report of a small real run (the pipeline's loop with test components): its numbers against the run
// files read independently, missing data noted instead of crashing, PNG export, no external references,
// and the CLI verbs (report, status).
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { iterationNumbers, loadRun, writeReport } from "../../src/report/index.js";
import { InputError } from "../../src/util/errors.js";
import { runCliBatch } from "../helpers/cli.js";
import { makeFixtureRun } from "./fixtures/make-run.js";

let runDir = "";
before(async () => {
  runDir = (await makeFixtureRun()).dir;
});

const jsonl = <T>(file: string): T[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);

type Held = { prompt_id: string; judge_scores: [number, number] | null; win: number | null };

test("headline numbers agree with summary.json and with the run files computed by hand", () => {
  const summary = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as {
    iterations: {
      iteration: number;
      judge_win_rate: number;
      judge_win_rate_se: number;
      held_out_reward: number;
    }[];
  };
  const rows = iterationNumbers(loadRun(runDir));
  assert.deepEqual(
    rows.map((r) => r.iteration),
    [0, 1, 2, 3],
  );
  for (const s of summary.iterations.slice(1)) {
    const r = rows[s.iteration];
    assert.ok(Math.abs((r.winVsBase?.value ?? -1) - s.judge_win_rate) < 1e-12);
    assert.ok(Math.abs((r.winVsBase?.se ?? -1) - s.judge_win_rate_se) < 1e-12);
    assert.ok(Math.abs((r.heldOutReward?.value ?? -1) - s.held_out_reward) < 1e-12);
  }
  // win vs previous for iteration 3: compare the judge's scores of iteration 3's and 2's answers per prompt
  const h2 = new Map(jsonl<Held>(join(runDir, "iteration-2", "heldout.jsonl")).map((r) => [r.prompt_id, r]));
  const v = jsonl<Held>(join(runDir, "iteration-3", "heldout.jsonl")).map((r): number => {
    const a = r.judge_scores?.[0] ?? 0;
    const b = h2.get(r.prompt_id)?.judge_scores?.[0] ?? 0;
    return a > b ? 1 : a < b ? 0 : 0.5;
  });
  const m = v.reduce((x, y) => x + y, 0) / v.length;
  const sd = Math.sqrt(v.reduce((x, y) => x + (y - m) ** 2, 0) / (v.length - 1));
  assert.ok(Math.abs((rows[3].winVsPrevious?.value ?? -1) - m) < 1e-12);
  assert.ok(Math.abs((rows[3].winVsPrevious?.se ?? -1) - sd / Math.sqrt(v.length)) < 1e-12);
  // iteration 1's previous model is the base: the same verdicts as vs base
  assert.deepEqual(rows[1].winVsPrevious, rows[1].winVsBase);
  // chosen / rejected lengths from pairs.jsonl
  const pairs = jsonl<{ chosen: { content: string }[]; rejected: { content: string }[] }>(
    join(runDir, "iteration-2", "pairs.jsonl"),
  );
  const meanLen = (xs: string[]) => xs.reduce((a, x) => a + [...x].length, 0) / xs.length;
  assert.equal(rows[2].chosenLength, meanLen(pairs.map((p) => p.chosen[1].content)));
  assert.equal(rows[2].rejectedLength, meanLen(pairs.map((p) => p.rejected[1].content)));
  assert.equal(rows[0].chosenLength, null, "the base model has no pairs");
});

test("the HTML is self-contained: no script, stylesheet link, external URL or font", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "pf-report-html-")), "r.html");
  const r = await writeReport(runDir, { out });
  assert.equal(r.html, out);
  const html = readFileSync(out, "utf8");
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|@font-face|url\((?!#)/i);
  // the only URLs are XML namespaces of the inline SVGs
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
  assert.deepEqual([...new Set(urls)].sort(), ["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
  assert.equal((html.match(/<figure data-chart=/g) ?? []).length, 7);
  // the headline table shows summary.json's numbers as the report formats them
  const s = JSON.parse(readFileSync(join(runDir, "summary.json"), "utf8")) as {
    iterations: { judge_win_rate: number; judge_win_rate_se: number }[];
  };
  const last = s.iterations[3];
  assert.ok(
    html.includes(
      `${(100 * last.judge_win_rate).toFixed(1)}% ± ${(100 * last.judge_win_rate_se).toFixed(1)}`,
    ),
  );
  assert.match(html, /AlpacaEval \(LC\) position<\/span><b>#1 of 3/);
  assert.ok(html.includes(readFileSync(join(runDir, "recipe.yaml"), "utf8").split("\n")[0]));
});

test("PNG of every chart: PNG signature, twice the SVG's size", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-report-png-"));
  const r = await writeReport(runDir, { out: join(dir, "r.html"), pngDir: join(dir, "png") });
  assert.equal(r.pngs.length, 7);
  for (const c of r.charts) {
    const png = readFileSync(join(dir, "png", `${c.id}.png`));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const w = png.readUInt32BE(16);
    const h = png.readUInt32BE(20);
    const svgW = Number(/<svg[^>]* width="([\d.]+)"/.exec(c.svg ?? "")?.[1]);
    const svgH = Number(/<svg[^>]* height="([\d.]+)"/.exec(c.svg ?? "")?.[1]);
    assert.ok(
      Math.abs(w - 2 * svgW) <= 1 && Math.abs(h - 2 * svgH) <= 1,
      `${c.id}: ${w}x${h} vs ${svgW}x${svgH}`,
    );
  }
});

test("missing data: no eval, no train log, an unfinished iteration -> notes, never a crash", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "pf-report-partial-")), "run");
  cpSync(runDir, dir, { recursive: true });
  rmSync(join(dir, "eval"), { recursive: true });
  for (let k = 1; k <= 3; k++) {
    // the controller moves the trainer's log beside the model; the report also reads it inside model/
    assert.ok(existsSync(join(dir, `iteration-${k}`, "train_log.jsonl")));
    rmSync(join(dir, `iteration-${k}`, "train_log.jsonl"));
  }
  rmSync(join(dir, "iteration-3", "heldout.jsonl"));
  rmSync(join(dir, "summary.json"));
  // a torn last line (a run being written) is skipped
  writeFileSync(
    join(dir, "iteration-2", "heldout.jsonl"),
    `${readFileSync(join(dir, "iteration-2", "heldout.jsonl"), "utf8")}{"prompt_id":`,
  );
  const r = await writeReport(dir);
  const missing = r.charts.filter((c) => c.svg === null).map((c) => c.id);
  assert.deepEqual(missing, ["training", "leaderboard"]);
  const html = readFileSync(r.html, "utf8");
  assert.match(html, /No train_log\.jsonl in any iteration/);
  assert.match(html, /No AlpacaEval evaluation in this run/);
  assert.match(html, /<section id="win-rate">[\s\S]*?<figure/);
  // an empty run folder (only a manifest) still renders
  const empty = join(mkdtempSync(join(tmpdir(), "pf-report-empty-")), "run");
  cpSync(join(runDir, "manifest.json"), join(empty, "manifest.json"));
  const e = await writeReport(empty);
  assert.ok(e.charts.filter((c) => c.svg !== null).every((c) => c.id === "time"));
  // not a run folder: a clear error naming it
  const bare = mkdtempSync(join(tmpdir(), "pf-report-bare-"));
  await assert.rejects(
    writeReport(bare),
    (err: unknown) => err instanceof InputError && err.message.includes(bare),
  );
});

test("CLI: report --out --png, and status shows the headline numbers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-report-cli-"));
  const [r, s] = runCliBatch([
    ["report", runDir, "--out", join(dir, "x.html"), "--png", join(dir, "png")],
    ["status", runDir],
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n")[0], join(dir, "x.html"));
  assert.equal(r.stdout.trim().split("\n").length, 8);
  assert.ok(existsSync(join(dir, "png", "training.png")));
  assert.equal(s.code, 0, s.stderr);
  const rows = iterationNumbers(loadRun(runDir));
  const w = rows[3].winVsPrevious;
  assert.ok(w);
  assert.match(s.stdout, /win vs prev/);
  assert.ok(s.stdout.includes(`${(100 * w.value).toFixed(1)}% ± ${(100 * (w.se ?? 0)).toFixed(1)}`));
  assert.match(s.stdout, /AlpacaEval \(LC\): fake-iteration-3 #1/);
});

test("prefloop run's default components end the run with report.html (the wiring seam)", async () => {
  const { defaultComponents } = await import("../../src/pipeline/index.js");
  const dir = join(mkdtempSync(join(tmpdir(), "pf-report-wired-")), "run");
  cpSync(runDir, dir, { recursive: true });
  rmSync(join(dir, "report.html"), { force: true });
  const report = defaultComponents().report;
  assert.ok(report, "defaultComponents().report is wired");
  await report(dir);
  assert.match(readFileSync(join(dir, "report.html"), "utf8"), /<title>prefloop report: fixture<\/title>/);
});
