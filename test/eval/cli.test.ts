// `prefloop eval` end to end in a child process: metrics --json keys, user errors, leaderboard CSV,
// annotate against a local OpenAI-compatible server (then from the cache) and with a ranker module.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { alpacaDir } from "./shared-data.js";

const root = join(import.meta.dirname, "../..");
const mainUrl = JSON.stringify(join(root, "src/cli/main.ts"));
const script = `const m = await import(${mainUrl}); process.exitCode = await m.main(["node", "prefloop", ...process.argv.slice(1)]);`;
const nodeArgs = (args: string[]) => ["--import", "tsx", "--input-type=module", "-e", script, "--", ...args];
function prefloop(...args: string[]) {
  const r = spawnSync(process.execPath, nodeArgs(args), { cwd: root, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** Like prefloop(), without blocking this process (the test's HTTP server must keep answering). */
async function prefloopAsync(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, nodeArgs(args), { cwd: root });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => {
    stdout += c;
  });
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  const code = await new Promise<number | null>((r) => child.on("close", r));
  return { code, stdout, stderr };
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

  it("annotate: judges over HTTP, then reruns from the cache; the ranker judge works offline", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      let d = "";
      req.on("data", (c) => {
        d += c;
      });
      req.on("end", () => {
        requests++;
        const body = JSON.parse(d) as { model: string };
        const top = [
          { token: "m", logprob: Math.log(0.25) },
          { token: "M", logprob: Math.log(0.75) },
        ];
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "x",
            object: "chat.completion",
            created: 0,
            model: body.model,
            choices: [
              {
                index: 0,
                finish_reason: "length",
                message: { role: "assistant", content: "M" },
                logprobs: { content: [{ token: "M", logprob: top[1]!.logprob, top_logprobs: top }] },
              },
            ],
            usage: { prompt_tokens: 40, completion_tokens: 1, total_tokens: 41 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const dir = mkdtempSync(join(tmpdir(), "pf-eval-"));
      const outs = (m: string) =>
        JSON.parse(readFileSync(join(alpacaDir, "results", m, "model_outputs.json"), "utf8")) as unknown[];
      writeFileSync(join(dir, "model.json"), JSON.stringify(outs("alpaca-7b").slice(0, 6)));
      writeFileSync(join(dir, "ref.json"), JSON.stringify(outs("gpt4_1106_preview")));
      const args = [
        "eval",
        "annotate",
        "--model-outputs",
        join(dir, "model.json"),
        "--reference-outputs",
        join(dir, "ref.json"),
      ];
      const first = await prefloopAsync(...args, "--out", join(dir, "a.json"), "--base-url", base);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(requests, 6);
      assert.match(first.stderr, /judged 6, cached 0/);
      const second = await prefloopAsync(...args, "--out", join(dir, "a.json"), "--base-url", base);
      assert.match(second.stderr, /judged 0, cached 6/);
      assert.equal(requests, 6);
      const ann = JSON.parse(readFileSync(join(dir, "a.json"), "utf8")) as {
        preference: number;
        generator_2: string;
      }[];
      assert.equal(ann.length, 6);
      for (const a of ann)
        assert.ok(Math.abs(a.preference - 1.25) < 1e-9 || Math.abs(a.preference - 1.75) < 1e-9);

      writeFileSync(
        join(dir, "ranker.mjs"),
        "export default () => ({ id: 'len', score: async (_p, c) => ({ scores: c.map((s) => s.length / 1000) }) });\n",
      );
      const off = await prefloopAsync(
        ...args,
        "--out",
        join(dir, "b.json"),
        "--ranker-module",
        join(dir, "ranker.mjs"),
      );
      assert.equal(off.code, 0, off.stderr);
      const b = JSON.parse(readFileSync(join(dir, "b.json"), "utf8")) as { annotator: string }[];
      assert.equal(b[0]?.annotator, "ranker:len");
      assert.equal(requests, 6);
    } finally {
      server.close();
    }
  });
});
