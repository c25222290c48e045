// Proxy mode (`--upstream`): N candidates sampled from an upstream prefloop serve, reranked here with the
// story suite; and logprobs answers equal the local generator's log-probs and token pieces.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import OpenAI from "openai";
import { fileURLToPath } from "node:url";
import { openLocalGenerator, type SamplingSettings } from "../../src/generate/index.js";
import { buildRanker } from "../../src/reward/index.js";
import { startServe } from "../../src/serve/index.js";

const model = fileURLToPath(new URL("../../models/stories260K.gguf", import.meta.url));
const sampling: SamplingSettings = {
  temperature: 1,
  topP: 1,
  topK: 0,
  minP: 0,
  maxTokens: 24,
  stop: [],
  seed: 0,
};

describe("prefloop serve: proxy mode and logprobs", () => {
  test("proxy samples N upstream, reranks locally and returns the best; logprobs are the local ones", async () => {
    const upstream = await startServe({ model, port: 0, handleSignals: false });
    const proxy = await startServe({
      model: "stories260K",
      upstream: `${upstream.url}/v1`,
      port: 0,
      ranker: "story-suite",
      bestOf: 4,
      handleSignals: false,
    });
    const gen = await openLocalGenerator(model);
    try {
      const messages = [{ role: "user" as const, content: "Write a story about a frog." }];
      const r = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages, seed: 21, max_tokens: 30, prefloop: { scores: true } }),
      });
      assert.equal(r.status, 200);
      const body = (await r.json()) as {
        choices: Array<{ message: { content: string } }>;
        prefloop: { prompts: Array<{ scores: number[]; chosen: number[]; candidates: string[] }> };
      };
      const [want] = await gen.generate([
        {
          prompt: messages,
          n: 4,
          sampling: { ...sampling, temperature: 1, topP: 1, seed: 21, maxTokens: 30 },
        },
      ]);
      const p = body.prefloop.prompts[0];
      assert.deepEqual(
        p?.candidates,
        want?.map((s) => s.text),
      );
      const scores = (
        await (await buildRanker("story-suite")).score(messages[0].content, p?.candidates ?? [])
      ).scores;
      const best = scores.indexOf(Math.max(...scores));
      assert.equal(body.choices[0]?.message.content, want?.[best]?.text);

      const lp = await fetch(`${upstream.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages, seed: 21, max_tokens: 10, logprobs: true }),
      });
      const lpBody = (await lp.json()) as {
        choices: Array<{ logprobs: { content: Array<{ token: string; logprob: number }> } }>;
      };
      const [one] = await gen.generate([
        {
          prompt: messages,
          n: 1,
          sampling: { ...sampling, temperature: 1, topP: 1, seed: 21, maxTokens: 10 },
        },
      ]);
      const content = lpBody.choices[0]?.logprobs.content ?? [];
      assert.deepEqual(
        content.map((t) => t.logprob),
        one?.[0]?.logprobs,
      );
      assert.deepEqual(
        content.map((t) => t.token),
        one?.[0]?.tokens?.map((id) => gen.tokenizer.tokenText(id)),
      );
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});

describe("prefloop serve: proxy streaming", () => {
  test("a streaming request without reranking is piped from upstream; chunks join to upstream's text", async () => {
    const upstream = await startServe({ model, port: 0, handleSignals: false });
    const proxy = await startServe({
      model: "stories260K",
      upstream: `${upstream.url}/v1`,
      port: 0,
      ranker: "story-suite",
      bestOf: 4,
      handleSignals: false,
    });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: "none", maxRetries: 0 });
      const messages = [{ role: "user" as const, content: "A story about rain." }];
      const stream = await client.chat.completions.create({
        model: "stories260K",
        messages,
        seed: 5,
        max_tokens: 20,
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      const direct = await new OpenAI({
        baseURL: `${upstream.url}/v1`,
        apiKey: "none",
        maxRetries: 0,
      }).chat.completions.create({
        model: "stories260K",
        messages,
        seed: 5,
        max_tokens: 20,
      });
      assert.equal(text, direct.choices[0]?.message.content);
      assert.equal(upstream.state.served, 2, "the proxy forwarded the stream (one upstream request)");
      assert.equal(proxy.state.inFlight, 0, "the slot is released when the pipe ends");
      // an upstream refusal comes back OpenAI-shaped
      const bad = await fetch(`${proxy.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "x", stream: true, temperature: 7 }),
      });
      assert.equal(bad.status, 400, "validated here before forwarding");
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
