// Prompt sources: one spec (path, format, split, field mapping) -> an async iterator of normalised,
// deduplicated PromptRecords, streamed (a 1M-row file is never held in memory; dedupe keeps 8-byte id
// prefixes only). The format comes from the extension or, for a directory, is an HF dataset folder.
import { stat } from "node:fs/promises";
import { InputError, PrefloopError } from "../util/errors.js";
import { extractPrompt, type FieldMapping, type ResolvedMapping, resolveMapping } from "./field-map.js";
import { IdMap } from "./id-set.js";
import { normalizePrompt, promptId } from "./normalize.js";
import { readCsv } from "./sources/csv.js";
import { hfShards } from "./sources/hf-folder.js";
import { readJsonArray } from "./sources/json-array.js";
import { readJsonl } from "./sources/jsonl.js";
import { firstChar, ioError } from "./sources/open-file.js";
import { readParquet } from "./sources/parquet.js";
import type { PromptRecord, RawRow } from "./types.js";

export type SourceFormat = "jsonl" | "json" | "csv" | "parquet" | "hf";

export interface PromptSourceSpec {
  /** a file, or a Hugging Face dataset folder */
  path: string;
  /** from the extension (.jsonl .json .csv .tsv .parquet) or "hf" for a directory when omitted */
  format?: SourceFormat;
  /** HF folders: which split ("train", or the only split, by default) */
  split?: string;
  /** HF folders: which config of the README's `configs` */
  config?: string;
  /** where the prompt is; "auto" (default) decides from the first row */
  fields?: FieldMapping;
  /** stop after this many unique prompts */
  limit?: number;
}

export interface ReadOptions {
  /** drop repeated prompt_ids (default true) */
  dedupe?: boolean;
  /** a prompt that is empty after normalisation: an InputError (default) or skipped */
  onEmpty?: "error" | "skip";
  /** filled in while reading */
  stats?: ReadStats;
}

export interface ReadStats {
  rows: number;
  prompts: number;
  duplicates: number;
  empty: number;
}

export function newReadStats(): ReadStats {
  return { rows: 0, prompts: 0, duplicates: 0, empty: 0 };
}

/** Normalised, deduplicated prompts of one or several sources, in source order. */
export async function* readPrompts(
  specs: PromptSourceSpec | PromptSourceSpec[],
  options: ReadOptions = {},
): AsyncGenerator<PromptRecord> {
  const seen = options.dedupe === false ? undefined : new IdMap(1 << 16);
  const stats = options.stats ?? newReadStats();
  for (const spec of Array.isArray(specs) ? specs : [specs]) {
    if (spec.limit !== undefined && (!Number.isInteger(spec.limit) || spec.limit < 0)) {
      throw new InputError(`${spec.path}: limit must be a whole number >= 0, got ${spec.limit}`);
    }
    let taken = 0;
    let mapping: ResolvedMapping | undefined;
    if (spec.limit === 0) continue;
    for await (const row of readRawRows(spec)) {
      stats.rows++;
      mapping ??= resolveMapping(spec.fields ?? { kind: "auto" }, row);
      const { text, messages } = extractPrompt(row, mapping);
      const prompt = normalizePrompt(text);
      if (prompt === "") {
        stats.empty++;
        if (options.onEmpty === "skip") continue;
        throw new InputError(`${row.file}: ${row.where}: the prompt is empty`, {
          hint: "remove the row, or read with onEmpty: skip",
        });
      }
      const id = promptId(prompt);
      if (seen && !seen.add(id)) {
        stats.duplicates++;
        continue;
      }
      const turns = messages.map((m, i) =>
        i === messages.length - 1 ? { role: m.role, content: prompt } : m,
      );
      stats.prompts++;
      yield {
        prompt_id: id,
        prompt,
        messages: turns,
        source: `${row.file}:${row.where.replace(/^\w+ /, "")}`,
      };
      if (spec.limit !== undefined && ++taken >= spec.limit) break;
    }
  }
}

/** The rows of a source before field mapping (each with file and line/row for messages). */
export async function* readRawRows(spec: PromptSourceSpec): AsyncGenerator<RawRow> {
  const format = spec.format ?? (await detectFormat(spec.path));
  if (format === "hf") {
    for (const shard of await hfShards(spec.path, spec.split, spec.config)) {
      yield* readRawRows({ ...spec, path: shard, format: await detectFormat(shard) });
    }
    return;
  }
  switch (format) {
    case "jsonl":
      yield* readJsonl(spec.path);
      return;
    case "json":
      yield* (await firstChar(spec.path)) === "{" ? readJsonl(spec.path) : readJsonArray(spec.path);
      return;
    case "csv":
      yield* readCsv(spec.path);
      return;
    case "parquet":
      yield* readParquet(spec.path, { columns: columnsOf(spec.fields) });
      return;
    default:
      throw new InputError(
        `${spec.path}: unknown format "${String(format)}" (expected jsonl, json, csv, parquet or hf)`,
      );
  }
}

export async function detectFormat(path: string): Promise<SourceFormat> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw ioError(path, e);
  }
  if (isDir) return "hf";
  const lower = path.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".csv") || lower.endsWith(".tsv")) return "csv";
  if (lower.endsWith(".parquet")) return "parquet";
  throw new PrefloopError("input", `${path}: cannot tell the format from the name`, {
    hint: "use a .jsonl, .json, .csv, .tsv or .parquet file, or set the source's format",
  });
}

function columnsOf(fields: FieldMapping | undefined): string[] | undefined {
  if (fields === undefined || fields.kind === "auto") return undefined;
  if (fields.kind === "alpaca") return [fields.instruction, fields.input];
  return [fields.field];
}
