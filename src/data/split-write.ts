// Materialises a split plan: streams the prompts again and writes each part to <dir>/<part>.jsonl
// in seeded-shuffle order (ascending second seeded hash), with bounded memory: rows go to temporary bucket
// files by hash range, each bucket is sorted in memory, then appended to its part. Each part file
// appears whole or not at all (temp name, fsync, rename); on failure no part file is left behind.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { AtomicWriter } from "./atomic-file.js";
import { textStream } from "./sources/open-file.js";
import { type SplitPlan, seededUniforms, UNUSED } from "./split.js";
import type { PromptRecord } from "./types.js";

export interface WriteSplitOptions {
  /** "shuffled" (default): ascending seeded hash; "source": source order */
  order?: "shuffled" | "source";
  /** rows held in memory at once when shuffling (default 50,000) */
  bucketRows?: number;
}

export interface WrittenPart {
  name: string;
  path: string;
  count: number;
}

/** A JSONL line of a split file: the PromptRecord plus its part. */
export interface SplitPromptLine extends PromptRecord {
  split: string;
}

export async function writeSplitFiles(
  prompts: AsyncIterable<PromptRecord>,
  plan: SplitPlan,
  dir: string,
  options: WriteSplitOptions = {},
): Promise<WrittenPart[]> {
  await mkdir(dir, { recursive: true });
  const writers = plan.parts.map((p) => new AtomicWriter(join(dir, `${p.name}.jsonl`)));
  const counts = plan.parts.map(() => 0);
  const assigned = plan.parts.reduce((a, p) => a + p.count, 0);
  const nBuckets =
    options.order === "source" ? 0 : Math.max(1, Math.ceil(assigned / (options.bucketRows ?? 50_000)));
  const scratch = nBuckets > 0 ? await mkdtemp(join(dir, ".split-")) : undefined;
  const buckets = scratch
    ? Array.from({ length: nBuckets }, (_, b) => new AtomicWriter(join(scratch, `${b}.tsv`)))
    : [];
  try {
    for await (const rec of prompts) {
      const part = plan.assignment.get(rec.prompt_id);
      if (part === undefined || part === UNUSED) continue;
      const line = JSON.stringify({ ...rec, split: plan.parts[part].name } satisfies SplitPromptLine);
      if (nBuckets === 0) {
        await writers[part].write(`${line}\n`);
        counts[part]++;
        continue;
      }
      // the second uniform: independent of the one that chose the part
      const [, u] = seededUniforms(plan.spec.seed, rec.prompt_id);
      await buckets[Math.min(nBuckets - 1, Math.floor(u * nBuckets))].write(`${u}\t${part}\t${line}\n`);
    }
    for (const b of buckets) await b.commit();
    for (const b of buckets) {
      const rows: Array<{ u: number; part: number; line: string }> = [];
      for await (const text of createInterface({
        input: textStream(b.path),
        crlfDelay: Number.POSITIVE_INFINITY,
      })) {
        const t1 = text.indexOf("\t");
        const t2 = text.indexOf("\t", t1 + 1);
        rows.push({
          u: Number(text.slice(0, t1)),
          part: Number(text.slice(t1 + 1, t2)),
          line: text.slice(t2 + 1),
        });
      }
      rows.sort((a, c) => a.u - c.u);
      for (const r of rows) {
        await writers[r.part].write(`${r.line}\n`);
        counts[r.part]++;
      }
      await rm(b.path, { force: true });
    }
    for (const w of writers) await w.commit();
  } catch (e) {
    await Promise.all([...writers, ...buckets].map((w) => w.abort()));
    throw e;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
  return plan.parts.map((p, i) => ({ name: p.name, path: writers[i].path, count: counts[i] }));
}

/** The prompts of one part, in source order (a filter over a second pass). */
export async function* partPrompts(
  prompts: AsyncIterable<PromptRecord>,
  plan: SplitPlan,
  name: string,
): AsyncGenerator<PromptRecord> {
  const index = plan.parts.findIndex((p) => p.name === name);
  if (index < 0)
    throw new RangeError(`no part ${name} in the plan (${plan.parts.map((p) => p.name).join(", ")})`);
  for await (const rec of prompts) if (plan.assignment.get(rec.prompt_id) === index) yield rec;
}

/**
 * Small pools: every part in memory, in the same seeded-shuffle order as writeSplitFiles
 * (train[k-1] / test[k-1] are iteration k's parts). Holds all assigned prompts; for large pools
 * use writeSplitFiles and stream the part files.
 */
export async function splitInMemory(
  prompts: AsyncIterable<PromptRecord>,
  plan: SplitPlan,
): Promise<{ train: PromptRecord[][]; test: PromptRecord[][] }> {
  const parts = plan.parts.map(() => [] as Array<{ key: number; rec: PromptRecord }>);
  for await (const rec of prompts) {
    const part = plan.assignment.get(rec.prompt_id);
    if (part === undefined || part === UNUSED) continue;
    parts[part].push({ key: seededUniforms(plan.spec.seed, rec.prompt_id)[1], rec });
  }
  const sorted = parts.map((p) => p.sort((a, b) => a.key - b.key).map((x) => x.rec));
  const train: PromptRecord[][] = [];
  const test: PromptRecord[][] = [];
  for (const [i, p] of plan.parts.entries()) (p.kind === "train" ? train : test).push(sorted[i]);
  return { train, test };
}
