// Kills the whole loop (fake components, real run directory) with SIGKILL at 12+ random moments, resuming
// each time; the final files equal an uninterrupted run's byte for byte (manifest timings aside), and no
// prompt is lost or written twice.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RunDirectory } from "../../src/pipeline/index.js";

const child = fileURLToPath(new URL("./fixtures/loop-child.ts", import.meta.url));

/**
 * Runs the loop child. With `kill`, SIGKILLs it `kill.delayMs` after its `kill.afterEvents`-th progress line
 * (progress lines track the work itself, so kills land all over the run however busy the machine is).
 */
function runChild(
  out: string,
  kill?: { afterEvents: number; delayMs: number },
): Promise<{ killed: boolean; events: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, out], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let events = 0;
    let armed = false;
    let buf = "";
    p.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      events += lines.filter((l) => l.startsWith("{")).length;
      if (kill && !armed && events >= kill.afterEvents) {
        armed = true;
        setTimeout(() => p.kill("SIGKILL"), kill.delayMs);
      }
    });
    p.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    p.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve({ killed: true, events });
      else if (code === 0) resolve({ killed: false, events });
      else reject(new Error(`loop child exited ${code}: ${stderr}`));
    });
  });
}

/** relative path -> sha256 of every file, without the manifest (timings) and summary (seconds). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== "manifest.json" && name !== "summary.json") {
        out[relative(root, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
      }
    }
  };
  walk(root);
  return out;
}

function summaryWithoutTimes(root: string): unknown {
  const s = JSON.parse(readFileSync(join(root, "summary.json"), "utf8")) as {
    iterations: Array<Record<string, unknown>>;
  };
  for (const r of s.iterations) delete r.seconds_by_stage;
  return s;
}

test("SIGKILL the loop at 12+ random moments: resumed run = uninterrupted run, file for file", async () => {
  const base = mkdtempSync(join(tmpdir(), "pf-loopkill-"));
  const reference = join(base, "reference");
  const ref = await runChild(reference);
  assert.equal(ref.killed, false);
  assert.ok(ref.events > 50, `reference run reported only ${ref.events} progress lines`);

  let seed = Date.now() % 100000;
  const startSeed = seed;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out = join(base, "killed");
  let kills = 0;
  const statesAtKill: string[] = [];
  for (let attempt = 0; attempt < 60 && kills < 12; attempt++) {
    const { killed } = await runChild(out, {
      afterEvents: 1 + Math.floor((rand() * ref.events) / 7),
      delayMs: Math.floor(rand() * 20),
    });
    if (!killed) break;
    kills += 1;
    try {
      const m = RunDirectory.read(out);
      const done = Object.values(m.stages).filter((s) => s.state === "done").length;
      const running = Object.entries(m.stages).find(([, s]) => s.state === "running")?.[0];
      statesAtKill.push(`${running ?? "between stages"} (${done} done)`);
    } catch {
      statesAtKill.push("before the manifest");
    }
  }
  await runChild(out);
  assert.ok(kills >= 10, `only ${kills} kills landed (seed ${startSeed})`);
  const a = snapshot(reference);
  const b = snapshot(out);
  assert.deepEqual(Object.keys(b), Object.keys(a), `file sets differ (seed ${startSeed})`);
  for (const f of Object.keys(a))
    assert.equal(b[f], a[f], `${f} differs (seed ${startSeed}; killed during ${statesAtKill.join(", ")})`);
  assert.deepEqual(summaryWithoutTimes(out), summaryWithoutTimes(reference));
  const m = RunDirectory.read(out);
  assert.ok(Object.values(m.stages).every((s) => s.state === "done"));
  const resumed = Object.entries(m.stages)
    .filter(([, s]) => s.attempts > 1)
    .map(([id]) => id);
  assert.ok(resumed.length > 0, "no stage was ever interrupted");
  console.log(
    `reference run ${ref.events} progress lines; kills: ${kills}; interrupted stages: ${statesAtKill.join(", ")}; stages resumed: ${resumed.length}`,
  );
});
