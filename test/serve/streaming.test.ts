// Local streaming through `prefloop serve` on 127.0.0.1: SSE chunks leave while the engine decodes (the
// first one arrives before the last decode call, counted by a wrapper around the model: post-hoc chunking
// cannot pass), with the openai client's streaming API and raw fetch; streamed text equals the
// non-streamed answer (chat n = 3, completions over two prompts, stop strings, usage); concurrent
// streams are batched and still stream; a request failing before its first chunk keeps its status.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { LocalGenerator, openLocalGenerator } from "../../src/generate/index.js";
import { createServer } from "../../src/serve/index.js";
import { type Chunk, counted, type Listening, listen, post, readSse } from "./sse-helpers.js";

const modelPath = fileURLToPath(new URL("../../models/stories260K.gguf", import.meta.url));

describe("prefloop serve: local streaming (stories260K)", () => {
  const counter = { decodes: 0 };
  let s: Listening;
  let client: OpenAI;
  before(async () => {
    const base = await openLocalGenerator(modelPath);
    const gen = new LocalGenerator(counted(base.model, counter), base.tokenizer, base.chatTemplate, {
      id: "stories260K",
    });
    s = await listen(createServer({ generator: gen, modelName: "stories260K", batchWindowMs: 30 }));
    client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "none", maxRetries: 0 });
  });
  after(async () => {
    await s.app.close();
  });

  test("raw fetch: the first chunk arrives before the last decode call; chunks join to the plain answer", async () => {
    for (const route of ["completions", "chat/completions"] as const) {
      const body =
        route === "completions"
          ? { prompt: "Once upon a time", max_tokens: 48, temperature: 0 }
          : { messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 48, temperature: 0 };
      const plain = (await (await post(`${s.url}/v1/${route}`, body)).json()) as {
        choices: Array<{ text?: string; message?: { content: string }; finish_reason: string }>;
        usage: { completion_tokens: number };
      };
      assert.ok(plain.usage.completion_tokens >= 30, "a long enough answer to watch it stream");
      const start = counter.decodes;
      let atFirst = -1;
      let text = "";
      let contentChunks = 0;
      const events: string[] = [];
      await readSse(await post(`${s.url}/v1/${route}`, { ...body, stream: true }), (data) => {
        events.push(data);
        if (data === "[DONE]") return;
        const c = (JSON.parse(data) as Chunk).choices[0];
        const piece = c?.text ?? c?.delta?.content ?? "";
        if (piece !== "") {
          if (atFirst < 0) atFirst = counter.decodes - start;
          contentChunks++;
          text += piece;
        }
      });
      const total = counter.decodes - start;
      assert.ok(atFirst >= 1 && atFirst < total / 2, `first text after ${atFirst} of ${total} decode calls`);
      assert.ok(contentChunks >= 10, `${contentChunks} content chunks`);
      assert.equal(text, plain.choices[0]?.text ?? plain.choices[0]?.message?.content);
      assert.equal(events.at(-1), "[DONE]");
      const last = JSON.parse(events.at(-2) as string) as Chunk;
      assert.equal(last.choices[0]?.finish_reason, plain.choices[0]?.finish_reason);
    }
  });

  test("openai client: chat n = 3 with a stop string streams each choice live and equals the plain answer", async () => {
    const body = {
      model: "stories260K",
      messages: [{ role: "user" as const, content: "Write about a dog" }],
      n: 3,
      seed: 21,
      temperature: 0.9,
      max_tokens: 40,
      stop: [" the"],
    };
    const plain = await client.chat.completions.create(body);
    assert.ok(plain.choices.some((c) => c.finish_reason === "stop"));
    const start = counter.decodes;
    let atFirst = -1;
    const texts = ["", "", ""];
    const finish: (string | null)[] = [null, null, null];
    const roles: number[] = [];
    let usage: { completion_tokens: number } | undefined;
    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        if (c.delta.role) roles.push(c.index);
        if (c.delta.content) {
          if (atFirst < 0) atFirst = counter.decodes - start;
          texts[c.index] += c.delta.content;
        }
        if (c.finish_reason) finish[c.index] = c.finish_reason;
      }
    }
    assert.ok(atFirst >= 1 && atFirst < counter.decodes - start, `first text after ${atFirst} decodes`);
    assert.deepEqual(roles, [0, 1, 2]);
    assert.deepEqual(
      texts,
      plain.choices.map((c) => c.message.content),
    );
    assert.deepEqual(
      finish,
      plain.choices.map((c) => c.finish_reason),
    );
    assert.equal(usage?.completion_tokens, plain.usage?.completion_tokens);
  });

  test("completions over two prompts with n = 2: choice p·n + s; usage last; equals the plain answer", async () => {
    const body = { prompt: ["Once upon a time", "Lily had a"], n: 2, seed: 4, max_tokens: 24, stop: "." };
    const plain = (await (await post(`${s.url}/v1/completions`, body)).json()) as {
      choices: Array<{ index: number; text: string; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const texts = ["", "", "", ""];
    const finish: (string | null)[] = [null, null, null, null];
    const chunks: Chunk[] = [];
    await readSse(
      await post(`${s.url}/v1/completions`, {
        ...body,
        stream: true,
        stream_options: { include_usage: true },
      }),
      (data) => {
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data) as Chunk;
        chunks.push(chunk);
        for (const c of chunk.choices) {
          texts[c.index] += c.text ?? "";
          if (c.finish_reason) finish[c.index] = c.finish_reason;
        }
      },
    );
    assert.deepEqual(
      texts,
      plain.choices.map((c) => c.text),
    );
    assert.deepEqual(
      finish,
      plain.choices.map((c) => c.finish_reason),
    );
    assert.ok(chunks.every((c) => c.object === "text_completion" && c.id === chunks[0]?.id));
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, plain.usage);
  });

  test("concurrent streams are batched in one generate call and each equals its own plain answer", async () => {
    const bodies = [0, 1, 2].map((i) => ({ prompt: `Tom saw ${i} birds`, seed: i, max_tokens: 20 }));
    const plains = await Promise.all(
      bodies.map(
        async (b) => ((await (await post(`${s.url}/v1/completions`, b)).json()) as Chunk).choices[0],
      ),
    );
    const before = s.state.batches();
    const start = counter.decodes;
    const streamed = await Promise.all(
      bodies.map(async (b) => {
        let text = "";
        let atFirst = -1;
        await readSse(await post(`${s.url}/v1/completions`, { ...b, stream: true }), (data) => {
          if (data === "[DONE]") return;
          const piece = (JSON.parse(data) as Chunk).choices[0]?.text ?? "";
          if (piece !== "" && atFirst < 0) atFirst = counter.decodes - start;
          text += piece;
        });
        return { text, atFirst };
      }),
    );
    const total = counter.decodes - start;
    assert.ok(s.state.batches() - before < bodies.length, "fewer generate calls than streams");
    assert.deepEqual(
      streamed.map((x) => x.text),
      plains.map((p) => p?.text),
    );
    for (const { atFirst } of streamed)
      assert.ok(atFirst >= 1 && atFirst < total, `first text after ${atFirst} of ${total} decode calls`);
  });

  test("a streaming request failing before its first chunk keeps its status and OpenAI error body", async () => {
    const r = await post(`${s.url}/v1/completions`, {
      prompt: "Once upon a time ".repeat(600),
      stream: true,
    });
    assert.equal(r.status, 400);
    const body = (await r.json()) as { error: { message: string; code: string } };
    assert.match(body.error.message, /context/);
    assert.equal(s.state.inFlight, 0);
  });
});
