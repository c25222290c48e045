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

/** Runs the child; when killAfterMs is set, SIGKILLs it that long after it reports ready. */
function runChild(out: string, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, out, String(ROWS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let resumedRows = 0;
    let truncated = 0;
    p.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /^ready (\d+) (\d+)$/m.exec(stdout);
      if (m && killAfterMs !== undefined && resumedRows === 0 && truncated === 0 && !p.killed) {
        resumedRows = Number(m[1]);
        truncated = Number(m[2]);
        setTimeout(() => p.kill("SIGKILL"), killAfterMs);
      } else if (m) {
        resumedRows = Number(m[1]);
        truncated = Number(m[2]);
      }
    });
    p.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    p.on("error", reject);
    p.on("exit", (code, signal) => {
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
    const r = await runChild(out, Math.floor(rand() * 120));
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
