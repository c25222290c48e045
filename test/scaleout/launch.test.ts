// runJob: templates are shell-quoted, output lines stream in order (stdout and stderr, \r redraws split), the
// exit status comes back, and a Ctrl-C on prefloop stops the job's whole process group (it runs detached).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fillTemplate, runJob } from "../../src/scaleout/index.js";
import { ConfigError } from "../../src/util/errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("fillTemplate quotes values and names unknown placeholders", () => {
  assert.equal(fillTemplate("cat {recipe}", { recipe: "/a b/it's.yaml" }, "f"), `cat '/a b/it'\\''s.yaml'`);
  assert.throws(
    () => fillTemplate("x {nope}", { recipe: "r" }, "engines.trainer.command"),
    (e: unknown) =>
      e instanceof ConfigError && /engines\.trainer\.command: unknown placeholder \{nope\}/.test(e.message),
  );
});

test("runJob streams lines and returns the exit status", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-job-"));
  try {
    const lines: string[] = [];
    const r = await runJob(`printf 'a\\n 1/3 [\\r 2/3 [\\n'; echo err >&2; exit 7`, {
      logFile: join(dir, "log"),
      onLine: (l) => lines.push(l),
    });
    assert.equal(r.code, 7);
    assert.deepEqual(
      lines.filter((l) => l !== "err"),
      ["a", " 1/3 [", " 2/3 ["],
    );
    assert.ok(lines.includes("err"));
    assert.match(readFileSync(join(dir, "log"), "utf8"), /exit 7/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGINT to prefloop stops the job's process group", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pf-job-sig-"));
  try {
    const pidFile = join(dir, "pid");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/scaleout/fixtures/run-job-child.ts",
        `sh -c 'echo $$ > ${pidFile}; exec sleep 30'`,
        join(dir, "log"),
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await sleep(100);
    const jobPid = Number(readFileSync(pidFile, "utf8"));
    assert.ok(alive(jobPid));
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGINT");
    await exited;
    for (let i = 0; i < 50 && alive(jobPid); i++) await sleep(100);
    assert.equal(alive(jobPid), false, "the job's sleep was stopped with prefloop");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
