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

// one child process per model: node-llama-cpp hangs when a second model is evaluated in the same process
const script = (lib: string) => `
import { getLlama } from ${JSON.stringify(lib)};
const [path, n] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: path });
const ctx = await model.createContext({ contextSize: 128, threads: 1 });
const out = [];
for await (const t of ctx.getSequence().evaluate([1], { temperature: 0 })) {
  out.push(t);
  if (out.length >= Number(n)) break;
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
`;

// a script file, not \`node -e\`: node-llama-cpp forks children that inherit execArgv
function llamaCppGreedy(lib: string, dir: string, path: string, n: number): number[] {
  const file = join(dir, "llama-cpp-greedy.mjs");
  writeFileSync(file, script(lib));
  const r = spawnSync(process.execPath, [file, path, String(n)], {
    encoding: "utf8",
    timeout: 900_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[];
}

function prefloopGreedy(path: string, n: number): number[] {
  const { model } = loadModel(path, { backend: getTsBackend() });
  const cache = model.newCache(1, n + 1);
  const out: number[] = [];
  let logits = model.decode(cache, [0], Int32Array.of(1), 1);
  for (let i = 0; i < n; i++) {
    const next = logits.reduce((bi, v, j) => (v > logits[bi] ? j : bi), 0);
    out.push(next);
    logits = model.decode(cache, [0], Int32Array.of(next), 1);
  }
  return out;
}

test("prefloop's GGUF exports (f32, f16) load in llama.cpp and give prefloop's greedy tokens", async (t) => {
  let lib: string;
  try {
    lib = import.meta.resolve("node-llama-cpp");
  } catch {
    t.skip("node-llama-cpp is not installed");
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
});
