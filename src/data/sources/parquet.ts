// Parquet source via hyparquet: reads the footer, then one row group at a time and only the
// columns the field mapping needs, so memory is bounded by a row group. Codecs beyond snappy come
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

export async function parquetColumns(file: string): Promise<string[]> {
  const { metadata } = await openParquet(file);
  return topLevelColumns(metadata);
}

export async function* readParquet(file: string, options: ParquetOptions = {}): AsyncGenerator<RawRow> {
  const { buffer, metadata } = await openParquet(file);
  const available = topLevelColumns(metadata);
  const wanted = options.columns?.filter((c) => available.includes(c));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
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
    rowStart = rowEnd;
  }
}

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
