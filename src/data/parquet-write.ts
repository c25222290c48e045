// Writes preference rows as Parquet with hyparquet-writer, streaming row groups (memory bounded by
// one group). Schema as pyarrow writes it for HF datasets: strings UTF8, scores DOUBLE, message lists
// as the standard 3-level list<struct<role: string, content: string>>, response/score lists as
// list<string>/list<double>. Written to a temp name, fsynced, renamed.
import { rename, rm } from "node:fs/promises";
import { parquetWriteRows } from "hyparquet-writer";
import { fileWriter } from "hyparquet-writer/src/node.js";
import { fsyncPath, tempName } from "./atomic-file.js";
import type { PreferenceRow } from "./types.js";

// hyparquet-writer pins its own hyparquet; take the schema type from the writer it feeds.
type SchemaElement = NonNullable<Parameters<typeof parquetWriteRows>[0]["schema"]>[number];

export const preferenceColumns = [
  "prompt_id",
  "prompt",
  "chosen",
  "rejected",
  "messages",
  "score_chosen",
  "score_rejected",
  "all_generated_responses",
  "all_rm_scores",
] as const;

const str = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "OPTIONAL",
});

function messageList(name: string): SchemaElement[] {
  return [
    { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
    str("role"),
    str("content"),
  ];
}

function scalarList(name: string, element: SchemaElement): SchemaElement[] {
  return [
    { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { ...element, name: "element" },
  ];
}

const double = (name: string): SchemaElement => ({ name, type: "DOUBLE", repetition_type: "OPTIONAL" });

export const preferenceSchema: SchemaElement[] = [
  { name: "schema", num_children: preferenceColumns.length },
  str("prompt_id"),
  str("prompt"),
  ...messageList("chosen"),
  ...messageList("rejected"),
  ...messageList("messages"),
  double("score_chosen"),
  double("score_rejected"),
  ...scalarList("all_generated_responses", str("element")),
  ...scalarList("all_rm_scores", double("element")),
];

export interface ParquetWriteOptions {
  /** rows per row group (default 2,000: responses can be long, and a group is held in memory) */
  rowGroupSize?: number;
}

/** Streams rows into <path> (atomically); resolves to the row count. */
export async function writePreferenceParquet(
  rows: AsyncIterable<PreferenceRow> | Iterable<PreferenceRow>,
  path: string,
  options: ParquetWriteOptions = {},
): Promise<number> {
  const tmp = tempName(path);
  let count = 0;
  async function* counted(): AsyncGenerator<Record<string, unknown>> {
    for await (const r of rows) {
      count++;
      yield r as unknown as Record<string, unknown>;
    }
  }
  try {
    await parquetWriteRows({
      writer: fileWriter(tmp),
      rows: counted(),
      columns: preferenceColumns.map((name) => ({ name })),
      schema: preferenceSchema,
      rowGroupSize: options.rowGroupSize ?? 2_000,
      createdBy: "prefloop",
    });
    await fsyncPath(tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return count;
}
