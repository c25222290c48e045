// Splits: disjoint, identical for a seed, different across seeds, exact counts, fractions near
// their expectation, and stable when rows are appended (property-checked with fast-check).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  parseSize,
  planSplit,
  promptId,
  readPrompts,
  type SplitPlan,
  type SplitSpec,
  splitInMemory,
  UNUSED,
  writeSplitFiles,
} from "../../src/data/index.js";
import { collect, noPools, pool, tempDir } from "./helpers.js";

async function* idsOf(ids: string[]): AsyncGenerator<{ prompt_id: string }> {
  for (const prompt_id of ids) yield { prompt_id };
}

const makeIds = (n: number, tag = "") => Array.from({ length: n }, (_, i) => promptId(`${tag}prompt ${i}`));

function parts(plan: SplitPlan, ids: string[]): Map<string, number> {
  return new Map(ids.map((id) => [id, plan.assignment.get(id) ?? -99]));
}

const counts: SplitSpec = { iterations: 3, train: { count: 200 }, test: { count: 20 }, seed: 7 };

test("counts: exact part sizes when there are enough prompts, disjoint, rest unused", async () => {
  const ids = makeIds(1000);
  const plan = await planSplit(() => idsOf(ids), counts);
  assert.deepEqual(
    plan.parts.map((p) => p.name),
    [
      "train_iteration_1",
      "test_iteration_1",
      "train_iteration_2",
      "test_iteration_2",
      "train_iteration_3",
      "test_iteration_3",
    ],
  );
  assert.deepEqual(
    plan.parts.map((p) => p.count),
    [200, 20, 200, 20, 200, 20],
  );
  const byPart = new Map<number, number>();
  for (const id of ids) {
    const part = plan.assignment.get(id);
    assert.notEqual(part, undefined);
    byPart.set(part as number, (byPart.get(part as number) ?? 0) + 1);
  }
  assert.equal(byPart.get(UNUSED), 1000 - 660);
  // exactly-enough prompts: every prompt placed, caps met exactly
  const tight = await planSplit(() => idsOf(ids.slice(0, 660)), counts);
  assert.deepEqual(
    tight.parts.map((p) => p.count),
    [200, 20, 200, 20, 200, 20],
  );
});

test("same seed -> same split; another seed -> a different one; membership is not positional", async () => {
  const ids = makeIds(3000);
  const a = parts(await planSplit(() => idsOf(ids), counts), ids);
  const b = parts(await planSplit(() => idsOf(ids), counts), ids);
  assert.deepEqual(a, b);
  const c = parts(await planSplit(() => idsOf(ids), { ...counts, seed: 8 }), ids);
  const placed = ids.filter((id) => a.get(id) !== UNUSED);
  const same = placed.filter((id) => a.get(id) === c.get(id)).length;
  assert.ok(same < placed.length * 0.3, `seeds 7 and 8 agree on ${same} of ${placed.length}`);
  // not the first 200 rows in train_iteration_1: the seeded hash scatters it over the file
  const firstPart = ids.filter((id) => a.get(id) === 0).map((id) => ids.indexOf(id));
  assert.ok(Math.max(...firstPart) > 2500 && Math.min(...firstPart) < 500);
  // the same ids in another order land in the same parts when no cap binds (fractions)
  const frac: SplitSpec = { iterations: 2, train: { fraction: 0.3 }, test: { fraction: 0.05 }, seed: 1 };
  const f1 = parts(await planSplit(() => idsOf(ids), frac), ids);
  const f2 = parts(await planSplit(() => idsOf([...ids].reverse()), frac), ids);
  assert.deepEqual(f1, f2);
});

test("counts: the parts are drawn from the whole source, not its head", async () => {
  const ids = makeIds(10_000, "whole");
  const plan = await planSplit(() => idsOf(ids), counts);
  assert.equal(plan.population, 10_000);
  assert.deepEqual(
    plan.parts.map((p) => p.count),
    [200, 20, 200, 20, 200, 20],
  );
  const placed = ids.map((id, i) => [i, plan.assignment.get(id)] as const).filter(([, p]) => p !== UNUSED);
  const mean = placed.reduce((a, [i]) => a + i, 0) / placed.length;
  assert.ok(mean > 3500 && mean < 5500, `mean index ${mean}`);
  assert.ok(placed.filter(([i]) => i >= 9000).length > 10, "the tail of the file is represented");
});

test("fractions: sizes within 5 standard deviations of fraction x N", async () => {
  const ids = makeIds(20_000);
  const plan = await planSplit(() => idsOf(ids), {
    iterations: 3,
    train: parseSize("30%", "t"),
    test: parseSize(0.02, "t"),
    seed: 3,
  });
  for (const p of plan.parts) {
    const f = p.kind === "train" ? 0.3 : 0.02;
    const sd = Math.sqrt(20_000 * f * (1 - f));
    assert.ok(Math.abs(p.count - 20_000 * f) < 5 * sd, `${p.name}: ${p.count}`);
  }
  assert.equal(plan.total, 20_000);
});

