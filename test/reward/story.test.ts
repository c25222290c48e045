import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { makeStoryPrompts } from "../../scripts/make-story-prompts.js";
import {
  buildRanker,
  characterScore,
  completeScore,
  happyEndingScore,
  noRepetitionScore,
  pairStrategySchema,
  protagonist,
  pronounConsistency,
  selectPairs,
  storyComponents,
} from "../../src/reward/index.js";

const prompt = "Once upon a time, there was a little girl named Mia.";
const good =
  "Mia loved to play in the park. One day, she found a red ball under a tree. " +
  "She shared the ball with her friend Tom. They played all day, and Mia smiled. " +
  "At the end of the day, Mia and Tom went home happy.";
const drift =
  "Lily went to the park. Lily saw a big dog. The dog was sad. Lily was sad. Lily was sad. " +
  "Lily was sad and she cried and";

test("components: protagonist, happy ending, repetition, complete sentences", () => {
  assert.equal(protagonist(prompt), "Mia");
  assert.equal(protagonist("Tom was a shy boy who loved to sing songs."), "Tom");
  assert.equal(protagonist("Tell me a story."), null);
  assert.equal(characterScore(prompt, good), 1); // Mia ×4 (capped at 3); Tom is a side character
  assert.equal(characterScore(prompt, drift), -0.5); // Mia never appears, Lily takes over
  assert.equal(characterScore(prompt, "Mia and Tom. Tom ran. Tom sat."), 1 / 3 - 0.5);
  assert.ok(happyEndingScore(good) > 0 && happyEndingScore(drift) < 0);
  assert.equal(noRepetitionScore("Mia ran. Mia ran. Mia ran."), 1 - 2 / 3);
  assert.equal(completeScore("The end."), 1);
  assert.equal(completeScore("the end"), 0);
  assert.equal(completeScore('She said "bye."'), 1);
});

test("the suite ranks a coherent happy story above drift, loops and fragments", async () => {
  const suite = await buildRanker("story-suite");
  const loop = "Mia was happy. Mia was happy. Mia was happy. Mia was happy. Mia was happy. Mia was happy.";
  const fragment = "Mia";
  const { scores } = await suite.score(prompt, [good, drift, loop, fragment]);
  assert.equal(scores.indexOf(Math.max(...scores)), 0, JSON.stringify(scores));
  assert.equal(storyComponents(prompt, "x".repeat(300)).length, 0);
  assert.ok(Math.abs(storyComponents(prompt, "x".repeat(150)).length + Math.log(2)) < 1e-12);
  assert.equal(storyComponents(prompt, "x").length, -2);
});

test("the held-out judge is a different family and catches what the suite rewards in a hack", async () => {
  const suite = await buildRanker("story-suite");
  const judge = await buildRanker("story-judge");
  // A reward hack: keyword-stuffed, name-stuffed, no-repeat sentences of one word each, wrong pronouns.
  const hack =
    "Mia. Mia smiled happy. Mia hugged friends. He laughed. He loved fun. He was glad. He played. Happy. Mia. Good.";
  const s = (await suite.score(prompt, [good, hack])).scores;
  const j = (await judge.score(prompt, [good, hack])).scores;
  assert.ok(j[0] > j[1] + 1, `judge ${j}`);
  assert.ok(s[1] > s[0] - 1, `suite ${s} is fooled, roughly`);
  assert.ok(pronounConsistency(prompt, hack) < 0.5);
  assert.ok(j[0] >= 0 && j[0] <= 10);
});

test("data/prompts/stories.jsonl is what the committed script writes, with unique named openings", () => {
  const committed = readFileSync("data/prompts/stories.jsonl", "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(committed, makeStoryPrompts());
  assert.equal(committed.length, 300);
  assert.equal(new Set(committed.map((r) => r.prompt_id)).size, 300);
  for (const r of committed) assert.equal(protagonist(r.prompt), r.character, r.prompt);
});

test("on real stories260K samples every suite component gives within-group signal", async () => {
  // test/golden/reward/story-samples.json: 24 prompts × 4 samples at temperature 1, 160 new tokens,
  // written by scripts/reference/story-samples.py (numpy sampler; its greedy check reproduces the
  // model README's temperature-0 sample).
  const golden = JSON.parse(readFileSync("test/golden/reward/story-samples.json", "utf8")) as {
    greedy_check: string;
    groups: Array<{ prompt_id: string; prompt: string; responses: string[] }>;
  };
  assert.ok(
    golden.greedy_check.startsWith(
      " She loved to play outside in the park. One day, she saw a big, red ball.",
    ),
  );
  const varies: Record<string, number> = {};
  for (const g of golden.groups) {
    const cs = g.responses.map((r) => storyComponents(g.prompt, r));
    for (const k of Object.keys(cs[0]) as Array<keyof (typeof cs)[0]>) {
      const v = cs.map((c) => c[k]);
      varies[k] = (varies[k] ?? 0) + (Math.max(...v) > Math.min(...v) ? 1 : 0);
    }
  }
  for (const [k, n] of Object.entries(varies))
    assert.ok(n >= golden.groups.length / 3, `${k} varies in ${n} groups`);
  const suite = await buildRanker("story-suite");
  const pairs = selectPairs(
    await Promise.all(
      golden.groups.map(async (g) => ({
        promptId: g.prompt_id,
        candidates: g.responses,
        scores: (await suite.score(g.prompt, g.responses)).scores,
      })),
    ),
    { lengthControl: { mode: "none" }, strategy: pairStrategySchema.parse(undefined) },
  );
  assert.equal(pairs.filter((p) => p.pair !== null).length, golden.groups.length);
});
