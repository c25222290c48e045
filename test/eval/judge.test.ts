// The weighted judge end to end against a local OpenAI-compatible server that returns logprobs
// (with injected 429/500 failures), the offline ranker judge, and the switch / parser against the
// shared alpaca_eval annotations.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { annotatePairs, matchOutputs } from "../../src/eval/annotate.js";
import { parseAnnotations } from "../../src/eval/annotations.js";
import type { ModelOutput } from "../../src/eval/io.js";
import { JudgeCache } from "../../src/eval/judge/cache.js";
import { OpenAIWeightedJudge } from "../../src/eval/judge/openai-judge.js";
import { isSwitched, logprobPreference } from "../../src/eval/judge/prompt.js";
import { RankerJudge } from "../../src/eval/judge/ranker-judge.js";
import { computeMetrics } from "../../src/eval/metrics.js";
import { alpacaDir } from "./shared-data.js";

interface Seen {
  body: {
    model: string;
    max_tokens: number;
    logprobs: boolean;
    top_logprobs: number;
    messages: { role: string; content: string }[];
  };
  first: string;
  second: string;
}

describe("weighted judge", () => {
  const seen: Seen[] = [];
  const failures: number[] = [];
  let plan: number[] = [];
  let url = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = "";
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => {
      const status = plan.shift() ?? 200;
      if (status !== 200) {
        failures.push(status);
        res.writeHead(status, { "content-type": "application/json", "retry-after-ms": "5" });
        res.end(JSON.stringify({ error: { message: `injected ${status}`, type: "test" } }));
        return;
      }
      const body = JSON.parse(data) as Seen["body"];
      const user = body.messages.find((m) => m.role === "user")?.content ?? "";
      const outs = [...user.matchAll(/"output": """([\s\S]*?)"""/g)].map((m) => m[1] ?? "");
      const first = outs[0] ?? "";
      const second = outs[1] ?? "";
      seen.push({ body, first, second });
      // The judge model: a GOOD answer beats the reference with probability 0.8, a plain one with 0.3.
      const pModel = (first + second).includes("GOOD") ? 0.8 : 0.3;
      const pFirst = first.startsWith("ref") ? 1 - pModel : pModel;
      const top = [
        { token: "m", logprob: Math.log(pFirst * 0.99), bytes: [109] },
        { token: "M", logprob: Math.log((1 - pFirst) * 0.99), bytes: [77] },
        { token: "The", logprob: Math.log(0.01), bytes: [84, 104, 101] },
      ];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "x",
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices: [
            {
              index: 0,
              finish_reason: "length",
              message: { role: "assistant", content: "m" },
              logprobs: {
                content: [{ token: "m", logprob: top[0]!.logprob, bytes: [109], top_logprobs: top }],
              },
            },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 1, total_tokens: 101 },
        }),
      );
    });
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());

  const instructions = readFileSync(join(alpacaDir, "eval_set/alpaca_eval_805_instructions.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .slice(0, 12)
    .map((l) => (JSON.parse(l) as { instruction: string }).instruction);
  const reference: ModelOutput[] = instructions.map((instruction, i) => ({
    instruction,
    output: `ref answer ${i}`,
    generator: "ref",
  }));
  const model: ModelOutput[] = instructions.map((instruction, i) => ({
    instruction,
    output: i === 3 ? "ref answer 3" : i % 2 === 0 ? `GOOD answer ${i}` : `plain answer ${i}`,
    generator: "mine",
  }));

  it("annotates with retries on 429/500, undoes the switch, and reruns from the cache for free", async () => {
    const cachePath = join(mkdtempSync(join(tmpdir(), "judge-")), "cache.jsonl");
    const judge = new OpenAIWeightedJudge({ baseURL: url, apiKey: "test", model: "judge-1" });
    plan = [429, 500];
    const pairs = matchOutputs(model, reference, ["model.json", "ref.json"]);
    const { annotations, stats } = await annotatePairs(pairs, {
      judge,
      cache: new JudgeCache(cachePath),
      concurrency: 3,
    });
    assert.deepEqual(failures, [429, 500]);
    assert.equal(judge.http.attempts, 11 + 2, "11 distinct pairs plus two retried attempts");
    assert.equal(stats.judged, 11);
    assert.equal(stats.draws, 1);
    assert.equal(stats.promptTokens, 1100);
    assert.ok(Math.abs(stats.cost - (1100 * 10 + 11 * 30) / 1e6) < 1e-12);
    for (const s of seen) {
      assert.equal(s.body.max_tokens, 1);
      assert.equal(s.body.logprobs, true);
      assert.equal(s.body.top_logprobs, 5);
      assert.equal(s.body.model, "judge-1");
    }
    for (const [i, a] of annotations.entries()) {
      if (i === 3) {
        assert.equal(a.preference, 1.5);
        continue;
      }
      // the model's GOOD answers win with probability 0.8 whichever side they were shown on
      const expected = i % 2 === 0 ? 1.8 : 1.3;
      assert.ok(Math.abs((a.preference ?? 0) - expected) < 1e-9, `row ${i}: ${a.preference}`);
      const shown = seen.find((s) => s.first === a.output_2 || s.second === a.output_2);
      assert.equal(shown?.first === a.output_2, isSwitched(a.instruction), `row ${i} order`);
    }
    assert.ok(seen.some((s) => s.first.startsWith("ref")) && seen.some((s) => !s.first.startsWith("ref")));
    // annotations.json round trip through the validator and the metrics
    const file = parseAnnotations(JSON.parse(JSON.stringify(annotations)), "annotations.json");
    assert.equal(computeMetrics(file).n_total, 12);

    const before = judge.http.attempts;
    const again = await annotatePairs(pairs, { judge, cache: new JudgeCache(cachePath) });
    assert.equal(judge.http.attempts, before, "a rerun sends no request");
    assert.equal(again.stats.cacheHits, 11);
    assert.equal(again.stats.cost, 0);
    assert.deepEqual(
      again.annotations.map((a) => a.preference),
      annotations.map((a) => a.preference),
    );
  });

  it("gives up with a network error naming the endpoint after the retries", async () => {
    const judge = new OpenAIWeightedJudge({ baseURL: url, apiKey: "test", maxRetries: 1 });
    plan = [500, 500];
    await assert.rejects(
      annotatePairs(matchOutputs(model.slice(0, 1), reference, ["m", "r"]), { judge }),
      (e: Error) => /127\.0\.0\.1/.test(e.message) && /500/.test(e.message),
    );
    plan = [];
  });
});

