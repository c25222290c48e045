// Logits processors against hand-computed cases (transformers' warper semantics) and the sampler's
// empirical distribution against the exact filtered softmax.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  minP,
  type SamplingSettings,
  TokenSampler,
  topK,
  topP,
  Xoshiro128,
} from "../../src/generate/index.js";

const base: SamplingSettings = {
  temperature: 1,
  topP: 1,
  topK: 0,
  minP: 0,
  maxTokens: 10,
  stop: [],
  seed: 0,
};
const probs = [0.5, 0.25, 0.15, 0.1];
const logits = (): Float32Array => Float32Array.from(probs, Math.log);
const kept = (l: Float32Array): number[] =>
  [...l.keys()].filter((i) => (l[i] as number) > Number.NEGATIVE_INFINITY);

test("top-k, top-p and min-p keep the hand-computed sets", () => {
  const a = logits();
  topK(2)(a);
  assert.deepEqual(kept(a), [0, 1]);
  const b = logits();
  topP(0.7)(b); // 0.5 < 0.7 <= 0.75
  assert.deepEqual(kept(b), [0, 1]);
  const c = logits();
  topP(0.85)(c); // 0.75 < 0.85 <= 0.9
  assert.deepEqual(kept(c), [0, 1, 2]);
  const d = logits();
  minP(0.25)(d); // keep p >= 0.125
  assert.deepEqual(kept(d), [0, 1, 2]);
  const e = logits();
  topP(0.1)(e); // at least one token
  assert.deepEqual(kept(e), [0]);
});

function frequencies(settings: SamplingSettings, draws: number): number[] {
  const sampler = new TokenSampler(settings);
  const rng = Xoshiro128.fromSeed(123);
  const counts = new Array<number>(probs.length).fill(0);
  const l = logits();
  for (let i = 0; i < draws; i++) {
    const { token } = sampler.pick(l, rng);
    counts[token] = (counts[token] as number) + 1;
  }
  return counts.map((c) => c / draws);
}

test("sampling follows the filtered, renormalised distribution", () => {
  const n = 40000;
  const close = (got: number[], want: number[]): void =>
    got.forEach((g, i) => {
      assert.ok(Math.abs(g - (want[i] as number)) < 0.01, `token ${i}: ${g} vs ${want[i]}`);
    });
  close(frequencies(base, n), probs);
  close(frequencies({ ...base, topK: 2 }, n), [2 / 3, 1 / 3, 0, 0]);
  // temperature 0.5 squares the probabilities before renormalising
  const sq = probs.map((p) => p * p);
  const z = sq.reduce((a, b) => a + b, 0);
  close(
    frequencies({ ...base, temperature: 0.5 }, n),
    sq.map((p) => p / z),
  );
});

test("greedy picks the argmax; logprobs are the model's own, before temperature", () => {
  const rng = Xoshiro128.fromSeed(1);
  assert.deepEqual(new TokenSampler({ ...base, temperature: 0 }).pick(logits(), rng).token, 0);
  const hot = new TokenSampler({ ...base, temperature: 5 });
  for (let i = 0; i < 50; i++) {
    const { token, logprob } = hot.pick(logits(), rng);
    assert.ok(Math.abs(logprob - Math.log(probs[token] as number)) < 1e-6);
  }
});

test("invalid settings are config errors naming the field", () => {
  assert.throws(() => new TokenSampler({ ...base, temperature: -1 }), /sampling\.temperature/);
  assert.throws(() => new TokenSampler({ ...base, topP: 0 }), /sampling\.topP/);
  assert.throws(() => new TokenSampler({ ...base, topK: 1.5 }), /sampling\.topK/);
  assert.throws(() => new TokenSampler({ ...base, minP: 1 }), /sampling\.minP/);
  assert.throws(() => new TokenSampler({ ...base, stop: [""] }), /sampling\.stop/);
});

test("top-p on a large vocabulary keeps exactly the nucleus a full sort finds", () => {
  const rng = Xoshiro128.fromSeed(9);
  for (const [V, p, spread] of [
    [50000, 0.9, 8],
    [50000, 0.99, 1],
    [3000, 0.5, 20],
  ] as const) {
    const l = Float32Array.from({ length: V }, () => rng.nextFloat() * spread);
    const probs = Array.from(l, (x) => Math.exp(x));
    const z = probs.reduce((a, b) => a + b, 0);
    const order = [...probs.keys()].sort((a, b) => (probs[b] as number) - (probs[a] as number));
    let mass = 0;
    let size = 0;
    while (mass < p * z) mass += probs[order[size++] as number] as number;
    const want = order.slice(0, size).sort((a, b) => a - b);
    topP(p)(l);
    assert.deepEqual(kept(l), want, `V=${V} p=${p}`);
  }
});
