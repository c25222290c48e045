// The real `prefloop run` (bundled default recipe, shrunk with --set but K = 3, n = 5 and every stage kept)
// killed with SIGKILL at 10+ moments spread over all stages, resumed each time: the final files (prompts,
// generations, scores, pairs, dataset Parquet/JSONL, train logs, model.safetensors, model.gguf, held-out
// answers) equal an uninterrupted run's byte for byte, and no JSONL row is lost or written twice.
// Kills are timed by the run's own progress lines (JSON on stderr), not by the clock.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RunDirectory } from "../../src/pipeline/index.js";

const cli = fileURLToPath(new URL("../generate/run-cli.ts", import.meta.url));
// Small enough for a slow test, with checkpoints every 2 optimizer steps so the trainer's resume is used.
const SETS = [
  "threads=2",
  "prompts.per_iteration=16",
  "prompts.test_per_iteration=4",
  "generate.max_tokens=40",
  "generate.batch_size=4",
  "eval.max_tokens=40",
  "train.per_device_train_batch_size=4",
  "train.save_steps=2",
];

interface Event {
  /** progress label ("iteration 2 generate", "train 3") or "iteration k pairs" for the pairs log line */
  stage: string;
  /** units done (0 for the pairs line) */
  done: number;
  final: boolean;
  /** when the line arrived (ms, performance.now) */
  t: number;
}

function parseEvent(line: string): Event | null {
  if (!line.startsWith("{")) return null;
  const j = JSON.parse(line) as { event?: string; stage?: string; done?: number; msg?: string };
  if (j.event?.startsWith("progress_") && j.stage !== undefined && j.done !== undefined)
    return { stage: j.stage, done: j.done, final: j.event === "progress_done", t: performance.now() };
  const m = j.msg === undefined ? null : /^iteration (\d+): \d+ pairs kept/.exec(j.msg);
  return m ? { stage: `iteration ${m[1]} pairs`, done: 0, final: true, t: performance.now() } : null;
}

interface Kill {
  /** kill at the first event at or past this position of the reference run's event order */
  at: number;
  delayMs: number;
  /** Ctrl-C instead of kill -9 (the run must stop with a resume hint, exit code 130) */
  signal?: "SIGINT";
}

function runChild(
  out: string,
  order: Map<string, number> | null,
  kill: Kill | "on-manifest" | null,
): Promise<{ killed: boolean; events: Event[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PREFLOOP_QUIET_NOTICES: "1" };
    delete env.PREFLOOP_THREADS;
    const p = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        cli,
        "--log-format",
        "json",
        "run",
        ...SETS.flatMap((s) => ["--set", s]),
        "--out",
        out,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env },
    );
    const events: Event[] = [];
    let stderr = "";
    let buf = "";
    let armed = false;
    const fire = (delayMs: number) => {
      armed = true;
      setTimeout(
        () => p.kill(kill !== null && kill !== "on-manifest" ? (kill.signal ?? "SIGKILL") : "SIGKILL"),
        delayMs,
      );
    };
    let poll: NodeJS.Timeout | undefined;
    if (kill === "on-manifest") {
      poll = setInterval(() => {
        if (!armed && existsSync(join(out, "manifest.json"))) fire(Math.floor(Math.random() * 30));
      }, 5);
    }
    p.stdout.resume();
    p.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      buf += text;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        const e = parseEvent(line);
        if (!e) continue;
        events.push(e);
        if (kill && kill !== "on-manifest" && order && !armed && position(order, e) >= kill.at)
          fire(kill.delayMs);
      }
    });
    p.on("exit", (code, signal) => {
      clearInterval(poll);
      if (signal === "SIGKILL" || (code === 130 && armed)) resolve({ killed: true, events, stderr });
      else if (code === 0) resolve({ killed: false, events, stderr });
      else reject(new Error(`prefloop run exited ${code}: ${stderr.slice(-3000)}`));
    });
  });
}

