// Runs CLI invocations in one child process (node:test owns this process's stdout, so the CLI cannot be
// captured in-process) and returns each one's exit code, stdout and stderr.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const batch = fileURLToPath(new URL("./cli-batch.ts", import.meta.url));

export function runCliBatch(cases: string[][], options: { cwd?: string } = {}): CliResult[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", batch], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    cwd: options.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`cli-batch failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult[];
}

export function runCli(args: string[], options: { cwd?: string } = {}): CliResult {
  return runCliBatch([args], options)[0];
}
