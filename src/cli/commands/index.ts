// Every verb of the CLI registers itself here; each module stays thin and imports its layer lazily.
import type { Command } from "commander";

const registrations: Array<(program: Command) => void> = [];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
