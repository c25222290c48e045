// The serve benchmark: requests/s and p50/p95 latency of the server (started in this process, talked to
// over HTTP on 127.0.0.1) with story prompts: one client vs several (the batch queue at work), and
// best-of-1 vs best-of-k reranked by the story-suite ranker, and one streaming client (time to the first
// text chunk vs the whole answer). Used by `prefloop bench serve` and bench/serve.ts.
import { readFileSync } from "node:fs";
import { startServe } from "./start.js";

export interface ServeBenchOptions {
  modelPath: string;
  /** prompts file (JSONL with a string "prompt") */
  promptsPath: string;
  requests?: number;
  concurrency?: number;
  maxTokens?: number;
  bestOf?: number;
  progress?: (line: string) => void;
}

export interface ServeBenchRun {
  label: string;
  reqPerS: number;
  p50Ms: number;
  p95Ms: number;
  genTokPerS: number;
  /** streaming runs: median time to the first chunk with text */
  ttftP50Ms?: number;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function load(
  url: string,
  prompts: string[],
  requests: number,
  clients: number,
  maxTokens: number,
  label: string,
  stream = false,
): Promise<ServeBenchRun> {
  const latencies: number[] = [];
  const firsts: number[] = [];
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
          ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        }),
      });
      if (r.status !== 200) throw new Error(`${label}: status ${r.status}: ${await r.text()}`);
      if (stream) {
        const { first, usage } = await readStream(r, start);
        if (first !== undefined) firsts.push(first);
        tokens += usage;
      } else {
        const body = (await r.json()) as { usage?: { completion_tokens: number } };
        tokens += body.usage?.completion_tokens ?? 0;
      }
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  return {
    label,
    reqPerS: requests / seconds,
    p50Ms: quantile(latencies, 0.5),
    p95Ms: quantile(latencies, 0.95),
    genTokPerS: tokens / seconds,
    ttftP50Ms: stream ? quantile(firsts, 0.5) : undefined,
  };
}

/** Reads an SSE answer: ms from `start` to the first chunk with text, and the completion tokens. */
async function readStream(r: Response, start: number): Promise<{ first?: number; usage: number }> {
  const decoder = new TextDecoder();
  let first: number | undefined;
  let usage = 0;
  let buffer = "";
  for await (const bytes of r.body as ReadableStream<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    const events = buffer.split("\n\n");
    buffer = events.pop() ?? "";
    for (const e of events) {
      if (!e.startsWith("data: {")) continue;
      const chunk = JSON.parse(e.slice(6)) as {
        choices: Array<{ delta?: { content?: string } }>;
        usage?: { completion_tokens: number } | null;
      };
      if (first === undefined && chunk.choices[0]?.delta?.content) first = performance.now() - start;
      usage = chunk.usage?.completion_tokens ?? usage;
    }
  }
  return { first, usage };
}

/** Three scenarios, each on a fresh server after a warm-up pass: 1 client, k clients, k clients best-of-N. */
export async function runServeBench(o: ServeBenchOptions): Promise<ServeBenchRun[]> {
  const prompts = readFileSync(o.promptsPath, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => String((JSON.parse(l) as { prompt: unknown }).prompt));
  const requests = o.requests ?? 32;
  const clients = o.concurrency ?? 8;
  const maxTokens = o.maxTokens ?? 64;
  const bestOf = o.bestOf ?? 16;
  const scenario = async (label: string, k: number, c: number, stream = false): Promise<ServeBenchRun> => {
    o.progress?.(label);
    const server = await startServe({
      model: o.modelPath,
      port: 0,
      handleSignals: false,
      ranker: k > 1 ? "story-suite" : undefined,
      bestOf: k > 1 ? k : undefined,
      maxConcurrency: 256,
    });
    try {
      await load(server.url, prompts, requests, c, maxTokens, `${label} (warm-up)`, stream);
      return await load(server.url, prompts, requests, c, maxTokens, label, stream);
    } finally {
      await server.close();
    }
  };
  return [
    await scenario("best-of-1, 1 client", 1, 1),
    await scenario(`best-of-1, ${clients} clients`, 1, clients),
    await scenario(`best-of-${bestOf}, ${clients} clients`, bestOf, clients),
    await scenario("streaming, 1 client", 1, 1, true),
  ];
}

/** A table; `req/s vs best-of-1` is against best-of-1 with several clients; ttft = first text chunk. */
export function formatServeBench(runs: ServeBenchRun[], header: string): string {
  const base = runs[1] ?? runs[0];
  const lines = [
    header,
    "scenario                      req/s   p50 ms   p95 ms  gen tok/s  req/s vs best-of-1  ttft p50 ms",
  ];
  for (const r of runs) {
    lines.push(
      `${r.label.padEnd(28)} ${r.reqPerS.toFixed(2).padStart(6)} ${r.p50Ms.toFixed(0).padStart(8)} ${r.p95Ms.toFixed(0).padStart(8)} ${r.genTokPerS.toFixed(0).padStart(10)}  ${`${(r.reqPerS / (base?.reqPerS ?? 1)).toFixed(3)}x`.padStart(18)}  ${r.ttftP50Ms === undefined ? "—" : r.ttftP50Ms.toFixed(1)}`,
    );
  }
  return lines.join("\n");
}
