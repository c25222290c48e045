// The headline numbers in the terminal (`prefloop status`, end of `prefloop run`): per model, win rate vs base
// and vs the previous iteration ± SE, held-out and chosen / rejected lengths, margins; the leaderboard place.
// The same numbers as the report's summary table, computed by metrics.ts from the run files.
import { resolve } from "node:path";
import { iterationLabel } from "./charts.js";
import { pct } from "./html.js";
import { loadLeaderboard } from "./leaderboard.js";
import { iterationNumbers } from "./metrics.js";
import { loadRun } from "./run-data.js";

const f = (v: number | null, d: number): string => (v === null || !Number.isFinite(v) ? "—" : v.toFixed(d));

export async function formatHeadline(runDir: string): Promise<string> {
  const run = loadRun(resolve(runDir));
  const rows = iterationNumbers(run);
  if (rows.every((r) => r.heldOutReward === null && r.chosenLength === null)) return "";
  const header = ["model", "reward", "win vs base", "win vs prev", "len", "chosen/rejected len", "margin"];
  const body = rows.map((r) => [
    iterationLabel(r.iteration),
    f(r.heldOutReward?.value ?? null, 3),
    pct(r.winVsBase),
    pct(r.winVsPrevious),
    f(r.meanLength, 0),
    r.chosenLength === null ? "—" : `${f(r.chosenLength, 0)}/${f(r.rejectedLength, 0)}`,
    f(r.meanMargin, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const lines = [
    "headline (held-out prompts; win rates ± 1 SE)",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
  ];
  lines.push(...body.map(line));
  const lb = await loadLeaderboard(run.evalDir);
  if (lb) {
    const ours = lb.rows.map((r, i) => (lb.ours.has(r.name) ? `${r.name} #${i + 1}` : null)).filter(Boolean);
    if (ours.length > 0) lines.push(`AlpacaEval (LC): ${ours.join(", ")} of ${lb.rows.length}`);
  }
  return `${lines.join("\n")}\n`;
}
