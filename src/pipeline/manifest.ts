// manifest.json of a run: stage states (pending/running/done/failed), input/output content hashes, seeds,
// versions and the recipe's choices. The manifest is the only truth about what is finished: a stage whose
// files exist but whose entry is not `done` is resumed, never trusted.
import { InputError } from "../util/errors.js";
export type StageState = "pending" | "running" | "done" | "failed";

export interface StageRecord {
  state: StageState;
  /** content hashes of what the stage read (name -> sha256) */
  inputs: Record<string, string>;
  /** content hashes of what it wrote */
  outputs: Record<string, string>;
  started_at: string | null;
  finished_at: string | null;
  /** wall seconds of the attempt that finished it (resumed attempts add up) */
  seconds: number;
  attempts: number;
  rows: number | null;
  metrics: Record<string, number | string | null>;
  error: string | null;
}

export interface Manifest {
  format: "prefloop-run";
  format_version: 1;
  name: string;
  created_at: string;
  updated_at: string;
  prefloop_version: string;
  node_version: string;
  recipe_sha256: string;
  seed: number;
  threads: number;
  /** the recipe choices a comparison needs (reference policy, pair strategy, length control, samplers...) */
  choices: Record<string, unknown>;
  /** ids of the components used (generator, ranker, trainer) */
  components: Record<string, string>;
  /** stage id ("iteration-1/generate") -> record, in plan order */
  stages: Record<string, StageRecord>;
}

export function emptyStage(): StageRecord {
  return {
    state: "pending",
    inputs: {},
    outputs: {},
    started_at: null,
    finished_at: null,
    seconds: 0,
    attempts: 0,
    rows: null,
    metrics: {},
    error: null,
  };
}

const STATES: ReadonlySet<string> = new Set(["pending", "running", "done", "failed"]);

/** Light structural check of a manifest read from disk (it is ours, but may be from an older version). */
export function checkManifest(value: unknown, file: string): Manifest {
  const m = value as Partial<Manifest> | null;
  if (m?.format !== "prefloop-run" || typeof m.stages !== "object" || m.stages === null) {
    throw new InputError(`${file}: not a prefloop run manifest`);
  }
  if (m.format_version !== 1)
    throw new InputError(`${file}: manifest format_version ${String(m.format_version)} is not supported`);
  for (const [id, s] of Object.entries(m.stages)) {
    if (!STATES.has((s as StageRecord).state))
      throw new InputError(`${file}: stages.${id}.state: unknown state`);
  }
  return m as Manifest;
}
