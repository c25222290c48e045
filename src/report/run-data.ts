// Reads a finished (or partial) run directory into plain arrays for the report: summary.json, manifest.json,
// recipe.yaml, per-iteration held-out answers, pairs, train_log.jsonl and the eval/ leaderboard. Not the
// charts (charts.ts) nor the HTML (html.ts). Reads the files the controller writes (src/pipeline/README.md)
// by their documented columns, so it never imports the pipeline (which calls this layer).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../util/errors.js";

export interface SummaryRow {
  iteration: number;
  held_out_reward: number | null;
  judge_win_rate: number | null;
  judge_win_rate_se: number | null;
  mean_length_chars: number | null;
  pairs_kept: number | null;
  train_loss: number | null;
  reward_accuracy: number | null;
  seconds_by_stage: Record<string, number>;
}

export interface HeldOutRow {
  prompt_id: string;
  response: string;
  length_chars: number;
  reward: number;
  judge_scores: [number, number] | null;
  win: number | null;
}

export interface PairRow {
  prompt_id: string;
  prompt: string;
  chosen: { role: string; content: string }[];
  rejected: { role: string; content: string }[];
  score_chosen: number;
  score_rejected: number;
}

export interface PromptRow {
  prompt_id: string;
  prompt: string;
}

/** One train_log.jsonl line: step, epoch and TRL metric names (loss, rewards/accuracies, learning_rate, ...). */
export type TrainLogLine = Record<string, number>;

export interface IterationData {
  /** 0 = the base model */
  iteration: number;
  heldOut: HeldOutRow[];
  pairs: PairRow[];
  trainLog: TrainLogLine[];
}

export interface StageTime {
  stage: string;
  /** "base" or "iteration-k" */
  group: string;
  seconds: number;
  state: string;
}

export interface RunData {
  dir: string;
  name: string;
  summary: SummaryRow[];
  iterations: IterationData[];
  /** held-out prompts by prompt_id (every iteration's held-out part) */
  prompts: Map<string, string>;
  recipeYaml: string | null;
  stageTimes: StageTime[];
  manifest: { prefloop_version?: string; seed?: number; created_at?: string } | null;
  /** absolute path of eval/ when it exists */
  evalDir: string | null;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Whole JSONL lines; a torn last line (a run being written) is ignored, a torn middle line is an error. */
export function readJsonlFile<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      if (i === lines.length - 1) return;
      throw new InputError(`${file}:${i + 1}: not a JSON line (${(e as Error).message})`);
    }
  });
  return out;
}

const iterationNumbers = (dir: string): number[] =>
  readdirSync(dir)
    .map((n) => /^iteration-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);

interface ManifestFile {
  name?: string;
  prefloop_version?: string;
  seed?: number;
  created_at?: string;
  stages?: Record<string, { state?: string; seconds?: number }>;
}

export function loadRun(dir: string): RunData {
  if (!existsSync(dir)) throw new InputError(`${dir}: no such run folder`);
  const manifestFile = join(dir, "manifest.json");
  const summaryFile = join(dir, "summary.json");
  if (!existsSync(manifestFile) && !existsSync(summaryFile)) {
    throw new InputError(`${dir}: not a prefloop run folder (no manifest.json or summary.json)`, {
      hint: "pass the folder `prefloop run` wrote, e.g. runs/default",
    });
  }
  const manifest = existsSync(manifestFile) ? (readJson(manifestFile) as ManifestFile) : null;
  const summaryJson = existsSync(summaryFile)
    ? (readJson(summaryFile) as { run?: string; iterations?: SummaryRow[] })
    : null;
  if (summaryJson && !Array.isArray(summaryJson.iterations))
    throw new InputError(`${summaryFile}: expected an "iterations" list`);

  const iterations: IterationData[] = [
    { iteration: 0, heldOut: readJsonlFile(join(dir, "base", "heldout.jsonl")), pairs: [], trainLog: [] },
  ];
  const prompts = new Map<string, string>();
  for (const k of iterationNumbers(dir)) {
    const it = join(dir, `iteration-${k}`);
    for (const name of ["heldout_prompts.jsonl", "prompts.jsonl"])
      for (const p of readJsonlFile<PromptRow>(join(it, name))) prompts.set(p.prompt_id, p.prompt);
    // The trainer writes train_log.jsonl into its output folder (the model folder); a copy beside it wins.
    const log = [join(it, "train_log.jsonl"), join(it, "model", "train_log.jsonl")].find(existsSync);
    iterations.push({
      iteration: k,
      heldOut: readJsonlFile(join(it, "heldout.jsonl")),
      pairs: readJsonlFile(join(it, "pairs.jsonl")),
      trainLog: log ? readJsonlFile<TrainLogLine>(log) : [],
    });
  }

  const stageTimes: StageTime[] = [];
  for (const [id, s] of Object.entries(manifest?.stages ?? {})) {
    const slash = id.indexOf("/");
    if (slash < 0) continue;
    stageTimes.push({
      group: id.slice(0, slash),
      stage: id.slice(slash + 1),
      seconds: s.seconds ?? 0,
      state: s.state ?? "pending",
    });
  }
  const recipeFile = join(dir, "recipe.yaml");
  return {
    dir,
    name: summaryJson?.run ?? manifest?.name ?? dir,
    summary: summaryJson?.iterations ?? [],
    iterations,
    prompts,
    recipeYaml: existsSync(recipeFile) ? readFileSync(recipeFile, "utf8") : null,
    stageTimes,
    manifest,
    evalDir: existsSync(join(dir, "eval")) ? join(dir, "eval") : null,
  };
}
