// File IO for the eval layer: alpaca_eval's model_outputs.json (instruction, output, generator, dataset)
// and atomic JSON writes (temp name, fsync, rename: nothing half-written on failure).
import { open, readFile, rename, unlink } from "node:fs/promises";
import { InputError } from "../util/errors.js";

export interface ModelOutput {
  instruction: string;
  output: string;
  generator: string;
  dataset?: string;
  [extra: string]: unknown;
}

export async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`${path}: cannot read ${what} (${(e as Error).message})`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: ${what} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

export function parseModelOutputs(data: unknown, path: string, fallbackGenerator?: string): ModelOutput[] {
  if (!Array.isArray(data)) throw new InputError(`${path}: (root): expected a JSON array of model outputs`);
  return data.map((raw: unknown, i) => {
    const r = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    for (const f of ["instruction", "output"]) {
      if (typeof r[f] !== "string") throw new InputError(`${path}: [${i}].${f}: expected a string`);
    }
    const generator = typeof r.generator === "string" ? r.generator : fallbackGenerator;
    if (generator === undefined)
      throw new InputError(`${path}: [${i}].generator: expected a string (or pass --name)`);
    return { ...r, generator } as ModelOutput;
  });
}

export async function readModelOutputs(path: string, fallbackGenerator?: string): Promise<ModelOutput[]> {
  return parseModelOutputs(await readJson(path, "model outputs"), path, fallbackGenerator);
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(text);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
