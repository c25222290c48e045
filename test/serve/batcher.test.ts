// BatchQueue with streaming requests: hooks pass through the batch untouched, and when a batch fails a
// request whose stream has begun is failed (rerunning it would repeat text already sent) while the
// others are rerun alone. Uses a scripted Generator (the queue's only dependency).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GeneratedSample, GenerationRequest, Generator } from "../../src/generate/index.js";
import { BatchQueue } from "../../src/serve/index.js";

const sampling = { temperature: 0, topP: 1, topK: 0, minP: 0, maxTokens: 4, stop: [], seed: 1 };
const sample = (text: string): GeneratedSample => ({ text, finishReason: "length" });

/** Streams "a", "b" to every hooked request, then fails the call if any prompt is "boom". */
class FlakyGenerator implements Generator {
  readonly id = "flaky";
  calls: number[] = [];
  async generate(requests: GenerationRequest[]): Promise<GeneratedSample[][]> {
    this.calls.push(requests.length);
    for (const r of requests) {
      r.onToken?.(0, 10, "a");
      r.onToken?.(0, 11, "b");
    }
    if (requests.some((r) => "raw" in r.prompt && r.prompt.raw === "boom")) throw new Error("decode failed");
    return requests.map((r) => {
      const s = sample("ab");
      r.onSample?.(0, s);
      return [s];
    });
  }
  async close(): Promise<void> {}
}

test("streaming hooks fire through a batch; a begun stream fails with its batch, the others rerun", async () => {
  const gen = new FlakyGenerator();
  const queue = new BatchQueue(gen, 5);
  const deltas: string[] = [];
  const finished: string[] = [];
  const streaming: GenerationRequest = {
    prompt: { raw: "ok stream" },
    n: 1,
    sampling,
    onToken: (_s, _t, d) => deltas.push(d),
    onSample: (_s, r) => finished.push(r.text),
  };
  const [a, b] = await Promise.all([
    queue.submit([streaming]),
    queue.submit([{ prompt: { raw: "plain" }, n: 1, sampling }]),
  ]);
  assert.deepEqual(gen.calls, [2], "one batch");
  assert.deepEqual(deltas, ["a", "b"]);
  assert.deepEqual(finished, ["ab"]);
  assert.equal(a[0]?.[0]?.text, "ab");
  assert.equal(b[0]?.[0]?.text, "ab");

  gen.calls = [];
  deltas.length = 0;
  const results = await Promise.allSettled([
    queue.submit([streaming]),
    queue.submit([{ prompt: { raw: "plain" }, n: 1, sampling }]),
    queue.submit([{ prompt: { raw: "boom" }, n: 1, sampling }]),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["rejected", "fulfilled", "rejected"],
  );
  // the batch of 3, then "plain" and "boom" alone; the begun stream is not rerun
  assert.deepEqual(gen.calls, [3, 1, 1]);
  assert.deepEqual(deltas, ["a", "b"], "no text repeated to the stream");
});
