// The streaming JSON-array scanner against JSON.parse (the reference), on random arrays of random
// values with random whitespace, read in tiny chunks so elements and escapes straddle boundaries.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { readJsonArray } from "../../src/data/sources/json-array.js";
import { collect, tempDir } from "./helpers.js";

const ws = fc.constantFrom("", " ", "\n", "\r\n", "\t ", "\n\n  ");

test("readJsonArray yields exactly JSON.parse's elements, whatever the chunking (property)", async () => {
  const dir = await tempDir();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.jsonValue({ maxDepth: 3 }), ws, ws), { maxLength: 12 }),
      ws,
      fc.integer({ min: 1, max: 64 }),
      async (items, lead, chunk) => {
        const text = `${lead}[${items.map(([v, a, b]) => `${a}${JSON.stringify(v)}${b}`).join(",")}]${lead}`;
        const file = join(dir, `a${n++}.json`);
        await writeFile(file, text);
        const got = (await collect(readJsonArray(file, chunk))).map((r) => r.value);
        assert.deepEqual(got, JSON.parse(text));
      },
    ),
    { numRuns: 150 },
  );
});

test("readJsonArray reports the line where a bad element starts, across chunk boundaries", async () => {
  const dir = await tempDir();
  const file = join(dir, "bad.json");
  await writeFile(file, '[\n{"a": "x\\"]"},\n\n{"b": tru}\n]');
  for (const chunk of [1, 3, 7, 1024]) {
    await assert.rejects(collect(readJsonArray(file, chunk)), /bad\.json: line 4: not valid JSON/);
  }
});
