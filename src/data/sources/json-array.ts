// JSON array source, stream-parsed: a scanner tracks string/escaped state and bracket depth over the
// file's chunks and hands each complete top-level element to JSON.parse, so memory is bounded by
// the largest element, not the file. A .json file whose first character is "{" is read as JSON Lines
// (as Hugging Face `datasets` does for .json). Errors name the file and the element's start line.
import { InputError } from "../../util/errors.js";
import type { RawRow } from "../types.js";
import { ioError, textStream } from "./open-file.js";

/** `chunkBytes` only matters to tests that push elements across read boundaries. */
export async function* readJsonArray(file: string, chunkBytes?: number): AsyncGenerator<RawRow> {
  const stream = textStream(file, chunkBytes);
  let line = 1;
  let started = false; // saw the opening "["
  let ended = false; // saw the closing "]"
  let open = false; // inside an element
  let depth = 0; // bracket nesting inside the current element
  let inString = false;
  let escaped = false;
  let expectValue = true; // after "[" or ",": a value must follow
  let count = 0;
  let parts: string[] = [];
  let elemLine = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = !started ? chunk.replace(/^\uFEFF/, "") : chunk;
      let elemStart = open ? 0 : -1;
      const out: RawRow[] = [];
      const finish = (end: number): void => {
        parts.push(text.slice(elemStart, end));
        out.push(parseElement(file, parts.join(""), elemLine));
        parts = [];
        open = false;
        elemStart = -1;
        count++;
      };
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "\n") line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === "\\") escaped = true;
          else if (c === '"') {
            inString = false;
            if (depth === 0) finish(i + 1);
          }
          continue;
        }
        if (!started) {
          if (c === "[") started = true;
          else if (!isSpace(c))
            throw new InputError(`${file}: line ${line}: expected a JSON array starting with "["`);
          continue;
        }
        if (ended) {
          if (!isSpace(c))
            throw new InputError(`${file}: line ${line}: unexpected text after the closing "]"`);
          continue;
        }
        if (open && depth === 0) {
          // A bare scalar (number, true, false, null) ends at the next delimiter.
          if (c !== "," && c !== "]" && !isSpace(c)) continue;
          finish(i);
        }
        if (!open) {
          if (isSpace(c)) continue;
          if (c === "]") {
            if (expectValue && count > 0)
              throw new InputError(`${file}: line ${line}: trailing "," before "]"`);
            ended = true;
            continue;
          }
          if (c === ",") {
            if (expectValue) throw new InputError(`${file}: line ${line}: unexpected "," in the array`);
            expectValue = true;
            continue;
          }
          if (!expectValue)
            throw new InputError(`${file}: line ${line}: expected "," or "]" between elements`);
          open = true;
          elemStart = i;
          elemLine = line;
          expectValue = false;
          if (c === '"') inString = true;
          else if (c === "{" || c === "[") depth = 1;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === "{" || c === "[") depth++;
        else if (c === "}" || c === "]") {
          depth--;
          if (depth === 0) finish(i + 1);
        }
      }
      if (open) parts.push(text.slice(elemStart));
      yield* out;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw ioError(file, e);
  } finally {
    stream.destroy();
  }
  if (!started) throw new InputError(`${file}: empty file; expected a JSON array`);
  if (open || !ended)
    throw new InputError(`${file}: line ${line}: the JSON array is truncated (no closing "]")`);
}

function isSpace(c: string): boolean {
  return c === " " || c === "\n" || c === "\r" || c === "\t";
}

function parseElement(file: string, text: string, line: number): RawRow {
  try {
    return { value: JSON.parse(text), file, where: `line ${line}` };
  } catch (e) {
    throw new InputError(`${file}: line ${line}: not valid JSON (${(e as Error).message})`);
  }
}
