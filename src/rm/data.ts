// Reads reward-model training and evaluation data from JSONL/JSON files and turns it into examples:
// pairs (prompt, chosen, rejected [, margin] [, preference = P(chosen ≻ rejected)]), labelled responses
// (prompt, response, label ∈ [0,1] → BCE | score → MSE), or unlabelled pairs (prompt, response_a,
// response_b) that labelling functions label (weak supervision). Errors name the file, line and field.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { Ranker } from "../reward/index.js";
import type { TextAssets } from "../text/index.js";
import { Rng } from "../train/index.js";
import { InputError } from "../util/errors.js";
import { parseJsonLines } from "../util/json-lines.js";
import {
  type PairExample,
  type PairwiseExample,
  type PointExample,
  pairwiseIds,
  sequenceIds,
} from "./encode.js";
import type { RmSettings } from "./settings.js";
import type { RmData } from "./trainer.js";
import { weakLabels } from "./weak.js";

export type RawRow = Record<string, unknown>;

export function readRows(path: string): RawRow[] {
  const text = readFileSync(path, "utf8");
  const ext = extname(path).toLowerCase();
  const check = (v: unknown, where: string): RawRow => {
    if (v === null || typeof v !== "object" || Array.isArray(v))
      throw new InputError(`${where}: expected a JSON object`);
    return v as RawRow;
  };
  if (ext === ".json") {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) throw new InputError(`${path}: expected a JSON array of rows`);
    return v.map((r, i) => check(r, `${path}: row ${i + 1}`));
  }
  if (ext !== ".jsonl") throw new InputError(`${path}: expected a .jsonl or .json file`);
  const rows = parseJsonLines(text, path).map(({ value, where }) => check(value, where));
  if (rows.length === 0) throw new InputError(`${path}: no rows`);
  return rows;
}

/** A string, or the content of the last message of a {role, content} list. */
export function textOf(v: unknown, where: string, field: string): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.length > 0) {
    const last = v[v.length - 1] as { content?: unknown };
    if (last && typeof last.content === "string") return last.content;
  }
  throw new InputError(`${where}: '${field}' must be a string or a list of {role, content} messages`);
}

/** The prompt text: a string, or the first user message. */
export function promptOf(r: RawRow, where: string): string {
  const p = r.prompt;
  if (p === undefined) return "";
  if (Array.isArray(p)) {
    const user = p.find((m) => (m as { role?: unknown }).role === "user") as
      | { content?: unknown }
      | undefined;
    if (user && typeof user.content === "string") return user.content;
  }
  return textOf(p, where, "prompt");
}

function num(r: RawRow, field: string, where: string, dflt: number | null): number {
  const v = r[field];
  if (v === undefined || v === null) {
    if (dflt === null) throw new InputError(`${where}: missing number '${field}'`);
    return dflt;
  }
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new InputError(`${where}: '${field}' must be a number`);
  return v;
}

export type RowKind = "pairs" | "points" | "unlabelled";

export function rowKind(r: RawRow, where: string): RowKind {
  if ("chosen" in r && "rejected" in r) return "pairs";
  if ("response" in r && ("label" in r || "score" in r)) return "points";
  if ("response_a" in r && "response_b" in r) return "unlabelled";
  throw new InputError(
    `${where}: a row needs chosen+rejected, response+label|score, or response_a+response_b`,
  );
}

export interface PairText {
  prompt: string;
  chosen: string;
  rejected: string;
  margin: number;
  preference: number;
}

export function pairTexts(rows: RawRow[], path: string): PairText[] {
  return rows.map((r, i) => {
    const where = `${path}:${i + 1}`;
    if (rowKind(r, where) !== "pairs") throw new InputError(`${where}: expected prompt, chosen and rejected`);
    const preference = num(r, "preference", where, 1);
    if (preference < 0 || preference > 1) throw new InputError(`${where}: 'preference' must be in [0, 1]`);
    return {
      prompt: promptOf(r, where),
      chosen: textOf(r.chosen, where, "chosen"),
      rejected: textOf(r.rejected, where, "rejected"),
      margin: num(r, "margin", where, 0),
      preference,
    };
  });
}

/**
 * Preference pairs from rows: prompt+chosen+rejected as given, or response_a+response_b labelled by the
 * labelling functions through the label model (soft `preference`). Errors name the file and line.
 */
