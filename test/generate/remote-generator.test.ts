// The remote generator against a fake OpenAI-compatible server: faults at set rates (429/500/slow/garbled)
// still give every prompt exactly once, resume skips finished prompts, n is topped up when ignored,
// the retry policy honours retry-after and gives up on 4xx, and a launched server is stopped.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { APIError } from "openai";
import {
  generateFile,
  isRetryable,
  openRemoteGenerator,
  retryAfterMs,
  retryDelayMs,
  type SamplingSettings,
} from "../../src/generate/index.js";
import { fakeText, startFakeServer } from "./remote-fake-server.js";

const sampling: SamplingSettings = {
  temperature: 1,
  topP: 1,
  topK: 0,
  minP: 0,
  maxTokens: 16,
  stop: [],
  seed: 7,
};
const dir = mkdtempSync(join(tmpdir(), "prefloop-remote-"));

function writePrompts(name: string, count: number): string {
  const path = join(dir, name);
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ prompt_id: `p${i}`, prompt: `prompt ${i}` }),
  );
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

function readOut(path: string): Array<{ prompt_id: string; prompt: string; responses: string[] }> {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

describe("remote generator", () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  test("faults at set rates: every prompt exactly once, with the right text", async () => {
    const fake = await startFakeServer({
      rates: { r429: 0.15, r500: 0.15, slow: 0.05, garbled: 0.1 },
      seed: 3,
      slowMs: 800,
    });
    servers.push(fake);
    const prompts = writePrompts("faults.jsonl", 60);
    const out = join(dir, "faults.out.jsonl");
    const g = await openRemoteGenerator({
      baseURL: fake.url,
      model: "fake",
      concurrency: 8,
      timeoutMs: 500,
      retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetries: 20 },
    });
    await generateFile({
      generator: g,
      promptsPath: prompts,
      outPath: out,
      n: 2,
      sampling,
      raw: true,
      promptsPerCall: 16,
    });
    const rows = readOut(out);
    assert.equal(rows.length, 60);
    assert.equal(new Set(rows.map((r) => r.prompt_id)).size, 60);
    for (const r of rows) assert.deepEqual(r.responses, [fakeText(r.prompt, 7, 0), fakeText(r.prompt, 7, 1)]);
    const f = fake.faults;
    assert.ok(
      f.r429 > 0 && f.r500 > 0 && f.slow > 0 && f.garbled > 0,
      `every fault kind was hit: ${JSON.stringify(f)}`,
    );
    const u = g.usage();
    // every fault cost one retry; under load a normal answer may also miss the 300 ms timeout
    assert.ok(
      u.retries >= f.r429 + f.r500 + f.slow + f.garbled,
      `${u.retries} retries for ${JSON.stringify(f)}`,
    );
    assert.equal(u.requests, 60 + u.retries);
    assert.equal(u.promptTokens, 60 * 3);
    assert.equal(u.completionTokens, 60 * 8);
  });

  test("resume: prompts already in the output are not requested again", async () => {
    const fake = await startFakeServer();
    servers.push(fake);
    const prompts = writePrompts("resume.jsonl", 10);
    const out = join(dir, "resume.out.jsonl");
    // a previous run finished p0..p3 and tore its last line
    const done = Array.from({ length: 4 }, (_, i) =>
      JSON.stringify({ prompt_id: `p${i}`, prompt: `prompt ${i}`, responses: ["old"] }),
    );
    writeFileSync(out, `${done.join("\n")}\n{"prompt_id": "p4", "resp`);
    const g = await openRemoteGenerator({ baseURL: fake.url, model: "fake" });
    const r = await generateFile({
      generator: g,
      promptsPath: prompts,
      outPath: out,
      n: 1,
      sampling,
      raw: true,
    });
    assert.deepEqual(r, { generated: 6, skipped: 4 });
    assert.deepEqual([...fake.attempts.keys()].sort(), [
      "prompt 4",
      "prompt 5",
      "prompt 6",
      "prompt 7",
      "prompt 8",
      "prompt 9",
    ]);
    assert.deepEqual(
      readOut(out).map((x) => x.prompt_id),
      ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"],
    );
  });

  test("a server that ignores n is topped up by repeated requests with seed + sample index", async () => {
    const fake = await startFakeServer({ ignoreN: true });
    servers.push(fake);
    const g = await openRemoteGenerator({ baseURL: fake.url, model: "fake", mode: "chat" });
    const [samples] = await g.generate([{ prompt: [{ role: "user", content: "hi" }], n: 3, sampling }]);
    assert.deepEqual(
      samples?.map((s) => s.text),
      [fakeText("hi", 7, 0), fakeText("hi", 8, 0), fakeText("hi", 9, 0)],
    );
    assert.equal(fake.attempts.get("hi"), 3);
  });

  test("completions mode refuses chat messages; 4xx is not retried", async () => {
    const fake = await startFakeServer();
    servers.push(fake);
    const g = await openRemoteGenerator({ baseURL: fake.url, model: "fake", mode: "completions" });
    await assert.rejects(
      g.generate([{ prompt: [{ role: "user", content: "x" }], n: 1, sampling }]),
      /completions mode/,
    );
    const raw = await openRemoteGenerator({ baseURL: fake.url, model: "fake", retry: { baseDelayMs: 1 } });
    await assert.rejects(
      raw.generate([{ prompt: { raw: "bad request" }, n: 1, sampling }]),
      (e: unknown) => e instanceof APIError && e.status === 400,
    );
    assert.equal(fake.attempts.get("bad request"), 1);
    assert.equal(isRetryable(new APIError(400, undefined, "bad", new Headers())), false);
    assert.equal(isRetryable(new APIError(404, undefined, "no", new Headers())), false);
    assert.equal(isRetryable(new APIError(408, undefined, "t", new Headers())), true);
    assert.equal(isRetryable(new APIError(503, undefined, "u", new Headers())), true);
  });

  test("retry delays: retry-after (seconds, ms, date) is honoured and capped; backoff grows with jitter", () => {
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 5000 };
    const e = (h: Record<string, string>) => new APIError(429, undefined, "x", new Headers(h));
    assert.equal(retryAfterMs(e({ "retry-after": "2" })), 2000);
    assert.equal(retryAfterMs(e({ "retry-after-ms": "150" })), 150);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterMs(e({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now), 3000);
    assert.equal(retryDelayMs(policy, 0, e({ "retry-after": "60" })), 5000);
    assert.equal(
      retryDelayMs(policy, 0, e({}), () => 1),
      100,
    );
    assert.equal(
      retryDelayMs(policy, 3, e({}), () => 1),
      800,
    );
    assert.equal(
      retryDelayMs(policy, 3, e({}), () => 0),
      200,
    );
    assert.equal(
      retryDelayMs(policy, 10, e({}), () => 1),
      5000,
    );
  });

  test("launch: starts a server command, waits for health, stops it", async () => {
    const script = new URL("./remote-fake-server.ts", import.meta.url).pathname;
    const g = await openRemoteGenerator({
      model: "fake",
      launch: {
        command: `"${process.execPath}" --import tsx "${script}" {port}`,
        startTimeoutMs: 60_000,
        stopGraceMs: 3000,
      },
    });
    const [samples] = await g.generate([{ prompt: { raw: "launched" }, n: 1, sampling }]);
    assert.equal(samples?.[0]?.text, fakeText("launched", 7, 0));
    const models = `${g.baseURL}/models`;
    assert.equal((await fetch(models)).status, 200);
    await g.close();
    await g.close(); // idempotent
    await assert.rejects(fetch(models), "the launched server is gone after close()");
  });
});
