// `prefloop train` end to end on the bundled stories260K model: a JSONL dataset folder in, an HF folder
// (plus model.gguf with the tokenizer) out, loadable again, with train_log.jsonl and the reference cache.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { storyPreferences } from "../../bench/story-prefs.js";
import { main } from "../../src/cli/main.js";
import { loadModel } from "../../src/models/index.js";

test("prefloop train --model M --dataset D --out DIR --set ... writes a loadable HF folder", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-cli-train-"));
  try {
    const data = join(dir, "dataset");
    mkdirSync(data);
    const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n");
    writeFileSync(join(data, "train_iteration_1.jsonl"), lines(storyPreferences(12, 1)));
    writeFileSync(join(data, "test_iteration_1.jsonl"), lines(storyPreferences(4, 2)));
    const out = join(dir, "model");
    const code = await main([
      "node",
      "prefloop",
      "--quiet",
      "train",
      "--dataset",
      data,
      "--out",
      out,
      "--set",
      "max_steps=2",
      "--set",
      "per_device_train_batch_size=4",
      "--set",
      "loss_type=sigmoid,sft",
      "--set",
      "loss_weights=1,0.1",
    ]);
    assert.equal(code, 0);
    for (const f of [
      "model.safetensors",
      "config.json",
      "generation_config.json",
      "model.gguf",
      "train_log.jsonl",
    ]) {
      assert.ok(existsSync(join(out, f)), `missing ${f}`);
    }
    assert.ok(existsSync(join(data, "ref_logps.json")), "reference log-probs cached beside the dataset");
    const log = readFileSync(join(out, "train_log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      log.filter((l) => "loss" in l).map((l) => l.step),
      [1, 2],
    );
    const hf = loadModel(out).model;
    const gguf = loadModel(join(out, "model.gguf")).model;
    const orig = loadModel(join(import.meta.dirname, "..", "..", "models", "stories260K.gguf")).model;
    const byName = (m: typeof hf, n: string) => m.parameters().find((p) => p.name === n)?.data;
    const name = "model.layers.0.mlp.up_proj.weight";
    assert.deepEqual(byName(hf, name), byName(gguf, name));
    assert.notDeepEqual(byName(hf, name), byName(orig, name), "weights were trained");
    const bad = await main([
      "node",
      "prefloop",
      "--quiet",
      "train",
      "--dataset",
      data,
      "--out",
      out,
      "--set",
      "betta=1",
    ]);
    assert.equal(bad, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
