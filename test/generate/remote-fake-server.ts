// A fake OpenAI-compatible server for the remote generator's tests: answers 429 (with retry-after),
// 500, slow (past the client's timeout) or garbled bodies at set rates (seeded), else a completion
// whose text is derived from the prompt, seed and sample index. Run directly: `... remote-fake-server.ts <port>`.

import { createServer, type IncomingMessage, type Server } from "node:http";
import { pathToFileURL } from "node:url";
import { mulberry32 } from "../../src/util/random.js";

export interface FakeRates {
  r429?: number;
  r500?: number;
  slow?: number;
  garbled?: number;
}

export interface FakeServer {
  url: string;
  server: Server;
  /** successful answers per prompt text */
  answered: Map<string, number>;
  /** every attempt per prompt text */
  attempts: Map<string, number>;
  faults: { r429: number; r500: number; slow: number; garbled: number };
  close(): Promise<void>;
}

export interface FakeOptions {
  rates?: FakeRates;
  seed?: number;
  slowMs?: number;
  /** answer one choice whatever n asks (like servers without n support) */
  ignoreN?: boolean;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

export const fakeText = (prompt: string, seed: number, sample: number): string =>
  `echo:${prompt}#${seed}.${sample}`;

export async function startFakeServer(o: FakeOptions = {}, port = 0): Promise<FakeServer> {
  const random = mulberry32(o.seed ?? 1);
  const rates = o.rates ?? {};
  const answered = new Map<string, number>();
  const attempts = new Map<string, number>();
  const faults = { r429: 0, r500: 0, slow: 0, garbled: 0 };
  const server = createServer(async (req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "fake", object: "model" }] }));
      return;
    }
    const body = JSON.parse(await readBody(req)) as {
      prompt?: string;
      messages?: Array<{ content: string }>;
      n?: number;
      seed?: number;
    };
    const chat = req.url?.endsWith("/chat/completions") === true;
    const prompt = chat ? (body.messages?.at(-1)?.content ?? "") : (body.prompt ?? "");
    attempts.set(prompt, (attempts.get(prompt) ?? 0) + 1);
    if (prompt === "bad request") {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { message: "no", type: "invalid_request_error", param: "prompt", code: null },
        }),
      );
      return;
    }
    const roll = random();
    const e429 = rates.r429 ?? 0;
    const e500 = e429 + (rates.r500 ?? 0);
    const eSlow = e500 + (rates.slow ?? 0);
    const eGarbled = eSlow + (rates.garbled ?? 0);
    if (roll < e429) {
      faults.r429++;
      res.writeHead(429, { "content-type": "application/json", "retry-after-ms": "5" });
      res.end(
        JSON.stringify({
          error: { message: "slow down", type: "rate_limit_error", param: null, code: null },
        }),
      );
      return;
    }
    if (roll < e500) {
      faults.r500++;
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "boom", type: "server_error", param: null, code: null } }));
      return;
    }
    if (roll < eSlow) {
      faults.slow++;
      await new Promise((r) => setTimeout(r, o.slowMs ?? 2000));
      if (res.destroyed || req.destroyed) return;
      // an answer that arrives after the client gave up must not count as delivered
    } else if (roll < eGarbled) {
      faults.garbled++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"choices": [{"text": "trunc');
      return;
    }
    const n = o.ignoreN ? 1 : (body.n ?? 1);
    const seed = body.seed ?? 0;
    const choices = Array.from({ length: n }, (_, i) =>
      chat
        ? {
            index: i,
            message: { role: "assistant", content: fakeText(prompt, seed, i) },
            finish_reason: "stop",
          }
        : { index: i, text: fakeText(prompt, seed, i), finish_reason: "length" },
    );
    answered.set(prompt, (answered.get(prompt) ?? 0) + 1);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "x",
        object: chat ? "chat.completion" : "text_completion",
        choices,
        usage: { prompt_tokens: 3, completion_tokens: 4 * n, total_tokens: 3 + 4 * n },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/v1`,
    server,
    answered,
    attempts,
    faults,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await startFakeServer({}, Number(process.argv[2] ?? 0));
}
