import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildRanker, cachedRanker, type Ranker, rankFile, ScoreCache } from "../../src/reward/index.js";
import { main } from "../../src/cli/main.js";

/** A pointwise ranker that counts how many candidates it was asked to score. */
function counting(pointwise = true): Ranker & { calls: number } {
  const r = {
    id: "count:v1",
    pointwise,
    calls: 0,
    async score(_p: string, cands: string[]) {
      r.calls += cands.length;
      return { scores: cands.map((c) => c.length) };
    },
  };
  return r;
}

test("a rerun through the cache file costs nothing; ±Infinity round-trips; torn lines are cut", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-cache-"));
  const path = join(dir, "cache.jsonl");
  const inner = counting();
  const r1 = cachedRanker(inner, await ScoreCache.open(path));
  assert.deepEqual((await r1.score("p", ["aa", "b", "aa"])).scores, [2, 1, 2]);
  assert.equal(inner.calls, 2, "duplicate candidates are scored once");
  await r1.score("p", ["aa", "ccc"]);
  assert.equal(inner.calls, 3);
  await r1.score("q", ["aa"]);
  assert.equal(inner.calls, 4, "the prompt is part of the key");

  await appendFile(path, '{"k":"torn'); // a crash mid-write
  const inner2 = counting();
  const cache2 = await ScoreCache.open(path);
  assert.equal(cache2.size, 4);
  const r2 = cachedRanker(inner2, cache2);
  assert.deepEqual((await r2.score("p", ["ccc", "aa", "b"])).scores, [3, 2, 1]);
  assert.equal(inner2.calls, 0);
  assert.ok((await readFile(path, "utf8")).endsWith("\n"));

  const inf: Ranker = {
    id: "inf",
    pointwise: true,
    score: async (_p, c) => ({ scores: c.map(() => -Infinity) }),
  };
  await cachedRanker(inf, cache2).score("p", ["x"]);
  const reopened = await ScoreCache.open(path);
  assert.equal(reopened.get(ScoreCache.key("inf", "p", "x")), -Infinity);
});

test("group-dependent rankers are cached per whole group", async () => {
  const inner = counting(false);
  const r = cachedRanker(inner, ScoreCache.memory());
  await r.score("p", ["a", "b"]);
  await r.score("p", ["a", "b"]);
  assert.equal(inner.calls, 2);
  await r.score("p", ["b", "a"]);
  assert.equal(inner.calls, 4);
});

test("rankFile resumes after a crash with the same rows as an uninterrupted run", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-rank-"));
  const gen = join(dir, "generations.jsonl");
  const rows = Array.from({ length: 7 }, (_, i) => ({
    prompt_id: `id${i}`,
    prompt: i % 2 ? `prompt ${i}` : [{ role: "user", content: `prompt ${i}` }],
    responses: ["x".repeat(i), "yy", "z"],
  }));
  await writeFile(gen, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");

  let budget = 3; // dies on the 4th group
  const flaky: Ranker = {
    id: "len",
    pointwise: true,
    async score(_p, cands) {
      if (budget-- <= 0) throw new Error("killed");
      return { scores: cands.map((c) => c.length) };
    },
  };
  const out = join(dir, "scores.jsonl");
  await assert.rejects(() => rankFile(flaky, gen, out, { batchSize: 2, concurrency: 1 }), /killed/);
  await appendFile(out, '{"prompt_id":"id'); // torn line from kill -9
  budget = 100;
  const r = await rankFile(flaky, gen, out, { batchSize: 2, concurrency: 1 });
  assert.equal(r.skipped, 2);
  assert.equal(r.written, 5);
  const clean = join(dir, "clean.jsonl");
  await rankFile(flaky, gen, clean, { batchSize: 3 });
  const sortRows = (t: string) => t.trim().split("\n").sort();
  assert.deepEqual(sortRows(await readFile(out, "utf8")), sortRows(await readFile(clean, "utf8")));
  const again = await rankFile(flaky, gen, out);
  assert.deepEqual(again, { total: 7, skipped: 7, written: 0 });
});

