// Local streaming through `prefloop serve` over scripted and toy models (stories260K's vocabulary):
// byte-fallback characters arrive whole and stop strings are never sent (raw fetch, chat and
// completions); a client leaving mid-stream stops its generation and frees its slot; a stream past the
// timeout ends with an OpenAI error event the openai client throws; a generator without hooks (as the
// remote one) still streams correct chunks at the end.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import OpenAI from "openai";
import {
  type DecodingModel,
  type GeneratedSample,
  type GenerationRequest,
  type Generator,
  LocalGenerator,
} from "../../src/generate/index.js";
import { createServer } from "../../src/serve/index.js";
import { PlainChatTemplate } from "../../src/text/index.js";
import { ScriptedLM } from "../generate/scripted-lm.js";
import { ToyLM } from "../generate/toy-lm.js";
import { bytePiece, storiesTokenizer } from "../helpers/stories-tokenizer.js";
import { type Chunk, counted, type Listening, listen, post, readSse } from "./sse-helpers.js";

const tokenizer = storiesTokenizer;
const byte = bytePiece;

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

  test("a generator that calls no hooks (as RemoteGenerator) still streams every choice, at the end", async () => {
    const local = new LocalGenerator(
      new ScriptedLM(tokenizer.encode("the cat sat")),
      tokenizer,
      new PlainChatTemplate(),
      {
        id: "toy",
      },
    );
    const silent: Generator = {
      id: "silent",
      generate: (requests: GenerationRequest[]): Promise<GeneratedSample[][]> =>
        local.generate(requests.map(({ prompt, n, sampling }) => ({ prompt, n, sampling }))),
      close: async () => {},
    };
    const s = await listen(createServer({ generator: silent, modelName: "toy" }));
    try {
      const chunks: Chunk[] = [];
      let done = false;
      await readSse(
        await post(`${s.url}/v1/chat/completions`, {
          messages: [{ role: "user", content: "Hi" }],
          n: 2,
          stream: true,
          stream_options: { include_usage: true },
        }),
        (data) => {
          if (data === "[DONE]") done = true;
          else chunks.push(JSON.parse(data) as Chunk);
        },
      );
      assert.ok(done);
      for (const index of [0, 1]) {
        const mine = chunks.flatMap((c) => c.choices.filter((x) => x.index === index));
        assert.equal(mine[0]?.delta?.role, "assistant");
        assert.equal(mine.map((x) => x.delta?.content ?? "").join(""), " the cat sat");
        assert.equal(mine.at(-1)?.finish_reason, "stop");
      }
      assert.equal(chunks.at(-1)?.usage?.completion_tokens, 2 * tokenizer.encode("the cat sat").length);
    } finally {
      await s.app.close();
    }
  });
});
