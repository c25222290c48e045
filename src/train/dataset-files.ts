// Reads preference rows for training from files: a dataset folder (train_*/test_* splits as .jsonl or
// .parquet, the layout src/data writes), or one .jsonl/.parquet file (all rows train). Validation names
// the file, line and field. Not the data layer's writer or normaliser.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../util/errors.js";
import { parseJsonLines } from "../util/json-lines.js";
import type { ChatMessage } from "../util/types.js";
import type { PreferenceRow } from "./collate.js";

function checkMessages(v: unknown, where: string, field: string): string | ChatMessage[] {
  if (typeof v === "string") return v;
  if (
    Array.isArray(v) &&
    v.every((m) => m && typeof m === "object" && typeof m.content === "string" && typeof m.role === "string")
  ) {
    return v.map((m) => ({ role: m.role, content: m.content }) as ChatMessage);
  }
  throw new InputError(`${where}: '${field}' must be a string or a list of {role, content} messages`);
}

export function checkTrainRow(v: unknown, where: string): PreferenceRow {
  if (v === null || typeof v !== "object") throw new InputError(`${where}: expected a JSON object`);
  const o = v as Record<string, unknown>;
  for (const f of ["prompt", "chosen", "rejected"]) {
    if (!(f in o))
      throw new InputError(`${where}: missing field '${f}'`, {
        hint: "rows need prompt, chosen and rejected",
      });
  }
  return {
    prompt: checkMessages(o.prompt, where, "prompt"),
    chosen: checkMessages(o.chosen, where, "chosen"),
    rejected: checkMessages(o.rejected, where, "rejected"),
  };
}

export async function readTrainFile(path: string): Promise<PreferenceRow[]> {
  const ext = extname(path).toLowerCase();
  if (ext === ".jsonl") {
    return parseJsonLines(readFileSync(path, "utf8"), path).map(({ value, where }) =>
      checkTrainRow(value, where),
    );
  }
  if (ext === ".parquet") {
    const file = await asyncBufferFromFile(path);
    const objs = await parquetReadObjects({ file, compressors, columns: ["prompt", "chosen", "rejected"] });
    return objs.map((o, i) => checkTrainRow(o, `${path}: row ${i + 1}`));
  }
  throw new InputError(`${path}: expected a .jsonl or .parquet file, or a dataset folder`);
}

/** Train and test rows of `path` (test empty when there is no test split). */
export async function readTrainDataset(
  path: string,
): Promise<{ train: PreferenceRow[]; test: PreferenceRow[] }> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return { train: await readTrainFile(path), test: [] };
  const files = readdirSync(path).sort();
  const pick = (prefix: string) =>
    files.find((f) => f.startsWith(prefix) && f.endsWith(".parquet")) ??
    files.find((f) => f.startsWith(prefix) && f.endsWith(".jsonl"));
  const tr = pick("train");
  if (tr === undefined) {
    throw new InputError(`${path}: no train split (train*.parquet or train*.jsonl)`);
  }
  const te = pick("test");
  return { train: await readTrainFile(join(path, tr)), test: te ? await readTrainFile(join(path, te)) : [] };
}
