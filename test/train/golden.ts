// Reads test/golden/train (written by scripts/reference/dpo_ref.py): JSON arrays and f32 gradient dumps.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const goldenDir = join(import.meta.dirname, "..", "golden", "train");

export interface Arr {
  shape: number[];
  data: number[];
}
export interface GoldenCase {
  loss: number;
  losses: Arr;
  metrics: Record<string, number>;
  policy_token_logps: Arr;
  dtoken_logps: Arr;
}
export interface CaseMeta {
  name: string;
  loss_type: string[];
  loss_weights: number[] | null;
  beta: number;
  label_smoothing: number;
  simpo_gamma: number;
  ld_alpha: number | null;
}
export interface Golden {
  meta: {
    pairs: { prompt: number[]; chosen: number[]; rejected: number[] }[];
    cases: CaseMeta[];
    adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  };
  inputs: { ids: Arr; attention_mask: Arr; loss_mask: Arr };
  reference_token_logps: Arr;
  cases: Record<string, GoldenCase>;
  grads_index: { params: { name: string; shape: number[]; offset: number }[]; total: number };
  lora: { names: string[]; init: Arr[]; grads: Arr[]; loss: number };
  adamw_arrays: {
    hyper: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
    p0: Arr;
    grads: Arr[];
    after: Arr[];
    exp_avg: Arr;
    exp_avg_sq: Arr;
  };
  schedules: Record<string, { base_lr: number; total: number; warmup: number; lrs: number[] }>;
  clip: { max_norm: number; grads: Arr[]; norm: number; after: Arr[] };
}

let cached: Golden | null = null;
export function golden(): Golden {
  if (cached === null) cached = JSON.parse(readFileSync(join(goldenDir, "dpo.json"), "utf8")) as Golden;
  return cached;
}

export function goldenBin(name: string): Float32Array {
  const b = readFileSync(join(goldenDir, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** max |a-b| / max(|b|, floor) over all elements */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let m = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / scale);
  return m;
}
