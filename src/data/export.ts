// `prefloop export dataset`: gathers a run's per-iteration datasets (runs/<name>/iteration-<k>/dataset)
// into one folder with one card, or checks an existing dataset folder; every Parquet split is
// opened and counted first, so a damaged file is reported before anything is copied or uploaded.
import { copyFile, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { InputError, PrefloopError } from "../util/errors.js";
import { fsyncPath, tempName } from "./atomic-file.js";
import { type DatasetCardInfo, datasetSplits, writeDatasetCard } from "./dataset-card.js";

export interface ExportResult {
  /** the folder holding the splits and README.md (what --push uploads) */
  dir: string;
  splits: Array<{ name: string; rows: number }>;
  files: string[];
}

/** A run folder (has iteration-<k>/dataset/) or a dataset folder (has *.parquet). */
export async function exportDataset(
  input: string,
  out?: string,
  card: DatasetCardInfo = {},
): Promise<ExportResult> {
  const kind = await inputKind(input);
  let dir = input;
  if (kind === "run") {
    dir = out ?? join(input, "dataset");
    await mkdir(dir, { recursive: true });
    const iterations = (await readdir(input)).filter((d) => /^iteration-\d+$/.test(d)).sort(byNumber);
    const files: Array<[string, string]> = [];
    for (const it of iterations) {
      const src = join(input, it, "dataset");
      const names = await readdir(src).catch(() => [] as string[]);
      for (const f of names.filter((n) => /\.(parquet|jsonl)$/.test(n)))
        files.push([join(src, f), join(dir, f)]);
    }
    if (files.length === 0)
      throw new InputError(`${input}: no iteration-<k>/dataset/*.parquet in this run yet`);
    for (const [src] of files) if (src.endsWith(".parquet")) await checkParquet(src);
    for (const [src, dst] of files) await copyAtomic(src, dst);
  } else {
    if (out !== undefined && out !== input)
      throw new PrefloopError("config", "--out applies to runs; a dataset folder is exported in place");
    for (const f of await readdir(dir)) if (f.endsWith(".parquet")) await checkParquet(join(dir, f));
  }
  const splits = await datasetSplits(dir);
  if (splits.length === 0) throw new InputError(`${dir}: no *.parquet splits to export`);
  await writeDatasetCard(dir, card);
  const files = (await readdir(dir)).filter((f) => /\.(parquet|jsonl)$/.test(f) || f === "README.md").sort();
  return { dir, splits: splits.map(({ name, rows }) => ({ name, rows })), files };
}

async function inputKind(input: string): Promise<"run" | "dataset"> {
  let names: string[];
  try {
    if (!(await stat(input)).isDirectory())
      throw new InputError(`${input}: expected a run folder or a dataset folder`);
    names = await readdir(input);
  } catch (e) {
    if (e instanceof PrefloopError) throw e;
    throw new PrefloopError("io", `${input}: cannot read (${(e as { code?: string }).code ?? String(e)})`);
  }
  if (names.some((n) => /^iteration-\d+$/.test(n))) return "run";
  if (names.some((n) => n.endsWith(".parquet"))) return "dataset";
  throw new InputError(`${input}: neither a run (iteration-<k>/) nor a dataset folder (*.parquet)`);
}

async function checkParquet(file: string): Promise<void> {
  try {
    await parquetMetadataAsync(await asyncBufferFromFile(file));
  } catch (e) {
    throw new InputError(`${file}: not a readable Parquet file (${(e as Error).message})`, {
      hint: "the file may be truncated; re-run the stage that wrote it",
    });
  }
}

async function copyAtomic(src: string, dst: string): Promise<void> {
  const tmp = tempName(dst);
  try {
    await copyFile(src, tmp);
    await fsyncPath(tmp);
    await rename(tmp, dst);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function byNumber(a: string, b: string): number {
  return Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, ""));
}
