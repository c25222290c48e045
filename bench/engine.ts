// Runs the engine benchmark directly (same as `prefloop bench engine`): npx tsx bench/engine.ts [--quick]
// The workloads and the PyTorch reference run live in src/engine/bench/ so the installed CLI has them too.
import { formatEngineBench, runEngineBench } from "../src/engine/index.js";

const args = process.argv.slice(2);
const result = runEngineBench({
  reps: 5,
  rounds: 3,
  withTs: args.includes("--with-ts"),
  torch: !args.includes("--no-torch"),
  quick: args.includes("--quick"),
  reference: process.env.PREFLOOP_REFERENCE ?? "/work/shared/reference",
  progress: (line) => process.stderr.write(`bench: ${line}\n`),
});
process.stdout.write(`${formatEngineBench(result)}\n`);