export async function pairsOfRows(
  rows: RawRow[],
  path: string,
  labellingFunctions?: Ranker[],
): Promise<{ pairs: PairText[]; note: string }> {
  const kind = rowKind(rows[0], `${path}:1`);
  if (kind === "points") throw new InputError(`${path}:1: expected pairs (prompt, chosen, rejected)`);
  if (kind === "pairs") return { pairs: pairTexts(rows, path), note: "" };
  if (!labellingFunctions?.length) {
    throw new InputError(`${path}: rows have response_a/response_b but no labels`, {
      hint: "pass labelling functions (--lf <ranker spec>, repeatable) for the weak-supervision path",
    });
  }
  const un = rows.map((r, i) => {
    const where = `${path}:${i + 1}`;
    if (rowKind(r, where) !== "unlabelled")
      throw new InputError(`${where}: expected response_a and response_b`);
    return {
      prompt: promptOf(r, where),
      a: textOf(r.response_a, where, "response_a"),
      b: textOf(r.response_b, where, "response_b"),
    };
  });
  const weak = await weakLabels(un, labellingFunctions);
  const note = `label model: LF accuracies ${weak.fit.accuracies.map((a) => a.toFixed(3)).join(", ")}`;
  const pairs = un.map((u, i) => ({
    prompt: u.prompt,
    chosen: u.a,
    rejected: u.b,
    margin: 0,
    preference: weak.soft[i],
  }));
  return { pairs, note };
}

export interface BuildDataOptions {
  assets: TextAssets;
  settings: RmSettings;
  /** held-out rows; default: eval_split of the training rows */
  evalRows?: RawRow[];
  evalPath?: string;
  /** labelling functions for unlabelled pairs (weak supervision) */
  labellingFunctions?: Ranker[];
}

export function splitRows<T>(xs: T[], frac: number, seed: number): { train: T[]; test: T[] } {
  if (frac === 0) return { train: xs, test: [] };
  const order = new Rng(seed).permutation(xs.length);
  const nTest = Math.max(1, Math.round(xs.length * frac));
  return { train: order.slice(nTest).map((i) => xs[i]), test: order.slice(0, nTest).map((i) => xs[i]) };
}

/** Turn rows into training data; the loss follows the rows unless settings.loss says otherwise. */
export async function buildRmData(
  rows: RawRow[],
  path: string,
  o: BuildDataOptions,
): Promise<{ data: RmData; note: string }> {
  const s = o.settings;
  const kind = rowKind(rows[0], `${path}:1`);
  const max = s.max_length;
  if (kind === "points") {
    const graded = "score" in rows[0];
    const loss = s.loss === "mse" || (s.loss === "auto" && graded) ? "mse" : "bce";
    const toEx = (rs: RawRow[], p: string): PointExample[] =>
      rs.map((r, i) => {
        const where = `${p}:${i + 1}`;
        const label = num(r, loss === "mse" && "score" in r ? "score" : "label", where, null);
        if (loss === "bce" && (label < 0 || label > 1))
          throw new InputError(`${where}: 'label' must be in [0, 1] for BCE`);
        return {
          ids: sequenceIds(o.assets, promptOf(r, where), textOf(r.response, where, "response"), max),
          label,
        };
      });
    const sp = o.evalRows ? { train: rows, test: o.evalRows } : splitRows(rows, s.eval_split, s.seed);
    return {
      data: { kind: "points", loss, train: toEx(sp.train, path), test: toEx(sp.test, o.evalPath ?? path) },
      note: `${loss} on ${sp.train.length} labelled responses`,
    };
  }
  const { pairs, note } = await pairsOfRows(rows, path, o.labellingFunctions);
  const evalPairs = o.evalRows ? pairTexts(o.evalRows, o.evalPath ?? "eval data") : null;
  const sp = evalPairs ? { train: pairs, test: evalPairs } : splitRows(pairs, s.eval_split, s.seed);
  if (s.loss === "pairwise") {
    // both orders of every pair, so the model cannot learn a position bias
    const toPw = (ps: PairText[], both: boolean): PairwiseExample[] =>
      ps.flatMap((p) => {
        const ab = { ...pairwiseIds(o.assets, p.prompt, p.chosen, p.rejected, max), label: p.preference };
        const ba = { ...pairwiseIds(o.assets, p.prompt, p.rejected, p.chosen, max), label: 1 - p.preference };
        return both ? [ab, ba] : [ab];
      });
    return {
      data: { kind: "pairwise", train: toPw(sp.train, true), test: toPw(sp.test, false) },
      note: `${note ? `${note}; ` : ""}pairwise on ${sp.train.length} pairs (both orders)`.trim(),
    };
  }
  if (s.loss === "bce" || s.loss === "mse")
    throw new InputError(`${path}: loss ${s.loss} needs response + label|score rows`);
  const toEx = (ps: PairText[]): PairExample[] =>
    ps.map((p) => ({
      chosen: sequenceIds(o.assets, p.prompt, p.chosen, max),
      rejected: sequenceIds(o.assets, p.prompt, p.rejected, max),
      margin: p.margin,
      soft: p.preference,
    }));
  return {
    data: { kind: "pairs", train: toEx(sp.train), test: toEx(sp.test) },
    note: `${note ? `${note}; ` : ""}Bradley–Terry on ${sp.train.length} pairs, ${sp.test.length} held out`.trim(),
  };
}
