// Starting and stopping `prefloop serve`: opens the backend (the local engine, or an upstream
// OpenAI-compatible server for proxy mode), the optional ranker, listens, and on SIGINT/SIGTERM stops
// accepting, lets in-flight requests finish and closes everything. Not the routes (server.ts).
import { basename } from "node:path";
import type { Generator } from "../generate/index.js";
import { openLocalGenerator, openRemoteGenerator } from "../generate/index.js";
import { buildRanker, type Ranker } from "../reward/index.js";
import { ConfigError } from "../util/errors.js";
import { createServer, type PrefloopServer, type ServeOptions } from "./server.js";

export interface StartServeOptions
  extends Omit<
    ServeOptions,
    "generator" | "modelName" | "ranker" | "modelAliases" | "upstream" | "tokenText"
  > {
  /** a .gguf file or HF folder (local), or the upstream model name (proxy mode) */
  model: string;
  /** name listed by /v1/models; default the model file's base name */
  servedModelName?: string;
  host?: string;
  /** 0 = any free port */
  port?: number;
  /** ranker spec (as for `prefloop rank --ranker`) */
  ranker?: string;
  /** upstream base URL (…/v1): proxy mode */
  upstream?: string;
  upstreamApiKey?: string;
  /** most KV rows decoded together by the local engine; default 16 */
  batchRows?: number;
  /** install SIGINT/SIGTERM handlers that close gracefully; default true */
  handleSignals?: boolean;
}

export interface RunningServer extends PrefloopServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

function servedName(model: string): string {
  return basename(model).replace(/\.gguf$/i, "");
}

export async function startServe(o: StartServeOptions): Promise<RunningServer> {
  if (o.bestOf !== undefined && (!Number.isInteger(o.bestOf) || o.bestOf < 1))
    throw new ConfigError(`--best-of: expected an integer >= 1, got ${o.bestOf}`);
  if (o.bestOf !== undefined && o.bestOf > 1 && o.ranker === undefined)
    throw new ConfigError("--best-of needs --ranker (which candidate is best?)");
  const local = o.upstream ? undefined : await openLocalGenerator(o.model, { maxBatchRows: o.batchRows });
  const generator: Generator = local
    ? local
    : await openRemoteGenerator({
        baseURL: o.upstream,
        model: o.model,
        apiKey: o.upstreamApiKey,
        concurrency: o.maxConcurrency ?? 64,
        logprobs: true, // best_of without a ranker picks by mean log-prob
        retry: { maxRetries: 2 },
      });
  let ranker: Ranker | undefined;
  try {
    ranker = o.ranker ? await buildRanker(o.ranker, { baseDir: process.cwd() }, "--ranker") : undefined;
  } catch (e) {
    await generator.close();
    throw e;
  }
  const name = o.servedModelName ?? servedName(o.model);
  const server = await createServer({
    ...o,
    generator,
    ranker,
    modelName: name,
    modelAliases: [o.model],
    upstream: o.upstream ? { baseURL: o.upstream, apiKey: o.upstreamApiKey, model: o.model } : undefined,
    tokenText: local ? (id) => local.tokenizer.tokenText(id) : undefined,
    // the proxy sends each request upstream on its own (the upstream server batches)
    batchWindowMs: o.upstream ? false : o.batchWindowMs,
  });
  await server.app.listen({ host: o.host ?? "127.0.0.1", port: o.port ?? 8000 });
  const address = server.app.server.address();
  const port = typeof address === "object" && address ? address.port : (o.port ?? 8000);
  const host = o.host ?? "127.0.0.1";
  let closing: Promise<void> | undefined;
  const onSignal = (): void => {
    void close();
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await server.app.close(); // stops accepting; waits for in-flight requests
      await ranker?.close?.();
      await generator.close();
    })();
    return closing;
  };
  if (o.handleSignals !== false) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  return { ...server, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, close };
}
