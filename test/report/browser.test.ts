// The done-when test of issue 11: the report of a real small run, opened in headless Chromium (Debian's
// chromium package), has no console errors, fetches nothing but itself, shows every chart as an SVG with
// marks, and leaves a screenshot. Fails (never skips) when Chromium is missing.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { writeReport } from "../../src/report/index.js";
import { makeFixtureRun } from "./fixtures/make-run.js";

const CHROMIUM = process.env.PREFLOOP_CHROMIUM ?? "/usr/bin/chromium";

test("report.html in headless Chromium: no console errors, no network, every chart drawn, screenshot", async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set PREFLOOP_CHROMIUM`,
  );
  const { dir } = await makeFixtureRun();
  const r = await writeReport(dir);
  assert.deepEqual(
    r.charts.filter((c) => c.svg === null).map((c) => `${c.id}: ${c.note}`),
    [],
    "the fixture run has data for every chart",
  );
  const profile = mkdtempSync(join(tmpdir(), "pf-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
  });
  try {
    const url = pathToFileURL(r.html).href;
    const requests: string[] = [];
    const errors: string[] = [];
    context.on("request", (req) => requests.push(req.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(url, { waitUntil: "load" });
    assert.deepEqual(errors, [], "console errors");
    assert.deepEqual(
      requests.filter((u) => u !== url),
      [],
      "the page requested something besides itself",
    );
    const charts = await page.$$eval("figure[data-chart]", (figs) =>
      figs.map((f) => {
        const svg = f.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        // vega's SVG: data marks live in <g class="mark-… role-mark"> groups (axes are role-axis-*)
        const marks = svg ? [...svg.querySelectorAll("g.role-mark > *")] : [];
        const drawn = marks.filter((m) => {
          const d = m.getAttribute("d");
          return (d !== null && d.length > 2) || m.tagName === "line" || m.tagName === "rect";
        });
        return {
          id: f.getAttribute("data-chart"),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: drawn.length,
        };
      }),
    );
    assert.deepEqual(
      charts.map((c) => c.id),
      r.charts.map((c) => c.id),
      "every chart of the report is in the page",
    );
    for (const c of charts) {
      assert.ok(c.width > 100 && c.height > 100, `${c.id}: rendered ${c.width}x${c.height}`);
      assert.ok(c.marks > 0, `${c.id}: no data marks`);
    }
    // the summary table and the sample answers are visible
    assert.equal(await page.locator("#summary tbody tr").count(), 4);
    assert.ok((await page.locator("#samples .answer").count()) >= 4);
    const shot = join(mkdtempSync(join(tmpdir(), "pf-report-shot-")), "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 50_000, "screenshot written");
    process.stderr.write(`report screenshot: ${shot}\n`);
  } finally {
    await context.close();
  }
});
