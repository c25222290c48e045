// The score cache: an append-only JSONL file of {k, v} rows, k = sha256(ranker id, prompt, candidate),
// so a rerun (or a resumed run) never pays twice for the same score. Group-dependent rankers (PairRM,
// tournaments) key by the whole candidate list instead. Not a database: the file is loaded whole.
import { createHash } from "node:crypto";
import { appendFile, mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RankGroup, Ranker, RankResult } from "./ranker.js";

type Value = number | { scores: number[]; matrix?: number[][] };

// JSON has no Infinity; a scorer may legitimately return ±Infinity (e.g. "never choose this").
const encode = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
const decode = (x: unknown): number => (typeof x === "string" ? Number(x) : (x as number));

export class ScoreCache {
  private readonly map = new Map<string, Value>();
  private pending: string[] = [];
  hits = 0;
  misses = 0;

  private constructor(readonly path: string | null) {}

  /** An in-memory cache (nothing persisted). */
  static memory(): ScoreCache {
    return new ScoreCache(null);
  }

  /** Opens (or creates) a cache file; a torn last line from a crash is cut off first. */
  static async open(path: string): Promise<ScoreCache> {
    const cache = new ScoreCache(path);
    await mkdir(dirname(path), { recursive: true });
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const end = text.lastIndexOf("\n") + 1;
    if (end < text.length) {
      const fh = await open(path, "r+");
      await fh.truncate(Buffer.byteLength(text.slice(0, end)));
      await fh.close();
    }
    for (const line of text.slice(0, end).split("\n")) {
      if (!line) continue;
      const row = JSON.parse(line) as { k: string; v: unknown };
      cache.map.set(row.k, decodeValue(row.v));
    }
    return cache;
  }

  static key(...parts: string[]): string {
    const h = createHash("sha256");
    for (const p of parts) h.update(p).update("\u0000");
    return h.digest("hex");
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): Value | undefined {
    const v = this.map.get(key);
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }

  set(key: string, value: Value): void {
    this.map.set(key, value);
    if (this.path) this.pending.push(`${JSON.stringify({ k: key, v: encodeValue(value) })}\n`);
  }

  /** Appends new rows as whole lines. */
  async flush(): Promise<void> {
    if (!this.path || this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    await appendFile(this.path, text);
  }
}

function encodeValue(v: Value): unknown {
  if (typeof v === "number") return encode(v);
  return {
    scores: v.scores.map(encode),
    ...(v.matrix ? { matrix: v.matrix.map((r) => r.map(encode)) } : {}),
  };
}

function decodeValue(v: unknown): Value {
  if (typeof v === "number" || typeof v === "string") return decode(v);
  const o = v as { scores: unknown[]; matrix?: unknown[][] };
  return {
    scores: o.scores.map(decode),
    ...(o.matrix ? { matrix: o.matrix.map((r) => r.map(decode)) } : {}),
  };
}

/**
 * A Ranker that answers from the cache and asks `inner` only for what it has not scored before;
 * new scores are appended to the cache file before the call returns.
 */
export function cachedRanker(inner: Ranker, cache: ScoreCache): Ranker {
  const groupKey = (g: RankGroup): string => ScoreCache.key(inner.id, g.prompt, JSON.stringify(g.candidates));
  const toValue = (r: RankResult): Value =>
    r.matrix ? { scores: r.scores, matrix: r.matrix } : { scores: r.scores };

  async function scoreOne(prompt: string, candidates: string[]): Promise<RankResult> {
    if (!inner.pointwise) {
      const key = groupKey({ prompt, candidates });
      const hit = cache.get(key);
      if (hit !== undefined && typeof hit !== "number") return hit;
      const result = await inner.score(prompt, candidates);
      cache.set(key, toValue(result));
      return result;
    }
    const keys = candidates.map((c) => ScoreCache.key(inner.id, prompt, c));
    const scores = new Array<number>(candidates.length);
    const todo = new Map<string, number[]>();
    keys.forEach((k, i) => {
      const hit = cache.get(k);
      if (typeof hit === "number") scores[i] = hit;
      else todo.set(candidates[i], [...(todo.get(candidates[i]) ?? []), i]);
    });
    if (todo.size > 0) {
      const missing = [...todo.keys()];
      const fresh = await inner.score(prompt, missing);
      missing.forEach((c, j) => {
        const idx = todo.get(c) ?? [];
        for (const i of idx) scores[i] = fresh.scores[j];
        cache.set(keys[idx[0]], fresh.scores[j]);
      });
    }
    return { scores };
  }

  const ranker: Ranker = {
    id: inner.id,
    pointwise: inner.pointwise,
    close: inner.close?.bind(inner),
    async score(prompt, candidates) {
      const r = await scoreOne(prompt, candidates);
      await cache.flush();
      return r;
    },
  };
  if (inner.scoreBatch && !inner.pointwise) {
    const batch = inner.scoreBatch.bind(inner);
    ranker.scoreBatch = async (groups) => {
      const out = new Array<RankResult>(groups.length);
      const miss: number[] = [];
      groups.forEach((g, i) => {
        const hit = cache.get(groupKey(g));
        if (hit !== undefined && typeof hit !== "number") out[i] = hit;
        else miss.push(i);
      });
      if (miss.length > 0) {
        const fresh = await batch(miss.map((i) => groups[i]));
        miss.forEach((i, t) => {
          out[i] = fresh[t];
          cache.set(groupKey(groups[i]), toValue(fresh[t]));
        });
      }
      await cache.flush();
      return out;
    };
  }
  return ranker;
}
