// Crash-safe file writes: write a temporary sibling, fsync, rename over the target.
// Not a general fs wrapper: only what the checkpoint writers need.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

/** Write `chunks` to `path` atomically (a reader never sees a half-written file). */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, "w");
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.byteLength) done += writeSync(fd, c, done, c.byteLength - done);
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Bytes of a typed array (a view, no copy). */
export function bytesOf(a: Float32Array | Uint16Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
