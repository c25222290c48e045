#!/usr/bin/env node
// Copies the non-TypeScript files under src/ (prompt templates and their notices) into dist/, which tsc
// does not do, so the built CLI finds them beside the compiled modules. Run by `npm run build`.
import { cpSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");

function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (!entry.name.endsWith(".ts") && entry.name !== "README.md")
      cpSync(p, join(dist, relative(src, p)));
  }
}
walk(src);
