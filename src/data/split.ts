// Seeded, disjoint splits of prompts into K iterations x {train, test} parts, decided per prompt_id
// from a seeded hash of the id, online in source order: the same seed gives the same parts, and
// appending rows never moves an earlier prompt (fractions: always; counts: given the same population).
// Counts are exact; fractions are hash ranges (expected sizes). Memory: 8-byte id prefixes + a part
// index per prompt. See planSplit for the sampling rule.
import { createHash } from "node:crypto";
import { ConfigError } from "../util/errors.js";
import { IdMap } from "./id-set.js";

/** A part's size: a count, a fraction of the unique prompts, or (train only) what the test parts leave, split over K. */
export type PartSize = { count: number } | { fraction: number } | { rest: true };

export interface SplitSpec {
  /** K >= 1 iterations, each with a disjoint train part and a held-out test part */
  iterations: number;
  /** size of each iteration's train part; counts and fractions may be mixed (fractions then become counts) */
  train: PartSize;
  /** size of each iteration's test part ({count: 0} for none) */
  test: PartSize;
  seed: number;
}

export interface SplitPart {
  /** train_iteration_<k> or test_iteration_<k>, k from 1 */
  name: string;
  iteration: number;
  kind: "train" | "test";
  /** the cap in count mode */
  requested?: number;
  count: number;
}

export interface SplitPlan {
  spec: SplitSpec;
  parts: SplitPart[];
  /** prompt_id -> index into parts, -1 when the prompt is in no part */
  assignment: IdMap;
  /** unique prompts seen */
  total: number;
  /** the population the count-mode ranges were scaled to (pass it again after appending rows) */
  population: number;
}

export const UNUSED = -1;

/** Accepts 100 (a count), 0.25 (a fraction), "25%", {count} or {fraction}; `field` names it in errors. */
export function parseSize(value: unknown, field: string): PartSize {
  let v = value;
  if (typeof v === "object" && v !== null) {
    const o = v as { count?: unknown; fraction?: unknown; rest?: unknown };
    if (o.count !== undefined) return checkCount(o.count, field);
    if (o.fraction !== undefined) return checkFraction(o.fraction, field);
    if (o.rest === true) return { rest: true };
  }
  if (v === "rest" || v === null) return { rest: true };
  if (typeof v === "string" && /^\s*-?[\d.]+\s*%\s*$/.test(v))
    return checkFraction(Number.parseFloat(v) / 100, field);
  if (typeof v === "string" && /^\s*-?[\d.]+\s*$/.test(v)) v = Number(v);
  if (typeof v === "number" && v > 0 && v < 1) return checkFraction(v, field);
  if (typeof v === "number") return checkCount(v, field);
  throw new ConfigError(
    `${field}: expected a count (e.g. 1000), a fraction (0.2), a percentage ("20%") or "rest", got ${JSON.stringify(value)}`,
  );
}

function checkCount(v: unknown, field: string): PartSize {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new ConfigError(`${field}: a count must be a whole number >= 0, got ${JSON.stringify(v)}`);
  }
  return { count: v };
}

function checkFraction(v: unknown, field: string): PartSize {
  if (typeof v !== "number" || !(v > 0 && v <= 1)) {
    throw new ConfigError(`${field}: a fraction must be in (0, 1], got ${JSON.stringify(v)}`);
  }
  return { fraction: v };
}

export function checkSplitSpec(spec: SplitSpec): void {
  if (!Number.isInteger(spec.iterations) || spec.iterations < 1) {
    throw new ConfigError(
      `split.iterations: expected a whole number >= 1, got ${JSON.stringify(spec.iterations)}`,
    );
  }
  if (!Number.isInteger(spec.seed))
    throw new ConfigError(`split.seed: expected an integer, got ${JSON.stringify(spec.seed)}`);
  const train = parseSize(spec.train, "split.train");
  const test = parseSize(spec.test, "split.test");
  if ("rest" in test) throw new ConfigError('split.test: "rest" applies to train only');
  if (splitMode(train, test) === "fraction") {
    const k = spec.iterations;
    const t = "fraction" in test ? test.fraction : 0;
    const tr = "fraction" in train ? train.fraction : (1 - k * t) / k;
    const sum = k * (tr + t);
    if (sum > 1 + 1e-9)
      throw new ConfigError(`split: ${k} x (train + test) fractions add up to ${sum.toFixed(3)} > 1`);
    if (tr <= 0) throw new ConfigError(`split: the test parts leave nothing to train on (${k} x ${t} >= 1)`);
  } else if ("count" in train && "count" in test && train.count + test.count === 0) {
    throw new ConfigError("split: train and test are both 0");
  }
}

/** Fractions only (test may be 0): hash ranges; any count: exact counts over the population. */
function splitMode(train: PartSize, test: PartSize): "fraction" | "count" {
  return "count" in train || ("count" in test && test.count > 0) ? "count" : "fraction";
}

