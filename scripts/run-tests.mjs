#!/usr/bin/env node
// Runs the test suite with node's own test runner (its closing summary is what CI reads).
// Fast tests: test/**/*.test.ts; slow ones (*.slow.test.ts) only with --slow.
// Usage: node scripts/run-tests.mjs [--slow] [path-substring ...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const slow = args.includes("--slow");
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const files = walk("test")
  .filter((f) => f.endsWith(".slow.test.ts") === slow)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--import",
    "./test/property-seed.ts",
    "--test",
    "--test-concurrency=2",
    "--test-reporter=spec",
    ...files,
  ],
  { stdio: "inherit", env: { ...process.env, PREFLOOP_QUIET_NOTICES: "1" } },
);
process.exit(result.status ?? 1);
