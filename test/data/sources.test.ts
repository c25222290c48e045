// Every source format round-trips the shared prompt pools: the pool is re-encoded as JSONL, a JSON
// array, CSV, Parquet and an HF dataset folder, and each reader must yield exactly the prompt ids
// computed here directly from JSON.parse of the original file (first occurrence wins).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "csv-stringify/sync";
import { parquetWriteBuffer } from "hyparquet-writer";
import {
  type FieldMapping,
  normalizePrompt,
  type PromptSourceSpec,
  promptId,
  readPrompts,
  sourceSpecFromRecipe,
  splitSpecFromRecipe,
  toPreferenceRow,
  writePreferenceParquet,
} from "../../src/data/index.js";
import { collect, pool, skipPool, tempDir } from "./helpers.js";

interface Pool {
  file: string;
  columns: string[];
  text: (r: Record<string, unknown>) => string;
  fields: FieldMapping;
}

const alpaca = (r: Record<string, unknown>) =>
  r.input ? `${r.instruction as string}\n\n${r.input as string}` : (r.instruction as string);

const pools: Pool[] = [
  {
    file: "ultrafeedback_binarized_sample/train_clean.jsonl",
    columns: ["prompt"],
    text: (r) => r.prompt as string,
    fields: { kind: "prompt", field: "prompt" },
  },
  {
    file: "stanford_alpaca/alpaca_5000.json",
    columns: ["instruction", "input"],
    text: alpaca,
    fields: { kind: "alpaca", instruction: "instruction", input: "input" },
  },
  {
    file: "stanford_alpaca/seed_tasks.jsonl",
    columns: ["instruction"],
    text: (r) => r.instruction as string,
    fields: { kind: "alpaca", instruction: "instruction", input: "input" },
  },
  {
    file: "lima/lima.json",
    columns: ["instruction", "input"],
    text: alpaca,
    fields: { kind: "alpaca", instruction: "instruction", input: "input" },
  },
  {
    file: "llama_factory_demo/alpaca_en_demo.json",
    columns: ["instruction", "input"],
    text: alpaca,
    fields: { kind: "alpaca", instruction: "instruction", input: "input" },
  },
  {
    file: "pairrm_ranked_sample/GKNL_lima_preference_PairRM_mistral7b_instruct_v0.2.jsonl",
    columns: ["question"],
    text: (r) => r.question as string,
    fields: { kind: "prompt", field: "question" },
  },
];

function loadRows(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, "utf8");
  return file.endsWith(".jsonl")
    ? text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
    : JSON.parse(text);
}

function expectedIds(rows: Record<string, unknown>[], text: Pool["text"]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of rows) {
    const id = promptId(normalizePrompt(text(r)));
    if (!seen.has(id)) out.push(id);
    seen.add(id);
  }
  return out;
}

async function ids(spec: PromptSourceSpec): Promise<string[]> {
  return (await collect(readPrompts(spec))).map((r) => r.prompt_id);
}

function flat(rows: Record<string, unknown>[], columns: string[]): Record<string, string>[] {
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c, String(r[c] ?? "")])));
}

function parquetOf(rows: Record<string, string>[], columns: string[]): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: columns.map((name) => ({ name, data: rows.map((r) => r[name]), type: "STRING" as const })),
    rowGroupSize: 400, // several row groups: exercises the incremental reader
  });
}

