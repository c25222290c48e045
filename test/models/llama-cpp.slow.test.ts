// GGUF files written by prefloop load in llama.cpp (through node-llama-cpp) and decode greedily to the same
// tokens as prefloop's own model: f32 and f16 exports of stories260K after a GGUF -> HF folder -> GGUF trip
// (so the q/k RoPE permutation is exercised both ways). Skipped when node-llama-cpp is not installed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { getTsBackend } from "../../src/engine/index.js";
import { loadModel, readGgufHeader, saveGguf, saveHfFolder } from "../../src/models/index.js";
import { llamaCppEntry } from "../../src/util/reference-deps.js";
import { goldenDir } from "./golden.js";

// one child process per model: node-llama-cpp hangs when a second model is evaluated in the same process
const script = (lib: string, prompt: number[]) => `
import { getLlama } from ${JSON.stringify(lib)};
const [path, n] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: path });
const ctx = await model.createContext({ contextSize: 128, threads: 1 });
const out = [];
for await (const t of ctx.getSequence().evaluate(${JSON.stringify(prompt)}, { temperature: 0 })) {
  out.push(t);
  if (out.length >= Number(n)) break;
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

// a script file, not \`node -e\`: node-llama-cpp forks children that inherit execArgv
function llamaCppGreedy(lib: string, dir: string, path: string, n: number, prompt = [1]): number[] {
  const file = join(dir, "llama-cpp-greedy.mjs");
  writeFileSync(file, script(lib, prompt));
  const r = spawnSync(process.execPath, [file, path, String(n)], {
    encoding: "utf8",
    timeout: 900_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[];
}

function prefloopGreedy(path: string, n: number, prompt = [1]): number[] {
  const { model } = loadModel(path, { backend: getTsBackend() });
  const cache = model.newCache(1, n + prompt.length);
  const out: number[] = [];
  let logits = model.decode(cache, [0], Int32Array.from(prompt), prompt.length);
  for (let i = 0; i < n; i++) {
    const next = logits.reduce((bi, v, j) => (v > logits[bi] ? j : bi), 0);
    out.push(next);
    logits = model.decode(cache, [0], Int32Array.of(next), 1);
  }
  return out;
}

test("prefloop's GGUF exports (f32, f16) load in llama.cpp and give prefloop's greedy tokens", async (t) => {
  // the slow suite installs the reference on demand (.cache/reference-deps) unless PREFLOOP_INSTALL_REFERENCE=0
  const lib = llamaCppEntry(process.env.PREFLOOP_INSTALL_REFERENCE !== "0");
  if (lib === null) {
    t.skip("node-llama-cpp is not installed (PREFLOOP_INSTALL_REFERENCE=0)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "prefloop-llamacpp-"));
  const src = "models/stories260K.gguf";
  const meta = readGgufHeader(src).metadata;
  saveHfFolder(loadModel(src, { backend: getTsBackend() }).model, join(dir, "hf"));
  const hf = loadModel(join(dir, "hf"), { backend: getTsBackend() }).model;
  const n = 60;
  const reference = prefloopGreedy(src, n);
  for (const dtype of ["f32", "f16"] as const) {
    const path = join(dir, `stories-${dtype}.gguf`);
    saveGguf(hf, path, { dtype, metadata: meta });
    const ours = prefloopGreedy(path, n);
    if (dtype === "f32") assert.deepEqual(ours, reference);
    assert.deepEqual(llamaCppGreedy(lib, dir, path, n), ours, `${dtype} export`);
  }
  // HF checkpoints (HF transformers' own files) with a byte-level BPE vocabulary: Qwen2 (half RoPE,
  // q/k/v biases, no permutation) and Llama (q/k rows permuted to interleaved)
  for (const variant of ["qwen2_untied", "llama_tied"]) {
    const path = join(dir, `${variant}.gguf`);
    const m = loadModel(join(goldenDir, variant), { backend: getTsBackend() }).model;
    saveGguf(m, path, { tokenizerFolder: "test/models/fixtures/bytelevel-64" });
    for (const prompt of [[1], [1, 10, 20, 30, 40, 50, 60], [1, 5, 9, 14, 20, 33, 41, 2, 7]]) {
      const ours = prefloopGreedy(path, 12, prompt);
      assert.deepEqual(ours, prefloopGreedy(join(goldenDir, variant), 12, prompt));
      assert.deepEqual(llamaCppGreedy(lib, dir, path, 12, prompt), ours, `${variant} after [${prompt}]`);
    }
  }
});
