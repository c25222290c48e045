// Every verb of the CLI registers itself here; each module stays thin and imports its layer lazily.
import type { Command } from "commander";
import { registerGenerate } from "./generate.js";
import { registerRank } from "./rank.js";
import { registerServe } from "./serve.js";

const registrations: Array<(program: Command) => void> = [registerGenerate, registerRank, registerServe];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
