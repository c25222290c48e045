// A run directory (DESIGN.md "Run directory"): the lock, manifest.json (atomically rewritten on every state
// change), recipe.yaml as run, and per-stage bookkeeping. Stages call begin() / finish() / fail(); a rerun
// reads the manifest and skips what is done. Not the iteration logic: that is controller.ts.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { InputError, PrefloopError } from "../util/errors.js";
import { version } from "../util/version.js";
import { writeFileAtomic, writeJsonAtomic } from "./atomic.js";
import { sha256Text } from "./hash.js";
import { RunLock } from "./lock.js";
import { checkManifest, emptyStage, type Manifest, type StageRecord } from "./manifest.js";

export interface CreateRunOptions {
  name: string;
  /** the resolved recipe as YAML: written to recipe.yaml, hashed into the manifest */
  recipeYaml: string;
  seed: number;
  threads: number;
  choices?: Record<string, unknown>;
  /** stage ids in plan order; new ones are added as pending */
  stages?: string[];
  /** resume a run whose recipe differs (the caller knows the change is harmless) */
  allowRecipeChange?: boolean;
}

export class RunDirectory {
  private constructor(
    readonly dir: string,
    private m: Manifest,
    private readonly lock: RunLock,
    private readonly now: () => Date,
  ) {}

  /** Creates or reopens a run for writing (takes the lock). A different recipe in an existing run is refused. */
  static open(dir: string, options: CreateRunOptions, now: () => Date = () => new Date()): RunDirectory {
    mkdirSync(dir, { recursive: true });
    const lock = RunLock.acquire(dir);
    try {
      const file = join(dir, "manifest.json");
      const recipeSha = sha256Text(options.recipeYaml);
      let m: Manifest;
      if (existsSync(file)) {
        m = RunDirectory.read(dir);
        if (m.recipe_sha256 !== recipeSha && options.allowRecipeChange !== true) {
          throw new PrefloopError(
            "config",
            `${dir}: this run was started with a different recipe (see ${join(dir, "recipe.yaml")})`,
            {
              hint: "resume with the same recipe and --set flags, or choose a new --out folder",
            },
          );
        }
        m.recipe_sha256 = recipeSha;
      } else {
        const t = now().toISOString();
        m = {
          format: "prefloop-run",
          format_version: 1,
          name: options.name,
          created_at: t,
          updated_at: t,
          prefloop_version: version(),
          node_version: process.version,
          recipe_sha256: recipeSha,
          seed: options.seed,
          threads: options.threads,
          choices: options.choices ?? {},
          components: {},
          stages: {},
        };
      }
      for (const id of options.stages ?? []) if (!m.stages[id]) m.stages[id] = emptyStage();
      // A stage left `running` by a killed process is resumable, not failed; its temporary files are litter.
      removeTempFiles(dir);
      const run = new RunDirectory(dir, m, lock, now);
      writeFileAtomic(join(dir, "recipe.yaml"), options.recipeYaml);
      run.save();
      return run;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Reads a run's manifest without the lock (status, report). */
  static read(dir: string): Manifest {
    const file = join(dir, "manifest.json");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new InputError(`${dir}: not a run folder (no manifest.json)`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${file}: invalid JSON (${(e as Error).message})`);
    }
    return checkManifest(value, file);
  }

  get manifest(): Readonly<Manifest> {
    return this.m;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** A folder inside the run, created if missing. */
  folder(...parts: string[]): string {
    const p = join(this.dir, ...parts);
    mkdirSync(p, { recursive: true });
    return p;
  }

  stage(id: string): Readonly<StageRecord> {
    return this.m.stages[id] ?? emptyStage();
  }

  isDone(id: string): boolean {
    return this.m.stages[id]?.state === "done";
  }

  setComponent(name: string, id: string): void {
    this.m.components[name] = id;
    this.save();
  }

  /** Marks a stage running (one more attempt) and records its input hashes. */
  begin(id: string, inputs: Record<string, string> = {}): void {
    const s = this.m.stages[id] ?? emptyStage();
    s.state = "running";
    s.inputs = inputs;
    s.started_at = this.now().toISOString();
    s.attempts += 1;
    s.error = null;
    this.m.stages[id] = s;
    this.save();
  }

  finish(
    id: string,
    result: {
      outputs?: Record<string, string>;
      rows?: number;
      metrics?: Record<string, number | string | null>;
      seconds: number;
    },
  ): void {
    const s = this.m.stages[id] ?? emptyStage();
    s.state = "done";
    s.outputs = result.outputs ?? {};
    s.rows = result.rows ?? null;
    s.metrics = result.metrics ?? {};
    s.seconds += result.seconds;
    s.finished_at = this.now().toISOString();
    this.m.stages[id] = s;
    this.save();
  }

  fail(id: string, error: unknown, seconds = 0): void {
    const s = this.m.stages[id] ?? emptyStage();
    s.state = "failed";
    s.error = error instanceof Error ? error.message : String(error);
    s.seconds += seconds;
    this.m.stages[id] = s;
    this.save();
  }

  /** Adds time to a stage that is resumed (seconds spent before a kill are lost; what was saved counts). */
  addSeconds(id: string, seconds: number): void {
    const s = this.m.stages[id];
    if (s) {
      s.seconds += seconds;
      this.save();
    }
  }

  close(): void {
    this.lock.release();
  }

  private save(): void {
    this.m.updated_at = this.now().toISOString();
    writeJsonAtomic(join(this.dir, "manifest.json"), this.m);
  }
}

/** Deletes temporary files a killed writer left (`.<name>.tmp-<pid>-<n>`); only the lock holder calls it. */
function removeTempFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) removeTempFiles(p);
    else if (/^\..+\.tmp-\d+-\d+$/.test(entry.name)) rmSync(p, { force: true });
  }
}
