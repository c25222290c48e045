// Local streaming through `prefloop serve` on 127.0.0.1: SSE chunks leave while the engine decodes (the
// first one arrives before the last decode call, counted by a wrapper around the model: post-hoc chunking
// cannot pass), with the openai client's streaming API and raw fetch; streamed text equals the
// non-streamed answer (chat n = 3, completions over two prompts, stop strings, byte-fallback characters);
// concurrent streams are batched; a client leaving stops its generation and frees its slot.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { type DecodingModel, LocalGenerator, openLocalGenerator } from "../../src/generate/index.js";
import { createServer, type PrefloopServer } from "../../src/serve/index.js";
import { PlainChatTemplate, SpmTokenizer } from "../../src/text/index.js";
import { ScriptedLM } from "../generate/scripted-lm.js";
import { ToyLM } from "../generate/toy-lm.js";

const modelPath = fileURLToPath(new URL("../../models/stories260K.gguf", import.meta.url));

/** `model` with its decode calls counted in `counter.decodes`. */
function counted(model: DecodingModel, counter: { decodes: number }): DecodingModel {
  return {
    config: model.config,
    newCache: (batch, capacity) => model.newCache(batch, capacity),
    copyCacheRow: (cache, from, to) => model.copyCacheRow(cache, from, to),
    decode: (cache, rows, tokens, T) => {
      counter.decodes++;
      return model.decode(cache, rows, tokens, T);
    },
  };
}

interface Listening extends PrefloopServer {
  url: string;
}

async function listen(server: Promise<PrefloopServer>): Promise<Listening> {
  const s = await server;
  const url = await s.app.listen({ host: "127.0.0.1", port: 0 });
  return { ...s, url };
}

/** Reads an SSE body event by event (raw fetch, as curl -N would); `onData` sees each data payload. */
async function readSse(r: Response, onData: (data: string) => void): Promise<void> {
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = (r.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let at = buffer.indexOf("\n\n"); at >= 0; at = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      assert.ok(event.startsWith("data: "), event);
      onData(event.slice(6));
    }
  }
  assert.equal(buffer, "");
}

interface Chunk {
  id: string;
  object: string;
  choices: Array<{
    index: number;
    text?: string;
    delta?: { role?: string; content?: string };
    finish_reason: string | null;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

const post = (url: string, body: unknown, signal?: AbortSignal): Promise<Response> =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });

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

const vocab = JSON.parse(readFileSync("test/fixtures/text/stories260k-vocab.json", "utf8")) as {
  tokens: string[];
  scores: number[];
  token_type: number[];
};
const tokenizer = new SpmTokenizer({
  tokens: vocab.tokens,
  scores: vocab.scores,
  tokenTypes: vocab.token_type,
  bosId: 1,
  eosId: 2,
  unkId: 0,
  padId: null,
});
const byte = (b: number): number => vocab.tokens.indexOf(`<0x${b.toString(16).toUpperCase()}>`);

/** A toy model that never draws BOS or EOS (1, 2): it runs to max_tokens. */
function endless(counter: { decodes: number }): DecodingModel {
  const model = counted(new ToyLM(512, { peak: 4, ctx: 4096 }), counter);
  const decode = model.decode;
  model.decode = (...a) => {
    const logits = decode(...a);
    for (let at = 0; at < logits.length; at += 512) logits.fill(-1e9, at + 1, at + 3);
    return logits;
  };
  return model;
}

/** A server over a toy or scripted model with the stories260K vocabulary. */
function toyServer(model: DecodingModel, extra: { timeoutMs?: number } = {}): Promise<Listening> {
  const gen = new LocalGenerator(model, tokenizer, new PlainChatTemplate(), { id: "toy" });
  return listen(createServer({ generator: gen, modelName: "toy", maxTokensCap: 4000, ...extra }));
}

