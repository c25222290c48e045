// `prefloop serve` as a user runs it (a child process from the CLI): 1,000 malformed requests and 200
// concurrent valid ones, twice, leave it up with bounded memory (RSS from /proc, second round grows
// little over the first). Slow (20–60 s on the shared 2-core machine): run by `npm run test:slow`.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";

const cli = new URL("../generate/run-cli.ts", import.meta.url).pathname;
const key = "stress-key";
let child: ChildProcess;
let url = "";

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024;
}

const valid = (i: number): string =>
  JSON.stringify({ messages: [{ role: "user", content: `story ${i}` }], max_tokens: 8, seed: i });
const malformed = (i: number): { body: string; headers: Record<string, string> } => {
  switch (i % 5) {
    case 0:
      return { body: '{"messages": [', headers: {} };
    case 1:
      return {
        body: JSON.stringify({ messages: [{ role: "user", content: "x".repeat(70_000) }] }),
        headers: {},
      };
    case 2:
      return { body: JSON.stringify({ messages: "nope", n: -1 }), headers: {} };
    case 3:
      return { body: valid(i), headers: { authorization: "Bearer wrong" } };
    default:
      return { body: "\u0000\u0001garbage", headers: { "content-type": "application/octet-stream" } };
  }
};

async function send(body: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
    body,
  });
  await r.arrayBuffer();
  return r.status;
}

async function round(): Promise<void> {
  const t0 = Date.now();
  // malformed in waves of 100 concurrent (bounded), then 200 valid at once
  for (let w = 0; w < 10; w++) {
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, k) => {
        const m = malformed(w * 100 + k);
        return send(m.body, m.headers);
      }),
    );
    for (const s of statuses) assert.ok(s >= 400 && s < 500, `malformed answered ${s}`);
  }
  const t1 = Date.now();
  const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => send(valid(i))));
  process.stderr.write(`malformed ${t1 - t0} ms, valid ${Date.now() - t1} ms\n`);
  assert.deepEqual(new Set(statuses), new Set([200]));
}

before(async () => {
  child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      cli,
      "serve",
      "--port",
      "0",
      "--api-key",
      key,
      "--max-concurrency",
      "256",
      "--body-limit",
      "65536",
      "--no-access-log",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim().replace(/\/v1$/, "")));
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
});
after(() => {
  if (child.exitCode === null) child.kill("SIGKILL");
});

test("1,000 malformed + 200 concurrent valid requests, twice: still up, memory bounded", async () => {
  const pid = child.pid ?? 0;
  await Promise.all(Array.from({ length: 10 }, (_, i) => send(valid(i))));
  const start = rssMiB(pid);
  await round();
  const first = rssMiB(pid);
  await round();
  const second = rssMiB(pid);
  process.stderr.write(
    `serve RSS MiB: start ${start.toFixed(1)}, after round 1 ${first.toFixed(1)}, after round 2 ${second.toFixed(1)}\n`,
  );
  assert.ok(second - first < 40, `RSS grew ${second - first} MiB in the second round`);
  assert.ok(second < 600, `RSS ${second} MiB`);
  const health = (await (await fetch(`${url}/health`)).json()) as { status: string; in_flight: number };
  assert.deepEqual([health.status, health.in_flight], ["ok", 0]);
});
