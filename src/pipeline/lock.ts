// One writer per run: `<run>/lock` holds the owner's pid and hostname, created with O_EXCL. A lock whose
// process is gone (same host, pid not alive) is stale and taken over; a live one is a clear error.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PrefloopError } from "../util/errors.js";

export interface LockInfo {
  pid: number;
  hostname: string;
  started_at: string;
}

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(readonly path: string) {
    process.once("exit", this.onExit);
  }

  /** Takes the lock of `runDir` or throws PrefloopError("locked") naming the owner. */
  static acquire(runDir: string): RunLock {
    const path = join(runDir, "lock");
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, "wx");
        const info: LockInfo = {
          pid: process.pid,
          hostname: hostname(),
          started_at: new Date().toISOString(),
        };
        writeSync(fd, `${JSON.stringify(info)}\n`);
        closeSync(fd);
        return new RunLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const owner = readLock(path);
      if (owner === undefined || isStale(owner)) {
        // Stale or torn (owner died between create and write): remove and retry the exclusive create.
        rmSync(path, { force: true });
        continue;
      }
      throw new PrefloopError(
        "locked",
        `${runDir}: run is in use by pid ${owner.pid} on ${owner.hostname} since ${owner.started_at}`,
        {
          hint:
            owner.hostname === hostname()
              ? "wait for that process to finish, or stop it"
              : `if no process on ${owner.hostname} uses this run any more, delete ${path}`,
        },
      );
    }
    throw new PrefloopError(
      "locked",
      `${path}: could not take the lock (another process keeps recreating it)`,
    );
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener("exit", this.onExit);
    const owner = readLock(this.path);
    if (owner?.pid === process.pid && owner.hostname === hostname()) rmSync(this.path, { force: true });
  }
}

export function readLock(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as LockInfo;
    return typeof info.pid === "number" && typeof info.hostname === "string" ? info : undefined;
  } catch {
    return undefined;
  }
}

/** True when the lock's owner is certainly gone: same host and no such pid. Other hosts are never stale. */
export function isStale(info: LockInfo): boolean {
  if (info.hostname !== hostname()) return false;
  if (info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}