test("bad generations rows name the file and line", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-rank-"));
  const gen = join(dir, "g.jsonl");
  await writeFile(gen, '{"prompt_id":"a","prompt":"p","responses":["x"]}\n{"prompt_id":"b","prompt":"p"}\n');
  await assert.rejects(
    () => rankFile(counting(), gen, join(dir, "o.jsonl")),
    /g\.jsonl:2: expected "responses"/,
  );
});

test("prefloop rank writes scores.jsonl and a cache, then skips everything on rerun", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-cli-"));
  const gen = join(dir, "g.jsonl");
  await writeFile(
    gen,
    `${JSON.stringify({ prompt_id: "a", prompt: "Once upon a time, there was a little girl named Mia.", responses: ["Mia smiled. She was happy.", "Tom cried"] })}\n`,
  );
  const out = join(dir, "s.jsonl");
  const write = process.stdout.write;
  const printed: string[] = [];
  process.stdout.write = ((s: string) => {
    printed.push(s);
    return true;
  }) as typeof process.stdout.write;
  try {
    assert.equal(
      await main(["node", "prefloop", "rank", "--ranker", "story-suite", "--in", gen, "--out", out]),
      0,
    );
    assert.equal(
      await main(["node", "prefloop", "rank", "--ranker", "story-suite", "--in", gen, "--out", out]),
      0,
    );
  } finally {
    process.stdout.write = write;
  }
  const row = JSON.parse((await readFile(out, "utf8")).trim()) as {
    prompt_id: string;
    scores: number[];
    ranker: string;
  };
  assert.equal(row.prompt_id, "a");
  assert.ok(row.scores[0] > row.scores[1]);
  assert.match(row.ranker, /^story-suite/);
  assert.equal(JSON.parse(printed[1]).skipped, 1);
  assert.ok((await readFile(`${out}.cache.jsonl`, "utf8")).split("\n").length >= 3);
});

test("prefloop rank --ranker reads the YAML object form, with paths relative to the file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-cli-"));
  await writeFile(join(dir, "s.mjs"), "export default (p, r) => r.length;\n");
  await writeFile(
    join(dir, "ranker.yaml"),
    "ranker:\n  type: ensemble\n  normalise: none\n  members:\n    - ranker: ./s.mjs\n      weight: 2\n    - ranker: { type: regex, pattern: b }\n",
  );
  const gen = join(dir, "g.jsonl");
  await writeFile(gen, `${JSON.stringify({ prompt_id: "a", prompt: "p", responses: ["ab", "aaa"] })}\n`);
  const out = join(dir, "s.jsonl");
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    const args = [
      "node",
      "prefloop",
      "rank",
      "--ranker",
      join(dir, "ranker.yaml"),
      "--in",
      gen,
      "--out",
      out,
    ];
    assert.equal(await main([...args, "--no-cache"]), 0);
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(JSON.parse(await readFile(out, "utf8")).scores, [5, 6]);
});

test("ensemble members are cached one by one: reweighting does not rescore them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pf-cache-"));
  await writeFile(
    join(dir, "count.mjs"),
    "globalThis.pfCalls = 0;\nexport default (p, r) => { globalThis.pfCalls++; return r.length; };\n",
  );
  const cache = await ScoreCache.open(join(dir, "c.jsonl"));
  const calls = () => (globalThis as { pfCalls?: number }).pfCalls ?? 0;
  const a = await buildRanker("ensemble:./count.mjs;refusal", { baseDir: dir, cache });
  await a.score("p", ["aa", "b"]);
  const before = calls();
  assert.equal(before, 2);
  const b = await buildRanker("ensemble:3*./count.mjs;refusal", { baseDir: dir, cache });
  const r = await b.score("p", ["aa", "b"]);
  assert.equal(calls(), before);
  assert.ok(r.scores[0] > r.scores[1]);
});
