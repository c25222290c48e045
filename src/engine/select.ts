// Backend selection: `native` when the addon loads, else `ts`; overridable by env PREFLOOP_BACKEND=ts|native
// or setBackendPreference() (the CLI's global --backend flag). The choice is announced once on stderr
// (silenced by PREFLOOP_QUIET_NOTICES=1). Not the kernels themselves: see ts-backend.ts and native.ts.
import { ConfigError } from "../util/errors.js";
import type { Backend } from "./backend.js";
import { loadNative } from "./native.js";
import { tsBackend } from "./ts-backend.js";

export type BackendChoice = "auto" | "ts" | "native";

let preference: BackendChoice | null = null;
let current: Backend | null = null;
let announced = false;

function parseChoice(value: string, source: string): BackendChoice {
  if (value === "auto" || value === "ts" || value === "native") return value;
  throw new ConfigError(`${source}: expected 'auto', 'ts' or 'native', got '${value}'`);
}

/** Overrides the environment; takes effect at the next getBackend(). */
export function setBackendPreference(choice: string): void {
  preference = parseChoice(choice, "--backend");
  current = null;
}

function notice(line: string): void {
  if (announced || process.env.PREFLOOP_QUIET_NOTICES === "1") return;
  announced = true;
  process.stderr.write(`prefloop: ${line}\n`);
}

/** The `ts` backend, always available (tests use it as the oracle). */
export function getTsBackend(): Backend {
  return tsBackend;
}

/** The native backend, or null with the reason it could not load. */
export function getNativeBackend(): Backend | null {
  return loadNative().backend;
}

/** The selected backend (cached). */
export function getBackend(): Backend {
  if (current) return current;
  const env = process.env.PREFLOOP_BACKEND;
  const choice = preference ?? (env ? parseChoice(env, "PREFLOOP_BACKEND") : "auto");
  if (choice === "ts") {
    current = tsBackend;
    notice("engine backend: ts (requested)");
    return current;
  }
  const loaded = loadNative();
  if (loaded.backend) {
    current = loaded.backend;
    notice(`engine backend: native (${loaded.isa}, ${loaded.backend.threads} threads)`);
    return current;
  }
  if (choice === "native") {
    throw new ConfigError(`native engine backend requested but not available: ${loaded.reason}`, {
      hint: "build it with `npm run build:native` (needs a C compiler), or use --backend ts",
    });
  }
  current = tsBackend;
  notice(`native engine unavailable (${loaded.reason}); using the slower ts backend`);
  return current;
}
