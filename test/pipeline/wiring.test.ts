// The real components behind `prefloop run`: rankers from src/reward, the local generator over the bundled
// model, the in-process trainer, the data layer's split; external engines not yet available fail clearly.
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultComponents } from "../../src/pipeline/index.js";
import { ConfigError, ModelError, PrefloopError } from "../../src/util/errors.js";
import { fakeRecipe } from "./fixtures/fakes.js";

test("wiring: rankers, the local generator, the split and the trainer come from their layers", async () => {
  const c = defaultComponents();
  const recipe = fakeRecipe({
    rank: { ranker: "length" },
    eval: { judge: "repetition" },
    prompts: { source: "data/prompts/stories.jsonl", per_iteration: 10, test_per_iteration: 5 },
  });
  const ranker = await c.ranker(recipe);
  const judge = await c.judge(recipe);
  assert.notEqual(ranker.id, judge.id);
  const s = await ranker.score("p", ["ab", "abcd"]);
  assert.ok(s.scores[1] > s.scores[0], "length prefers the longer answer");

  const split = await c.prompts(recipe);
  assert.deepEqual(
    split.train.map((p) => p.length),
    [10, 10, 10],
  );
  const ids = [...split.train.flat(), ...split.test.flat()].map((p) => p.prompt_id);
  assert.equal(new Set(ids).size, ids.length, "parts are disjoint");

  const gen = await c.generator(recipe, "models/stories260K.gguf");
  const sampling = { temperature: 0, topP: 1, topK: 0, minP: 0, maxTokens: 8, stop: [], seed: 0 };
  const [[sample]] = await gen.generate([{ prompt: { raw: "" }, n: 1, sampling }]);
  assert.ok(sample.text.startsWith("Once upon a time"), sample.text);
  await gen.close();
  await assert.rejects(
    c.generator(recipe, "/nonexistent/model.gguf"),
    (e: unknown) => e instanceof PrefloopError,
  );

  assert.equal((await c.trainer(recipe)).id, "local-dpo");
});

test("wiring: engines pick the generator and trainer", async () => {
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