/** Each part's width: its fraction (fraction mode) or its count given the population (count mode). */
function partWidths(
  spec: SplitSpec,
  mode: "fraction" | "count",
  population: number,
): { train: number; test: number } {
  const train = parseSize(spec.train, "split.train");
  const test = parseSize(spec.test, "split.test");
  const k = spec.iterations;
  const size = (p: PartSize): number =>
    "count" in p
      ? p.count
      : "fraction" in p
        ? mode === "count"
          ? Math.floor(p.fraction * population)
          : p.fraction
        : 0;
  const t = size(test);
  const rest = mode === "count" ? Math.max(0, Math.floor((population - k * t) / k)) : (1 - k * t) / k;
  return { train: "rest" in train ? rest : size(train), test: t };
}

export function partNames(iterations: number): SplitPart[] {
  const parts: SplitPart[] = [];
  for (let k = 1; k <= iterations; k++) {
    parts.push({ name: `train_iteration_${k}`, iteration: k, kind: "train", count: 0 });
    parts.push({ name: `test_iteration_${k}`, iteration: k, kind: "test", count: 0 });
  }
  return parts;
}

/** Two independent uniforms in [0, 1) for a prompt under a seed. */
export function seededUniforms(seed: number, id: string): [number, number] {
  const d = createHash("sha256").update(`prefloop-split:${seed}:${id}`).digest();
  // 48 bits each: exact in a double, ample resolution.
  return [d.readUIntBE(0, 6) / 2 ** 48, d.readUIntBE(6, 6) / 2 ** 48];
}

export interface PlanOptions {
  /**
   * Count mode: the number of unique prompts the sampling is scaled to. Default: counted in a first
   * pass. Pass a previous plan's `population` when rows were appended since: every earlier prompt
   * then keeps its part and the appended ones stay unused.
   */
  population?: number;
}

/**
 * Which part each prompt belongs to; `open` re-reads the source. Fraction mode: part ranges of the
 * seeded hash u, no caps (independent of order and of other rows). Count mode: sequential sampling
 * without replacement (Knuth's Algorithm S, one category per part): the t-th unique prompt joins
 * part p when u falls in p's slice of width (cap_p - taken_p) / (population - t). Every part gets
 * exactly its cap when the source has enough prompts, the parts are uniform over the whole source,
 * and a decision depends only on earlier rows, so appending rows moves nothing.
 */
export async function planSplit(
  open: () => AsyncIterable<{ prompt_id: string }>,
  spec: SplitSpec,
  options: PlanOptions = {},
): Promise<SplitPlan> {
  checkSplitSpec(spec);
  const mode = splitMode(parseSize(spec.train, "split.train"), parseSize(spec.test, "split.test"));
  const capped = mode === "count";
  const parts = partNames(spec.iterations);
  let population = options.population;
  if (population !== undefined && (!Number.isInteger(population) || population < 0)) {
    throw new ConfigError(`split population must be a whole number >= 0, got ${population}`);
  }
  if (capped) population ??= await countUnique(open());
  const w = partWidths(spec, mode, population ?? 0);
  const widths = parts.map((p) => (p.kind === "train" ? w.train : w.test));
  if (capped) for (const [i, p] of parts.entries()) p.requested = widths[i];
  const assignment = new IdMap(1 << 16);
  let total = 0;
  for await (const { prompt_id } of open()) {
    if (assignment.has(prompt_id)) continue;
    const [u] = seededUniforms(spec.seed, prompt_id);
    const part = capped ? sample(u, parts, widths, (population ?? 0) - total) : pick(u, widths);
    total++;
    assignment.add(prompt_id, part);
    if (part !== UNUSED) parts[part].count++;
  }
  return { spec, parts, assignment, total, population: population ?? total };
}

/** Algorithm S step: slices of width room_p / remaining; forced when the room equals what is left. */
function sample(u: number, parts: SplitPart[], caps: number[], remaining: number): number {
  if (remaining <= 0) return UNUSED;
  let acc = 0;
  let last = UNUSED;
  let room = 0;
  for (let i = 0; i < parts.length; i++) {
    const r = caps[i] - parts[i].count;
    if (r <= 0) continue;
    room += r;
    acc += r / remaining;
    last = i;
    if (u < acc) return i;
  }
  // rounding: when every remaining prompt is needed, u < 1 must always place it
  return room >= remaining ? last : UNUSED;
}

/** The fraction range u falls in, or UNUSED past the last one. */
function pick(u: number, widths: number[]): number {
  let acc = 0;
  for (let i = 0; i < widths.length; i++) {
    acc += widths[i];
    if (u < acc) return i;
  }
  return UNUSED;
}

async function countUnique(ids: AsyncIterable<{ prompt_id: string }>): Promise<number> {
  const seen = new IdMap(1 << 16);
  for await (const { prompt_id } of ids) seen.add(prompt_id);
  return seen.size;
}

/** The part a prompt was assigned to, or undefined when the plan never saw it. */
export function partOf(plan: SplitPlan, promptId: string): SplitPart | undefined | null {
  const i = plan.assignment.get(promptId);
  if (i === undefined) return undefined;
  return i === UNUSED ? null : plan.parts[i];
}
