// Child side of runCliBatch: reads a JSON list of argument lists on stdin, runs main() on each with stdout
// and stderr captured, and prints the results as JSON.
import { readFileSync } from "node:fs";
import { main } from "../../src/cli/main.js";

const cases = JSON.parse(readFileSync(0, "utf8")) as string[][];
const realOut = process.stdout.write.bind(process.stdout);
const results: Array<{ code: number; stdout: string; stderr: string }> = [];
for (const args of cases) {
  let stdout = "";
  let stderr = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(["node", "prefloop", ...args]);
  } catch (e) {
    code = 99;
    stderr += `uncaught: ${(e as Error).stack}`;
  }
  results.push({ code, stdout, stderr });
}
process.stdout.write = realOut;
realOut(JSON.stringify(results));
