// Every verb of the CLI registers itself here; each module stays thin and imports its layer lazily.
import type { Command } from "commander";
import { registerBench } from "./bench.js";
import { registerBenchGenerate, registerGenerate } from "./generate.js";
import { registerRank } from "./rank.js";
import { registerBenchServe, registerServe } from "./serve.js";

const registrations: Array<(program: Command) => void> = [
  registerBench,
  registerGenerate,
  registerBenchGenerate,
  registerRank,
  registerServe,
  registerBenchServe,
];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
