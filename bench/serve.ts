// Serve benchmark: requests/s and p50/p95 latency of `prefloop serve` (in this process, over HTTP on
// 127.0.0.1) with the bundled stories260K and the story prompts: one client vs 8 concurrent clients
// (the batch queue at work), and best-of-1 vs best-of-16 reranked by the story-suite ranker.
// Usage: npx tsx bench/serve.ts [--requests 32] [--concurrency 8] [--max-tokens 64]
import { readFileSync } from "node:fs";
import { startServe } from "../src/serve/index.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const requests = flag("--requests", 32);
const concurrency = flag("--concurrency", 8);
const maxTokens = flag("--max-tokens", 64);
const prompts = readFileSync(new URL("../data/prompts/stories.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l !== "")
  .map((l) => (JSON.parse(l) as { prompt: string }).prompt);

interface Run {
  label: string;
  reqPerS: number;
  p50: number;
  p95: number;
  tokPerS: number;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function load(url: string, clients: number, label: string): Promise<Run> {
  const latencies: number[] = [];
  let tokens = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const start = performance.now();
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messages: [{ role: "user", content: prompts[i % prompts.length] }],
          max_tokens: maxTokens,
          seed: i,
        }),
      });
      const body = (await r.json()) as { usage?: { completion_tokens: number } };
      if (r.status !== 200) throw new Error(`${label}: status ${r.status}: ${JSON.stringify(body)}`);
      tokens += body.usage?.completion_tokens ?? 0;
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label,
    reqPerS: requests / seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    tokPerS: tokens / seconds,
  };
}

async function scenario(label: string, bestOf: number, clients: number): Promise<Run> {
  const server = await startServe({
    model: new URL("../models/stories260K.gguf", import.meta.url).pathname,
    port: 0,
    handleSignals: false,
    ranker: bestOf > 1 ? "story-suite" : undefined,
    bestOf: bestOf > 1 ? bestOf : undefined,
    maxConcurrency: 256,
  });
  try {
    await load(server.url, clients, `${label} (warm-up)`);
    return await load(server.url, clients, label);
  } finally {
    await server.close();
  }
}

const runs = [
  await scenario("best-of-1, 1 client", 1, 1),
  await scenario(`best-of-1, ${concurrency} clients`, 1, concurrency),
  await scenario(`best-of-16, ${concurrency} clients`, 16, concurrency),
];
const base = runs[1] as Run;
console.log(`serve bench: stories260K, ${requests} chat requests, max_tokens ${maxTokens}, story prompts`);
console.log("scenario                      req/s   p50 ms   p95 ms  gen tok/s  req/s vs best-of-1");
for (const r of runs) {
  console.log(
    `${r.label.padEnd(28)} ${r.reqPerS.toFixed(2).padStart(6)} ${r.p50.toFixed(0).padStart(8)} ${r.p95.toFixed(0).padStart(8)} ${r.tokPerS.toFixed(0).padStart(10)}  ${(r.reqPerS / base.reqPerS).toFixed(3)}x`,
  );
}
