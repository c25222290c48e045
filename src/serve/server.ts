// The OpenAI-compatible HTTP server on fastify: /v1/chat/completions, /v1/completions, /v1/models,
// /health over any Generator (the local engine through a BatchQueue, or an upstream server), with
// best-of-N reranking, API keys, body/max_tokens/concurrency limits, timeouts and access logs.
// Not process lifecycle (start.ts: flags, signals). Follows the OpenAI API reference for bodies.
import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from "fastify";
import type { GenerationRequest, Generator, SamplingSettings } from "../generate/index.js";
import type { Ranker } from "../reward/index.js";
import { HttpError, mapError } from "./errors.js";
import { BatchQueue } from "./batcher.js";
import {
  type ChatBody,
  type CompletionBody,
  candidateCount,
  chatBodySchema,
  chatMessages,
  completionBodySchema,
  parseBody,
  rankPrompt,
  samplingOf,
} from "./protocol.js";
import { streamUpstream, type Upstream } from "./passthrough.js";
import { selectBest } from "./rerank.js";
import { chatResponse, completionResponse, meta, type PromptResult, type TokenText } from "./responses.js";
import { SseStream, type StreamKind } from "./stream.js";

export interface ServeOptions {
  generator: Generator;
  /** the id /v1/models lists; requests may name it (or any alias) or omit model */
  modelName: string;
  modelAliases?: string[];
  /** reranks best_of candidates; without it best_of picks by mean token log-prob */
  ranker?: Ranker;
  /** candidates per prompt when a ranker is set and the request gives no best_of; default 1 */
  bestOf?: number;
  /** accepted bearer keys; empty = no authentication */
  apiKeys?: string[];
  /** bytes; default 1 MiB → 413 above */
  bodyLimit?: number;
  /** largest max_tokens accepted; default 1024 */
  maxTokensCap?: number;
  /** max_tokens when absent; default 256 */
  defaultMaxTokens?: number;
  /** generation requests in flight; more → 429; default 64 */
  maxConcurrency?: number;
  /** a generation taking longer is answered 504; default 300 s */
  timeoutMs?: number;
  /** gather requests arriving within this many ms into one generate call; default 5; false = no batching */
  batchWindowMs?: number | false;
  /** proxy mode: streaming requests without reranking are piped from here as they arrive */
  upstream?: Upstream;
  /** token id → text, for logprobs answers (the local tokenizer's pieces) */
  tokenText?: TokenText;
  /** access log (JSON lines): false (default) or a writable stream */
  logStream?: NodeJS.WritableStream;
}

function keyDigest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

export interface ServeState {
  inFlight: number;
  served: number;
  rejected: number;
  batches(): number;
}

export interface PrefloopServer {
  app: FastifyInstance;
  state: ServeState;
}

