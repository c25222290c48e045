// Shared test helpers for the data layer: temp folders, pool paths, collecting async iterators.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { sharedDir } from "../shared-dir.js";

const repo = join(import.meta.dirname, "../..");

/**
 * the shared data's prompts (test/shared-dir.ts; a worktree sits one level deeper), or
 * $PREFLOOP_SHARED_DATA ("none": behave as a clone without it, on the committed fixtures).
 */
export const POOLS: string | undefined =
  process.env.PREFLOOP_SHARED_DATA === "none"
    ? undefined
    : [
        process.env.PREFLOOP_SHARED_DATA,
        join(sharedDir, "data/prompts"),
        join(repo, "../../shared/data/prompts"),
      ].find((p): p is string => p !== undefined && existsSync(p));

/** node:test `skip` reason when the shared pools are absent (a clone without ../shared). */
export const noPools =
  POOLS === undefined ? "../shared/data/prompts not found (set PREFLOOP_SHARED_DATA)" : false;

export function pool(rel: string): string {
  const path = poolOrFixture(rel);
  if (path === undefined) throw new Error(String(noPools));
  return path;
}

/** Small committed slices stand in for two pools when ../shared is absent (test/fixtures/data/README.md). */
const fixtures: Record<string, string> = {
  "ultrafeedback_binarized_sample/train_clean.jsonl": "ultrafeedback_binarized_45.jsonl",
  "stanford_alpaca/alpaca_5000.json": "alpaca_60.json",
};

export function poolOrFixture(rel: string): string | undefined {
  if (POOLS !== undefined) return join(POOLS, rel);
  return fixtures[rel] === undefined ? undefined : join(repo, "test/fixtures/data", fixtures[rel]);
}

/** node:test `skip` for one pool: false when the pool or its fixture is there. */
export function skipPool(rel: string): string | false {
  return poolOrFixture(rel) === undefined ? String(noPools) : false;
}

export async function tempDir(prefix = "prefloop-data-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
