// Graceful shutdown of `prefloop serve` run from the CLI: on SIGTERM the in-flight request finishes
// (200), keep-alive sockets do not hold the process, it exits 0 promptly and stops listening.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";

const cli = new URL("../generate/run-cli.ts", import.meta.url).pathname;

test("PREFLOOP_API_KEY is enforced; SIGTERM: the in-flight request finishes, the process exits 0 within seconds", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", cli, "serve", "--port", "0", "--no-access-log"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, PREFLOOP_API_KEY: "env-key" },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim().replace(/\/v1$/, "")));
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const send = async (): Promise<number> => {
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer env-key" },
        body: JSON.stringify({ messages: [{ role: "user", content: "Once" }], max_tokens: 64, seed: 1 }),
      });
      await r.arrayBuffer();
      return r.status;
    };
    const anonymous = await fetch(`${url}/v1/models`);
    assert.equal(anonymous.status, 401, "the key from PREFLOOP_API_KEY is required");
    // keep-alive sockets now open in this process's pool
    assert.deepEqual(await Promise.all([send(), send()]), [200, 200]);
    const inFlight = send();
    await new Promise((r) => setTimeout(r, 20));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const t0 = Date.now();
    child.kill("SIGTERM");
    assert.equal(await inFlight, 200);
    assert.equal(await exited, 0);
    assert.ok(Date.now() - t0 < 15_000, `exit took ${Date.now() - t0} ms (keep-alive sockets held it?)`);
    await assert.rejects(fetch(`${url}/health`));
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
