// Reading and validating alpaca_eval's annotations.json (one record per instruction: output_1 is the
// reference, output_2 the model, preference in [1, 2] with 2 = model wins, 1.5 = draw, null = unparsed).
// Not the judge (judge/) nor the metrics (metrics.ts). Format: tatsu-lab/alpaca_eval annotations.json.
import { readFile } from "node:fs/promises";
import { InputError } from "../util/errors.js";

export interface Annotation {
  instruction: string;
  output_1: string;
  output_2: string;
  generator_1: string;
  generator_2: string;
  /** in [1, 2]; null when the judge's answer could not be parsed (dropped by the metrics, as upstream) */
  preference: number | null;
  [extra: string]: unknown;
}

export interface AnnotationFile {
  path: string;
  /** generator_2, the model being evaluated */
  model: string;
  /** generator_1, the reference model */
  baseline: string;
  rows: Annotation[];
}

function fail(path: string, index: number | null, field: string, expected: string): never {
  const where = index === null ? `${path}: ${field}` : `${path}: [${index}].${field}`;
  throw new InputError(`${where}: expected ${expected}`);
}

/** Validates one preference value; 0 is alpaca_eval's legacy spelling of a draw and maps to 1.5. */
export function checkPreference(value: unknown, path: string, index: number): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || Number.isNaN(value)) return null;
  if (value === 0) return 1.5;
  if (!(value >= 1 && value <= 2))
    fail(path, index, "preference", `a number in [1, 2] (or 0/null), got ${value}`);
  return value;
}

/** Validates parsed JSON as annotations; every error names the file, the row index and the field. */
export function parseAnnotations(data: unknown, path: string): AnnotationFile {
  if (!Array.isArray(data)) fail(path, null, "(root)", "a JSON array of annotation records");
  if (data.length === 0) fail(path, null, "(root)", "at least one annotation record");
  const rows: Annotation[] = [];
  let model: string | undefined;
  let baseline: string | undefined;
  data.forEach((raw: unknown, i: number) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(path, i, "(record)", "an object");
    const r = raw as Record<string, unknown>;
    for (const field of ["instruction", "output_1", "output_2", "generator_1", "generator_2"]) {
      if (typeof r[field] !== "string")
        fail(path, i, field, `a string, got ${r[field] === undefined ? "nothing" : typeof r[field]}`);
    }
    if (!("preference" in r)) fail(path, i, "preference", "a number in [1, 2] (field missing)");
    if (r.preference !== null && typeof r.preference !== "number") {
      fail(path, i, "preference", `a number in [1, 2] or null, got ${JSON.stringify(r.preference)}`);
    }
    const preference = checkPreference(r.preference, path, i);
    const g1 = r.generator_1 as string;
    const g2 = r.generator_2 as string;
    if (model === undefined) model = g2;
    else if (g2 !== model) fail(path, i, "generator_2", `one model per file ("${model}"), got "${g2}"`);
    if (baseline === undefined) baseline = g1;
    else if (g1 !== baseline)
      fail(path, i, "generator_1", `one reference model per file ("${baseline}"), got "${g1}"`);
    rows.push({ ...r, preference } as Annotation);
  });
  return { path, model: model ?? "", baseline: baseline ?? "", rows };
}

export async function readAnnotations(path: string): Promise<AnnotationFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new InputError(`${path}: cannot read annotations (${(e as Error).message})`, { cause: e });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return parseAnnotations(data, path);
}

/**
 * Checks that several annotation files judge the same instructions in the same order against the
 * same reference (needed to estimate instruction difficulty jointly).
 */
export function checkAligned(files: AnnotationFile[]): void {
  const [first, ...rest] = files;
  if (first === undefined) return;
  for (const f of rest) {
    const a0 = first.rows[0]?.annotator;
    const a1 = f.rows[0]?.annotator;
    if (a0 !== undefined && a1 !== undefined && a0 !== a1) {
      fail(
        f.path,
        0,
        "annotator",
        `the annotator "${a0}" of ${first.path}, got "${a1}" (one judge per comparison)`,
      );
    }
    if (f.rows.length !== first.rows.length) {
      fail(f.path, null, "(root)", `${first.rows.length} records like ${first.path}, got ${f.rows.length}`);
    }
    if (f.baseline !== first.baseline) {
      fail(
        f.path,
        0,
        "generator_1",
        `the reference "${first.baseline}" of ${first.path}, got "${f.baseline}"`,
      );
    }
    for (let i = 0; i < f.rows.length; i++) {
      if (f.rows[i]!.instruction !== first.rows[i]!.instruction) {
        fail(
          f.path,
          i,
          "instruction",
          `the same instruction as ${first.path} [${i}] (files must share order)`,
        );
      }
    }
  }
}

/** Python's len(): Unicode code points, which is what alpaca_eval measures lengths in (not UTF-16 units). */
const surrogate = /[\uD800-\uDBFF]/;

export function textLength(s: string): number {
  // Most texts have no astral characters: one native scan decides.
  if (!surrogate.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
