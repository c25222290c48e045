// CSV source via csv-parse: a header row names the columns, every record must have all of them
// (RFC 4180 quoting, BOM skipped). Streams record by record; errors name the file and line.
import { parse } from "csv-parse";
import { InputError } from "../../util/errors.js";
import type { RawRow } from "../types.js";
import { ioError, textStream } from "./open-file.js";

export interface CsvOptions {
  /** field delimiter; "," unless the file ends in .tsv */
  delimiter?: string;
}

export async function* readCsv(file: string, options: CsvOptions = {}): AsyncGenerator<RawRow> {
  const delimiter = options.delimiter ?? (file.toLowerCase().endsWith(".tsv") ? "\t" : ",");
  const stream = textStream(file);
  const parser = parse({ columns: true, bom: true, delimiter, info: true, skip_empty_lines: true });
  stream.on("error", (e) => parser.destroy(ioError(file, e)));
  stream.pipe(parser);
  try {
    for await (const rec of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      yield { value: rec.record, file, where: `line ${rec.info.lines}` };
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as { code?: string; lines?: number; message?: string };
    if (typeof err.code === "string" && err.code.startsWith("CSV_")) {
      const line = err.lines !== undefined ? `line ${err.lines}: ` : "";
      throw new InputError(`${file}: ${line}${csvMessage(err.code, err.message ?? "")}`, { cause: e });
    }
    throw e;
  } finally {
    stream.destroy();
  }
}

function csvMessage(code: string, message: string): string {
  if (code === "CSV_RECORD_INCONSISTENT_COLUMNS" || code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH") {
    return "a record has a different number of columns than the header";
  }
  if (code === "CSV_QUOTE_NOT_CLOSED") return "a quoted field is never closed (truncated file?)";
  return message.replace(/^Invalid (Record|Opening Quote): /, "");
}
