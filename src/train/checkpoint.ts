// Atomic training checkpoints: <outDir>/checkpoints/checkpoint-<step>/ holding state.json (step, data
// position, RNG seed, settings fingerprint, tensor index), params.bin (trainable tensors, f32 LE) and
// optimizer.bin (AdamW m then v, f32 LE). Each is written under a temporary directory, fsynced, then
// renamed; `latest.json` is replaced last, so a kill at any moment leaves the previous checkpoint valid.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Parameter } from "../models/index.js";
import { fsyncDir, writeFileAtomic } from "../util/atomic.js";
import { ConfigError, InputError } from "../util/errors.js";

export { writeFileAtomic };

export const CHECKPOINT_FORMAT = "prefloop-dpo-checkpoint/1";

export interface CheckpointState {
  format: string;
  step: number;
  /** optimizer steps per epoch and the seed that orders every epoch's data */
  stepsPerEpoch: number;
  seed: number;
  /** hash of settings + tokenized data + trainable names: resume refuses a different run */
  fingerprint: string;
  adamStep: number;
  tensors: { name: string; length: number }[];
}

function concatF32(arrays: Float32Array[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Float32Array(total);
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return new Uint8Array(out.buffer);
}

export function sha256(parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export function saveCheckpoint(
  root: string,
  state: Omit<CheckpointState, "format" | "tensors">,
  params: Parameter[],
  m: Float32Array[],
  v: Float32Array[],
  keep: number,
): string {
  mkdirSync(root, { recursive: true });
  const name = `checkpoint-${state.step}`;
  const final = join(root, name);
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const full: CheckpointState = {
    format: CHECKPOINT_FORMAT,
    ...state,
    tensors: params.map((p) => ({ name: p.name, length: p.data.length })),
  };
  writeFileAtomic(join(tmp, "params.bin"), concatF32(params.map((p) => p.data)));
  writeFileAtomic(join(tmp, "optimizer.bin"), concatF32([...m, ...v]));
  writeFileAtomic(join(tmp, "state.json"), JSON.stringify(full, null, 1));
  fsyncDir(tmp);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncDir(root);
  writeFileAtomic(join(root, "latest.json"), JSON.stringify({ checkpoint: name, step: state.step }));
  pruneCheckpoints(root, keep, name);
  return final;
}

function pruneCheckpoints(root: string, keep: number, latest: string): void {
  const steps = readdirSync(root)
    .map((d) => /^checkpoint-(\d+)$/.exec(d))
    .filter((x): x is RegExpExecArray => x !== null)
    .map((x) => Number(x[1]))
    .sort((a, b) => b - a);
  for (const s of steps.slice(keep)) {
    if (`checkpoint-${s}` !== latest) rmSync(join(root, `checkpoint-${s}`), { recursive: true, force: true });
  }
}

export interface LoadedCheckpoint {
  dir: string;
  state: CheckpointState;
}

/** The checkpoint `latest.json` points at, or null when there is none. */
export function findLatestCheckpoint(root: string): LoadedCheckpoint | null {
  const latestPath = join(root, "latest.json");
  if (!existsSync(latestPath)) return null;
  const latest = JSON.parse(readFileSync(latestPath, "utf8")) as { checkpoint: string };
  const dir = join(root, latest.checkpoint);
  const statePath = join(dir, "state.json");
  if (!existsSync(statePath))
    throw new InputError(`${latestPath}: points at ${dir}, which has no state.json`);
  const state = JSON.parse(readFileSync(statePath, "utf8")) as CheckpointState;
  if (state.format !== CHECKPOINT_FORMAT) {
    throw new InputError(`${statePath}: format '${state.format}', expected '${CHECKPOINT_FORMAT}'`);
  }
  return { dir, state };
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Copy a checkpoint's tensors into `params` and the optimizer moments (names and sizes must match). */
export function restoreCheckpoint(
  ck: LoadedCheckpoint,
  params: Parameter[],
  m: Float32Array[],
  v: Float32Array[],
): void {
  const t = ck.state.tensors;
  if (
    t.length !== params.length ||
    t.some((x, i) => x.name !== params[i].name || x.length !== params[i].data.length)
  ) {
    throw new InputError(`${ck.dir}/state.json: tensors do not match the model being trained`, {
      hint: "resume with the same model, settings and data, or use a fresh --out directory",
    });
  }
  const p = readF32(join(ck.dir, "params.bin"));
  const o = readF32(join(ck.dir, "optimizer.bin"));
  let off = 0;
  params.forEach((q) => {
    q.data.set(p.subarray(off, off + q.data.length));
    off += q.data.length;
  });
  off = 0;
  for (const arr of [...m, ...v]) {
    arr.set(o.subarray(off, off + arr.length));
    off += arr.length;
  }
}

/** Keep only train_log.jsonl lines with step <= `step` (a resumed run rewrites what follows its checkpoint). */
export function truncateTrainLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const keep = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .filter((l) => {
      try {
        return (JSON.parse(l) as { step: number }).step <= step;
      } catch {
        return false; // a torn last line from a kill
      }
    });
  writeFileAtomic(path, keep.map((l) => `${l}\n`).join(""));
}

export interface ResumePoint {
  ckRoot: string;
  logPath: string;
  /** optimizer steps already done */
  step: number;
  resumedFrom: number | null;
  latest: LoadedCheckpoint | null;
}

/**
 * Where a training run in `outDir` starts: its latest checkpoint (when `resume` and one exists, refused when
 * its fingerprint differs) restored into `params` and the optimizer, with train_log.jsonl cut back to it;
 * otherwise step 0 with an empty log. Shared by the DPO and reward-model trainers.
 */
export function resumeTraining(o: {
  outDir: string;
  resume: boolean;
  fingerprint: string;
  params: Parameter[];
  opt: { m: Float32Array[]; v: Float32Array[]; step: number };
}): ResumePoint {
  const ckRoot = join(o.outDir, "checkpoints");
  const logPath = join(o.outDir, "train_log.jsonl");
  const latest = o.resume ? findLatestCheckpoint(ckRoot) : null;
  if (!latest) {
    writeFileAtomic(logPath, "");
    return { ckRoot, logPath, step: 0, resumedFrom: null, latest };
  }
  if (latest.state.fingerprint !== o.fingerprint) {
    throw new ConfigError(
      `${latest.dir}: checkpoint is from a different run (settings, data or model differ)`,
      {
        hint: "resume with identical settings and data, or write to a fresh --out directory",
      },
    );
  }
  restoreCheckpoint(latest, o.params, o.opt.m, o.opt.v);
  o.opt.step = latest.state.adamStep;
  truncateTrainLog(logPath, latest.state.step);
  return { ckRoot, logPath, step: latest.state.step, resumedFrom: latest.state.step, latest };
}
