// Serve benchmark (also `prefloop bench serve`): requests/s and p50/p95 latency of `prefloop serve` with the
// bundled stories260K and the story prompts; 1 vs 8 clients, best-of-1 vs best-of-16 (story-suite ranker).
// Usage: npx tsx bench/serve.ts [--requests 32] [--concurrency 8] [--max-tokens 64] [--best-of 16]
import { fileURLToPath } from "node:url";
import { formatServeBench, runServeBench } from "../src/serve/index.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const o = {
  requests: flag("--requests", 32),
  concurrency: flag("--concurrency", 8),
  maxTokens: flag("--max-tokens", 64),
  bestOf: flag("--best-of", 16),
};
const runs = await runServeBench({
  ...o,
  modelPath: fileURLToPath(new URL("../models/stories260K.gguf", import.meta.url)),
  promptsPath: fileURLToPath(new URL("../data/prompts/stories.jsonl", import.meta.url)),
  progress: (line) => process.stderr.write(`bench: ${line}\n`),
});
console.log(
  formatServeBench(runs, `serve bench: stories260K, ${o.requests} chat requests, max_tokens ${o.maxTokens}`),
);
