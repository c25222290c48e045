// `prefloop serve` on 127.0.0.1 with the bundled stories260K: the openai client and curl talk to it
// unchanged, answers equal in-process generation for the same seed (also through the remote generator),
// concurrent requests are batched without changing outputs, best-of-N reranks with the story suite, and
// every limit answers with its status and an OpenAI-shaped error body.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import {
  type LocalGenerator,
  openLocalGenerator,
  openRemoteGenerator,
  type SamplingSettings,
} from "../../src/generate/index.js";
import { buildRanker } from "../../src/reward/index.js";
import { type RunningServer, startServe } from "../../src/serve/index.js";

const model = fileURLToPath(new URL("../../models/stories260K.gguf", import.meta.url));
const key = "test-key";
const sampling: SamplingSettings = {
  temperature: 0.9,
  topP: 0.95,
  topK: 0,
  minP: 0,
  maxTokens: 24,
  stop: [],
  seed: 11,
};

let server: RunningServer;
let local: LocalGenerator;
let client: OpenAI;

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
    body,
  });
}

async function expectError(r: Response, status: number, code: string | null): Promise<void> {
  assert.equal(r.status, status);
  const body = (await r.json()) as {
    error: { message: string; type: string; param: unknown; code: unknown };
  };
  assert.equal(typeof body.error.message, "string");
  assert.equal(typeof body.error.type, "string");
  assert.ok("param" in body.error);
  assert.equal(body.error.code, code);
}

