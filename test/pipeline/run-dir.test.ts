import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  formatStatus,
  RunDirectory,
  RunLock,
  writeFileAtomic,
  writeSummary,
} from "../../src/pipeline/index.js";
import { PrefloopError } from "../../src/util/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "pf-run-"));
const opts = {
  name: "t",
  recipeYaml: "name: t\n",
  seed: 7,
  threads: 2,
  stages: ["iteration-1/generate", "iteration-1/rank"],
};

test("manifest records stages in plan order with states, hashes, seconds and attempts", () => {
  const dir = tmp();
  const run = RunDirectory.open(dir, opts);
  run.begin("iteration-1/generate", { prompts: "abc" });
  let m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  assert.equal(m.stages["iteration-1/generate"].state, "running");
  assert.equal(m.stages["iteration-1/rank"].state, "pending");
  run.finish("iteration-1/generate", { outputs: { generations: "def" }, rows: 10, seconds: 1.5 });
  run.begin("iteration-1/rank");
  run.fail("iteration-1/rank", new Error("boom"), 0.5);
  run.close();
  m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  assert.deepEqual(Object.keys(m.stages), ["iteration-1/generate", "iteration-1/rank"]);
  assert.equal(m.seed, 7);
  assert.equal(m.threads, 2);
  assert.match(m.recipe_sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(m.stages["iteration-1/generate"].inputs, { prompts: "abc" });
  assert.deepEqual(m.stages["iteration-1/generate"].outputs, { generations: "def" });
  assert.equal(m.stages["iteration-1/generate"].rows, 10);
  assert.equal(m.stages["iteration-1/rank"].state, "failed");
  assert.equal(m.stages["iteration-1/rank"].error, "boom");
  assert.equal(readFileSync(join(dir, "recipe.yaml"), "utf8"), "name: t\n");
  // reopen: done stays done, attempts accumulate
  const again = RunDirectory.open(dir, opts);
  assert.ok(again.isDone("iteration-1/generate"));
  again.begin("iteration-1/rank");
  assert.equal(again.stage("iteration-1/rank").attempts, 2);
  again.close();
});

test("reopening with a different recipe is refused (the run would mix two recipes)", () => {
  const dir = tmp();
  RunDirectory.open(dir, opts).close();
  assert.throws(
    () => RunDirectory.open(dir, { ...opts, recipeYaml: "name: other\n" }),
    (e: unknown) => e instanceof PrefloopError && e.code === "config" && /different recipe/.test(e.message),
  );
  // and the failed open released the lock
  RunDirectory.open(dir, opts).close();
});

test("a second writer on the same run is refused while the first holds the lock", () => {
  const dir = tmp();
  const run = RunDirectory.open(dir, opts);
  const lockInfo = JSON.parse(readFileSync(join(dir, "lock"), "utf8"));
  assert.equal(lockInfo.pid, process.pid);
  assert.equal(lockInfo.hostname, hostname());
  // another process: spawn node trying to take the lock through the same code
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import("${new URL("../../src/pipeline/index.js", import.meta.url).pathname.replace(/\.js$/, ".ts")}").then(m => { try { m.RunLock.acquire(${JSON.stringify(dir)}); console.log("acquired"); } catch (e) { console.log(e.code + ": " + e.message); } })`,
    ],
    { encoding: "utf8" },
  );
  assert.match(r.stdout, new RegExp(`locked: .*in use by pid ${process.pid} on ${hostname()}`));
  run.close();
  assert.ok(!existsSync(join(dir, "lock")), "lock removed on close");
});

test("a stale lock (dead pid on this host) is taken over; a lock from another host is not", () => {
  const dir = tmp();
  const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  const deadPid = Number(dead.stdout.trim());
  writeFileSync(join(dir, "lock"), JSON.stringify({ pid: deadPid, hostname: hostname(), started_at: "x" }));
  const lock = RunLock.acquire(dir);
  assert.equal(JSON.parse(readFileSync(join(dir, "lock"), "utf8")).pid, process.pid);
  lock.release();
  writeFileSync(
    join(dir, "lock"),
    JSON.stringify({ pid: deadPid, hostname: "elsewhere.example", started_at: "x" }),
  );
  assert.throws(() => RunLock.acquire(dir), /in use by pid \d+ on elsewhere\.example/);
});

test("atomic writes leave no temporary file and replace the whole content", () => {
  const dir = tmp();
  const f = join(dir, "a.json");
  writeFileAtomic(f, "one");
  writeFileAtomic(f, "two");
  assert.equal(readFileSync(f, "utf8"), "two");
  assert.deepEqual(readdirSync(dir), ["a.json"]);
});

test("status prints stages and the summary table", () => {
  const dir = tmp();
  const run = RunDirectory.open(dir, opts);
  run.begin("iteration-1/generate");
  run.finish("iteration-1/generate", { rows: 12, seconds: 3 });
  writeSummary(dir, {
    run: "t",
    iterations: [
      {
        iteration: 1,
        held_out_reward: 0.25,
        judge_win_rate: 0.7,
        judge_win_rate_se: 0.05,
        mean_length_chars: 321,
        pairs_kept: 40,
        train_loss: 0.61,
        reward_accuracy: 0.8,
        seconds_by_stage: { generate: 3 },
      },
    ],
  });
  const s = formatStatus(dir);
  assert.match(s, /iteration-1\/generate\s+done\s+12 rows\s+3\.0s/);
  assert.match(s, /iteration-1\/rank\s+pending/);
  assert.match(s, /in use by pid/);
  assert.match(s, /70\.0% ± 5\.0/);
  run.begin("iteration-1/rank");
  run.close();
  // As after kill -9: the stage stays `running` and the lock names a pid that is gone.
  const dead = spawnSync(process.execPath, ["-e", ""]).pid;
  writeFileSync(join(dir, "lock"), JSON.stringify({ pid: dead, hostname: hostname(), started_at: "x" }));
  const stopped = formatStatus(dir);
  assert.match(stopped, /iteration-1\/rank\s+stopped/);
  assert.match(stopped, /1 interrupted/);
  assert.match(stopped, /not finished and not running: .*resumes it/);
  assert.doesNotMatch(stopped, /in use by/);
  assert.throws(() => formatStatus(tmp()), /not a run folder/);
});
