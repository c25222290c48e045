// Append-only JSONL stage files that resume by key: on open, a torn last line (a kill -9 mid-write) is cut
// off, the keys already present are collected, and the stage skips them. One line = one write(2) call.
// Not a general JSONL parser for user inputs (src/data owns those).
import {
  closeSync,
  createReadStream,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import { createInterface } from "node:readline";
import { InputError } from "../util/errors.js";

export interface JsonlOpenOptions<Row> {
  /** the resume key of a row (prompt_id) */
  key: (row: Row) => string;
}

export class JsonlWriter<Row> {
  private fd: number | undefined;
  private readonly keys: Set<string>;
  /** bytes cut from a torn last line when the file was opened (0 = it was clean) */
  readonly truncatedBytes: number;

  private constructor(
    readonly path: string,
    fd: number,
    keys: Set<string>,
    truncatedBytes: number,
    private readonly keyOf: (row: Row) => string,
  ) {
    this.fd = fd;
    this.keys = keys;
    this.truncatedBytes = truncatedBytes;
  }

  /** Opens (creating if needed) `path` for appending; cuts a torn tail and indexes existing keys. */
  static async open<Row>(path: string, options: JsonlOpenOptions<Row>): Promise<JsonlWriter<Row>> {
    const fd = openSync(path, "a+");
    try {
      const truncated = cutTornTail(fd);
      const keys = new Set<string>();
      for await (const { row, line } of readJsonl<Row>(path)) {
        const k = options.key(row);
        if (keys.has(k)) throw new InputError(`${path}:${line}: duplicate key '${k}' in a stage file`);
        keys.add(k);
      }
      return new JsonlWriter<Row>(path, fd, keys, truncated, options.key);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Appends one row as one line; a key already present is a bug in the caller. */
  append(row: Row): void {
    if (this.fd === undefined) throw new Error(`${this.path}: writer is closed`);
    const k = this.keyOf(row);
    if (this.keys.has(k)) throw new Error(`${this.path}: key '${k}' already written`);
    const buf = Buffer.from(`${JSON.stringify(row)}\n`, "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.keys.add(k);
  }

  /** Makes appended rows durable (stage end; not needed per row against kill -9, only against power loss). */
  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Truncates the file after its last newline; returns the bytes removed. */
function cutTornTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (idx >= 0) {
      const keep = start + idx + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}

/** Streams rows of a JSONL file with their 1-based line numbers; a malformed line is an InputError. */
export async function* readJsonl<Row>(path: string): AsyncGenerator<{ row: Row; line: number }> {
  const rl = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of rl) {
    line += 1;
    if (text.trim() === "") continue;
    let row: Row;
    try {
      row = JSON.parse(text) as Row;
    } catch (e) {
      throw new InputError(`${path}:${line}: invalid JSON line (${(e as Error).message})`);
    }
    yield { row, line };
  }
}

/** All rows of a JSONL stage file (small files: manifests of a stage, tests). */
export async function readJsonlRows<Row>(path: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const { row } of readJsonl<Row>(path)) rows.push(row);
  return rows;
}
