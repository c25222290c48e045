// A seed gives the same text on every engine backend: stories260K sampled (temperature, top-p, n = 3) on the
// ts backend and on the native one (when it is built) yields identical samples.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import { openLocalGenerator, type SamplingSettings } from "../../src/generate/index.js";

const sampling: SamplingSettings = {
  temperature: 0.9,
  topP: 0.9,
  topK: 0,
  minP: 0.02,
  maxTokens: 48,
  stop: [],
  seed: 2024,
};
const requests = [
  { prompt: { raw: "Once upon a time" }, n: 3, sampling },
  { prompt: { raw: "" }, n: 2, sampling },
];

test("the same seed gives the same samples on the ts and native backends", async (t) => {
  const native = getNativeBackend();
  if (native === null) {
    t.skip("native backend not built");
    return;
  }
  const texts = async (backend: typeof native): Promise<string[][]> =>
    (await (await openLocalGenerator("models/stories260K.gguf", { backend })).generate(requests)).map((r) =>
      r.map((s) => s.text),
    );
  const a = await texts(getTsBackend());
  const b = await texts(native);
  assert.deepEqual(b, a);
  assert.equal(new Set(a.flat()).size, 5);
});
