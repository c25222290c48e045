// Write-then-rename files: content goes to "<path>.tmp-<pid>-<n>", is fsynced, then renamed over
// <path>, so a reader (or a crash) never sees half a file. abort() removes the temporary file.
// Not the run directory's append-only JSONL writer (that resumes; this replaces).
import { createWriteStream, type WriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";

let counter = 0;

export function tempName(path: string): string {
  return `${path}.tmp-${process.pid}-${++counter}`;
}

/** fsync a file by path (after a writer that cannot fsync itself closed it). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class AtomicWriter {
  readonly path: string;
  readonly tmp: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  constructor(path: string) {
    this.path = path;
    this.tmp = tempName(path);
    this.stream = createWriteStream(this.tmp, { flags: "wx" });
    this.stream.on("error", (e) => {
      this.failed = e;
    });
  }

  /** Resolves once the data is buffered below the stream's high-water mark (backpressure). */
  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream.write(text)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        this.stream.once("drain", () => {
          this.stream.off("error", onError);
          resolve();
        });
        this.stream.once("error", onError);
      });
    }
  }

  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.stream.end((e?: Error | null) => (e ? reject(e) : resolve()));
    });
    if (this.failed) throw this.failed;
    await fsyncPath(this.tmp);
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.tmp, { force: true });
  }
}

/** Writes a whole small file atomically. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const w = new AtomicWriter(path);
  try {
    await w.write(content);
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
}
