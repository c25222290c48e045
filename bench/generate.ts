// Generation benchmark (same as `prefloop bench generate`): LocalGenerator tokens/s, single stream and n=5
// (shared prefill, batched decode), on the bundled stories260K and on a random-weight d768 × 12-layer f32
// Llama GGUF written once to the temp folder; beside node-llama-cpp on the same files when installed.
// Usage: npx tsx bench/generate.ts [--tokens 128] [--small-only] [--no-llama-cpp] [--threads 1]
// Both engines get the same thread count (default 1: spinning thread pools collapse on busy cores).
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatGenerateBench,
  runGenerateBench,
  runLlamaCppBench,
  writeRandomLlamaGguf,
} from "../src/generate/index.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const tokens = flag("--tokens", 128);
const n = 5;
const threads = flag("--threads", 1);
process.env.PREFLOOP_THREADS = String(threads);
const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

const models = ["models/stories260K.gguf"];
if (!args.includes("--small-only")) {
  const big = join(tmpdir(), "prefloop-bench-llama-d768-l12.gguf");
  log(`writing ${big} (once)`);
  writeRandomLlamaGguf(big, "models/stories260K.gguf", 768, 12);
  models.push(big);
}
for (const modelPath of models) {
  // node-llama-cpp first: its threads and the engine's never overlap
  const ref = args.includes("--no-llama-cpp")
    ? null
    : await runLlamaCppBench(modelPath, {
        tokens,
        n,
        threads,
        install: args.includes("--install-reference"),
      });
  log(`${modelPath}: prefloop`);
  const ours = await runGenerateBench({ modelPath, tokens, n, progress: log });
  process.stdout.write(`${formatGenerateBench(ours, ref)}\n`);
}
process.exit(0);
