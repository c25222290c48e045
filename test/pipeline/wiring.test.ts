import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultComponents } from "../../src/pipeline/index.js";
import { ConfigError, ModelError } from "../../src/util/errors.js";
import { fakeRecipe } from "./fixtures/fakes.js";

test("wiring: rankers come from src/reward; engines pick the generator and trainer", async () => {
  const c = defaultComponents();
  const recipe = fakeRecipe({ rank: { ranker: "length" }, eval: { judge: "repetition" } });
  const ranker = await c.ranker(recipe);
  const judge = await c.judge(recipe);
  assert.notEqual(ranker.id, judge.id);
  const s = await ranker.score("p", ["ab", "abcd"]);
  assert.ok(s.scores[1] > s.scores[0], "length prefers the longer answer");
  await assert.rejects(
    c.generator(recipe, "m"),
    (e: unknown) => e instanceof ModelError && /\bm\b/.test(e.message),
  );
  assert.equal((await c.trainer(recipe)).id, "local-dpo");
  const remote = fakeRecipe({
    engines: { generator: { type: "openai", base_url: "http://127.0.0.1:9/v1" }, trainer: { type: "trl" } },
  });
  const g = await c.generator(remote, "served-model");
  assert.match(g.id, /served-model|remote|openai/);
  await g.close?.();
  assert.equal((await c.trainer(remote)).id, "trl");
  const hosted = fakeRecipe({
    engines: {
      generator: { type: "openai", base_url: "https://api.openai.com/v1" },
      trainer: { type: "openai" },
    },
  });
  assert.equal((await c.trainer(hosted)).id, "openai-dpo");
  await assert.rejects(
    c.trainer(fakeRecipe({ engines: { trainer: { type: "openai" } } })),
    (e: unknown) => e instanceof ConfigError && /engines\.generator\.type: local/.test(e.message),
  );
});
