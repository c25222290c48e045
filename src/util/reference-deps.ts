// Reference packages for benchmarks and cross-checks only (node-llama-cpp): never needed by the product, so
// not in package.json (its optional GPU builds are ~700 MB). Installed on explicit request (`prefloop bench
// generate --install-reference`, or PREFLOOP_INSTALL_REFERENCE=1 for the slow tests) into
// .cache/reference-deps with npm from the registry, CPU build only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PrefloopError } from "./errors.js";
import { projectRoot } from "./version.js";

export const llamaCppVersion = "3.22.1";

export function referenceDepsDir(): string {
  return process.env.PREFLOOP_REFERENCE_DEPS ?? join(projectRoot(), ".cache", "reference-deps");
}

/** The file URL of node-llama-cpp's entry point, from the project's node_modules or the on-demand folder. */
export function resolveLlamaCpp(): string | null {
  try {
    return import.meta.resolve("node-llama-cpp");
  } catch {
    const entry = join(referenceDepsDir(), "node_modules", "node-llama-cpp", "dist", "index.js");
    return existsSync(entry) ? pathToFileURL(entry).href : null;
  }
}

/** npm-installs node-llama-cpp with its prebuilt linux-x64 CPU binary (no GPU builds, no source build). */
export function installLlamaCpp(): string {
  const dir = referenceDepsDir();
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    "npm",
    [
      "install",
      "--prefix",
      dir,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--omit=optional",
      "--ignore-scripts",
      `node-llama-cpp@${llamaCppVersion}`,
      `@node-llama-cpp/linux-x64@${llamaCppVersion}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
  );
  const url = resolveLlamaCpp();
  if (r.status !== 0 || url === null)
    throw new PrefloopError("external", `npm could not install node-llama-cpp into ${dir}`, {
      hint: (r.stderr ?? "").trim().split("\n").slice(-3).join(" | "),
    });
  return url;
}

/** node-llama-cpp's entry URL, installing it first when `install` is true; null when absent and not asked. */
export function llamaCppEntry(install: boolean): string | null {
  return resolveLlamaCpp() ?? (install ? installLlamaCpp() : null);
}
