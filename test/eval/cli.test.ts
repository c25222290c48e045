// `prefloop eval` end to end in a child process: metrics --json keys, user errors, leaderboard CSV.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { alpacaDir } from "./shared-data.js";

const root = join(import.meta.dirname, "../..");
function prefloop(...args: string[]) {
  const script = `const m = await import(${JSON.stringify(join(root, "src/cli/main.ts"))}); process.exitCode = await m.main(["node", "prefloop", ...process.argv.slice(1)]);`;
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script, "--", ...args],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ann = (m: string) => join(alpacaDir, "results", m, "weighted_alpaca_eval_gpt4_turbo/annotations.json");

describe("prefloop eval CLI", () => {
  it("metrics --json prints exactly AlpacaEval's keys", () => {
    const r = prefloop("eval", "metrics", "--annotations", ann("alpaca-7b"), "--json");
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(o).sort(), [
      "avg_length",
      "discrete_win_rate",
      "n_draws",
      "n_total",
      "n_wins",
      "n_wins_base",
      "standard_error",
      "win_rate",
    ]);
    assert.equal(o.n_wins, 17);
  });

  it("a bad annotation file exits with the input code and names file, index and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "pf-eval-"));
    const bad = join(dir, "bad.json");
    const rows = JSON.parse(readFileSync(ann("alpaca-7b"), "utf8")) as Record<string, unknown>[];
    delete rows[5]!.output_1;
    writeFileSync(bad, JSON.stringify(rows.slice(0, 10)));
    const r = prefloop("eval", "metrics", "--annotations", bad);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /bad\.json: \[5\]\.output_1: expected a string/);
  });

  it("leaderboard writes AlpacaEval's columns sorted by LC, plus a Vega-Lite chart", () => {
    const dir = mkdtempSync(join(tmpdir(), "pf-eval-"));
    const out = join(dir, "leaderboard.csv");
    const chart = join(dir, "chart.vl.json");
    const r = prefloop(
      "eval",
      "leaderboard",
      ann("alpaca-7b"),
      ann("claude-2.1"),
      ann("gpt-3.5-turbo-1106"),
      "--out",
      out,
      "--chart",
      chart,
    );
    assert.equal(r.code, 0, r.stderr);
    const rows = parse(readFileSync(out, "utf8"), { columns: true }) as Record<string, string>[];
    assert.deepEqual(Object.keys(rows[0]!), [
      "",
      "win_rate",
      "standard_error",
      "n_wins",
      "n_wins_base",
      "n_draws",
      "n_total",
      "discrete_win_rate",
      "mode",
      "avg_length",
      "length_controlled_winrate",
      "lc_standard_error",
    ]);
    const lc = rows.map((x) => Number(x.length_controlled_winrate));
    assert.deepEqual(
      [...lc].sort((a, b) => b - a),
      lc,
    );
    assert.equal(rows.at(-1)?.[""], "alpaca-7b");
    const spec = JSON.parse(readFileSync(chart, "utf8")) as { data: { values: unknown[] } };
    assert.equal(spec.data.values.length, 6);
  });
});
