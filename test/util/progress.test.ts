import assert from "node:assert/strict";
import { test } from "node:test";
import { Logger } from "../../src/util/log.js";
import { formatDuration } from "../../src/util/progress.js";

function sink(isTTY = false) {
  const lines: string[] = [];
  let buf = "";
  const stream = {
    isTTY,
    write(chunk: string) {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop() ?? "";
      lines.push(...parts);
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { stream, lines };
}

test("plain (non-TTY) progress: a start line, one line per 5%, a done line, with rate and ETA", () => {
  const { stream, lines } = sink();
  let t = 0;
  const log = new Logger({ stream, now: () => t });
  const p = log.progress("generate", 200, { unit: "prompts" });
  for (let i = 0; i < 200; i++) {
    t += 100;
    p.increment();
  }
  p.stop();
  assert.equal(lines.length, 1 + 19 + 1, lines.join("\n"));
  assert.equal(lines[0], "generate: 0% (0/200 prompts, 0.00 prompts/s, ETA ?)");
  // after 10 prompts at 0.1 s each: 10 prompts/s, 190 left -> 19 s
  assert.equal(lines[1], "generate: 5% (10/200 prompts, 10.0 prompts/s, ETA 19s)");
  assert.equal(lines[20], "generate: 100% (200/200 prompts, done in 20s)");
});

test("resumed work does not count toward the rate", () => {
  const { stream, lines } = sink();
  let t = 0;
  const log = new Logger({ stream, now: () => t });
  const p = log.progress("rank", 100, { unit: "prompts", initial: 50, everyPercent: 10 });
  t += 1000;
  p.update(60);
  assert.equal(lines[1], "rank: 60% (60/100 prompts, 10.0 prompts/s, ETA 4s)");
});

test("--log-format json: every line is a JSON object with stage, done, total, rate and ETA", () => {
  const { stream, lines } = sink(true);
  let t = 0;
  const log = new Logger({ stream, logFormat: "json", now: () => t });
  log.info("starting", { iteration: 1 });
  const p = log.progress("train", 10, { unit: "steps", everyPercent: 50 });
  for (let i = 0; i < 10; i++) {
    t += 500;
    p.increment();
  }
  p.setInfo({ loss: 0.5 });
  p.stop();
  const objs = lines.map((l) => JSON.parse(l));
  assert.equal(objs[0].msg, "starting");
  assert.equal(objs[0].iteration, 1);
  assert.deepEqual(
    objs.slice(1).map((o) => [o.event, o.done]),
    [
      ["progress_start", 0],
      ["progress_progress", 5],
      ["progress_done", 10],
    ],
  );
  assert.equal(objs[2].rate_per_s, 2);
  assert.equal(objs[2].eta_s, 3);
  assert.equal(objs[3].loss, 0.5);
});

test("--quiet prints no progress and no info, but warnings still show", () => {
  const { stream, lines } = sink(true);
  const log = new Logger({ stream, quiet: true });
  const p = log.progress("x", 10);
  p.update(10);
  p.stop();
  log.info("hidden");
  log.warn("shown");
  assert.deepEqual(lines, ["warn: shown"]);
});

test("TTY progress draws a bar with rate and ETA", () => {
  const { stream } = sink(true);
  let out = "";
  const tty = Object.assign(stream, {
    write(chunk: string) {
      out += chunk;
      return true;
    },
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
  let t = 0;
  const log = new Logger({ stream: tty, now: () => t });
  const p = log.progress("gen", 4, { unit: "prompts" });
  t += 2000;
  p.update(2);
  p.stop();
  assert.match(out, /gen \[.*\] 50% \| 2\/4 prompts \| 1\.00 prompts\/s \| ETA 2s/);
});

test("durations format as s, m and h", () => {
  assert.equal(formatDuration(59.4), "59s");
  assert.equal(formatDuration(61), "1m01s");
  assert.equal(formatDuration(3700), "1h01m");
  assert.equal(formatDuration(Number.POSITIVE_INFINITY), "?");
});
