// Model outputs on an instruction set in alpaca_eval's model_outputs.json format, from any Generator
// (the local engine or an OpenAI-compatible endpoint). Instruction files: alpaca_eval's JSONL eval set
// (index, instruction, dataset), a JSON array of such rows, or a model_outputs.json. Not the judge.
import { readFile } from "node:fs/promises";
import type { Generator, SamplingSettings } from "../generate/index.js";
import { InputError } from "../util/errors.js";
import type { ModelOutput } from "./io.js";

export interface InstructionRow {
  instruction: string;
  dataset?: string;
}

export async function readInstructions(path: string): Promise<InstructionRow[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`${path}: cannot read instructions (${(e as Error).message})`, { cause: e });
  }
  const trimmed = text.trimStart();
  let rows: unknown[];
  if (trimmed.startsWith("[")) rows = JSON.parse(trimmed) as unknown[];
  else {
    rows = [];
    for (const [i, line] of text.split("\n").entries()) {
      if (line.trim() === "") continue;
      try {
        rows.push(JSON.parse(line));
      } catch {
        throw new InputError(`${path}: line ${i + 1}: not valid JSON`);
      }
    }
  }
  return rows.map((r, i) => {
    const o = (r ?? {}) as Record<string, unknown>;
    if (typeof o.instruction !== "string")
      throw new InputError(`${path}: row ${i + 1}: instruction: expected a string`);
    return { instruction: o.instruction, ...(typeof o.dataset === "string" ? { dataset: o.dataset } : {}) };
  });
}

export const defaultEvalSampling: SamplingSettings = {
  temperature: 0.7,
  topP: 1,
  topK: 0,
  minP: 0,
  maxTokens: 2048,
  stop: [],
  seed: 0,
};

export async function generateModelOutputs(
  generator: Generator,
  instructions: InstructionRow[],
  opts: {
    name: string;
    sampling?: SamplingSettings;
    batchSize?: number;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<ModelOutput[]> {
  const sampling = opts.sampling ?? defaultEvalSampling;
  const batch = opts.batchSize ?? 16;
  const out: ModelOutput[] = [];
  for (let i = 0; i < instructions.length; i += batch) {
    const chunk = instructions.slice(i, i + batch);
    const res = await generator.generate(
      chunk.map((r) => ({ prompt: [{ role: "user", content: r.instruction }], n: 1, sampling })),
    );
    chunk.forEach((r, j) => {
      out.push({
        instruction: r.instruction,
        output: res[j]?.[0]?.text ?? "",
        generator: opts.name,
        dataset: r.dataset,
      });
    });
    opts.onProgress?.(out.length, instructions.length);
  }
  return out;
}
