// Shared file helpers for the sources: a readable stream that turns "no such file" into one clear
// error, and the first non-blank character of a file (to tell JSON arrays from JSON Lines).
import { createReadStream, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { PrefloopError } from "../../util/errors.js";

export function ioError(file: string, e: unknown): PrefloopError {
  const code = (e as { code?: string }).code;
  const what = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(e);
  return new PrefloopError("io", `${file}: cannot read: ${what}`, { cause: e });
}

export function textStream(file: string, chunkBytes = 256 * 1024): ReadStream {
  return createReadStream(file, { encoding: "utf8", highWaterMark: chunkBytes });
}

/** First non-whitespace character of the file (skipping a BOM), or "" for an empty file. */
export async function firstChar(file: string): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw ioError(file, e);
  }
  try {
    const buf = Buffer.alloc(4096);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return "";
      const m = /[^\s\uFEFF]/.exec(buf.subarray(0, bytesRead).toString("utf8"));
      if (m) return m[0];
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}
