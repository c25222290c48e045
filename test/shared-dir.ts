// Where the read-only shared data lives: beside the repository (../shared), as on every developer
// machine and in CI; PREFLOOP_SHARED overrides. A local clone made elsewhere (git clone . /tmp/x) finds it
// beside the repository it was cloned from. Tests may read it; the product never needs it.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";

function besideOrigin(repo: string): string | null {
  try {
    const url = execFileSync("git", ["-C", repo, "config", "--get", "remote.origin.url"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const origin = url.startsWith("file://") ? url.slice("file://".length) : url;
    return isAbsolute(origin) ? join(origin, "../shared") : null;
  } catch {
    return null;
  }
}

function locateShared(): string {
  if (process.env.PREFLOOP_SHARED) return process.env.PREFLOOP_SHARED;
  const repo = join(import.meta.dirname, "..");
  const beside = join(repo, "../shared");
  if (existsSync(beside)) return beside;
  const viaOrigin = besideOrigin(repo);
  return viaOrigin && existsSync(viaOrigin) ? viaOrigin : beside;
}

export const sharedDir = locateShared();