describe("prefloop serve", () => {
  before(async () => {
    server = await startServe({
      model,
      port: 0,
      apiKeys: [key],
      bodyLimit: 8192,
      maxTokensCap: 64,
      handleSignals: false,
    });
    local = await openLocalGenerator(model);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
  });
  after(async () => {
    await server.close();
  });

  test("openai client: chat with n and a seed equals in-process generation", async () => {
    const messages = [{ role: "user" as const, content: "Tell me about a cat" }];
    const r = await client.chat.completions.create({
      model: "stories260K",
      messages,
      n: 3,
      seed: 11,
      temperature: 0.9,
      top_p: 0.95,
      max_tokens: 24,
    });
    const [want] = await local.generate([{ prompt: messages, n: 3, sampling }]);
    assert.deepEqual(
      r.choices.map((c) => [c.message.content, c.finish_reason]),
      want?.map((s) => [s.text, s.finishReason]),
    );
    assert.equal(r.object, "chat.completion");
    assert.equal(
      r.usage?.completion_tokens,
      want?.reduce((a, s) => a + (s.tokens?.length ?? 0), 0),
    );
    assert.equal(r.usage?.prompt_tokens, want?.[0]?.promptTokens);
  });

  test("openai client: completions, streaming chunks join to the non-streaming text, /v1/models", async () => {
    const body = {
      model: "stories260K",
      prompt: "Once upon a time",
      seed: 5,
      max_tokens: 20,
      temperature: 1,
    };
    const plain = await client.completions.create(body);
    const [want] = await local.generate([
      {
        prompt: { raw: "Once upon a time" },
        n: 1,
        sampling: { ...sampling, temperature: 1, topP: 1, seed: 5, maxTokens: 20 },
      },
    ]);
    assert.equal(plain.choices[0]?.text, want?.[0]?.text);
    const stream = await client.completions.create({ ...body, stream: true });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, plain.choices[0]?.text);
    assert.equal(finish, plain.choices[0]?.finish_reason);
    const chat = await client.chat.completions.create({
      model: "stories260K",
      messages: [{ role: "user", content: "Hi" }],
      seed: 2,
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let usage = 0;
    for await (const chunk of chat) {
      content += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage?.completion_tokens ?? usage;
    }
    const again = await client.chat.completions.create({
      model: "stories260K",
      messages: [{ role: "user", content: "Hi" }],
      seed: 2,
      max_tokens: 12,
    });
    assert.equal(content, again.choices[0]?.message.content);
    assert.equal(usage, again.usage?.completion_tokens);
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ["stories260K"],
    );
  });

  test("curl talks to it unchanged", async () => {
    const { stdout } = await promisify(execFile)("curl", [
      "-s",
      `${server.url}/v1/chat/completions`,
      "-H",
      "Content-Type: application/json",
      "-H",
      `Authorization: Bearer ${key}`,
      "-d",
      JSON.stringify({
        messages: [{ role: "user", content: "Tell me about a cat" }],
        seed: 11,
        temperature: 0.9,
        top_p: 0.95,
        max_tokens: 24,
      }),
    ]);
    const [want] = await local.generate([
      { prompt: [{ role: "user", content: "Tell me about a cat" }], n: 1, sampling },
    ]);
    assert.equal(JSON.parse(stdout).choices[0].message.content, want?.[0]?.text);
  });

  test("the remote generator pointed at serve gives in-process outputs for the same seeds", async () => {
    const remote = await openRemoteGenerator({
      baseURL: `${server.url}/v1`,
      model: "stories260K",
      apiKey: key,
    });
    const requests = [
      { prompt: { raw: "The dog" }, n: 2, sampling },
      {
        prompt: [{ role: "user" as const, content: "A story about the sea" }],
        n: 2,
        sampling: { ...sampling, seed: 3, stop: ["."] },
      },
      { prompt: { raw: "" }, n: 1, sampling: { ...sampling, temperature: 0 } },
    ];
    const got = await remote.generate(requests);
    const want = await local.generate(requests);
    assert.deepEqual(
      got.map((r) => r.map((s) => [s.text, s.finishReason])),
      want.map((r) => r.map((s) => [s.text, s.finishReason])),
    );
    assert.ok(remote.usage().completionTokens > 0);
  });

  test("concurrent requests are batched and each still equals its in-process answer", async () => {
    const before = server.state.batches();
    const prompts = ["Lily", "Tom", "The sun", "A bird", "Mom", "The park"];
    const answers = await Promise.all(
      prompts.map((p) =>
        client.completions.create({ model: "stories260K", prompt: p, seed: 1, max_tokens: 16 }),
      ),
    );
    assert.ok(server.state.batches() - before < prompts.length, "fewer generate calls than requests");
    const want = await local.generate(
      prompts.map((p) => ({
        prompt: { raw: p },
        n: 1,
        sampling: { ...sampling, temperature: 1, topP: 1, seed: 1, maxTokens: 16 },
      })),
    );
    assert.deepEqual(
      answers.map((a) => a.choices[0]?.text),
      want.map((w) => w[0]?.text),
    );
  });

  test("best_of without a ranker keeps the highest mean log-prob; scores in the prefloop field", async () => {
    const r = await post(
      "/v1/completions",
      JSON.stringify({
        prompt: "Once",
        seed: 4,
        max_tokens: 16,
        n: 2,
        best_of: 5,
        prefloop: { scores: true },
      }),
    );
    const body = (await r.json()) as {
      choices: Array<{ text: string }>;
      prefloop: {
        scorer: string;
        prompts: Array<{ scores: number[]; chosen: number[]; candidates: string[] }>;
      };
    };
    const [cands] = await local.generate([
      {
        prompt: { raw: "Once" },
        n: 5,
        sampling: { ...sampling, temperature: 1, topP: 1, seed: 4, maxTokens: 16 },
      },
    ]);
    const means = (cands ?? []).map(
      (c) => (c.logprobs ?? []).reduce((a, b) => a + b, 0) / Math.max(1, c.logprobs?.length ?? 0),
    );
    const order = means
      .map((m, i) => [m, i] as const)
      .sort((a, b) => b[0] - a[0])
      .map(([, i]) => i);
    const p = body.prefloop.prompts[0];
    assert.equal(body.prefloop.scorer, "mean_logprob");
    assert.deepEqual(
      p?.candidates,
      cands?.map((c) => c.text),
    );
    assert.deepEqual(p?.chosen, order.slice(0, 2));
    assert.deepEqual(
      body.choices.map((c) => c.text),
      order.slice(0, 2).map((i) => cands?.[i]?.text),
    );
  });

  test("limits: 401 without a key, 413 oversize, 400 bad JSON / bad fields / max_tokens cap, 404 model", async () => {
    const chat = JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 4 });
    await expectError(
      await post("/v1/chat/completions", chat, { authorization: "" }),
      401,
      "invalid_api_key",
    );
    await expectError(
      await post("/v1/chat/completions", chat, { authorization: "Bearer wrong" }),
      401,
      "invalid_api_key",
    );
    assert.equal((await fetch(`${server.url}/health`)).status, 200, "health needs no key");
    const huge = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(10_000) }] });
    await expectError(await post("/v1/chat/completions", huge), 413, "request_too_large");
    await expectError(await post("/v1/chat/completions", '{"messages": [}'), 400, "invalid_json");
    await expectError(await post("/v1/chat/completions", "[1,2]"), 400, "invalid_body");
    await expectError(
      await post("/v1/chat/completions", JSON.stringify({ messages: [] })),
      400,
      "invalid_value",
    );
    await expectError(
      await post("/v1/completions", JSON.stringify({ prompt: "a", temperature: -1 })),
      400,
      "invalid_value",
    );
    await expectError(
      await post("/v1/completions", JSON.stringify({ prompt: "a", max_tokens: 65 })),
      400,
      "max_tokens_too_large",
    );
    await expectError(
      await post("/v1/completions", JSON.stringify({ prompt: "a", model: "gpt-9" })),
      404,
      "model_not_found",
    );
    await expectError(
      await post("/v1/completions", JSON.stringify({ prompt: "a", n: 3, best_of: 2 })),
      400,
      "invalid_value",
    );
    await expectError(
      await post("/v1/completions", JSON.stringify({ prompt: "a", n: 1, best_of: 2, stream: true })),
      400,
      "invalid_value",
    );
    const many = JSON.stringify({ prompt: Array.from({ length: 5 }, () => "a"), n: 64 });
    await expectError(await post("/v1/completions", many), 400, "too_many_samples");
    await expectError(await post("/v1/nope", "{}"), 404, "not_found");
    await expectError(
      await post("/v1/completions", "a=b", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    );
    // the openai client maps the statuses to its typed errors
    await assert.rejects(
      new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "nope", maxRetries: 0 }).models.list(),
      OpenAI.AuthenticationError,
    );
  });
});

