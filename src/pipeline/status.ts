// `prefloop status <run>`: stage states from the manifest and the headline numbers from summary.json.
import { join } from "node:path";
import { readLock } from "./lock.js";
import type { Manifest } from "./manifest.js";
import { RunDirectory } from "./run-dir.js";
import { formatSummaryTable, readSummary } from "./summary.js";

export interface RunStatus {
  manifest: Manifest;
  /** stage counts by state */
  counts: Record<string, number>;
  /** the lock owner, when a process holds the run */
  lockedBy: string | null;
}

export function runStatus(dir: string): RunStatus {
  const manifest = RunDirectory.read(dir);
  const counts: Record<string, number> = { pending: 0, running: 0, done: 0, failed: 0 };
  for (const s of Object.values(manifest.stages)) counts[s.state] += 1;
  const lock = readLock(join(dir, "lock"));
  return { manifest, counts, lockedBy: lock ? `pid ${lock.pid} on ${lock.hostname}` : null };
}

export function formatStatus(dir: string): string {
  const { manifest: m, counts, lockedBy } = runStatus(dir);
  const lines = [
    `run ${m.name} (${dir})  prefloop ${m.prefloop_version}, seed ${m.seed}, threads ${m.threads}`,
    `stages: ${counts.done} done, ${counts.running} running, ${counts.failed} failed, ${counts.pending} pending${lockedBy ? `; in use by ${lockedBy}` : ""}`,
    "",
  ];
  const ids = Object.keys(m.stages);
  const w = Math.max(5, ...ids.map((id) => id.length));
  for (const id of ids) {
    const s = m.stages[id];
    const rows = s.rows === null ? "" : `  ${s.rows} rows`;
    const secs = s.seconds > 0 ? `  ${s.seconds.toFixed(1)}s` : "";
    const err = s.error ? `  error: ${s.error}` : "";
    lines.push(`  ${id.padEnd(w)}  ${s.state.padEnd(7)}${rows}${secs}${err}`);
  }
  const summary = readSummary(dir);
  if (summary && summary.iterations.length > 0) lines.push("", formatSummaryTable(summary.iterations));
  return `${lines.join("\n")}\n`;
}
