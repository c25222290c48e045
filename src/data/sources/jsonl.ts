// JSON Lines source: one JSON value per line, blank lines skipped, streamed line by line.
// Errors name the file and the 1-based line.
import { createInterface } from "node:readline";
import { InputError } from "../../util/errors.js";
import type { RawRow } from "../types.js";
import { ioError, textStream } from "./open-file.js";

export async function* readJsonl(file: string): AsyncGenerator<RawRow> {
  const stream = textStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (e) => reject(ioError(file, e)));
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  try {
    for await (const raw of lines) {
      n++;
      const line = n === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new InputError(`${file}: line ${n}: not valid JSON (${(e as Error).message})`, {
          hint: "each line of a .jsonl file must be one complete JSON object",
        });
      }
      yield { value, file, where: `line ${n}` };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}
