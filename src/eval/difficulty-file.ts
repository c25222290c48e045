// Reading and writing instruction-difficulty tables: alpaca_eval's instruction_difficulty.csv
// (index,instruction_difficulty), or JSON (an array, or {"difficulty": [...]}).
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "./io.js";

export async function readDifficulty(path: string): Promise<Float64Array> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`${path}: cannot read the difficulty table (${(e as Error).message})`, { cause: e });
  }
  if (path.endsWith(".json")) {
    const data = JSON.parse(text) as unknown;
    const arr = Array.isArray(data) ? data : (data as { difficulty?: unknown }).difficulty;
    if (!Array.isArray(arr))
      throw new InputError(`${path}: expected a JSON array of numbers or {"difficulty": [...]}`);
    return Float64Array.from(arr, (v: unknown, i) => {
      if (typeof v !== "number" || !Number.isFinite(v))
        throw new InputError(`${path}: [${i}]: expected a number`);
      return v;
    });
  }
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  const col = rows[0] && "instruction_difficulty" in rows[0] ? "instruction_difficulty" : undefined;
  if (col === undefined) throw new InputError(`${path}: line 1: expected a column "instruction_difficulty"`);
  return Float64Array.from(rows, (r, i) => {
    const v = Number(r[col]);
    if (!Number.isFinite(v))
      throw new InputError(`${path}: line ${i + 2}: instruction_difficulty: expected a number`);
    return v;
  });
}

export function writeDifficulty(path: string, d: ArrayLike<number>): Promise<void> {
  const lines = [",instruction_difficulty"];
  for (let i = 0; i < d.length; i++) lines.push(`${i},${d[i]}`);
  return writeFileAtomic(path, `${lines.join("\n")}\n`);
}
