// Batch scoring: scoreGroups (concurrency-limited, or the ranker's own scoreBatch) and rankFile, the
// resumable `prefloop rank` stage: generations.jsonl (prompt_id, prompt, responses[]) → scores.jsonl
// (prompt_id, scores[], ranker). Rows are appended whole and fsynced per batch; a rerun skips the
// prompt_ids already present and cuts a torn last line left by a crash.
import { open, readFile, truncate } from "node:fs/promises";
import type { ChatMessage } from "../util/types.js";
import { InputError } from "../util/errors.js";
import type { RankGroup, Ranker, RankResult } from "./ranker.js";

export interface ScoreGroupsOptions {
  /** parallel score() calls for rankers without scoreBatch */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function scoreGroups(
  ranker: Ranker,
  groups: RankGroup[],
  options: ScoreGroupsOptions = {},
): Promise<RankResult[]> {
  if (ranker.scoreBatch) {
    const out = await ranker.scoreBatch(groups);
    options.onProgress?.(groups.length, groups.length);
    return out;
  }
  const out = new Array<RankResult>(groups.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const i = next++;
      out[i] = await ranker.score(groups[i].prompt, groups[i].candidates);
      if (out[i].scores.length !== groups[i].candidates.length) {
        throw new Error(
          `ranker ${ranker.id} returned ${out[i].scores.length} scores for ${groups[i].candidates.length} candidates`,
        );
      }
      options.onProgress?.(++done, groups.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, groups.length)) }, worker),
  );
  return out;
}

export interface GenerationRow {
  prompt_id: string;
  prompt: string | ChatMessage[];
  responses: string[];
}

export interface ScoreRow {
  prompt_id: string;
  scores: number[];
  ranker: string;
  matrix?: number[][];
}

/** The text a ranker sees for a prompt: the string itself, or the last user turn of a message list. */
export function promptText(prompt: string | ChatMessage[]): string {
  if (typeof prompt === "string") return prompt;
  const users = prompt.filter((m) => m.role === "user");
  const last = users[users.length - 1] ?? prompt[prompt.length - 1];
  return typeof last?.content === "string" ? last.content : "";
}

export function parseGenerations(text: string, path: string): GenerationRow[] {
  const rows: GenerationRow[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${path}:${i + 1}`;
    let row: Partial<GenerationRow>;
    try {
      row = JSON.parse(line) as Partial<GenerationRow>;
    } catch (e) {
      throw new InputError(`${where}: not valid JSON`, { cause: e });
    }
    if (typeof row.prompt_id !== "string") throw new InputError(`${where}: expected a string "prompt_id"`);
    if (typeof row.prompt !== "string" && !Array.isArray(row.prompt)) {
      throw new InputError(`${where}: expected "prompt" as a string or a list of messages`);
    }
    if (!Array.isArray(row.responses) || row.responses.some((r) => typeof r !== "string")) {
      throw new InputError(`${where}: expected "responses" as a list of strings`);
    }
    if (seen.has(row.prompt_id)) throw new InputError(`${where}: prompt_id ${row.prompt_id} appears twice`);
    seen.add(row.prompt_id);
    rows.push(row as GenerationRow);
  });
  return rows;
}

/** prompt_ids already in an output file; cuts a torn (unterminated) last line first. */
async function finishedIds(outPath: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(outPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Set();
    throw e;
  }
  const end = text.lastIndexOf("\n") + 1;
  if (end < text.length) await truncate(outPath, Buffer.byteLength(text.slice(0, end)));
  const ids = new Set<string>();
  text
    .slice(0, end)
    .split("\n")
    .forEach((line, i) => {
      if (!line) return;
      try {
        ids.add((JSON.parse(line) as ScoreRow).prompt_id);
      } catch (e) {
        throw new InputError(`${outPath}:${i + 1}: not valid JSON; cannot resume`, { cause: e });
      }
    });
  return ids;
}

export interface RankFileOptions extends ScoreGroupsOptions {
  /** groups scored (and appended) at a time */
  batchSize?: number;
}

export async function rankFile(
  ranker: Ranker,
  inPath: string,
  outPath: string,
  options: RankFileOptions = {},
): Promise<{ total: number; skipped: number; written: number }> {
  const rows = parseGenerations(await readFile(inPath, "utf8"), inPath);
  const done = await finishedIds(outPath);
  const todo = rows.filter((r) => !done.has(r.prompt_id));
  const batchSize = options.batchSize ?? 64;
  let written = 0;
  const fh = await open(outPath, "a");
  try {
    for (let start = 0; start < todo.length; start += batchSize) {
      const chunk = todo.slice(start, start + batchSize);
      const results = await scoreGroups(
        ranker,
        chunk.map((r) => ({ prompt: promptText(r.prompt), candidates: r.responses })),
        { concurrency: options.concurrency },
      );
      const lines = chunk.map((r, i) => {
        const row: ScoreRow = { prompt_id: r.prompt_id, scores: results[i].scores, ranker: ranker.id };
        if (results[i].matrix) row.matrix = results[i].matrix;
        return `${JSON.stringify(row)}\n`;
      });
      await fh.write(lines.join(""));
      await fh.datasync();
      written += chunk.length;
      options.onProgress?.(done.size + written, rows.length);
    }
  } finally {
    await fh.close();
  }
  return { total: rows.length, skipped: rows.length - todo.length, written };
}
