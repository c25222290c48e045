// Preference dataset export: rows from scores, Parquet read back by hyparquet and by DuckDB (an
// independent reader), JSONL, the dataset card's YAML, gathering a run, and nothing half-written.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { parse as parseYaml } from "yaml";
import {
  exportDataset,
  type PreferenceRow,
  readPreferenceJsonl,
  toPreferenceRow,
  writeIterationDataset,
} from "../../src/data/index.js";
import { collect, pool, skipPool, tempDir } from "./helpers.js";

test("toPreferenceRow: best is chosen, worst rejected, user turn then assistant; no signal -> null", () => {
  const row = toPreferenceRow({
    prompt: "Name a colour.",
    responses: ["red", "a colour", "blue"],
    scores: [0.2, -1.5, 3],
  });
  assert.ok(row);
  assert.deepEqual(row.chosen, [
    { role: "user", content: "Name a colour." },
    { role: "assistant", content: "blue" },
  ]);
  assert.deepEqual(row.rejected[1], { role: "assistant", content: "a colour" });
  assert.deepEqual(row.messages, row.chosen);
  assert.equal(row.score_chosen, 3);
  assert.equal(row.score_rejected, -1.5);
  assert.equal(row.prompt_id, createHash("sha256").update("Name a colour.").digest("hex"));
  assert.equal(toPreferenceRow({ prompt: "p", responses: ["x", "y"], scores: [1, 1] }), null);
  assert.equal(toPreferenceRow({ prompt: "p", responses: ["x"], scores: [1] }), null);
  // ties: the first best and the first worst
  const tie = toPreferenceRow({ prompt: "p", responses: ["a", "b", "c", "d"], scores: [2, 2, 0, 0] });
  assert.equal(tie?.chosen[1].content, "a");
  assert.equal(tie?.rejected[1].content, "c");
  assert.throws(
    () => toPreferenceRow({ prompt: "p", responses: ["a", "b"], scores: [1] }, "scores.jsonl:3"),
    /scores\.jsonl:3: 2 responses but 1 scores/,
  );
  assert.throws(
    () => toPreferenceRow({ prompt: "p", responses: ["a", "b"], scores: [1, Number.NaN] }),
    /scores\[1\] must be a finite number/,
  );
});

/** Preference rows from the UltraFeedback sample: its chosen/rejected plus a third synthetic response. */
function ultrafeedbackRows(limit: number): PreferenceRow[] {
  const lines = readFileSync(pool("ultrafeedback_binarized_sample/train_clean.jsonl"), "utf8")
    .trim()
    .split("\n");
  const rows: PreferenceRow[] = [];
  for (const line of lines.slice(0, limit)) {
    const r = JSON.parse(line) as {
      prompt: string;
      chosen: string;
      rejected: string;
      metadata: { score_chosen: number; score_rejected: number };
    };
    const { score_chosen: hi, score_rejected: lo } = r.metadata;
    if (hi === lo) continue;
    const row = toPreferenceRow({
      prompt: r.prompt,
      responses: [r.rejected, r.chosen, "ok"],
      scores: [lo, hi, (hi + lo) / 2],
    });
    if (row) rows.push(row);
  }
  return rows;
}

async function duckRows(file: string): Promise<unknown[]> {
  const conn = await (await DuckDBInstance.create(":memory:")).connect();
  const res = await conn.runAndReadAll(`select * from read_parquet('${file.replace(/'/g, "''")}')`);
  return res.getRowObjectsJson();
}

