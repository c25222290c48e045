// Every verb of the CLI registers itself here; each module stays thin and imports its layer lazily.
// One import and one array entry per line: .gitattributes merges this file as a union.
import type { Command } from "commander";
import { registerBench } from "./bench.js";
import { registerConfig } from "./config.js";
import { registerData } from "./data.js";
import { registerEval } from "./eval.js";
import { registerExport } from "./export.js";
import { registerGenerate } from "./generate.js";
import { registerBenchGenerate } from "./generate.js";
import { registerRank } from "./rank.js";
import { registerReport } from "./report.js";
import { registerRm } from "./rm.js";
import { registerRun } from "./run.js";
import { registerServe } from "./serve.js";
import { registerBenchServe } from "./serve.js";
import { registerStatus } from "./status.js";
import { registerTrain } from "./train.js";

// biome-ignore format: one entry per line keeps union merges valid
const registrations: Array<(program: Command) => void> = [
  registerBench,
  registerConfig,
  registerData,
  registerEval,
  registerExport,
  registerGenerate,
  registerBenchGenerate,
  registerRank,
  registerReport,
  registerRm,
  registerRun,
  registerServe,
  registerBenchServe,
  registerStatus,
  registerTrain,
];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
