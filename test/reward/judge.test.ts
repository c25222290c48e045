import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildRanker, expectedRating, labelProbability } from "../../src/reward/index.js";
import { isPrefloopError } from "../../src/util/errors.js";

// A fake OpenAI-compatible server: rates by the number of "!" in the response, answers A/B for the
// response with more "!", can fail the first calls with 429/500, and records every request.
interface Behaviour {
  failFirst: Array<{ status: number; headers?: Record<string, string> }>;
  logprobs: boolean;
}
const behaviour: Behaviour = { failFirst: [], logprobs: true };
const requests: Array<{ at: number; body: Record<string, unknown> }> = [];
let baseUrl = "";

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function completion(content: string, top: Array<{ token: string; logprob: number }> | null): unknown {
  return {
    id: "x",
    object: "chat.completion",
    created: 0,
    model: "fake",
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        message: { role: "assistant", content },
        logprobs: top
          ? { content: [{ token: content, logprob: top[0].logprob, bytes: null, top_logprobs: top }] }
          : null,
      },
    ],
  };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  const body = JSON.parse(raw) as { messages: Array<{ content: string }>; logprobs?: boolean };
  requests.push({ at: Date.now(), body });
  const fail = behaviour.failFirst.shift();
  if (fail) return reply(res, fail.status, { error: { message: "busy" } }, fail.headers);
  const text = body.messages[0].content;
  const withLogprobs = behaviour.logprobs && body.logprobs === true;
  if (text.includes("[Response A]")) {
    const a = /\[Response A\]\n([\s\S]*?)\n\n\[Response B\]/.exec(text)?.[1] ?? "";
    const b = /\[Response B\]\n([\s\S]*?)\n\nReply/.exec(text)?.[1] ?? "";
    const ca = (a.match(/!/g) ?? []).length;
    const cb = (b.match(/!/g) ?? []).length;
    const pA = ca === cb ? 0.5 : ca > cb ? 0.8 : 0.2;
    const top = [
      { token: "A", logprob: Math.log(pA) },
      { token: "B", logprob: Math.log(1 - pA) },
    ];
    return reply(res, 200, completion(pA >= 0.5 ? "A" : "B", withLogprobs ? top : null));
  }
  const response = /\[Response\]\n([\s\S]*?)\n\nReply/.exec(text)?.[1] ?? "";
  const k = Math.min(9, (response.match(/!/g) ?? []).length + 1);
  // 70% on k, 30% on k+1: expected rating k + 0.3
  const top = [
    { token: String(k), logprob: Math.log(0.7) },
    { token: String(k + 1), logprob: Math.log(0.3) },
    { token: "The", logprob: Math.log(1e-4) },
  ];
  reply(res, 200, completion(String(k), withLogprobs ? top : null));
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => reply(res, 500, { error: { message: String(e) } }));
});
before(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => new Promise<void>((ok) => server.close(() => ok())));

test("expected rating and label probability from top_logprobs", () => {
  assert.equal(
    expectedRating([
      { token: "3", logprob: Math.log(0.5) },
      { token: " 5", logprob: Math.log(0.5) },
    ]),
    4,
  );
  assert.equal(expectedRating([{ token: "x", logprob: 0 }]), null);
  const p = labelProbability(
    [
      { token: "A", logprob: Math.log(0.3) },
      { token: " B", logprob: Math.log(0.1) },
    ],
    "A",
    "B",
  );
  assert.ok(Math.abs((p ?? 0) - 0.75) < 1e-12);
});

test("pointwise judge: logprob-weighted scores, plain-text fallback, cached reruns", async () => {
  behaviour.logprobs = true;
  const dir = await mkdtemp(join(tmpdir(), "pf-judge-"));
  const judge = await buildRanker(`judge:${baseUrl}#fake`, { cachePath: join(dir, "cache.jsonl") });
  const n0 = requests.length;
  const { scores } = await judge.score("Say hi", ["hi", "hi!!", "hi!"]);
  scores.forEach((s, i) => {
    assert.ok(Math.abs(s - [1.3, 3.3, 2.3][i]) < 1e-9, `${s}`);
  });
  assert.equal(requests.length - n0, 3);
  await judge.score("Say hi", ["hi!", "hi"]);
  assert.equal(requests.length - n0, 3, "cached");
  behaviour.logprobs = false;
  const plain = await buildRanker({ type: "judge", baseUrl, model: "fake", logprobs: false });
  assert.deepEqual((await plain.score("Say hi", ["hi!!"])).scores, [3]);
  assert.equal(requests.at(-1)?.body.logprobs, undefined);
  behaviour.logprobs = true;
});

test("retries 429 (honouring retry-after) and 500, then fails with a network error", async () => {
  behaviour.failFirst = [{ status: 429, headers: { "retry-after-ms": "300" } }, { status: 503 }];
  const judge = await buildRanker({ type: "judge", baseUrl, model: "fake", maxRetries: 3 });
  const n0 = requests.length;
  const { scores } = await judge.score("q", ["a"]);
  assert.ok(Math.abs(scores[0] - 1.3) < 1e-9);
  const times = requests.slice(n0).map((r) => r.at);
  assert.equal(times.length, 3);
  assert.ok(times[1] - times[0] >= 280, `waited ${times[1] - times[0]} ms after retry-after-ms 300`);
  behaviour.failFirst = [{ status: 500 }, { status: 500 }];
  const once = await buildRanker({ type: "judge", baseUrl, model: "fake", maxRetries: 1 });
  await assert.rejects(
    () => once.score("q", ["a"]),
    (e: unknown) => isPrefloopError(e) && e.code === "network" && /HTTP 500/.test(e.message),
  );
  behaviour.failFirst = [];
});

test("pairwise against references and a tournament, both orders asked", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-judge-"));
  const refs = join(dir, "refs.jsonl");
  await writeFile(refs, `${JSON.stringify({ prompt: "q", reference: "ref!" })}\n`);
  const pw = await buildRanker(
    { type: "judge", baseUrl, model: "fake", mode: "pairwise", references: "refs.jsonl" },
    { baseDir: dir },
  );
  const n0 = requests.length;
  const { scores } = await pw.score("q", ["x!!", "x", "y!"]);
  assert.deepEqual(
    scores.map((s) => Number(s.toFixed(9))),
    [0.8, 0.2, 0.5],
  );
  assert.equal(requests.length - n0, 6);
  await assert.rejects(() => pw.score("unknown", ["a"]), /no reference/);

  const t = await buildRanker(`judge-tournament:${baseUrl}#fake`);
  const r = await t.score("q", ["a", "a!!", "a!"]);
  assert.deepEqual(
    r.scores.map((s) => Number(s.toFixed(9))),
    [0.2, 0.8, 0.5],
  );
  assert.ok(
    r.matrix &&
      Math.abs(r.matrix[1][0] - Math.log(4)) < 1e-6 &&
      Math.abs(r.matrix[0][1] + Math.log(4)) < 1e-6,
  );
});
