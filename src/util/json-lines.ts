// JSON Lines text → one parsed value per non-blank line, with the `file:line` each came from, for readers of
// user-written JSONL (reward-model data, DPO training files) whose errors name the line. Not the run
// directory's append-only JSONL (src/pipeline/jsonl.ts drops a line torn by a kill instead of failing).
import { InputError } from "./errors.js";

/** Parses every non-blank line of `text`; a line that is not JSON throws `path:line: invalid JSON`. */
export function parseJsonLines(text: string, path: string): Array<{ value: unknown; where: string }> {
  const out: Array<{ value: unknown; where: string }> = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim().length === 0) return;
    const where = `${path}:${i + 1}`;
    try {
      out.push({ value: JSON.parse(line), where });
    } catch {
      throw new InputError(`${where}: invalid JSON`);
    }
  });
  return out;
}
