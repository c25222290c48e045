// Append-only JSONL cache of judge verdicts keyed by sha256(judge id, instruction, both outputs in the
// order shown), so a rerun costs nothing. Each entry is one whole line appended once it is known; a
// torn last line (crash mid-write) is ignored on load. Not a general key-value store.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { PairVerdict } from "./types.js";

export function judgeCacheKey(judgeId: string, instruction: string, first: string, second: string): string {
  return createHash("sha256")
    .update(JSON.stringify([judgeId, instruction, first, second]))
    .digest("hex");
}

export class JudgeCache {
  private readonly entries = new Map<string, PairVerdict>();
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly path: string | null) {
    if (path === null || !existsSync(path)) return;
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      try {
        const e = JSON.parse(line) as { key: string; verdict: PairVerdict };
        this.entries.set(e.key, e.verdict);
      } catch {
        // a torn final line from an interrupted run: that verdict is simply recomputed
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): PairVerdict | undefined {
    return this.entries.get(key);
  }

  /** Records a verdict; writes are serialised so lines never interleave. */
  set(key: string, verdict: PairVerdict): Promise<void> {
    this.entries.set(key, verdict);
    const path = this.path;
    if (path === null) return Promise.resolve();
    this.pending = this.pending.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, `${JSON.stringify({ key, verdict })}\n`);
    });
    return this.pending;
  }

  flush(): Promise<void> {
    return this.pending;
  }
}
