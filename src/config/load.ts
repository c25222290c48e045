// Loads a recipe: YAML (keeping line numbers) -> --set overrides typed by the schema -> zod validation.
// Every failure is one ConfigError line naming the file and line (or the --set flag) and the dotted field,
// with the field's description as the hint. Precedence: schema defaults < recipe.yaml < --set.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, parse as parseYaml } from "yaml";
import type { ZodType, z } from "zod";
import { ConfigError } from "../util/errors.js";
import { type Recipe, recipeSchema } from "./schema/recipe.js";
import { describeField, didYouMean, isPathField, objectKeys, schemaAt, unwrap } from "./schema-walk.js";

export interface LoadedRecipe {
  recipe: Recipe;
  /** the recipe file as given (or "<defaults>") */
  file: string;
  /** folder that ./ and ../ paths in the recipe are relative to */
  baseDir: string;
  /** fields set by --set flags: their ./ and ../ paths are relative to the working directory instead */
  flagFields?: Path[];
}

export interface LoadOptions {
  /** `key.path=value` overrides, applied in order after the file */
  sets?: string[];
}

type Path = Array<string | number>;
type Raw = Record<string, unknown>;

/** Reads, overrides and validates a recipe file. */
export function loadRecipe(file: string, options: LoadOptions = {}): LoadedRecipe {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`${file}: cannot read recipe (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      cause: e,
    });
  }
  return parseRecipe(text, file, options);
}

/** Validates recipe text; `file` is only used in messages and for resolving relative paths. */
export function parseRecipe(text: string, file: string, options: LoadOptions = {}): LoadedRecipe {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const firstLine = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(`${where(err.pos[0])}: invalid YAML: ${firstLine}`, {
      hint: "check indentation and quoting on that line (YAML uses spaces, and 'key: value' needs the space)",
    });
  }
  const js: unknown = doc.toJS() ?? {};
  if (typeof js !== "object" || js === null || Array.isArray(js)) {
    throw new ConfigError(
      `${file}: expected a mapping of recipe fields at the top level, got ${describeValue(js)}`,
    );
  }
  const raw = js as Raw;
  const flagPaths: Array<{ path: Path; flag: string }> = [];
  for (const set of options.sets ?? []) flagPaths.push({ path: applySet(raw, set), flag: set });

  const result = recipeSchema.safeParse(raw);
  if (!result.success) {
    // Report in file order (zod reports in schema order); problems from --set flags come last.
    const order = (i: z.core.$ZodIssue): number =>
      flagFor(i.path as Path, flagPaths)
        ? Number.MAX_SAFE_INTEGER
        : (valueOffset(doc.contents, i.path as Path) ?? 0);
    const issues = [...result.error.issues].sort((a, b) => order(a) - order(b));
    const messages = issues.map((issue) => formatIssue(issue, doc.contents, where, flagPaths, raw));
    const hints: string[] = [];
    const first = issues[0];
    const field = schemaAt(recipeSchema, first.path as Path, raw);
    if (first.code !== "unrecognized_keys" && field.ok) {
      const d = describeField(field.schema);
      if (d) hints.push(`${dotted(first.path as Path)}: ${d}`);
    }
    if (messages.length > 1)
      hints.push(`${messages.length - 1} more problem(s): ${messages.slice(1).join("; ")}`);
    throw new ConfigError(messages[0], hints.length > 0 ? { hint: hints.join("\n  hint: ") } : {});
  }
  const baseDir = dirname(resolve(file));
  return { recipe: result.data, file, baseDir, flagFields: flagPaths.map((f) => f.path) };
}

/** The recipe from schema defaults alone plus the required fields given (used by tests and docs). */
export function recipeFromObject(obj: Raw, file = "<object>"): LoadedRecipe {
  const result = recipeSchema.safeParse(obj);
  if (!result.success) {
    const i = result.error.issues[0];
    throw new ConfigError(`${file}: ${dotted(i.path as Path) || "<root>"}: ${i.message}`);
  }
  return { recipe: result.data, file, baseDir: process.cwd() };
}

function formatIssue(
  issue: z.core.$ZodIssue,
  contents: unknown,
  where: (offset: number | undefined) => string,
  flagPaths: Array<{ path: Path; flag: string }>,
  raw: Raw,
): string {
  const path = issue.path as Path;
  if (issue.code === "unrecognized_keys") {
    const known = objectKeys(okSchema(path, raw), valueAt(raw, path)) ?? [];
    const key = issue.keys[0];
    const fieldPath = dotted([...path, key]);
    const flag = flagFor([...path, key], flagPaths);
    const loc = flag ? `--set ${flag}` : where(keyOffset(contents, path, key));
    return `${loc}: ${fieldPath}: unknown key${didYouMean(key, known)}; allowed here: ${known.join(", ")}`;
  }
  const flag = flagFor(path, flagPaths);
  const loc = flag ? `--set ${flag}` : where(valueOffset(contents, path));
  const what = issue.message.replace(/^Invalid input: /, "");
  const missing = issue.code === "invalid_type" && /received undefined$/.test(issue.message);
  const fieldName = dotted(path) || "<root>";
  return missing
    ? `${loc}: ${fieldName}: required field missing (${what.replace(/, received undefined$/, "")})`
    : `${loc}: ${fieldName}: ${what}`;
}

function okSchema(path: Path, raw: Raw): ZodType {
  const r = schemaAt(recipeSchema, path, raw);
  return r.ok ? r.schema : recipeSchema;
}

function valueAt(raw: unknown, path: Path): unknown {
  let v = raw;
  for (const seg of path)
    v = typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

function flagFor(path: Path, flagPaths: Array<{ path: Path; flag: string }>): string | undefined {
  // The last --set that touched this field or one of its parents decided its value.
  for (let i = flagPaths.length - 1; i >= 0; i--) {
    const p = flagPaths[i].path;
    if (p.length <= path.length && p.every((seg, j) => String(seg) === String(path[j])))
      return flagPaths[i].flag;
  }
  return undefined;
}

/** Offset of the value at `path`, or of the deepest ancestor present in the YAML. */
function valueOffset(contents: unknown, path: Path): number | undefined {
  let node = contents as Node | null | undefined;
  let offset = node?.range?.[0];
  for (const seg of path) {
    const next = child(node, seg);
    if (!next) break;
    node = next;
    if (node.range) offset = node.range[0];
  }
  return offset;
}

function child(node: Node | null | undefined, seg: string | number): Node | undefined {
  if (!node) return undefined;
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    if (!pair) return undefined;
    // `key:` with no value: point at the key
    return ((pair.value as Node | null) ?? (pair.key as Node)) || undefined;
  }
  if (isSeq(node)) return (node.get(Number(seg), true) as Node | undefined) ?? undefined;
  return undefined;
}

function keyOffset(contents: unknown, parent: Path, key: string): number | undefined {
  let node = contents as Node | null | undefined;
  for (const seg of parent) node = child(node, seg);
  if (node && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key)) return pair.key.range?.[0];
  }
  return valueOffset(contents, parent);
}

/** Applies one `a.b.c=value` override to the raw recipe; returns the path it set. */
export function applySet(raw: Raw, set: string): Path {
  const eq = set.indexOf("=");
  if (eq <= 0)
    throw new ConfigError(`--set ${set}: expected key.path=value (for example --set train.beta=0.05)`);
  const key = set.slice(0, eq).trim();
  const valueText = set.slice(eq + 1);
  const path: Path = key.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (path.some((s) => s === "")) throw new ConfigError(`--set ${set}: empty segment in '${key}'`);
  const walk = schemaAt(recipeSchema, path, raw);
  if (!walk.ok) {
    const at = dotted(path.slice(0, walk.depth + 1));
    const allowed = walk.keys.length > 0 ? `; allowed here: ${walk.keys.join(", ")}` : "";
    throw new ConfigError(`--set ${set}: ${at}: unknown key${didYouMean(walk.segment, walk.keys)}${allowed}`);
  }
  const value = typedValue(walk.schema, valueText);
  let target: Raw | unknown[] = raw;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    const container = target as Record<string | number, unknown>;
    let next = container[seg];
    if (typeof next !== "object" || next === null) {
      next = typeof path[i + 1] === "number" ? [] : {};
      container[seg] = next;
    }
    target = next as Raw | unknown[];
  }
  (target as Record<string | number, unknown>)[path[path.length - 1]] = value;
  return path;
}

/** Types a flag value by its field: strings stay strings; everything else is read as YAML (1e-6, true, [a, b]). */
function typedValue(schema: ZodType, text: string): unknown {
  const inner = unwrap(schema);
  const isText = inner.safeParse("x").success || inner.safeParse(text).success;
  if (text === "null") return null;
  if (isText && inner.safeParse(text).success) return text;
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/**
 * Makes ./ and ../ path fields absolute (hub ids and bare names stay): against the recipe's folder for values
 * written in the recipe, against the working directory for values given by --set (where the user typed them).
 */
export function resolveRecipePaths(loaded: LoadedRecipe): Recipe {
  const out = structuredClone(loaded.recipe);
  const flagFields = loaded.flagFields ?? [];
  const startsWith = (long: Path, short: Path) => short.every((k, i) => String(long[i]) === String(k));
  const baseFor = (path: Path): string =>
    flagFields.some((f) => startsWith(path, f) || startsWith(f, path)) ? process.cwd() : loaded.baseDir;
  const relative = (p: string) => (p.startsWith("./") || p.startsWith("../")) && !isAbsolute(p);
  const visit = (value: unknown, path: Path): unknown => {
    if (typeof value === "string") {
      const s = schemaAt(recipeSchema, path);
      if (s.ok && isPathField(s.schema) && relative(value)) return resolve(baseFor(path), value);
      return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (typeof value === "object" && value !== null) {
      const o = value as Raw;
      for (const k of Object.keys(o)) o[k] = visit(o[k], [...path, k]);
      return o;
    }
    return value;
  };
  const recipe = visit(out, []) as Recipe;
  // Ranker specs (the reward layer's schema) carry their own paths: module, pairrm, classifier.
  const visitSpec = (spec: unknown, path: Path): void => {
    if (typeof spec !== "object" || spec === null) return;
    const o = spec as Raw;
    if (typeof o.path === "string" && relative(o.path)) o.path = resolve(baseFor([...path, "path"]), o.path);
    if (Array.isArray(o.members))
      o.members.forEach((m, i) => {
        visitSpec((m as Raw).ranker, [...path, "members", i, "ranker"]);
      });
  };
  visitSpec(recipe.rank.ranker, ["rank", "ranker"]);
  visitSpec(recipe.eval.judge, ["eval", "judge"]);
  return recipe;
}

export function dotted(path: Path): string {
  return path.map(String).join(".");
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return typeof v === "string" ? `the string '${v.slice(0, 30)}'` : typeof v;
}
