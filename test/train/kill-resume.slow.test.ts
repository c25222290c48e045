// SIGKILL in the middle of training, then resume: the final weights and train_log.jsonl equal an
// uninterrupted run's bit for bit (tiny HF Llama on the engine's default backend, same thread count).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadModel } from "../../src/models/index.js";
import { trainDpo } from "../../src/train/index.js";
import { goldenDir } from "./golden.js";
import { killSettings, killTask } from "./kill-setup.js";

const run = (outDir: string) => {
  const { model } = loadModel(goldenDir);
  return trainDpo({
    model,
    tokenizer: killTask.tokenizer,
    template: null,
    trainRows: killTask.train,
    testRows: killTask.test,
    settings: killSettings,
    outDir,
  }).then((r) => ({ r, model }));
};

test("kill -9 mid-training, resume: bit-identical weights and log", async () => {
  const a = mkdtempSync(join(tmpdir(), "pf-kill-a-"));
  const b = mkdtempSync(join(tmpdir(), "pf-kill-b-"));
  try {
    const whole = await run(a);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "kill-child.ts"), b],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    const latest = join(b, "checkpoints", "latest.json");
    const killedAt = await new Promise<number>((resolve, reject) => {
      const poll = setInterval(() => {
        if (existsSync(latest)) {
          const { step } = JSON.parse(readFileSync(latest, "utf8")) as { step: number };
          if (step >= 10) {
            clearInterval(poll);
            child.kill("SIGKILL");
            resolve(step);
          }
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(poll);
        reject(new Error(`child finished before it could be killed: ${out}`));
      });
    });
    await new Promise((r) => child.on("exit", r));
    assert.ok(killedAt < whole.r.steps, "killed mid-run");
    assert.equal(out, "", "the child never finished");
    const resumed = await run(b);
    assert.ok(resumed.r.resumedFrom !== null && resumed.r.resumedFrom >= 10);
    assert.equal(resumed.r.steps, whole.r.steps);
    whole.model.parameters().forEach((p, i) => {
      const q = resumed.model.parameters()[i];
      assert.ok(Buffer.from(p.data.buffer).equals(Buffer.from(q.data.buffer)), `${p.name} differs`);
    });
    assert.equal(
      readFileSync(join(b, "train_log.jsonl"), "utf8"),
      readFileSync(join(a, "train_log.jsonl"), "utf8"),
    );
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