test("iteration dataset: Parquet reads back identically in hyparquet and DuckDB; JSONL and card agree", {
  skip: skipPool("ultrafeedback_binarized_sample/train_clean.jsonl"),
}, async () => {
  const rows = ultrafeedbackRows(1000);
  const cut = Math.floor(rows.length * 0.9);
  const train = rows.slice(0, cut);
  const test = rows.slice(cut);
  const rowGroupSize = Math.max(4, Math.floor(train.length / 4));
  const dir = await tempDir();
  const written = await writeIterationDataset({
    dir,
    iteration: 2,
    train,
    test,
    rowGroupSize,
    card: { policy: "tiny", ranker: "pairrm" },
  });
  assert.deepEqual(
    written.splits.map((s) => [s.name, s.rows]),
    [
      ["train_iteration_2", train.length],
      ["test_iteration_2", test.length],
    ],
  );
  for (const [name, want] of [
    ["train_iteration_2", train],
    ["test_iteration_2", test],
  ] as const) {
    const file = join(dir, `${name}.parquet`);
    const buffer = await asyncBufferFromFile(file);
    const md = await parquetMetadataAsync(buffer);
    assert.equal(Number(md.num_rows), want.length);
    if (want.length > rowGroupSize) assert.ok(md.row_groups.length > 1, "streamed in several row groups");
    assert.deepEqual(await parquetReadObjects({ file: buffer }), want);
    assert.deepEqual(await duckRows(file), want);
    assert.deepEqual(await collect(readPreferenceJsonl(join(dir, `${name}.jsonl`))), want);
  }
  const card = await readFile(join(dir, "README.md"), "utf8");
  const header = parseYaml(card.split("---\n")[1]);
  assert.deepEqual(header.configs, [
    {
      config_name: "default",
      data_files: [
        { split: "train_iteration_2", path: "train_iteration_2.parquet" },
        { split: "test_iteration_2", path: "test_iteration_2.parquet" },
      ],
    },
  ]);
  assert.deepEqual(header.dataset_info.splits, [
    { name: "train_iteration_2", num_examples: train.length },
    { name: "test_iteration_2", num_examples: test.length },
  ]);
  assert.deepEqual(
    header.dataset_info.features.map((f: { name: string }) => f.name),
    [
      "prompt_id",
      "prompt",
      "chosen",
      "rejected",
      "messages",
      "score_chosen",
      "score_rejected",
      "all_generated_responses",
      "all_rm_scores",
    ],
  );
  assert.match(card, /policy: `tiny`/);
  // DuckDB sees the message lists as list<struct<role, content>>
  const conn = await (await DuckDBInstance.create(":memory:")).connect();
  const types = (
    await conn.runAndReadAll(
      `describe select chosen, all_rm_scores from read_parquet('${join(dir, "test_iteration_2.parquet")}')`,
    )
  ).getRowObjectsJson();
  assert.deepEqual(
    types.map((t) => t.column_type),
    ['STRUCT("role" VARCHAR, "content" VARCHAR)[]', "DOUBLE[]"],
  );
});

test("a failing row source leaves no dataset file and no temporary file behind", async () => {
  const dir = await tempDir();
  const good = toPreferenceRow({ prompt: "p", responses: ["a", "b"], scores: [1, 0] });
  assert.ok(good);
  async function* broken(): AsyncGenerator<PreferenceRow> {
    for (let i = 0; i < 30_000; i++) yield { ...good, prompt: `p${i}` } as PreferenceRow;
    throw new Error("generator died");
  }
  await assert.rejects(
    writeIterationDataset({ dir, iteration: 1, train: broken(), test: [], rowGroupSize: 1000 }),
    /generator died/,
  );
  assert.deepEqual(readdirSync(dir), []);
});

test("a staging folder left by a writer killed mid-write is removed by the next write", async () => {
  const dir = await tempDir();
  await mkdir(join(dir, ".staging-dead01"), { recursive: true });
  writeFileSync(join(dir, ".staging-dead01", "train_iteration_1.jsonl.tmp-1-1"), '{"prompt": "torn');
  const good = toPreferenceRow({ prompt: "p", responses: ["a", "b"], scores: [1, 0] });
  assert.ok(good);
  await writeIterationDataset({ dir, iteration: 1, train: [good], test: [] });
  assert.deepEqual(readdirSync(dir).sort(), [
    "README.md",
    "test_iteration_1.jsonl",
    "test_iteration_1.parquet",
    "train_iteration_1.jsonl",
    "train_iteration_1.parquet",
  ]);
});

test("export dataset: gathers every iteration of a run into one folder with one card", async () => {
  const run = await tempDir();
  for (const k of [1, 2]) {
    const rows = [1, 2, 3].map((i) =>
      toPreferenceRow({ prompt: `iteration ${k} prompt ${i}`, responses: ["x", "yy"], scores: [0, i] }),
    );
    await mkdir(join(run, `iteration-${k}`, "dataset"), { recursive: true });
    await writeIterationDataset({
      dir: join(run, `iteration-${k}`, "dataset"),
      iteration: k,
      train: rows.filter((r): r is PreferenceRow => r !== null).slice(0, 2),
      test: rows.filter((r): r is PreferenceRow => r !== null).slice(2),
    });
  }
  const out = await exportDataset(run);
  assert.equal(out.dir, join(run, "dataset"));
  assert.deepEqual(out.splits, [
    { name: "train_iteration_1", rows: 2 },
    { name: "test_iteration_1", rows: 1 },
    { name: "train_iteration_2", rows: 2 },
    { name: "test_iteration_2", rows: 1 },
  ]);
  const header = parseYaml((await readFile(join(out.dir, "README.md"), "utf8")).split("---\n")[1]);
  assert.equal(header.configs[0].data_files.length, 4);
  assert.deepEqual(readdirSync(out.dir).sort(), [
    "README.md",
    "test_iteration_1.jsonl",
    "test_iteration_1.parquet",
    "test_iteration_2.jsonl",
    "test_iteration_2.parquet",
    "train_iteration_1.jsonl",
    "train_iteration_1.parquet",
    "train_iteration_2.jsonl",
    "train_iteration_2.parquet",
  ]);
  // a dataset folder exports in place
  assert.equal((await exportDataset(out.dir)).splits.length, 4);
});
