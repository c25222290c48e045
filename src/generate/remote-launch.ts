// Launches an OpenAI-compatible server from a command template (`vllm serve {model} --port {port}`,
// `llama-server -m {model} --port {port}`, `prefloop serve --port {port}`), waits until it answers its
// health URL, and stops it (SIGTERM to its process group, SIGKILL after a grace period). Not the client.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { PrefloopError } from "../util/errors.js";

export interface LaunchOptions {
  /** shell command; {host}, {port} and {model} are substituted */
  command: string;
  host?: string;
  /** 0 (default) picks a free port */
  port?: number;
  model?: string;
  /** path polled until it answers 2xx; default /v1/models */
  healthPath?: string;
  /** how long to wait for health; default 300 s (vLLM compiles for minutes) */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace; default 10 s */
  stopGraceMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface LaunchedServer {
  /** http://host:port */
  origin: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (bound to port 0 by the OS, then released). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the command and resolves once the health URL answers; throws (after stopping it) if it never does. */
export async function launchServer(o: LaunchOptions): Promise<LaunchedServer> {
  const host = o.host ?? "127.0.0.1";
  const port = o.port && o.port > 0 ? o.port : await freePort(host);
  const command = o.command
    .replaceAll("{host}", host)
    .replaceAll("{port}", String(port))
    .replaceAll("{model}", o.model ?? "");
  // its own process group, so stop() reaches the shell's children (vllm spawns workers)
  const child = spawn(command, {
    shell: true,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: o.env,
  });
  let tail = "";
  child.stderr?.on("data", (d: Buffer) => {
    tail = (tail + d.toString()).slice(-2000);
  });
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
      resolve();
    }),
  );
  const origin = `http://${host}:${port}`;
  const group = -(child.pid ?? 0);
  const groupAlive = (): boolean => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(group, signal);
    } catch {
      // already gone
    }
  };
  /** Resolves true once every process of the group has exited, false at the deadline. */
  const groupGone = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (groupAlive()) {
      if (Date.now() >= until) return false;
      await sleep(50);
    }
    return true;
  };
  // The shell may exit before the server it started (or its workers) has closed its port, so stop()
  // waits for the whole process group, not just the child, before it resolves.
  const stop = async (): Promise<void> => {
    if (child.pid === undefined || !groupAlive()) return;
    signalGroup("SIGTERM");
    if (await groupGone(o.stopGraceMs ?? 10_000)) return;
    signalGroup("SIGKILL");
    await groupGone(5_000);
    if (exited === null) await exit;
  };
  const healthUrl = `${origin}${o.healthPath ?? "/v1/models"}`;
  const deadline = Date.now() + (o.startTimeoutMs ?? 300_000);
  while (Date.now() < deadline) {
    if (exited !== null) {
      throw new PrefloopError(
        "external",
        `server command exited with ${exited} before answering ${healthUrl}: ${command}`,
        {
          hint: tail.trim().split("\n").slice(-3).join(" | ") || undefined,
        },
      );
    }
    try {
      const r = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return { origin, port, child, stop };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new PrefloopError("network", `server command did not answer ${healthUrl} in time: ${command}`, {
    hint: "raise startTimeoutMs, or check the command by running it by hand",
  });
}
