// Seeded, disjoint splits of prompts into K iterations x {train, test} parts, decided per prompt_id
// by a seeded hash (never by position), online in source order: appending rows never moves an
// earlier prompt, and the same seed gives the same parts. Counts are exact caps (a prompt whose
// hashed part is full goes to another part with room, chosen by a second hash); fractions are hash
// ranges (expected sizes, no cap). Memory: 8-byte id prefixes + a part index per prompt.
import { createHash } from "node:crypto";
import { ConfigError } from "../util/errors.js";
import { IdMap } from "./id-set.js";

export type PartSize = { count: number } | { fraction: number };

export interface SplitSpec {
  /** K >= 1 iterations, each with a disjoint train part and a held-out test part */
  iterations: number;
  /** size of each iteration's train part */
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
}

export const UNUSED = -1;

/** Accepts 100 (a count), 0.25 (a fraction), "25%", {count} or {fraction}; `field` names it in errors. */
export function parseSize(value: unknown, field: string): PartSize {
  let v = value;
  if (typeof v === "object" && v !== null) {
    const o = v as { count?: unknown; fraction?: unknown };
    if (o.count !== undefined) return checkCount(o.count, field);
    if (o.fraction !== undefined) return checkFraction(o.fraction, field);
  }
  if (typeof v === "string" && /^\s*-?[\d.]+\s*%\s*$/.test(v))
    return checkFraction(Number.parseFloat(v) / 100, field);
  if (typeof v === "string" && /^\s*-?[\d.]+\s*$/.test(v)) v = Number(v);
  if (typeof v === "number" && v > 0 && v < 1) return checkFraction(v, field);
  if (typeof v === "number") return checkCount(v, field);
  throw new ConfigError(
    `${field}: expected a count (e.g. 1000), a fraction (0.2) or a percentage ("20%"), got ${JSON.stringify(value)}`,
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
  if ("count" in train !== "count" in test && !("count" in test && test.count === 0)) {
    throw new ConfigError("split: train and test must both be counts or both be fractions", {
      hint: 'e.g. train: 1000, test: 100, or train: "30%", test: "3%"',
    });
  }
  if ("fraction" in train) {
    const sum = spec.iterations * (train.fraction + ("fraction" in test ? test.fraction : 0));
    if (sum > 1 + 1e-9) {
      throw new ConfigError(
        `split: ${spec.iterations} x (train + test) fractions add up to ${sum.toFixed(3)} > 1`,
      );
    }
  }
  if ("count" in train && "count" in test && train.count + test.count === 0) {
    throw new ConfigError("split: train and test are both 0");
  }
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

/** One pass over prompt ids: which part each prompt belongs to. */
export async function planSplit(
  ids: AsyncIterable<{ prompt_id: string }>,
  spec: SplitSpec,
): Promise<SplitPlan> {
  checkSplitSpec(spec);
  const train = parseSize(spec.train, "split.train");
  const test = parseSize(spec.test, "split.test");
  const parts = partNames(spec.iterations);
  const capped = "count" in train;
  const widths = parts.map((p) => {
    const size = p.kind === "train" ? train : test;
    return "count" in size ? size.count : size.fraction;
  });
  if (capped) {
    for (const [i, p] of parts.entries()) p.requested = widths[i];
  }
  // Count mode: ranges proportional to the caps over [0, 1).
  const scale = capped ? 1 / widths.reduce((a, b) => a + b, 0) : 1;
  const assignment = new IdMap(1 << 16);
  let total = 0;
  for await (const { prompt_id } of ids) {
    if (assignment.has(prompt_id)) continue;
    total++;
    const [u, v] = seededUniforms(spec.seed, prompt_id);
    let part = pick(u, widths, scale, () => true, capped);
    if (capped && part !== UNUSED && parts[part].count >= widths[part]) {
      const open = (i: number) => parts[i].count < widths[i];
      const room = widths.reduce((a, w, i) => a + (open(i) ? w : 0), 0);
      part = room > 0 ? pick(v, widths, 1 / room, open, true) : UNUSED;
    }
    assignment.add(prompt_id, part);
    if (part !== UNUSED) parts[part].count++;
  }
  return { spec, parts, assignment, total };
}

/** The range u falls in; `fill` (ranges cover [0, 1)) absorbs rounding at the top into the last range. */
function pick(
  u: number,
  widths: number[],
  scale: number,
  eligible: (i: number) => boolean,
  fill: boolean,
): number {
  let acc = 0;
  let last = UNUSED;
  for (let i = 0; i < widths.length; i++) {
    if (!eligible(i) || widths[i] === 0) continue;
    acc += widths[i] * scale;
    last = i;
    if (u < acc) return i;
  }
  return fill ? last : UNUSED;
}

/** The part a prompt was assigned to, or undefined when the plan never saw it. */
export function partOf(plan: SplitPlan, promptId: string): SplitPart | undefined | null {
  const i = plan.assignment.get(promptId);
  if (i === undefined) return undefined;
  return i === UNUSED ? null : plan.parts[i];
}
