// The life of one stage: skip when the manifest says done; otherwise begin (attempt + input hashes), do the
// work, finish (output hashes, rows, metrics, seconds) or fail (error recorded, rethrown). JSONL stages go
// through runJsonlStage, which resumes at the first key not yet written.
import type { Logger } from "../util/log.js";
import { sha256File } from "./hash.js";
import { JsonlWriter } from "./jsonl.js";
import type { RunDirectory } from "./run-dir.js";

export interface StageResult {
  outputs?: Record<string, string>;
  rows?: number;
  metrics?: Record<string, number | string | null>;
}

/** Runs `work` as stage `id` unless it is done. Returns true when it ran. */
export async function runStage(
  run: RunDirectory,
  id: string,
  inputs: Record<string, string>,
  work: () => Promise<StageResult>,
): Promise<boolean> {
  if (run.isDone(id)) return false;
  const t0 = performance.now();
  run.begin(id, inputs);
  try {
    const result = await work();
    run.finish(id, { ...result, seconds: (performance.now() - t0) / 1000 });
    return true;
  } catch (e) {
    run.fail(id, e, (performance.now() - t0) / 1000);
    throw e;
  }
}

export interface JsonlStageOptions<In, Out> {
  run: RunDirectory;
  id: string;
  file: string;
  inputs: In[];
  keyOf: (input: In) => string;
  outKey: (row: Out) => string;
  batchSize: number;
  /** one output row per input, in order */
  process: (batch: In[]) => Promise<Out[]>;
  logger: Logger;
  label: string;
  unit: string;
}

/** Processes the inputs not yet in `file`, in input order and in batches, appending one row per input. */
export async function runJsonlStageWork<In, Out>(o: JsonlStageOptions<In, Out>): Promise<StageResult> {
  const writer = await JsonlWriter.open<Out>(o.file, { key: o.outKey });
  try {
    const todo = o.inputs.filter((i) => !writer.has(o.keyOf(i)));
    const progress = o.logger.progress(o.label, o.inputs.length, {
      unit: o.unit,
      initial: o.inputs.length - todo.length,
    });
    for (let i = 0; i < todo.length; i += o.batchSize) {
      const batch = todo.slice(i, i + o.batchSize);
      const rows = await o.process(batch);
      if (rows.length !== batch.length)
        throw new Error(`${o.id}: ${batch.length} inputs gave ${rows.length} rows`);
      for (const row of rows) writer.append(row);
      progress.increment(batch.length);
    }
    progress.stop();
    const rows = writer.size;
    writer.close();
    return { rows, outputs: { [o.file.split("/").pop() ?? o.file]: await sha256File(o.file) } };
  } finally {
    writer.close();
  }
}