describe("prefloop serve: local streaming (scripted and toy models)", () => {
  test("byte-fallback characters arrive whole and a stop string is never sent; joins equal the plain answer", async () => {
    // "é" (C3 A9) and "😀" (F0 9F 98 80) are byte pieces in this vocabulary; the stop string follows "😀"
    const script = [
      ...tokenizer.encode("the cat"),
      byte(0xc3),
      byte(0xa9),
      ...tokenizer.encode("and"),
      ...[0xf0, 0x9f, 0x98, 0x80].map(byte),
      ...tokenizer.encode("the end of it"),
    ];
    const s = await toyServer(new ScriptedLM(script));
    try {
      for (const stop of [[], ["end of"]]) {
        for (const route of ["completions", "chat/completions"] as const) {
          const body = {
            ...(route === "completions"
              ? { prompt: "Once" }
              : { messages: [{ role: "user", content: "Hi" }] }),
            max_tokens: 64,
            stop,
          };
          const plain = (await (await post(`${s.url}/v1/${route}`, body)).json()) as {
            choices: Array<{ text?: string; message?: { content: string }; finish_reason: string }>;
          };
          const want = plain.choices[0]?.text ?? plain.choices[0]?.message?.content ?? "";
          assert.equal(want, stop.length > 0 ? " the caté and😀 the " : " the caté and😀 the end of it");
          const pieces: string[] = [];
          await readSse(await post(`${s.url}/v1/${route}`, { ...body, stream: true }), (data) => {
            if (data === "[DONE]") return;
            const c = (JSON.parse(data) as Chunk).choices[0];
            const piece = c?.text ?? c?.delta?.content ?? "";
            if (piece !== "") pieces.push(piece);
          });
          assert.equal(pieces.join(""), want);
          assert.ok(!pieces.some((p) => p.includes("\uFFFD")), JSON.stringify(pieces));
          assert.ok(pieces.includes("é") && pieces.includes("😀"), JSON.stringify(pieces));
        }
      }
    } finally {
      await s.app.close();
    }
  });

  test("a client leaving mid-stream stops its generation and frees its slot; the server serves on", async () => {
    const counter = { decodes: 0 };
    const s = await toyServer(endless(counter));
    try {
      const abort = new AbortController();
      const r = await post(
        `${s.url}/v1/completions`,
        { prompt: "Once", max_tokens: 3000, stream: true },
        abort.signal,
      );
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      assert.equal(s.state.inFlight, 1);
      abort.abort();
      await reader.cancel().catch(() => {});
      for (let i = 0; i < 200 && s.state.inFlight > 0; i++) await new Promise((d) => setTimeout(d, 10));
      assert.equal(s.state.inFlight, 0, "the slot is free");
      assert.ok(counter.decodes < 1000, `decoding stopped after ${counter.decodes} of 3000 steps`);
      const after = counter.decodes;
      await new Promise((d) => setTimeout(d, 50));
      assert.equal(counter.decodes, after, "nothing decodes for the gone client");
      const ok = (await (
        await post(`${s.url}/v1/completions`, { prompt: "Once", max_tokens: 5 })
      ).json()) as {
        choices: Array<{ finish_reason: string }>;
      };
      assert.equal(ok.choices[0]?.finish_reason, "length");
    } finally {
      await s.app.close();
    }
  });

  test("a stream past the timeout ends with an OpenAI error event (the openai client throws it)", async () => {
    const counter = { decodes: 0 };
    const slow = endless(counter);
    const decode = slow.decode;
    // ~2 ms a step: 3000 steps would take seconds; the timeout is 100 ms
    slow.decode = (...a) => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      return decode(...a);
    };
    const s = await toyServer(slow, { timeoutMs: 100 });
    try {
      const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "none", maxRetries: 0 });
      let text = "";
      await assert.rejects(
        (async () => {
          const stream = await client.completions.create({
            model: "toy",
            prompt: "Once",
            max_tokens: 3000,
            stream: true,
          });
          for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
        })(),
        (e: unknown) => e instanceof OpenAI.APIError && /did not finish within 100 ms/.test(e.message),
      );
      assert.ok(text.length > 0, "text streamed before the timeout");
      for (let i = 0; i < 200 && s.state.inFlight > 0; i++) await new Promise((d) => setTimeout(d, 10));
      assert.equal(s.state.inFlight, 0);
      assert.ok(counter.decodes < 1000, `the timed-out generation stopped after ${counter.decodes} steps`);
    } finally {
      await s.app.close();
    }
  });
});
