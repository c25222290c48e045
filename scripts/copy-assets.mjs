#!/usr/bin/env node
// Copies the non-TypeScript files the code reads at run time (judge prompt templates, ...) from src/ into
// dist/ beside the compiled modules, which tsc does not do.
import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

for (const file of walk("src").filter((f) => f.endsWith(".txt") || f.endsWith(".json"))) {
  const out = join("dist", relative("src", file));
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(file, out);
}
