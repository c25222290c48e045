// `prefloop status <run>`: stage states from the manifest and the headline numbers from summary.json.
import { join } from "node:path";
import { isStale, readLock } from "./lock.js";
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
  // A lock left by a killed process (dead pid on this host) holds nothing: the run is stopped, not in use.
  const live = lock !== undefined && !isStale(lock);
  return { manifest, counts, lockedBy: live ? `pid ${lock.pid} on ${lock.hostname}` : null };
}

export function formatStatus(dir: string): string {
  const { manifest: m, counts, lockedBy } = runStatus(dir);
  const total = Object.keys(m.stages).length;
  // Without a live owner a `running` stage was cut short (kill, Ctrl-C): it is resumable, so say how.
  const stopped = lockedBy === null && counts.done < total;
  const lines = [
    `run ${m.name} (${dir})  prefloop ${m.prefloop_version}, seed ${m.seed}, threads ${m.threads}`,
    `stages: ${counts.done} done, ${counts.running} ${lockedBy ? "running" : "interrupted"}, ${counts.failed} failed, ${counts.pending} pending${lockedBy ? `; in use by ${lockedBy}` : ""}`,
    ...(stopped
      ? [
          `not finished and not running: \`prefloop run\` with the same recipe, --set flags and --out ${dir} resumes it`,
        ]
      : []),
    "",
  ];
  const ids = Object.keys(m.stages);
  const w = Math.max(5, ...ids.map((id) => id.length));
  for (const id of ids) {
    const s = m.stages[id];
    const rows = s.rows === null ? "" : `  ${s.rows} rows`;
    const secs = s.seconds > 0 ? `  ${s.seconds.toFixed(1)}s` : "";
    const err = s.error ? `  error: ${s.error}` : "";
    const state = s.state === "running" && lockedBy === null ? "stopped" : s.state;
    lines.push(`  ${id.padEnd(w)}  ${state.padEnd(7)}${rows}${secs}${err}`);
  }
  const summary = readSummary(dir);
  if (summary && summary.iterations.length > 0) lines.push("", formatSummaryTable(summary.iterations));
  return `${lines.join("\n")}\n`;
}
