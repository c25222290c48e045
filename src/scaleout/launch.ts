// Runs an external job from a command template ({name} placeholders, values shell-quoted) under /bin/sh,
// streaming its stdout/stderr lines to a callback and to a log file; resolves with the exit status. Not a
// process supervisor: one job, killed with its process group when the signal aborts.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { ConfigError } from "../util/errors.js";
import { shellQuote } from "./trl-files.js";

/** `{key}` -> shell-quoted value; an unknown placeholder is a ConfigError naming the field. */
export function fillTemplate(template: string, values: Record<string, string>, field: string): string {
  return template.replace(/\{([a-z_]+)\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined)
      throw new ConfigError(`${field}: unknown placeholder {${key}}`, {
        hint: `known: ${Object.keys(values)
          .map((k) => `{${k}}`)
          .join(", ")}`,
      });
    return shellQuote(v);
  });
}

export interface JobResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** the last lines of output (for the error message) */
  tail: string[];
}

export function runJob(
  command: string,
  o: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    logFile: string;
    onLine?: (line: string) => void;
    signal?: AbortSignal;
  },
): Promise<JobResult> {
  const log = createWriteStream(o.logFile, { flags: "a" });
  log.write(`\n$ ${command}\n`);
  const child = spawn("/bin/sh", ["-c", command], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group, so an abort stops accelerate's workers too
  });
  const tail: string[] = [];
  const feed = (stream: NodeJS.ReadableStream) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      log.write(chunk);
      // tqdm redraws with \r: each redraw counts as a line.
      const parts = (rest + chunk).split(/\r\n|\n|\r/);
      rest = parts.pop() ?? "";
      for (const line of parts) emit(line);
    });
    stream.on("end", () => {
      if (rest) emit(rest);
    });
  };
  const emit = (line: string) => {
    if (line.trim() === "") return;
    tail.push(line);
    if (tail.length > 20) tail.shift();
    o.onLine?.(line);
  };
  if (child.stdout) feed(child.stdout);
  if (child.stderr) feed(child.stderr);
  const abort = () => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  };
  o.signal?.addEventListener("abort", abort, { once: true });
  // The job has its own process group, so a Ctrl-C on prefloop would not reach it: stop it, then let the
  // signal take its default course.
  const onSignal = (sig: NodeJS.Signals) => {
    abort();
    detach();
    process.kill(process.pid, sig);
  };
  const detach = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return new Promise((resolve, reject) => {
    child.on("error", (e) => {
      detach();
      log.end();
      reject(e);
    });
    child.on("close", (code, signal) => {
      o.signal?.removeEventListener("abort", abort);
      detach();
      log.end(() => resolve({ code, signal, tail }));
    });
  });
}
