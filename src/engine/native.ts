// Loads the native addon (build/prefloop-native.node, compiled by scripts/build-native.mjs) and exposes it
// as a Backend. The only file that touches the native runtime. Loading is attempted once; failure is not
// an error here (select.ts decides whether to fall back to `ts`).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Backend } from "./backend.js";

export interface NativeLoad {
  backend: Backend | null;
  /** instruction set in use ("avx512" | "avx2" | "scalar") when loaded */
  isa: string;
  /** why it did not load */
  reason: string;
}

let cached: NativeLoad | null = null;

/** build/prefloop-native.node of the package root, found from src/engine or dist/src/engine. */
function addonPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "build", "prefloop-native.node");
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, "package.json"))) return null;
    dir = dirname(dir);
  }
  return null;
}

export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = addonPath();
  if (!path) {
    cached = { backend: null, isa: "", reason: "build/prefloop-native.node not built" };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as Backend & { isa: string };
    cached = { backend: addon, isa: addon.isa, reason: "" };
  } catch (e) {
    cached = { backend: null, isa: "", reason: `loading ${path} failed: ${(e as Error).message}` };
  }
  return cached;
}
