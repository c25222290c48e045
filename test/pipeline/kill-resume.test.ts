// Kills a child writing a JSONL stage with SIGKILL at 12 random moments, resumes each time, and checks the
// final file equals an uninterrupted run's byte for byte (no row lost, none twice).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./fixtures/jsonl-stage-child.ts", import.meta.url));
const ROWS = 600;

interface ChildRun {
  killed: boolean;
  resumedRows: number;
  truncated: number;
}

/**
 * Runs the child; with `kill`, SIGKILLs it `delayMs` after it has appended `afterRows` more rows (counting
 * progress instead of wall time keeps the kills spread over the stage however busy the machine is).
 */
function runChild(out: string, kill?: { afterRows: number; delayMs: number }): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, out, String(ROWS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let rows = 0;
    let armed = false;
    p.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      rows += (text.match(/^row /gm) ?? []).length;
      if (kill && !armed && rows >= kill.afterRows) {
        armed = true;
        setTimeout(() => p.kill("SIGKILL"), kill.delayMs);
      }
    });
    p.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    p.on("error", reject);
    p.on("exit", (code, signal) => {
      const m = /^ready (\d+) (\d+)$/m.exec(stdout);
      const resumedRows = m ? Number(m[1]) : 0;
      const truncated = m ? Number(m[2]) : 0;
      if (signal === "SIGKILL") resolve({ killed: true, resumedRows, truncated });
      else if (code === 0) resolve({ killed: false, resumedRows, truncated });
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

test("SIGKILL at 12 random moments, resume each time: same bytes as an uninterrupted run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-kill-"));
  const reference = join(dir, "reference.jsonl");
  const first = await runChild(reference);
  assert.equal(first.killed, false);
  const refText = readFileSync(reference, "utf8");
  assert.equal(refText.split("\n").filter(Boolean).length, ROWS);

  // A deterministic PRNG so a failure can be replayed (seed printed on failure).
  let seed = Date.now() % 100000;
  const startSeed = seed;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out = join(dir, "killed.jsonl");
  let kills = 0;
  let truncations = 0;
  const progress: number[] = [];
  for (let attempt = 0; attempt < 40 && kills < 12; attempt++) {
    const r = await runChild(out, {
      afterRows: 1 + Math.floor((rand() * ROWS) / 14),
      delayMs: Math.floor(rand() * 3),
    });
    progress.push(r.resumedRows);
    if (r.truncated > 0) truncations += 1;
    if (r.killed) kills += 1;
    else break;
  }
  // Finish whatever is left.
  const last = await runChild(out);
  if (last.truncated > 0) truncations += 1;
  assert.ok(kills >= 10, `only ${kills} kills landed (seed ${startSeed})`);
  assert.ok(
    progress.some((n) => n > 0 && n < ROWS),
    `no kill landed mid-stage (rows at each resume: ${progress.join(",")}, seed ${startSeed})`,
  );
  assert.equal(sha(out), sha(reference), `files differ (seed ${startSeed}, truncated tails ${truncations})`);
});
