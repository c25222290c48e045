#!/usr/bin/env node
// Compiles native/*.c into build/prefloop-native.node with the system C compiler and the Node-API headers
// of the node-api-headers package (no node-gyp, no download: works offline). Run by `npm run build`.
// No compiler (or PREFLOOP_CC=none) or a failed build: one notice, exit 0; the engine then uses `ts`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "native");
const outDir = join(root, "build");
const out = join(outDir, "prefloop-native.node");

function giveUp(why) {
  process.stderr.write(`prefloop: native engine not built (${why}); the slower ts backend will be used\n`);
  process.exit(0);
}

const sources = existsSync(srcDir) ? readdirSync(srcDir).filter((f) => f.endsWith(".c")) : [];
if (sources.length === 0) giveUp("no sources in native/");
const cc = process.env.PREFLOOP_CC ?? process.env.CC ?? "cc";
if (cc === "none") giveUp("PREFLOOP_CC=none");
if (spawnSync(cc, ["--version"], { stdio: "ignore" }).status !== 0) giveUp(`no C compiler '${cc}' found`);

let include;
try {
  include = createRequire(import.meta.url)("node-api-headers").include_dir;
} catch {
  include = undefined;
}
if (!include || !existsSync(join(include, "node_api.h"))) giveUp("node-api-headers package not found");

mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = [
  "-O3",
  "-fPIC",
  "-shared",
  "-pthread",
  "-std=gnu11",
  "-Wall",
  "-Wno-unused-function",
  "-Wno-psabi",
  `-I${include}`,
  `-I${srcDir}`,
  ...sources.map((f) => join(srcDir, f)),
  "-o",
  tmp,
  "-lm",
];
// macOS resolves Node-API symbols at load time from the host process
if (process.platform === "darwin") args.push("-undefined", "dynamic_lookup");
const started = Date.now();
const r = spawnSync(cc, args, { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
if (r.status !== 0) {
  const log = join(outDir, "native-build.log");
  writeFileSync(log, `${cc} ${args.join(" ")}\n\n${r.stderr ?? ""}`);
  giveUp(`${cc} failed with status ${r.status}; its output is in ${log}`);
}
renameSync(tmp, out); // never leave a half-written addon behind
if (process.env.PREFLOOP_QUIET_NOTICES !== "1") {
  process.stderr.write(`prefloop: built ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
