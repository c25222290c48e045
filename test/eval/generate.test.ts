// eval generate: model_outputs.json rows from the remote generator against a local OpenAI-compatible server.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateModelOutputs, readInstructions } from "../../src/eval/generate.js";
import { parseModelOutputs } from "../../src/eval/io.js";
import { OpenAIChatGenerator } from "../../src/eval/openai-generator.js";
import { alpacaDir } from "./shared-data.js";

describe("eval generate", () => {
  const bodies: {
    model: string;
    temperature: number;
    max_tokens: number;
    messages: { content: string }[];
  }[] = [];
  let url = "";
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      const body = JSON.parse(data) as (typeof bodies)[number];
      bodies.push(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "g",
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices: [
            {
              index: 0,
              finish_reason: "stop",
              message: { role: "assistant", content: `echo: ${body.messages[0]?.content}` },
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
        }),
      );
    });
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());

  it("writes one row per instruction, in order, in alpaca_eval's format", async () => {
    const rows = (
      await readInstructions(join(alpacaDir, "eval_set/alpaca_eval_805_instructions.jsonl"))
    ).slice(0, 7);
    const gen = new OpenAIChatGenerator({ baseURL: url, model: "tiny", apiKey: "x", concurrency: 3 });
    const outs = await generateModelOutputs(gen, rows, {
      name: "tiny-dpo",
      sampling: { temperature: 0.5, topP: 1, topK: 0, minP: 0, maxTokens: 64, stop: [], seed: 1 },
      batchSize: 4,
    });
    assert.equal(outs.length, 7);
    outs.forEach((o, i) => {
      assert.equal(o.instruction, rows[i]?.instruction);
      assert.equal(o.output, `echo: ${rows[i]?.instruction}`);
      assert.equal(o.generator, "tiny-dpo");
      assert.equal(o.dataset, rows[i]?.dataset);
    });
    assert.ok(bodies.every((b) => b.model === "tiny" && b.temperature === 0.5 && b.max_tokens === 64));
    assert.equal(parseModelOutputs(JSON.parse(JSON.stringify(outs)), "m.json").length, 7);
  });
});
