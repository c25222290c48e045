// Batch generation from a prompts JSONL file into a generations JSONL file, resumable: prompt_ids already
// in the output are skipped, each finished prompt is appended as one whole line (written, then fsynced), and
// a torn last line from a crash is cut off before appending. Not the pipeline stage's manifest logic.
// Input line: {"prompt": string | [{role, content}...], "prompt_id"?: string}; a missing prompt_id is the
// sha256 (hex) of the prompt string, or of the JSON of the message list.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import type { ChatMessage } from "../util/types.js";
import { InputError } from "../util/errors.js";
import type { GenerationRequest, Generator, SamplingSettings } from "./generator.js";

export interface PromptLine {
  promptId: string;
  prompt: string | ChatMessage[];
}

export interface GenerateFileOptions {
  generator: Generator;
  promptsPath: string;
  outPath: string;
  n: number;
  sampling: SamplingSettings;
  /** string prompts are raw text (no chat template); else each is one user message */
  raw: boolean;
  /** prompts per generate() call; default 8 */
  promptsPerCall?: number;
  onProgress?: (done: number, total: number, skipped: number) => void;
}

const roles = new Set(["system", "user", "assistant"]);

function parseMessages(value: unknown[], where: string): ChatMessage[] {
  return value.map((m, i) => {
    const role = (m as { role?: unknown })?.role;
    const content = (m as { content?: unknown })?.content;
    if (typeof role !== "string" || !roles.has(role) || typeof content !== "string") {
      throw new InputError(`${where}: prompt[${i}] must be {role: system|user|assistant, content: string}`);
    }
    return { role: role as ChatMessage["role"], content };
  });
}

/** The prompts of a JSONL file, validated; errors name the file and line. */
export function readPromptsJsonl(path: string): PromptLine[] {
  if (!existsSync(path)) throw new InputError(`${path}: no such prompts file`);
  const out: PromptLine[] = [];
  const seen = new Set<string>();
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      const where = `${path}:${i + 1}`;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (e) {
        throw new InputError(`${where}: invalid JSON (${(e as Error).message})`);
      }
      const value = (row as { prompt?: unknown })?.prompt;
      let prompt: string | ChatMessage[];
      if (typeof value === "string") prompt = value;
      else if (Array.isArray(value)) prompt = parseMessages(value, where);
      else throw new InputError(`${where}: field "prompt" must be a string or a list of messages`);
      const given = (row as { prompt_id?: unknown }).prompt_id;
      if (given !== undefined && typeof given !== "string")
        throw new InputError(`${where}: field "prompt_id" must be a string`);
      const promptId =
        given ??
        createHash("sha256")
          .update(typeof prompt === "string" ? prompt : JSON.stringify(prompt))
          .digest("hex");
      if (seen.has(promptId)) throw new InputError(`${where}: duplicate prompt_id ${promptId}`);
      seen.add(promptId);
      out.push({ promptId, prompt });
    });
  return out;
}

/** prompt_ids of the complete lines of an output file; a torn final line (no newline) is truncated away. */
export function completedPromptIds(outPath: string): Set<string> {
  const done = new Set<string>();
  if (!existsSync(outPath)) return done;
  const text = readFileSync(outPath, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  if (end < text.length) truncateSync(outPath, Buffer.byteLength(text.slice(0, end)));
  text
    .slice(0, end)
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const id = (JSON.parse(line) as { prompt_id?: unknown }).prompt_id;
        if (typeof id === "string") done.add(id);
      } catch {
        throw new InputError(`${outPath}:${i + 1}: not a JSON line; is this a generations file?`);
      }
    });
  return done;
}

function appendLine(path: string, line: string): void {
  const fd = openSync(path, "a");
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Runs the batch; returns how many prompts were generated now and how many were already done. */
export async function generateFile(o: GenerateFileOptions): Promise<{ generated: number; skipped: number }> {
  const prompts = readPromptsJsonl(o.promptsPath);
  const done = completedPromptIds(o.outPath);
  const todo = prompts.filter((p) => !done.has(p.promptId));
  const skipped = prompts.length - todo.length;
  const perCall = Math.max(1, o.promptsPerCall ?? 8);
  const s = o.sampling;
  const samplingOnWire = {
    temperature: s.temperature,
    top_p: s.topP,
    top_k: s.topK,
    min_p: s.minP,
    max_tokens: s.maxTokens,
    stop: s.stop,
    seed: s.seed,
    n: o.n,
  };
  o.onProgress?.(0, todo.length, skipped);
  for (let i = 0; i < todo.length; i += perCall) {
    const batch = todo.slice(i, i + perCall);
    const requests: GenerationRequest[] = batch.map((p) => ({
      prompt:
        typeof p.prompt === "string"
          ? o.raw
            ? { raw: p.prompt }
            : [{ role: "user", content: p.prompt }]
          : p.prompt,
      n: o.n,
      sampling: s,
    }));
    const results = await o.generator.generate(requests);
    batch.forEach((p, k) => {
      const samples = results[k] ?? [];
      appendLine(
        o.outPath,
        JSON.stringify({
          prompt_id: p.promptId,
          prompt: p.prompt,
          responses: samples.map((x) => x.text),
          finish_reasons: samples.map((x) => x.finishReason),
          completion_tokens: samples.map((x) => x.tokens?.length ?? null),
          logprob_sums: samples.map((x) => (x.logprobs ? x.logprobs.reduce((a, b) => a + b, 0) : null)),
          model: o.generator.id,
          sampling: samplingOnWire,
        }),
      );
    });
    o.onProgress?.(Math.min(i + perCall, todo.length), todo.length, skipped);
  }
  return { generated: todo.length, skipped };
}
