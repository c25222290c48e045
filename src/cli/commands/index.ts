// Every verb of the CLI registers itself here; each module stays thin and imports its layer lazily.
import type { Command } from "commander";
import { registerConfig } from "./config.js";
import { registerRank } from "./rank.js";
import { registerRun } from "./run.js";
import { registerStatus } from "./status.js";

const registrations: Array<(program: Command) => void> = [
  registerRun,
  registerRank,
  registerConfig,
  registerStatus,
];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
