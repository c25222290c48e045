// `prefloop serve`: an OpenAI-compatible server over a local model or an upstream server, with optional
// best-of-N reranking. Thin: flags here, the work in src/serve. Runs until SIGINT/SIGTERM.
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ConfigError } from "../../util/errors.js";
import { benchCommand } from "./bench.js";
import { defaultModelPath } from "./generate.js";

const defaultPromptsPath = fileURLToPath(new URL("../../../data/prompts/stories.jsonl", import.meta.url));

interface ServeFlags {
  model: string;
  host: string;
  port: string;
  apiKey?: string;
  ranker?: string;
  bestOf?: string;
  upstream?: string;
  upstreamApiKey?: string;
  servedModelName?: string;
  maxTokensCap: string;
  defaultMaxTokens: string;
  maxConcurrency: string;
  bodyLimit: string;
  timeout: string;
  batchWindow: string;
  batchRows: string;
  accessLog: boolean;
}

function int(flag: string, value: string, min: number): number {
  const v = Number(value);
  if (value.trim() === "" || !Number.isInteger(v) || v < min)
    throw new ConfigError(`--${flag}: expected an integer >= ${min}, got '${value}'`);
  return v;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("OpenAI-compatible server (/v1/chat/completions, /v1/completions) with best-of-N reranking.")
    .option(
      "--model <path>",
      "a .gguf file or HF folder; with --upstream, the upstream model name",
      defaultModelPath,
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 = any free one)", "8000")
    .option(
      "--api-key <key>",
      "require 'Authorization: Bearer <key>' (default: env PREFLOOP_API_KEY; comma-separated for several)",
    )
    .option("--ranker <spec>", "rerank best_of candidates with this ranker (see docs/rankers.md)")
    .option("--best-of <n>", "candidates per prompt when a request gives no best_of (needs --ranker)")
    .option(
      "--upstream <url>",
      "proxy mode: sample from this OpenAI-compatible server (…/v1) and rerank here",
    )
    .option("--upstream-api-key <key>", "key for the upstream server (default: env OPENAI_API_KEY)")
    .option(
      "--served-model-name <name>",
      "the model id /v1/models lists (default: the model file's base name)",
    )
    .option("--max-tokens-cap <n>", "largest max_tokens a request may ask for", "1024")
    .option("--default-max-tokens <n>", "max_tokens when a request gives none", "256")
    .option("--max-concurrency <n>", "generation requests in flight; more are answered 429", "64")
    .option("--body-limit <bytes>", "largest request body; larger are answered 413", "1048576")
    .option("--timeout <ms>", "a generation running longer is answered 504", "300000")
    .option("--batch-window <ms>", "gather requests arriving within this window into one batch", "5")
    .option("--batch-rows <rows>", "most samples the local engine decodes together", "16")
    .option("--no-access-log", "do not write JSON access logs to stderr")
    .action(async (flags: ServeFlags) => {
      const { startServe } = await import("../../serve/index.js");
      const keySource = flags.apiKey ?? process.env.PREFLOOP_API_KEY ?? "";
      const server = await startServe({
        model: flags.model,
        host: flags.host,
        port: int("port", flags.port, 0),
        apiKeys: keySource
          .split(",")
          .map((k) => k.trim())
          .filter((k) => k !== ""),
        ranker: flags.ranker,
        bestOf: flags.bestOf === undefined ? undefined : int("best-of", flags.bestOf, 1),
        upstream: flags.upstream,
        upstreamApiKey: flags.upstreamApiKey,
        servedModelName: flags.servedModelName,
        maxTokensCap: int("max-tokens-cap", flags.maxTokensCap, 1),
        defaultMaxTokens: int("default-max-tokens", flags.defaultMaxTokens, 1),
        maxConcurrency: int("max-concurrency", flags.maxConcurrency, 1),
        bodyLimit: int("body-limit", flags.bodyLimit, 64),
        timeoutMs: int("timeout", flags.timeout, 1),
        batchWindowMs: int("batch-window", flags.batchWindow, 0),
        batchRows: int("batch-rows", flags.batchRows, 1),
        logStream: flags.accessLog ? process.stderr : undefined,
      });
      // stdout carries one line: where to connect (scripts wait for it)
      process.stdout.write(`${server.url}/v1\n`);
    });
}

/** `prefloop bench serve`: requests/s and p50/p95 latency, best-of-1 vs best-of-N (src/serve/bench.ts). */
export function registerBenchServe(program: Command): void {
  benchCommand(program)
    .command("serve")
    .description("serve requests/s and p50/p95 latency: 1 vs N clients, best-of-1 vs best-of-k (story suite)")
    .option("--model <path>", "a .gguf file or HF folder", defaultModelPath)
    .option("--prompts <file.jsonl>", "prompts (one {prompt} per line)", defaultPromptsPath)
    .option("--requests <n>", "requests per scenario", "32")
    .option("--concurrency <n>", "clients of the concurrent scenarios", "8")
    .option("--max-tokens <n>", "max_tokens per request", "64")
    .option("--best-of <k>", "candidates of the reranked scenario", "16")
    .option("--json", "print the results as JSON")
    .action(
      async (flags: {
        model: string;
        prompts: string;
        requests: string;
        concurrency: string;
        maxTokens: string;
        bestOf: string;
        json?: boolean;
      }) => {
        const { formatServeBench, runServeBench } = await import("../../serve/index.js");
        const o = {
          requests: int("requests", flags.requests, 1),
          concurrency: int("concurrency", flags.concurrency, 1),
          maxTokens: int("max-tokens", flags.maxTokens, 1),
          bestOf: int("best-of", flags.bestOf, 2),
        };
        const runs = await runServeBench({
          ...o,
          modelPath: flags.model,
          promptsPath: flags.prompts,
          progress: (line) => process.stderr.write(`bench: ${line}\n`),
        });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(runs, null, 2)}\n`
            : `${formatServeBench(runs, `serve bench: ${flags.model}, ${o.requests} chat requests, max_tokens ${o.maxTokens}`)}\n`,
        );
      },
    );
}
