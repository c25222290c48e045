// Backend selection: `native` when the addon loads, else `ts`; overridable by env PREFLOOP_BACKEND=ts|native
// or setBackendPreference() (the CLI's global --backend flag). The choice is announced once on stderr
// (silenced by PREFLOOP_QUIET_NOTICES=1). Not the kernels themselves: see ts-backend.ts and native.ts.
import { ConfigError } from "../util/errors.js";
import type { Backend } from "./backend.js";
import { checked } from "./checked.js";
import { loadNative } from "./native.js";
import { tsBackend as rawTs } from "./ts-backend.js";

const tsBackend = checked(rawTs);
let nativeChecked: Backend | null = null;

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

/** Whether the native addon loaded, its instruction set and thread count, or why not. */
export function nativeStatus(): { available: boolean; isa: string; threads: number; reason: string } {
  const loaded = loadNative();
  return {
    available: loaded.backend !== null,
    isa: loaded.isa,
    threads: loaded.backend?.threads ?? 0,
    reason: loaded.reason,
  };
}

/** The native backend (validated), or null when the addon is not available (nativeStatus() says why). */
export function getNativeBackend(): Backend | null {
  const raw = loadNative().backend;
  if (raw && !nativeChecked) nativeChecked = checked(raw);
  return nativeChecked;
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
  const native = getNativeBackend();
  if (native) {
    current = native;
    notice(`engine backend: native (${loaded.isa}, ${native.threads} threads)`);
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