describe("judge pieces", () => {
  it("switches exactly the pairs upstream switched, and parses its logprobs", () => {
    const rows = JSON.parse(
      readFileSync(
        join(alpacaDir, "results/claude-2.1/weighted_alpaca_eval_gpt4_turbo/annotations.json"),
        "utf8",
      ),
    ) as {
      instruction: string;
      preference: number;
      raw_completion: {
        logprobs?: { content: { top_logprobs: { token: string; logprob: number }[] }[] };
      } | null;
    }[];
    let checked = 0;
    for (const r of rows) {
      const top = r.raw_completion?.logprobs?.content[0]?.top_logprobs;
      if (!top) continue;
      const p = logprobPreference(top);
      assert.ok(p !== null);
      const undone = isSwitched(r.instruction) ? 3 - p : p;
      assert.ok(
        Math.abs(undone - r.preference) < 1e-7,
        `${r.instruction.slice(0, 40)}: ${undone} vs ${r.preference}`,
      );
      checked++;
    }
    assert.ok(checked > 800, `checked ${checked}`);
  });

  it("the ranker judge prefers the higher-scored output in alpaca_eval's convention", async () => {
    const judge = new RankerJudge({
      id: "len",
      score: async (_p, c) => ({ scores: c.map((s) => s.length / 10) }),
    });
    const pairs = matchOutputs(
      [{ instruction: "q", output: "a much longer answer", generator: "m" }],
      [{ instruction: "q", output: "short", generator: "r" }],
      ["m", "r"],
    );
    const { annotations } = await annotatePairs(pairs, { judge });
    const p = annotations[0]?.preference ?? 0;
    assert.ok(p > 1.5 && p < 2, `${p}`);
    assert.equal(annotations[0]?.annotator, "ranker:len");
  });
});