/** Position of an event in run order: stages in the reference run's order, then units done within one. */
function position(order: Map<string, number>, e: Event): number {
  const s = order.get(e.stage);
  if (s === undefined) throw new Error(`unknown progress stage '${e.stage}'`);
  return s * 100_000 + e.done * 2 + (e.final ? 1 : 0);
}

const SKIP = new Set(["manifest.json", "summary.json", "report.html", "recipe.yaml"]);

/** relative path -> sha256 of every file but the ones holding timings or the run's own folder name. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!SKIP.has(name))
        out[relative(root, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(root);
  return out;
}

function recipeWithoutOut(root: string): string {
  return readFileSync(join(root, "recipe.yaml"), "utf8").replace(/^out_dir: .*$/m, "");
}

function summaryWithoutTimes(root: string): unknown {
  const s = JSON.parse(readFileSync(join(root, "summary.json"), "utf8")) as {
    iterations: Array<Record<string, unknown>>;
  };
  for (const r of s.iterations) delete r.seconds_by_stage;
  return s;
}

/** Every JSONL file's rows: keys unique (prompt_id, or step + kind for train logs) and as many as the reference. */
function checkRows(root: string, reference: string): number {
  let files = 0;
  for (const rel of Object.keys(snapshot(reference)).filter((f) => f.endsWith(".jsonl"))) {
    const rows = (dir: string) =>
      readFileSync(join(dir, rel), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { prompt_id?: string; step?: number; loss?: number });
    const got = rows(root);
    const keys = got.map((r) => r.prompt_id ?? `${r.step}:${r.loss === undefined ? "eval" : "train"}`);
    assert.equal(new Set(keys).size, keys.length, `${rel}: a row was written twice`);
    assert.equal(got.length, rows(reference).length, `${rel}: rows lost or added`);
    files += 1;
  }
  return files;
}

