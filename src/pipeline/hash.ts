// Content hashes recorded in the manifest (sha256, hex), so a run can be reproduced and compared.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export function sha256Text(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** sha256 of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** sha256 over a folder: each file's relative path and hash, sorted (temporary files skipped). */
export async function sha256Tree(root: string): Promise<string> {
  if (!existsSync(root)) return sha256Text("");
  if (statSync(root).isFile()) return sha256File(root);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith(".") && name.includes(".tmp-")) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(root);
  const h = createHash("sha256");
  for (const f of files) h.update(`${relative(root, f)}\0${await sha256File(f)}\n`);
  return h.digest("hex");
}
