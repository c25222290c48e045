// Where a reward model's folder is: a local path as given, else a Hugging Face repo id ("llm-blender/PairRM")
// looked up in the local hub cache that `huggingface-cli download` fills (HF_HUB_CACHE, HF_HOME/hub or
// ~/.cache/huggingface/hub: models--<owner>--<name>/snapshots/<refs/main>). Never downloads anything.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ModelError } from "../util/errors.js";

export function resolveModelFolder(
  path: string,
  baseDir?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const local = baseDir && !path.startsWith("/") ? resolve(baseDir, path) : resolve(path);
  if (existsSync(local)) return local;
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(path);
  if (m) {
    const hub =
      env.HF_HUB_CACHE ??
      (env.HF_HOME ? join(env.HF_HOME, "hub") : join(homedir(), ".cache/huggingface/hub"));
    const repo = join(hub, `models--${m[1]}--${m[2]}`);
    const ref = join(repo, "refs", "main");
    const snaps = join(repo, "snapshots");
    if (existsSync(ref)) {
      const dir = join(snaps, readFileSync(ref, "utf8").trim());
      if (existsSync(dir)) return dir;
    }
    if (existsSync(snaps)) {
      const any = readdirSync(snaps);
      if (any.length > 0) return join(snaps, any[0]);
    }
  }
  throw new ModelError(`${path}: no such folder, and not in the local Hugging Face cache`, {
    hint: `download it first: huggingface-cli download ${m ? path : "llm-blender/PairRM"} --local-dir <folder>`,
  });
}
