// Every verb of the CLI registers itself here; each module stays thin and imports its layer lazily.
import type { Command } from "commander";
import { registerBench } from "./bench.js";

const registrations: Array<(program: Command) => void> = [registerBench];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
