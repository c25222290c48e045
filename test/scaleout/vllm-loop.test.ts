// generator: vllm with a command template: the loop starts the server for the base model, waits for /health,
// samples through the OpenAI API, stops it, and starts a new one on iteration 1's trained model for the
// held-out eval. The stand-in for `vllm serve` is prefloop's own OpenAI-compatible server (a real subprocess).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { recipeFromObject } from "../../src/config/index.js";
import { defaultComponents, runLoop } from "../../src/pipeline/index.js";
import { Logger } from "../../src/util/log.js";

const listening = (port: number) =>
  new Promise<boolean>((r) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      r(true);
    });
    s.once("error", () => r(false));
  });

test("generator: vllm launches the server per model from the command template and stops it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-vllm-loop-"));
  try {
    const prompts = join(dir, "prompts.jsonl");
    const names = ["Tim", "Lily", "Sam", "Ben", "Sue", "Max"];
    writeFileSync(prompts, names.map((n) => `${JSON.stringify({ prompt: `${n} saw a dog.` })}\n`).join(""));
    const cli = resolve("test/scaleout/fixtures/prefloop-cli.ts");
    const port = 18000 + (process.pid % 1000);
    const { recipe } = recipeFromObject({
      name: "vllm-e2e",
      iterations: 1,
      seed: 3,
      model: { path: resolve("models/stories260K.gguf"), chat_template: "raw" },
      prompts: { source: prompts, field: "prompt", per_iteration: 4, test_per_iteration: 2 },
      generate: { n: 2, temperature: 1, max_tokens: 12, batch_size: 4 },
      rank: { ranker: "length" },
      eval: { judge: "repetition", max_tokens: 8 },
      train: {
        beta: 0.1,
        learning_rate: 5e-3,
        max_steps: 1,
        per_device_train_batch_size: 2,
        max_length: 64,
        max_prompt_length: 32,
      },
      engines: {
        generator: {
          type: "vllm",
          command: `node --import tsx ${cli} serve --model {model} --port {port} --no-access-log`,
          port,
          health_timeout_s: 60,
        },
      },
    });
    const out = join(dir, "run");
    const logger = new Logger({ quiet: true });
    const summary = await runLoop({ recipe, outDir: out, components: defaultComponents(logger), logger });
    assert.equal(summary.iterations.length, 2);
    const gens = readFileSync(join(out, "iteration-1", "generations.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(gens.length, 4);
    for (const g of gens) assert.equal(JSON.parse(g).responses.length, 2);
    const held = readFileSync(join(out, "iteration-1", "heldout.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(held.length, 2);
    assert.equal(await listening(port), false, "the launched server was stopped");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
