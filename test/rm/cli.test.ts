// `prefloop rm train` then `prefloop rm eval` end to end on the bundled stories260K backbone: an HF
// LlamaForSequenceClassification folder out, an eval report with calibration bins and a reliability SVG.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";

const backbone = join(import.meta.dirname, "..", "..", "models", "stories260K.gguf");

test("prefloop rm train + rm eval write a classifier folder, rm_eval.json and reliability.svg", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-rm-cli-"));
  const data = join(dir, "pairs.jsonl");
  const rows = Array.from({ length: 10 }, (_, i) => ({
    prompt: `Once upon a time, Lily had ${i} cats.`,
    chosen: "Lily played with her cats and they were happy. The end.",
    rejected: "cats cats cats cats cats",
  }));
  writeFileSync(data, rows.map((r) => JSON.stringify(r)).join("\n"));
  const out = join(dir, "rm");
  const base = ["node", "prefloop", "--quiet"];
  const code = await main([
    ...base,
    "rm",
    "train",
    "--backbone",
    backbone,
    "--data",
    data,
    "--out",
    out,
    "--set",
    "max_steps=2",
    "--set",
    "eval_split=0.2",
  ]);
  assert.equal(code, 0);
  for (const f of ["config.json", "model.safetensors", "model.gguf", "train_log.jsonl"])
    assert.ok(existsSync(join(out, f)), f);
  const log = readFileSync(join(out, "train_log.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(log.some((l) => "eval_accuracy" in l && "eval_margin" in l && "eval_loss" in l));
  const evalDir = join(dir, "eval");
  const code2 = await main([
    ...base,
    "rm",
    "eval",
    "--model",
    out,
    "--data",
    data,
    "--compare",
    "length",
    "--out",
    evalDir,
  ]);
  assert.equal(code2, 0);
  const report = JSON.parse(readFileSync(join(evalDir, "rm_eval.json"), "utf8"));
  assert.equal(report.pairs, 10);
  assert.equal(report.calibration.bins.length, 10);
  assert.equal(report.agreement.ranker.startsWith("length"), true);
  assert.match(readFileSync(join(evalDir, "reliability.svg"), "utf8"), /^<svg/);
  const bad = await main([
    ...base,
    "rm",
    "train",
    "--backbone",
    backbone,
    "--data",
    data,
    "--out",
    out,
    "--set",
    "loss=nope",
  ]);
  assert.notEqual(bad, 0);
});
