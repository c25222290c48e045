// User scorer modules: `scorer: ./my-scorer.ts` exporting a sync or async (prompt, response) => number.
// .js/.mjs load with import(); .ts with tsx's tsImport API (tsx must be installed beside prefloop).
// The id carries a hash of the file's bytes, so editing the scorer invalidates its cached scores.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../../util/errors.js";
import type { ScoreFn, Scorer } from "../scorer.js";

export async function loadUserScorer(
  path: string,
  exportName = "default",
  baseDir = process.cwd(),
): Promise<Scorer> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ConfigError(`ranker module: cannot read scorer file ${file}`, {
      hint: "paths are relative to the recipe file (or the current directory for --ranker)",
      cause: e,
    });
  }
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  try {
    if (/\.(c|m)?ts$/.test(file)) {
      let tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>;
      try {
        ({ tsImport } = (await import("tsx/esm/api")) as {
          tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>>;
        });
      } catch (e) {
        throw new ConfigError(`ranker module: ${file} is TypeScript but tsx is not installed`, {
          hint: "npm install tsx, or compile the scorer to .mjs",
          cause: e,
        });
      }
      mod = await tsImport(url, import.meta.url);
    } else {
      mod = (await import(url)) as Record<string, unknown>;
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(
      `ranker module: ${file} failed to load: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
  // tsImport of a CommonJS-shaped module nests the default export one level deeper.
  let fn = mod[exportName];
  if (exportName === "default" && typeof fn === "object" && fn !== null && "default" in fn) {
    fn = (fn as Record<string, unknown>).default;
  }
  if (typeof fn !== "function") {
    throw new ConfigError(
      `ranker module: ${file} has no function export '${exportName}' (found: ${Object.keys(mod).join(", ") || "none"})`,
      { hint: "export default function (prompt: string, response: string): number | Promise<number>" },
    );
  }
  const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  const call = fn as ScoreFn;
  return { id: `module:${file}#${exportName}@${digest}`, score: (p, r) => call(p, r) };
}