describe("prefloop serve: reranking and the concurrency limit", () => {
  test("a generation past the timeout is answered 504; its slot frees when it really ends", async () => {
    const s = await startServe({ model, port: 0, timeoutMs: 1, batchWindowMs: 20, handleSignals: false });
    try {
      const r = await fetch(`${s.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "Once", max_tokens: 32 }),
      });
      assert.equal(r.status, 504);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "timeout");
      for (let i = 0; i < 100 && s.state.inFlight > 0; i++) await new Promise((d) => setTimeout(d, 50));
      assert.equal(s.state.inFlight, 0);
    } finally {
      await s.close();
    }
  });

  test("best-of-4 with the story suite returns its top candidate; every score is reported", async () => {
    const s = await startServe({
      model,
      port: 0,
      ranker: "story-suite",
      bestOf: 4,
      maxConcurrency: 1,
      handleSignals: false,
    });
    try {
      const r = await fetch(`${s.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messages: [{ role: "user", content: "Write a story about a dog." }],
          seed: 9,
          max_tokens: 40,
          prefloop: { scores: true },
        }),
      });
      const body = (await r.json()) as {
        choices: Array<{ message: { content: string } }>;
        prefloop: {
          scorer: string;
          prompts: Array<{ scores: number[]; chosen: number[]; candidates: string[] }>;
        };
      };
      const p = body.prefloop.prompts[0];
      assert.equal(p?.candidates.length, 4);
      const ranker = await buildRanker("story-suite");
      const { scores } = await ranker.score("Write a story about a dog.", p?.candidates ?? []);
      assert.deepEqual(p?.scores, scores);
      const best = scores.indexOf(Math.max(...scores));
      assert.deepEqual(p?.chosen, [best]);
      assert.equal(body.choices.length, 1);
      assert.equal(body.choices[0]?.message.content, p?.candidates[best]);
      assert.equal(body.prefloop.scorer, ranker.id);
      // the concurrency limit (1 here) answers the overflow with 429 and retry-after
      const many = await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${s.url}/v1/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ prompt: "Hi", max_tokens: 8 }),
          }),
        ),
      );
      const statuses = many.map((m) => m.status).sort();
      assert.equal(statuses[0], 200);
      assert.ok(statuses.includes(429), `some answered 429: ${statuses}`);
      const limited = many.find((m) => m.status === 429);
      assert.ok(limited);
      assert.equal(limited.headers.get("retry-after"), "1");
      assert.equal(((await limited.json()) as { error: { type: string } }).error.type, "rate_limit_error");
    } finally {
      await s.close();
    }
  });
});