test("SIGKILL the real default run at 10+ moments over every stage: resumed files = uninterrupted", async () => {
  const base = mkdtempSync(join(tmpdir(), "pf-defaultkill-"));
  const t0 = performance.now();
  try {
    const reference = join(base, "reference");
    const ref = await runChild(reference, null, null);
    assert.equal(ref.killed, false);
    const order = new Map<string, number>();
    for (const e of ref.events) if (!order.has(e.stage)) order.set(e.stage, order.size);
    const refSeconds = (performance.now() - t0) / 1000;

    // Two targets in each kind of stage (base held-out eval, generate, rank, pairs, train, held-out eval), in
    // random iterations; the pairs line is followed by a longer delay so kills land in ref-logps / train start.
    let seed = Number(process.env.PREFLOOP_KILL_SEED ?? Date.now() % 100_000); // the seed printed on failure replays it
    const startSeed = seed;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const kinds = ["base held-out eval", "generate", "rank", "pairs", "train", "iteration \\d held-out"];
    const targets: Kill[] = [];
    for (const kind of kinds) {
      const pool = ref.events.filter((e) => new RegExp(kind).test(e.stage) && !e.final);
      const pick = pool.length > 0 ? pool : ref.events.filter((e) => new RegExp(kind).test(e.stage));
      for (let i = 0; i < 2; i++) {
        const e = pick[Math.floor(rand() * pick.length)];
        // Within a stage, the delay stays inside what was left of that stage in the reference run (at most
        // 150 ms): a short stage (16 prompts decode in tens of ms) would otherwise end before the kill.
        const stageEnd = ref.events
          .filter((x) => x.stage === e.stage)
          .reduce((m, x) => Math.max(m, x.t), e.t);
        const withinStage = Math.min(150, 0.8 * (stageEnd - e.t));
        const delayMs = e.stage.endsWith("pairs")
          ? Math.floor(rand() * 1500)
          : Math.floor(rand() * withinStage);
        targets.push({ at: position(order, e), delayMs: e.stage.endsWith("rank") ? 0 : delayMs });
      }
    }
    targets.sort((a, b) => a.at - b.at);
    // One of the middle ones is a Ctrl-C.
    targets[Math.floor(targets.length / 2)].signal = "SIGINT";
    let interrupted = "";
    let lockAfterInterrupt = false;

    const out = join(base, "killed");
    const hit: string[] = [];
    const record = () => {
      if (!existsSync(join(out, "manifest.json"))) return hit.push("before the manifest");
      const m = RunDirectory.read(out);
      const running = Object.entries(m.stages).find(([, s]) => s.state === "running")?.[0];
      const next = Object.entries(m.stages).find(([, s]) => s.state !== "done")?.[0];
      return hit.push(running ?? `between stages (before ${next ?? "the end"})`);
    };
    let kills = 0;
    let checkpointResumes = 0;
    let finished = false;
    // The first kill lands as soon as the manifest exists (prompts split / base eval start).
    for (const kill of ["on-manifest" as const, ...targets]) {
      const r = await runChild(out, order, kill);
      // A train bar that opens past step 0 continued from a checkpoint inside the loop.
      if (
        r.events.some(
          (e) =>
            e.stage.startsWith("train") &&
            !e.final &&
            e.done > 0 &&
            e === r.events.find((x) => x.stage === e.stage),
        )
      )
        checkpointResumes += 1;
      if (!r.killed) {
        finished = true;
        break;
      }
      kills += 1;
      record();
      if (kill !== "on-manifest" && kill.signal === "SIGINT") {
        interrupted = r.stderr;
        lockAfterInterrupt = existsSync(join(out, "lock"));
      }
    }
    if (!finished) assert.equal((await runChild(out, order, null)).killed, false);
    const seconds = (performance.now() - t0) / 1000;

    assert.notEqual(interrupted, "", "the Ctrl-C target was never reached");
    assert.match(interrupted, /prefloop: interrupted; .* Resume with: prefloop run .*--set threads=2/);
    assert.equal(lockAfterInterrupt, false, "Ctrl-C released the lock");
    const why = `(seed ${startSeed}; kills during: ${hit.join(", ")})`;
    assert.ok(kills >= 10, `only ${kills} kills landed ${why}`);
    for (const stage of ["generate", "train", "heldout-eval"])
      assert.ok(
        hit.some((h) => h.endsWith(`/${stage}`)),
        `no kill landed in a ${stage} stage ${why}`,
      );
    const a = snapshot(reference);
    const b = snapshot(out);
    assert.deepEqual(Object.keys(b), Object.keys(a), `file sets differ ${why}`);
    for (const f of Object.keys(a)) assert.equal(b[f], a[f], `${f} differs ${why}`);
    for (const k of [1, 2, 3])
      for (const f of ["model.safetensors", "model.gguf"]) assert.ok(a[`iteration-${k}/model/${f}`], f);
    assert.equal(recipeWithoutOut(out), recipeWithoutOut(reference));
    assert.deepEqual(summaryWithoutTimes(out), summaryWithoutTimes(reference));
    const jsonlFiles = checkRows(out, reference);
    const m = RunDirectory.read(out);
    assert.ok(Object.values(m.stages).every((s) => s.state === "done"));
    assert.ok(!existsSync(join(out, "lock")), "the lock is released at the end");
    const litter = Object.keys(b).filter((f) => /\.tmp-\d+-\d+$|\.model\.tmp|checkpoint/.test(f));
    assert.deepEqual(litter, [], "no temporary files or checkpoints left");
    const resumed = Object.entries(m.stages)
      .filter(([, s]) => s.attempts > 1)
      .map(([id]) => id);
    process.stderr.write(
      `default-run kill test: ${kills} kills (seed ${startSeed}) during ${hit.join(", ")}; ` +
        `${Object.keys(a).length} files equal, ${jsonlFiles} JSONL files without lost or repeated rows; ` +
        `resumed stages ${resumed.join(", ")}; ${checkpointResumes} train stage(s) resumed from a checkpoint; reference run ${refSeconds.toFixed(0)}s, test ${seconds.toFixed(0)}s\n`,
    );
  } catch (e) {
    process.stderr.write(`default-run kill test: runs kept in ${base} for inspection\n`);
    throw e;
  }
  rmSync(base, { recursive: true, force: true });
});
