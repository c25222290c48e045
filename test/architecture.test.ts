// Layering check (DESIGN.md "Layers", STYLE.md): parses every import under src/ (static, re-export, dynamic
// and type-only alike) and fails listing each folder that reaches into another folder past its index.ts, or
// imports a folder above it. src/util is importable by all. Not a bundler: specifiers are resolved by path.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** DESIGN.md's "may import" column; the closure below makes it transitive (a layer sees all below it). */
const mayImport: Record<string, string[]> = {
  util: [],
  engine: [],
  models: ["engine"],
  text: [],
  generate: ["models", "text"],
  reward: ["models", "text", "generate"],
  data: [],
  // train tokenizes preference pairs itself (DESIGN.md's table omits text for train)
  train: ["engine", "models", "text", "data"],
  eval: ["generate", "reward", "data"],
  // config (not in DESIGN.md's table) validates recipes with the schemas the layers own
  config: ["reward", "train"],
  // rm (not in DESIGN.md's table): reward models trained on the DPO trainer's machinery, used as rankers
  rm: ["engine", "models", "text", "train", "reward"],
  // scaleout (not in DESIGN.md's table): the external engines behind the pipeline's seams
  scaleout: ["config", "data", "generate", "models", "train"],
  pipeline: [
    "config",
    "engine",
    "models",
    "text",
    "generate",
    "reward",
    "data",
    "train",
    "eval",
    "report",
    "scaleout",
  ],
  serve: ["generate", "reward"],
  report: ["data", "eval"],
  cli: ["*"],
};

/** Deliberate exceptions, each "from -> to" with a one-line reason. */
const allowed: Record<string, string> = {
  // scaleout implements the pipeline's Trainer seam; the pipeline loads scaleout lazily (no load-time cycle)
  "scaleout/openai-trainer.ts -> pipeline/index.ts":
    "implements the pipeline's Trainer interface (types only)",
  "scaleout/trl-trainer.ts -> pipeline/index.ts": "implements the pipeline's Trainer interface (types only)",
  "scaleout/export-run.ts -> pipeline/index.ts":
    "`prefloop export trl` reads a run folder with the pipeline's readers",
};

function closure(folder: string, seen = new Set<string>()): Set<string> {
  for (const d of mayImport[folder] ?? []) {
    if (!seen.has(d)) {
      seen.add(d);
      closure(d, seen);
    }
  }
  return seen;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const importRe = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

export function violations(): string[] {
  const out: string[] = [];
  for (const file of tsFiles(src)) {
    const rel = relative(src, file);
    const folder = rel.split("/")[0];
    if (!rel.includes("/")) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(importRe)) {
      const spec = m[1];
      if (!spec.startsWith(".")) continue;
      const target = relative(src, resolve(dirname(file), spec)).replace(/\.js$/, ".ts");
      const targetFolder = target.split("/")[0];
      if (targetFolder === folder || targetFolder === "util") continue;
      const line = text.slice(0, m.index).split("\n").length;
      const where = `src/${rel}:${line} imports src/${target}`;
      const key = `${rel} -> ${target}`;
      if (key in allowed) continue;
      if (target !== `${targetFolder}/index.ts`) out.push(`${where} (not through ${targetFolder}/index.ts)`);
      const ok = mayImport[folder]?.includes("*") || closure(folder).has(targetFolder);
      if (!ok) out.push(`${where} (${folder} may not import ${targetFolder})`);
    }
  }
  return out;
}

test("folders import each other only through index.ts and only downwards (DESIGN.md layers)", () => {
  const v = violations();
  assert.deepEqual(v, [], `${v.length} layering violation(s):\n${v.join("\n")}`);
});

test("the check sees imports: every folder with an index.ts is imported by some other folder", () => {
  // guards the regex: if it stopped matching, the test above would pass vacuously
  const all = tsFiles(src)
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  for (const folder of ["engine", "models", "text", "generate", "reward", "data", "train", "config"]) {
    assert.match(all, new RegExp(`from "\\.\\./(\\.\\./)?${folder}/index\\.js"`), folder);
  }
});

test("every src/<folder> has a README.md of at most 30 lines", () => {
  const bad: string[] = [];
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(join(src, e.name, "README.md"), "utf8");
    } catch {
      bad.push(`src/${e.name}/README.md missing`);
      continue;
    }
    const lines = text.trimEnd().split("\n").length;
    if (lines > 30) bad.push(`src/${e.name}/README.md has ${lines} lines`);
  }
  assert.deepEqual(bad, []);
});

test("every src file opens with a 1-6 line header comment", () => {
  const bad: string[] = [];
  for (const file of tsFiles(src)) {
    const lines = readFileSync(file, "utf8").split("\n");
    let n = 0;
    while (n < lines.length && lines[n].startsWith("//")) n++;
    if (n < 1 || n > 6) bad.push(`${relative(src, file)}: ${n} header line(s)`);
  }
  assert.deepEqual(bad, []);
});