test("stable under append (property): earlier prompts never change part, counts or fractions", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 0, max: 400 }),
      fc.integer({ min: 1, max: 4 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }),
      async (n, m, iterations, byCount, seed) => {
        const spec: SplitSpec = byCount
          ? { iterations, train: { count: 37 }, test: { count: 5 }, seed }
          : { iterations, train: { fraction: 0.6 / iterations }, test: { fraction: 0.1 / iterations }, seed };
        const before = makeIds(n, `s${seed}`);
        const all = [...before, ...makeIds(m, `t${seed}`)];
        const p1 = await planSplit(() => idsOf(before), spec);
        // count mode: the population recorded by the first plan keeps the ranges where they were
        const p2 = await planSplit(() => idsOf(all), spec, { population: p1.population });
        for (const id of before) assert.equal(p2.assignment.get(id), p1.assignment.get(id));
        for (const p of p2.parts) if (p.requested !== undefined) assert.ok(p.count <= p.requested);
      },
    ),
    { numRuns: 60 },
  );
});

test("split files: disjoint parts of the alpaca pool in seeded-shuffle order, identical on rerun", {
  skip: noPools,
}, async () => {
  const spec = { path: pool("stanford_alpaca/alpaca_5000.json") };
  const split: SplitSpec = { iterations: 3, train: { count: 1000 }, test: { count: 100 }, seed: 42 };
  const plan = await planSplit(() => readPrompts(spec), split);
  const dirA = await tempDir();
  const dirB = await tempDir();
  // bucketRows 700: the external shuffle spreads rows over several temporary buckets
  const written = await writeSplitFiles(readPrompts(spec), plan, dirA, { bucketRows: 700 });
  await writeSplitFiles(readPrompts(spec), plan, dirB, { bucketRows: 100_000 });
  const order = new Map((await collect(readPrompts(spec))).map((r, i) => [r.prompt_id, i]));
  const seen = new Set<string>();
  for (const part of written) {
    const text = await readFile(part.path, "utf8");
    assert.equal(
      text,
      await readFile(join(dirB, `${part.name}.jsonl`), "utf8"),
      "bucket size must not change the order",
    );
    const rows = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, part.name.startsWith("train") ? 1000 : 100);
    for (const r of rows) {
      assert.equal(r.split, part.name);
      assert.ok(!seen.has(r.prompt_id), "parts overlap");
      seen.add(r.prompt_id);
      assert.equal(r.prompt_id, promptId(r.prompt));
    }
    // shuffled: not in source order
    const positions = rows.map((r) => order.get(r.prompt_id) ?? -1);
    assert.ok(positions.every((x) => x >= 0));
    assert.ok(positions.some((x, i) => i > 0 && x < positions[i - 1]));
  }
  const inSourceOrder = await tempDir();
  const src = await writeSplitFiles(readPrompts(spec), plan, inSourceOrder, { order: "source" });
  const rows = (await readFile(src[0].path, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const positions = rows.map((r) => order.get(r.prompt_id) ?? -1);
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
  );
  assert.equal((await collect(readPrompts({ path: src[0].path }))).length, 1000);
});

test('mixed sizes and "rest": fractions become counts of the population; rest fills what test leaves', async () => {
  const ids = makeIds(1000, "mix");
  const mixed = await planSplit(() => idsOf(ids), {
    iterations: 2,
    train: { count: 300 },
    test: parseSize("5%", "t"),
    seed: 5,
  });
  assert.deepEqual(
    mixed.parts.map((p) => p.count),
    [300, 50, 300, 50],
  );
  const rest = await planSplit(() => idsOf(ids), {
    iterations: 3,
    train: parseSize("rest", "t"),
    test: { count: 10 },
    seed: 5,
  });
  assert.deepEqual(
    rest.parts.map((p) => p.count),
    [323, 10, 323, 10, 323, 10],
  );
  const restFrac = await planSplit(() => idsOf(ids), {
    iterations: 2,
    train: { rest: true },
    test: { fraction: 0.1 },
    seed: 5,
  });
  assert.equal(
    restFrac.parts.reduce((a, p) => a + p.count, 0),
    1000,
    "fractions 0.4 + 0.1 twice cover every prompt",
  );
  assert.throws(
    () => parseSize(-3, "prompts.per_iteration"),
    /prompts\.per_iteration: a count must be a whole number >= 0, got -3/,
  );
  assert.throws(() => parseSize("abc", "x"), /expected a count/);
  await assert.rejects(
    planSplit(() => idsOf(ids), { iterations: 4, train: { rest: true }, test: { fraction: 0.25 }, seed: 1 }),
    /leave nothing to train on/,
  );
});

test("splitInMemory gives the same parts, in the same order, as the split files", {
  skip: noPools,
}, async () => {
  const spec = { path: pool("lima/lima.json") };
  const plan = await planSplit(() => readPrompts(spec), {
    iterations: 2,
    train: { count: 300 },
    test: { count: 30 },
    seed: 9,
  });
  const mem = await splitInMemory(readPrompts(spec), plan);
  const dir = await tempDir();
  const files = await writeSplitFiles(readPrompts(spec), plan, dir, { bucketRows: 100 });
  for (const k of [1, 2]) {
    for (const kind of ["train", "test"] as const) {
      const file = files.find((f) => f.name === `${kind}_iteration_${k}`);
      assert.ok(file);
      const ids = (await readFile(file.path, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).prompt_id);
      assert.deepEqual(
        mem[kind][k - 1].map((r) => r.prompt_id),
        ids,
      );
    }
  }
});
