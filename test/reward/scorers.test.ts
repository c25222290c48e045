import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildRanker,
  distinctN,
  fleschKincaidGrade,
  isRefusal,
  ngramRepeatRate,
  sentences,
  syllables,
} from "../../src/reward/index.js";
import { ConfigError } from "../../src/util/errors.js";

const score = async (spec: unknown, candidates: string[], prompt = "p"): Promise<number[]> =>
  (await (await buildRanker(spec)).score(prompt, candidates)).scores;

test("length scorer counts chars, words and approximate tokens, with a target mode", async () => {
  assert.deepEqual(await score("length", ["abc", "héllo"]), [3, 5]);
  assert.deepEqual(
    await score({ type: "length", unit: "words", prefer: "shorter" }, ["a b c", "one"]),
    [-3, -1],
  );
  assert.deepEqual(await score("length:tokens", ["Hi, there!"]), [4]);
  assert.deepEqual(await score({ type: "length", target: 4 }, ["abcd", "ab", "abcdef"]), [0, -0.5, -0.5]);
});

test("regex and keyword scorers reward presence or absence", async () => {
  assert.deepEqual(await score("regex:/please/i", ["Please do", "no"]), [1, 0]);
  assert.deepEqual(await score("!regex:sorry", ["I'm sorry", "fine"]), [0, 1]);
  assert.deepEqual(
    await score("keywords:cat,big dog", ["a cat and a big dog", "concatenate", "A CAT"]),
    [1, 0, 0.5],
  );
  assert.deepEqual(await score("!keywords:cat,dog", ["cat", "bird"]), [0.5, 1]);
  await assert.rejects(() => buildRanker("regex:(unclosed"), ConfigError);
});

test("json scorer: valid, valid against a JSON Schema, fenced, invalid", async () => {
  assert.deepEqual(await score("json", ['{"a":1}', "```json\n[1,2]\n```", "{a:1}"]), [1, 1, 0]);
  const spec = {
    type: "json",
    schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
  };
  assert.deepEqual(await score(spec, ['{"name":"x"}', '{"name":3}', "nope"]), [1, 0.5, 0]);
});

test("refusal detection", async () => {
  assert.ok(isRefusal("I'm sorry, but I can't help with that."));
  assert.ok(isRefusal("As an AI language model, I cannot browse the internet."));
  assert.ok(isRefusal("I cannot provide instructions for that."));
  assert.ok(!isRefusal("Sorry for the wait! Here is the recipe: mix flour and water."));
  assert.ok(!isRefusal("You cannot divide by zero, so the answer is undefined."));
  assert.deepEqual(await score("refusal", ["I won't help with that request.", "Sure: 42."]), [0, 1]);
  assert.deepEqual(await score({ type: "refusal", prefer: "refusal" }, ["I must decline.", "Sure."]), [1, 0]);
});

test("repetition: n-gram repeat rate and distinct-n, hand-counted", async () => {
  // "a b c a b c": trigrams abc bca cab abc → one of four repeats.
  assert.equal(ngramRepeatRate("a b c a b c", 3), 0.25);
  assert.equal(ngramRepeatRate("a b", 3), 0);
  // bigrams ab bc ca ab bc → 3 distinct of 5
  assert.equal(distinctN("a b c a b c", 2), 3 / 5);
  assert.deepEqual(await score("repetition", ["a b c a b c", "one two three four"]), [0.75, 1]);
});

test("reading level: Flesch-Kincaid grade by its formula on hand-counted text", async () => {
  assert.equal(syllables("cat"), 1);
  assert.equal(syllables("table"), 2);
  assert.equal(syllables("happy"), 2);
  assert.equal(syllables("education"), 4);
  assert.equal(syllables("like"), 1);
  assert.deepEqual(sentences('She said "hi." Then left! And'), ['She said "hi."', "Then left!", "And"]);
  // 6 words, 1 sentence, 6 syllables: 0.39·6 + 11.8·1 − 15.59
  assert.ok(Math.abs(fleschKincaidGrade("The cat sat on the mat.") - (0.39 * 6 + 11.8 - 15.59)) < 1e-12);
  // 9 words, 2 sentences, syllables 1+1+1+2 + 1+1+4+1+1 = 13
  const g = fleschKincaidGrade("The cat is happy. We like education a lot.");
  assert.ok(Math.abs(g - (0.39 * (9 / 2) + 11.8 * (13 / 9) - 15.59)) < 1e-12, String(g));
  const [simple, hard] = await score("reading-level", [
    "The dog ran. It was fun.",
    "Institutional considerations necessitate comprehensive organizational restructuring.",
  ]);
  assert.ok(simple > hard);
});

test("user scorer modules: .ts sync, .mjs async, named export; ids change when the file changes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-scorer-"));
  await writeFile(
    join(dir, "s.ts"),
    "export default function (prompt: string, response: string): number { return response.length - prompt.length; }\n",
  );
  await writeFile(
    join(dir, "a.mjs"),
    "export async function score(p, r) { await new Promise((f) => setTimeout(f, 1)); return r.includes(p) ? 1 : 0; }\n",
  );
  await writeFile(join(dir, "bad.mjs"), "export const x = 1;\n");
  const ts = await buildRanker("./s.ts", { baseDir: dir });
  assert.deepEqual((await ts.score("ab", ["abcd", "a"])).scores, [2, -1]);
  const mjs = await buildRanker(`${dir}/a.mjs#score`);
  assert.deepEqual((await mjs.score("x", ["xyz", "abc"])).scores, [1, 0]);
  await assert.rejects(
    () => buildRanker("./bad.mjs", { baseDir: dir }),
    /no function export 'default'.*found: x/,
  );
  await assert.rejects(() => buildRanker("./missing.ts", { baseDir: dir }), ConfigError);
  const before = ts.id;
  await writeFile(join(dir, "s.ts"), "export default (p: string, r: string) => r.length;\n");
  assert.notEqual((await buildRanker("./s.ts", { baseDir: dir })).id, before);
  await writeFile(join(dir, "nan.mjs"), "export default () => NaN;\n");
  await assert.rejects(
    async () => (await buildRanker("./nan.mjs", { baseDir: dir })).score("p", ["r"]),
    /returned NaN/,
  );
});
