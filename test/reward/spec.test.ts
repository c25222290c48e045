import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { buildRanker, parseRankerSpec, rankerSpecSchema } from "../../src/reward/index.js";
import { ConfigError, isPrefloopError } from "../../src/util/errors.js";

test("string specs parse to the object form with defaults", () => {
  assert.deepEqual(parseRankerSpec("length"), { type: "length", unit: "chars", prefer: "longer" });
  assert.deepEqual(parseRankerSpec("length:tokens"), { type: "length", unit: "tokens", prefer: "longer" });
  assert.deepEqual(parseRankerSpec("!regex:/sorry/i"), {
    type: "regex",
    pattern: "sorry",
    flags: "i",
    absent: true,
  });
  assert.deepEqual(parseRankerSpec("keywords:happy, smiled"), {
    type: "keywords",
    words: ["happy", "smiled"],
    absent: false,
    caseSensitive: false,
  });
  assert.deepEqual(parseRankerSpec("./my-scorer.ts"), {
    type: "module",
    path: "./my-scorer.ts",
    export: "default",
  });
  assert.deepEqual(parseRankerSpec("scorers/x.mjs#score"), {
    type: "module",
    path: "scorers/x.mjs",
    export: "score",
  });
  const j = parseRankerSpec("judge-tournament:http://127.0.0.1:8000/v1#qwen2.5:0.5b");
  assert.equal(j.type, "judge");
  assert.ok(j.type === "judge" && j.model === "qwen2.5:0.5b" && j.mode === "tournament");
  assert.equal(j.type === "judge" && j.baseUrl, "http://127.0.0.1:8000/v1");
  const e = parseRankerSpec("ensemble/rank:2*length;story-suite");
  assert.ok(e.type === "ensemble");
  assert.equal(e.normalise, "rank");
  assert.deepEqual(
    e.members.map((m) => [m.ranker.type, m.weight]),
    [
      ["length", 2],
      ["story-suite", 1],
    ],
  );
  const lm = parseRankerSpec("label-model:story-suite;story-judge");
  assert.ok(lm.type === "ensemble" && lm.combine === "label-model");
});

test("the YAML object form nests string members and rejects unknown keys naming the field", () => {
  const spec = rankerSpecSchema.parse({
    type: "ensemble",
    members: [
      { ranker: "refusal" },
      { ranker: { type: "length", unit: "words", prefer: "shorter" }, weight: 0.5 },
    ],
  });
  assert.ok(spec.type === "ensemble" && spec.members[1].ranker.type === "length");
  assert.throws(
    () => parseRankerSpec({ type: "length", units: "chars" }, "recipe.yaml: rank.ranker"),
    (err: unknown) =>
      err instanceof ConfigError &&
      /recipe\.yaml: rank\.ranker/.test(err.message) &&
      /units/.test(err.message),
  );
  assert.throws(
    () => parseRankerSpec({ type: "length", unit: "bytes" }),
    (err: unknown) =>
      err instanceof ConfigError && /ranker\.unit/.test(err.message) && /chars/.test(err.message),
  );
  assert.throws(() => parseRankerSpec("nope"), /unknown ranker 'nope'/);
  assert.throws(() => parseRankerSpec("judge:http://x/v1"), /judge:<base url>#<model>/);
});

test("engine rankers without a registered builder fail with a clear 'unsupported' error", async () => {
  await assert.rejects(
    () => buildRanker("pairrm"),
    (err: unknown) => isPrefloopError(err) && err.code === "unsupported",
  );
});

test("every built-in string form builds and scores finitely; the schema exports to JSON Schema", async () => {
  const forms = [
    "length",
    "length:words",
    "length:tokens",
    "regex:/a/i",
    "!regex:b",
    "keywords:a,b",
    "json",
    "refusal",
    "repetition:2",
    "reading-level",
    "reading-level:4",
    "story-suite",
    "story-judge",
    "ensemble:length;2*refusal",
    "ensemble/rank:length;json",
    "label-model:length;repetition;story-suite",
  ];
  const ids = new Set<string>();
  for (const f of forms) {
    const r = await buildRanker(f);
    ids.add(r.id);
    const { scores } = await r.score("Once upon a time, there was a girl named Sue.", [
      "Sue ran. She was happy.",
      "",
      "{}",
    ]);
    assert.equal(scores.length, 3, f);
    for (const s of scores) assert.ok(Number.isFinite(s), `${f}: ${s}`);
  }
  assert.equal(ids.size, forms.length, "ids tell every spec apart");
  const js = z.toJSONSchema(rankerSpecSchema, { io: "input" }) as { $defs?: unknown };
  assert.ok(JSON.stringify(js).includes("story-suite"));
});
