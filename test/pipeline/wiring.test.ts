import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultComponents } from "../../src/pipeline/index.js";
import { PrefloopError } from "../../src/util/errors.js";
import { fakeRecipe } from "./fixtures/fakes.js";

test("wiring: rankers come from src/reward; unwired layers fail with a clear 'not wired' error", async () => {
  const c = defaultComponents();
  const recipe = fakeRecipe({ rank: { ranker: "length" }, eval: { judge: "repetition" } });
  const ranker = await c.ranker(recipe);
  const judge = await c.judge(recipe);
  assert.notEqual(ranker.id, judge.id);
  const s = await ranker.score("p", ["ab", "abcd"]);
  assert.ok(s.scores[1] > s.scores[0], "length prefers the longer answer");
  await assert.rejects(
    c.generator(recipe, "m"),
    (e: unknown) => e instanceof PrefloopError && /not wired/.test(e.message),
  );
  await assert.rejects(
    c.trainer(recipe),
    (e: unknown) => e instanceof PrefloopError && /not wired/.test(e.message),
  );
  await assert.rejects(
    c.prompts(recipe),
    (e: unknown) => e instanceof PrefloopError && /not wired/.test(e.message),
  );
});
