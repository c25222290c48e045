import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { JsonlWriter, readJsonlRows } from "../../src/pipeline/index.js";
import { InputError } from "../../src/util/errors.js";

type Row = { prompt_id: string; v: number };
const key = (r: Row) => r.prompt_id;
const tmp = () => mkdtempSync(join(tmpdir(), "pf-jsonl-"));

test("append, reopen: existing keys are known and skipped", async () => {
  const f = join(tmp(), "s.jsonl");
  const w = await JsonlWriter.open<Row>(f, { key });
  w.append({ prompt_id: "a", v: 1 });
  w.append({ prompt_id: "b", v: 2 });
  w.close();
  const w2 = await JsonlWriter.open<Row>(f, { key });
  assert.equal(w2.size, 2);
  assert.ok(w2.has("a") && w2.has("b") && !w2.has("c"));
  assert.throws(() => w2.append({ prompt_id: "a", v: 9 }), /already written/);
  w2.append({ prompt_id: "c", v: 3 });
  w2.close();
  assert.deepEqual(
    (await readJsonlRows<Row>(f)).map((r) => r.prompt_id),
    ["a", "b", "c"],
  );
});

test("a torn last line (no newline) is cut on open and its row rewritten", async () => {
  const f = join(tmp(), "s.jsonl");
  writeFileSync(f, '{"prompt_id":"a","v":1}\n{"prompt_id":"b","v":');
  const w = await JsonlWriter.open<Row>(f, { key });
  assert.equal(w.truncatedBytes, '{"prompt_id":"b","v":'.length);
  assert.equal(w.size, 1);
  assert.ok(!w.has("b"));
  w.append({ prompt_id: "b", v: 2 });
  w.close();
  assert.equal(readFileSync(f, "utf8"), '{"prompt_id":"a","v":1}\n{"prompt_id":"b","v":2}\n');
});

test("a file that is one torn line becomes empty", async () => {
  const f = join(tmp(), "s.jsonl");
  writeFileSync(f, '{"prompt_id":"a"');
  const w = await JsonlWriter.open<Row>(f, { key });
  assert.equal(w.size, 0);
  w.close();
  assert.equal(readFileSync(f, "utf8"), "");
});

test("a corrupt complete line is an InputError naming file and line, not silently dropped", async () => {
  const f = join(tmp(), "s.jsonl");
  writeFileSync(f, '{"prompt_id":"a","v":1}\nnot json\n{"prompt_id":"c","v":3}\n');
  await assert.rejects(JsonlWriter.open<Row>(f, { key }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /s\.jsonl:2: invalid JSON line/);
    return true;
  });
});

test("duplicate keys in a stage file are refused with the line", async () => {
  const f = join(tmp(), "s.jsonl");
  writeFileSync(f, '{"prompt_id":"a","v":1}\n{"prompt_id":"a","v":2}\n');
  await assert.rejects(JsonlWriter.open<Row>(f, { key }), /s\.jsonl:2: duplicate key 'a'/);
});

test("torn tail longer than the read chunk is found", async () => {
  const f = join(tmp(), "s.jsonl");
  writeFileSync(f, '{"prompt_id":"a","v":1}\n');
  appendFileSync(f, `{"prompt_id":"b","pad":"${"x".repeat(200_000)}`);
  const w = await JsonlWriter.open<Row>(f, { key });
  assert.equal(w.size, 1);
  w.close();
  assert.equal(readFileSync(f, "utf8"), '{"prompt_id":"a","v":1}\n');
});
