// The package version, read once from package.json (recorded in manifests and model cards).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function version(): string {
  if (cached === undefined) {
    const path = fileURLToPath(new URL("../../package.json", import.meta.url));
    cached = (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  }
  return cached;
}

/** The project root (where package.json, models/ and recipes/ live), from src/ or dist/. */
export function projectRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}
