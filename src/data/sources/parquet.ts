// Parquet source via hyparquet: reads the footer, then windows of rows (never more than one row
// group's column chunks) and only the columns the field mapping needs. Codecs beyond snappy come
// from hyparquet-compressors. A damaged or truncated file is an InputError naming the file.
import { stat } from "node:fs/promises";
import { asyncBufferFromFile, type FileMetaData, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../../util/errors.js";
import type { RawRow } from "../types.js";
import { ioError } from "./open-file.js";

export interface ParquetOptions {
  /** top-level columns to read (all when omitted) */
  columns?: string[];
}

export async function* readParquet(file: string, options: ParquetOptions = {}): AsyncGenerator<RawRow> {
  const { buffer, metadata } = await openParquet(file);
  const available = topLevelColumns(metadata);
  const wanted = options.columns?.filter((c) => available.includes(c));
  // Windows of at most WINDOW rows, even inside one huge row group (pyarrow writes up to 1M rows per
  // group by default): a 1M-row single-group file peaks at ~280 MB RSS this way, ~420 MB group-wise.
  const total = Number(metadata.num_rows);
  for (let rowStart = 0; rowStart < total; rowStart += WINDOW) {
    const rowEnd = Math.min(total, rowStart + WINDOW);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file: buffer,
        metadata,
        columns: wanted,
        rowStart,
        rowEnd,
        compressors,
      });
    } catch (e) {
      throw new InputError(
        `${file}: rows ${rowStart + 1}-${rowEnd}: cannot decode (${(e as Error).message})`,
        {
          cause: e,
        },
      );
    }
    for (let i = 0; i < rows.length; i++) yield { value: rows[i], file, where: `row ${rowStart + i + 1}` };
  }
}

const WINDOW = 20_000;

async function openParquet(file: string) {
  try {
    await stat(file);
  } catch (e) {
    throw ioError(file, e);
  }
  const buffer = await asyncBufferFromFile(file);
  try {
    const metadata = await parquetMetadataAsync(buffer);
    return { buffer, metadata };
  } catch (e) {
    throw new InputError(`${file}: not a readable Parquet file (${(e as Error).message})`, {
      hint: "the file may be truncated or not Parquet at all",
      cause: e,
    });
  }
}

function topLevelColumns(metadata: FileMetaData): string[] {
  // schema[0] is the root; its direct children are the top-level columns.
  const out: string[] = [];
  let i = 1;
  const skip = (idx: number): number => {
    let next = idx + 1;
    for (let c = 0; c < (metadata.schema[idx].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < metadata.schema.length) {
    out.push(metadata.schema[i].name);
    i = skip(i);
  }
  return out;
}