/** Builds the fastify app (not listening yet) and its counters (also shown by /health). */
export async function createServer(o: ServeOptions): Promise<PrefloopServer> {
  const app = Fastify({
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    logger: o.logStream ? { level: "info", stream: o.logStream } : false,
    // one access line per request (onResponse below) instead of fastify's two
    logController: new LogController({ disableRequestLogging: true }),
    // slow-loris guard: the whole request must arrive within 30 s
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  const queue = o.batchWindowMs === false ? undefined : new BatchQueue(o.generator, o.batchWindowMs ?? 5);
  const generate = (requests: GenerationRequest[]) =>
    queue ? queue.submit(requests) : o.generator.generate(requests);
  const keys = (o.apiKeys ?? []).filter((k) => k !== "").map(keyDigest);
  const names = new Set([o.modelName, ...(o.modelAliases ?? [])]);
  const limits = { maxTokensCap: o.maxTokensCap ?? 1024, defaultMaxTokens: o.defaultMaxTokens ?? 256 };
  const maxConcurrency = o.maxConcurrency ?? 64;
  // n, best_of and prompt lists multiply: one request may not ask for more samples than this
  const maxSamplesPerRequest = Math.max(o.bestOf ?? 1, 256);
  const timeoutMs = o.timeoutMs ?? 300_000;
  const state: ServeState = { inFlight: 0, served: 0, rejected: 0, batches: () => queue?.batches ?? 0 };

  app.setErrorHandler((error, request, reply) => {
    const m = mapError(error);
    if (m.internal) request.log.error({ err: error }, "unhandled error");
    void reply.code(m.status).headers(m.headers).send(m.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: {
        message: `no route ${request.method} ${request.url}`,
        type: "invalid_request_error",
        param: null,
        code: "not_found",
      },
    });
  });
  app.addHook("onRequest", async (request) => {
    if (keys.length === 0 || request.url === "/health") return;
    const header = request.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    const digest = keyDigest(given);
    if (given === "" || !keys.some((k) => timingSafeEqual(k, digest))) {
      throw new HttpError(
        401,
        "missing or invalid API key (Authorization: Bearer <key>)",
        "invalid_request_error",
        "invalid_api_key",
      );
    }
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ip: request.ip,
        ua: request.headers["user-agent"],
      },
      "access",
    );
  });

  // graceful shutdown: idle keep-alive sockets are closed by fastify at close(); sockets busy then get
  // `connection: close` on their last answer, so close() does not wait out the 72 s keep-alive timeout
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) void reply.header("connection", "close");
    return payload;
  });

  app.get("/health", async () => ({
    status: "ok",
    model: o.modelName,
    in_flight: state.inFlight,
    served: state.served,
    rejected: state.rejected,
  }));
  app.get("/v1/models", async () => ({
    object: "list",
    data: [{ id: o.modelName, object: "model", created: 0, owned_by: "prefloop" }],
  }));

  /** Runs one generation under the concurrency limit and the timeout; the slot frees when the work does. */
  function acquire(): () => void {
    if (state.inFlight >= maxConcurrency) {
      state.rejected++;
      throw new HttpError(
        429,
        `server busy: ${maxConcurrency} requests in flight`,
        "rate_limit_error",
        "concurrency_limit",
        null,
        { "retry-after": "1" },
      );
    }
    state.inFlight++;
    let held = true;
    return () => {
      if (held) state.inFlight--;
      held = false;
    };
  }

  async function limited<T>(work: () => Promise<T>): Promise<T> {
    const release = acquire();
    const running = work().finally(release);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new HttpError(504, `generation did not finish within ${timeoutMs} ms`, "server_error", "timeout"),
          ),
        timeoutMs,
      );
    });
    running.catch(() => {}); // a timed-out request's late failure is not unhandled
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The request checked against the served names and limits: its sampling and candidates per prompt. */
  function prepare(
    body: ChatBody | CompletionBody,
    prompts: GenerationRequest["prompt"][],
  ): { sampling: SamplingSettings; k: number } {
    if (body.model != null && body.model !== "" && !names.has(body.model)) {
      throw new HttpError(
        404,
        `model '${body.model}' is not served here; GET /v1/models lists '${o.modelName}'`,
        "invalid_request_error",
        "model_not_found",
        "model",
      );
    }
    const sampling = samplingOf(body, limits);
    const streaming = body.stream === true;
    // streaming never reranks: the server's default best-of applies only to non-streaming requests
    const k =
      streaming && body.best_of === undefined
        ? body.n
        : candidateCount(body, o.ranker ? o.bestOf : undefined);
    if (streaming && k > body.n)
      throw new HttpError(
        400,
        "stream cannot be combined with best_of > n (reranking needs every candidate)",
        "invalid_request_error",
        "invalid_value",
        "stream",
      );
    if (k * prompts.length > maxSamplesPerRequest)
      throw new HttpError(
        400,
        `${prompts.length} prompt(s) × ${k} candidates is above this server's ${maxSamplesPerRequest} samples per request`,
        "invalid_request_error",
        "too_many_samples",
        body.best_of === undefined ? "n" : "best_of",
      );
    return { sampling, k };
  }

  async function run(
    body: ChatBody | CompletionBody,
    prompts: GenerationRequest["prompt"][],
  ): Promise<PromptResult[]> {
    const { sampling, k } = prepare(body, prompts);
    const wantScores = body.prefloop?.scores === true;
    const samples = await limited(() => generate(prompts.map((prompt) => ({ prompt, n: k, sampling }))));
    state.served++;
    return Promise.all(
      prompts.map(async (prompt, i) => {
        const candidates = samples[i] ?? [];
        const rerank = k > body.n || wantScores;
        const selection = rerank
          ? await selectBest(rankPrompt(prompt), candidates, body.n, o.ranker)
          : undefined;
        return { candidates, selection, n: body.n };
      }),
    );
  }

  /**
   * A streaming request (no reranking): its per-prompt hooks feed the SSE body while the batch decodes.
   * Headers go out with the first event, so a request failing before it (a prompt too long) keeps its
   * status; later failures and the timeout end the stream with an error event. The client leaving
   * aborts the request's samples; the slot frees when the generate call returns.
   */
  async function runStream(
    body: ChatBody | CompletionBody,
    prompts: GenerationRequest["prompt"][],
    kind: StreamKind,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    const { sampling, k } = prepare(body, prompts);
    const sse = new SseStream(
      kind,
      meta(kind, o.modelName),
      k,
      prompts.length,
      body.stream_options?.include_usage === true,
    );
    const release = acquire();
    const abort = new AbortController();
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const work = generate(
      prompts.map((prompt, i) => ({ prompt, n: k, sampling, ...sse.hooks(i), signal: abort.signal })),
    );
    void work.then(release, release);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(
          new HttpError(504, `generation did not finish within ${timeoutMs} ms`, "server_error", "timeout"),
        );
      }, timeoutMs);
    });
    const settled = work.finally(() => clearTimeout(timer));
    try {
      await Promise.race([sse.whenStarted(), work, timeout]);
    } catch (e) {
      clearTimeout(timer);
      settled.catch(() => {}); // a request failing before its first event is answered by the error handler
      throw e;
    }
    settled.then(
      (results) => sse.end(results),
      (e: unknown) => sse.fail(e),
    );
    timeout.catch((e: unknown) => sse.fail(e));
    state.served++;
    // not `return reply.send(...)`: a FastifyReply is thenable, awaiting it would wait for the whole stream
    void reply
      .header("content-type", "text/event-stream; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(sse.body);
    return reply;
  }

  /** Proxy mode, streaming, no reranking: pipe the upstream SSE; the slot is held until the pipe ends. */
  async function passthrough(
    body: ChatBody | CompletionBody,
    raw: unknown,
    path: "/chat/completions" | "/completions",
    reply: FastifyReply,
  ): Promise<boolean> {
    if (!o.upstream || body.stream !== true || body.best_of !== undefined || body.prefloop?.scores)
      return false;
    if (body.model != null && body.model !== "" && !names.has(body.model))
      throw new HttpError(
        404,
        `model '${body.model}' is not served here`,
        "invalid_request_error",
        "model_not_found",
        "model",
      );
    samplingOf(body, limits); // the same max_tokens cap as every request
    const release = acquire();
    const abort = new AbortController();
    // the response's close (not the request's, which fires once the body is read): client gone → abort
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    try {
      const stream = await streamUpstream(o.upstream, path, raw as Record<string, unknown>, abort.signal);
      stream.once("close", release);
      stream.once("error", release);
      state.served++;
      // not `return reply.send(...)`: a FastifyReply is thenable, awaiting it would wait for the whole stream
      void reply
        .header("content-type", "text/event-stream; charset=utf-8")
        .header("cache-control", "no-cache")
        .send(stream);
      return true;
    } catch (e) {
      release();
      throw e;
    }
  }

  app.post("/v1/chat/completions", async (request, reply) => {
    const body = parseBody(chatBodySchema, request.body);
    if (await passthrough(body, request.body, "/chat/completions", reply)) return reply;
    if (body.stream) return runStream(body, [chatMessages(body)], "chat", reply);
    const results = await run(body, [chatMessages(body)]);
    const m = meta("chat", o.modelName);
    return chatResponse(m, results, {
      withScores: body.prefloop?.scores === true,
      logprobs: body.logprobs ? { tokenText: o.tokenText } : undefined,
    });
  });
  app.post("/v1/completions", async (request, reply) => {
    const body = parseBody(completionBodySchema, request.body);
    if (await passthrough(body, request.body, "/completions", reply)) return reply;
    const texts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
    const prompts = texts.map((raw) => ({ raw }));
    if (body.stream) return runStream(body, prompts, "completion", reply);
    const results = await run(body, prompts);
    const m = meta("completion", o.modelName);
    return completionResponse(m, results, {
      withScores: body.prefloop?.scores === true,
      logprobs: body.logprobs === 0 ? { tokenText: o.tokenText } : undefined,
    });
  });

  return { app, state };
}