for (const p of pools) {
  test(`round-trips ${p.file} through JSONL, JSON, CSV, Parquet and HF folders`, {
    skip: skipPool(p.file),
  }, async () => {
    const rows = loadRows(pool(p.file));
    const want = expectedIds(rows, p.text);
    assert.ok(want.length >= 40);
    // the original file, auto-detected mapping and format
    assert.deepEqual(await ids({ path: pool(p.file) }), want);

    const dir = await tempDir();
    const flatRows = flat(rows, p.columns);
    await writeFile(join(dir, "p.jsonl"), rows.map((r) => JSON.stringify(r)).join("\r\n"));
    await writeFile(join(dir, "p.json"), JSON.stringify(rows, null, 1));
    await writeFile(join(dir, "p.csv"), stringify(flatRows, { header: true, columns: p.columns }));
    await writeFile(join(dir, "p.parquet"), new Uint8Array(parquetOf(flatRows, p.columns)));
    for (const f of ["p.jsonl", "p.json", "p.csv", "p.parquet"]) {
      assert.deepEqual(await ids({ path: join(dir, f), fields: p.fields }), want, f);
    }

    // HF layout 1: data/<split>-0000k-of-0000n.parquet, two train shards and a test shard
    const hf = join(dir, "hf");
    await mkdir(join(hf, "data"), { recursive: true });
    const half = Math.ceil(flatRows.length / 2);
    await writeFile(
      join(hf, "data/train-00000-of-00002.parquet"),
      new Uint8Array(parquetOf(flatRows.slice(0, half), p.columns)),
    );
    await writeFile(
      join(hf, "data/train-00001-of-00002.parquet"),
      new Uint8Array(parquetOf(flatRows.slice(half), p.columns)),
    );
    await writeFile(
      join(hf, "data/test-00000-of-00001.parquet"),
      new Uint8Array(parquetOf(flatRows.slice(0, 5), p.columns)),
    );
    assert.deepEqual(await ids({ path: hf, fields: p.fields }), want);
    assert.deepEqual(
      await ids({ path: hf, split: "test", fields: p.fields }),
      expectedIds(rows.slice(0, 5), p.text),
    );

    // HF layout 2: <split>/ folders of JSONL shards
    const hf2 = join(dir, "hf2");
    await mkdir(join(hf2, "train"), { recursive: true });
    await writeFile(
      join(hf2, "train/0000.jsonl"),
      rows
        .slice(0, half)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    await writeFile(
      join(hf2, "train/0001.jsonl"),
      rows
        .slice(half)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    assert.deepEqual(await ids({ path: hf2, fields: p.fields }), want);
  });
}

test("HF folder: README configs/data_files choose the shards of each split", async () => {
  const dir = await tempDir();
  await mkdir(join(dir, "raw"), { recursive: true });
  await writeFile(join(dir, "raw/a.jsonl"), '{"prompt":"one"}\n{"prompt":"two"}\n');
  await writeFile(join(dir, "raw/b.jsonl"), '{"prompt":"three"}\n');
  await writeFile(join(dir, "raw/held.jsonl"), '{"prompt":"held out"}\n');
  await writeFile(
    join(dir, "README.md"),
    "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train_prefs\n    path:\n    - raw/a.jsonl\n    - raw/b*\n  - split: test_prefs\n    path: raw/held*\n---\n# card\n",
  );
  const prompts = async (split: string) =>
    (await collect(readPrompts({ path: dir, split }))).map((r) => r.prompt);
  assert.deepEqual(await prompts("train_prefs"), ["one", "two", "three"]);
  assert.deepEqual(await prompts("test_prefs"), ["held out"]);
  await assert.rejects(collect(readPrompts({ path: dir })), /several splits \(test_prefs, train_prefs\)/);
});

test("chat messages: first or last user turn, conversation kept up to it (JSONL and Parquet list<struct>)", async () => {
  const dir = await tempDir();
  const conv = [
    { role: "system", content: "Be brief." },
    { role: "user", content: " First question \r\n" },
    { role: "assistant", content: "answer" },
    { role: "user", content: "Follow-up" },
  ];
  await writeFile(join(dir, "c.jsonl"), `${JSON.stringify({ messages: conv })}\n`);
  const [first] = await collect(readPrompts({ path: join(dir, "c.jsonl") }));
  assert.equal(first.prompt, "First question");
  assert.deepEqual(first.messages, [conv[0], { role: "user", content: "First question" }]);
  const [last] = await collect(
    readPrompts({
      path: join(dir, "c.jsonl"),
      fields: { kind: "messages", field: "messages", turn: "last" },
    }),
  );
  assert.equal(last.prompt, "Follow-up");
  assert.equal(last.messages.length, 4);
  // ShareGPT spelling
  await writeFile(
    join(dir, "s.jsonl"),
    `${JSON.stringify({
      conversations: [
        { from: "human", value: "hi there" },
        { from: "gpt", value: "yo" },
      ],
    })}\n`,
  );
  assert.equal((await collect(readPrompts({ path: join(dir, "s.jsonl") })))[0].prompt, "hi there");
  // messages stored as Parquet list<struct<role, content>> (our own dataset files)
  const row = toPreferenceRow({ prompt: "What is 2+2?", responses: ["4", "5"], scores: [1, 0] });
  assert.ok(row);
  await writePreferenceParquet([row], join(dir, "d.parquet"));
  const [fromParquet] = await collect(
    readPrompts({
      path: join(dir, "d.parquet"),
      fields: { kind: "messages", field: "chosen", turn: "first" },
    }),
  );
  assert.equal(fromParquet.prompt, "What is 2+2?");
  assert.equal(fromParquet.prompt_id, row.prompt_id);
});

test("JSON arrays stream-parse strings with brackets, escapes, scalars and chunk boundaries", async () => {
  const dir = await tempDir();
  const tricky = [
    { prompt: 'He said "[not an array]", then {braces} \\ and \u00e9' },
    { prompt: "x".repeat(300_000) + "]}" }, // spans the 256 KiB read chunks
    { prompt: "line\nbreaks\ninside" },
  ];
  await writeFile(join(dir, "t.json"), `\uFEFF[\n${tricky.map((r) => JSON.stringify(r)).join(" ,\n")}\n]\n`);
  const got = await collect(readPrompts({ path: join(dir, "t.json") }));
  assert.deepEqual(
    got.map((r) => r.prompt),
    tricky.map((r) => normalizePrompt(r.prompt)),
  );
  assert.equal(got[2].source.endsWith("t.json:4"), true);
  await writeFile(join(dir, "s.json"), '["plain string prompt", "another", 3]');
  await assert.rejects(
    collect(readPrompts({ path: join(dir, "s.json") })),
    /s\.json: line 1: expected an object/,
  );
  await writeFile(join(dir, "e.json"), "[]");
  assert.deepEqual(await collect(readPrompts({ path: join(dir, "e.json") })), []);
});

test("dedupe: the same prompt after normalisation is kept once, across sources; limit stops early", async () => {
  const dir = await tempDir();
  await writeFile(
    join(dir, "a.jsonl"),
    ['{"prompt":"Caf\\u00e9"}', '{"prompt":"Cafe\\u0301 "}', '{"prompt":"b"}'].join("\n"),
  );
  await writeFile(join(dir, "b.csv"), "prompt\nb\nc\n");
  const got = await collect(readPrompts([{ path: join(dir, "a.jsonl") }, { path: join(dir, "b.csv") }]));
  assert.deepEqual(
    got.map((r) => r.prompt),
    ["Caf\u00e9", "b", "c"],
  );
  const limited = await collect(readPrompts({ path: join(dir, "a.jsonl"), limit: 1 }));
  assert.equal(limited.length, 1);
});

test('recipe mapping: the prompts section becomes a source spec and a split spec; split "*" reads every split', async () => {
  const dir = await tempDir();
  await mkdir(join(dir, "data"), { recursive: true });
  await writeFile(
    join(dir, "data/train-00000-of-00001.jsonl"),
    '{"conv":[{"role":"user","content":"a"},{"role":"assistant","content":"x"},{"role":"user","content":"b"}]}\n',
  );
  await writeFile(join(dir, "data/test-00000-of-00001.jsonl"), '{"conv":[{"role":"user","content":"c"}]}\n');
  const spec = sourceSpecFromRecipe({
    source: dir,
    format: "auto",
    split_name: null,
    messages_field: "conv",
    limit: null,
  });
  assert.deepEqual(spec.fields, { kind: "messages", field: "conv", turn: "last" });
  assert.deepEqual(
    (await collect(readPrompts(spec))).map((r) => r.prompt),
    ["b"],
  );
  assert.deepEqual(
    (await collect(readPrompts({ ...spec, split: "*" }))).map((r) => r.prompt),
    ["c", "b"],
  );
  const split = splitSpecFromRecipe({ source: dir, per_iteration: null, test_per_iteration: 0.05 }, 3, 42);
  assert.deepEqual(split, { iterations: 3, train: { rest: true }, test: { fraction: 0.05 }, seed: 42 });
  assert.throws(
    () => splitSpecFromRecipe({ source: dir, per_iteration: -2 }, 3, 1),
    /prompts\.per_iteration: a count must be a whole number >= 0, got -2/,
  );
});

test("HF folder: shard names with a hash suffix (data/test_prefs-00000-of-00001-e87ec03f79fd99e0.parquet)", async () => {
  const dir = await tempDir();
  await mkdir(join(dir, "data"), { recursive: true });
  const shard = (prompts: string[]) =>
    new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "prompt", data: prompts, type: "STRING" }] }));
  await writeFile(join(dir, "data/train_prefs-00000-of-00002-0a1b2c3d4e5f6789.parquet"), shard(["a", "b"]));
  await writeFile(join(dir, "data/train_prefs-00001-of-00002-99aa88bb77cc66dd.parquet"), shard(["c"]));
  await writeFile(join(dir, "data/test_prefs-00000-of-00001-e87ec03f79fd99e0.parquet"), shard(["z"]));
  const { findSplits } = await import("../../src/data/index.js");
  assert.deepEqual([...(await findSplits(dir)).keys()].sort(), ["test_prefs", "train_prefs"]);
  assert.deepEqual(
    (await collect(readPrompts({ path: dir, split: "train_prefs" }))).map((r) => r.prompt),
    ["a", "b", "c"],
  );
});
