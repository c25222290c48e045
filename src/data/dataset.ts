// Writes the preference dataset of iteration k: train_iteration_<k> and test_iteration_<k> as
// Parquet and JSONL (one streaming pass each; nothing appears until both splits are complete), then the card
// over every split in the folder. Also reads preference JSONL back, validated row by row.
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { AtomicWriter } from "./atomic-file.js";
import { type DatasetCardInfo, writeDatasetCard } from "./dataset-card.js";
import { writePreferenceParquet } from "./parquet-write.js";
import { checkPreferenceRow } from "./preference.js";
import { readJsonl } from "./sources/jsonl.js";
import type { PreferenceRow } from "./types.js";

type Rows = AsyncIterable<PreferenceRow> | Iterable<PreferenceRow>;

export interface IterationDatasetOptions {
  /** the dataset folder (e.g. runs/<name>/iteration-<k>/dataset) */
  dir: string;
  /** k >= 1 */
  iteration: number;
  train: Rows;
  test: Rows;
  card?: DatasetCardInfo;
  /** also write <split>.jsonl (default true) */
  jsonl?: boolean;
  rowGroupSize?: number;
}

export interface WrittenDataset {
  dir: string;
  splits: Array<{ name: string; rows: number; files: string[] }>;
  card: string;
}

export async function writeIterationDataset(o: IterationDatasetOptions): Promise<WrittenDataset> {
  if (!Number.isInteger(o.iteration) || o.iteration < 1)
    throw new RangeError(`iteration must be >= 1, got ${o.iteration}`);
  await mkdir(o.dir, { recursive: true });
  // A staging folder still here belongs to a writer that was killed mid-write (one writer per folder: the
  // run directory's lock): its files are incomplete, and this write replaces them.
  for (const f of await readdir(o.dir))
    if (f.startsWith(".staging-")) await rm(join(o.dir, f), { recursive: true, force: true });
  // Both splits are written into a staging folder and moved in only when both are complete.
  const staging = await mkdtemp(join(o.dir, ".staging-"));
  const splits: WrittenDataset["splits"] = [];
  try {
    for (const [kind, rows] of [
      ["train", o.train],
      ["test", o.test],
    ] as const) {
      const name = `${kind}_iteration_${o.iteration}`;
      const written = await writeSplit(staging, name, rows, o.jsonl ?? true, o.rowGroupSize);
      splits.push({ name, rows: written.rows, files: written.files.map((f) => join(o.dir, basename(f))) });
    }
    for (const f of await readdir(staging)) await rename(join(staging, f), join(o.dir, f));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const card = await writeDatasetCard(o.dir, o.card);
  return { dir: o.dir, splits, card };
}

/** One split as <dir>/<name>.parquet (+ .jsonl), from one pass over rows. */
export async function writeSplit(
  dir: string,
  name: string,
  rows: Rows,
  jsonl = true,
  rowGroupSize?: number,
): Promise<{ rows: number; files: string[] }> {
  const parquetPath = join(dir, `${name}.parquet`);
  const jsonlWriter = jsonl ? new AtomicWriter(join(dir, `${name}.jsonl`)) : undefined;
  async function* tee(): AsyncGenerator<PreferenceRow> {
    for await (const r of rows) {
      if (jsonlWriter) await jsonlWriter.write(`${JSON.stringify(r)}\n`);
      yield r;
    }
  }
  try {
    const count = await writePreferenceParquet(tee(), parquetPath, { rowGroupSize });
    await jsonlWriter?.commit();
    return { rows: count, files: jsonlWriter ? [parquetPath, jsonlWriter.path] : [parquetPath] };
  } catch (e) {
    await jsonlWriter?.abort();
    throw e;
  }
}

/** Preference rows from a JSONL file, each checked (an InputError names the file, line and field). */
export async function* readPreferenceJsonl(file: string): AsyncGenerator<PreferenceRow> {
  for await (const row of readJsonl(file)) yield checkPreferenceRow(row.value, `${row.file}: ${row.where}`);
}
