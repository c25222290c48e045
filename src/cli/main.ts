// The `prefloop` command line: builds the commander program from the per-verb modules in
// commands/, runs it, and turns user mistakes (PrefloopError) into one clear line and an exit code.
import { Command, CommanderError } from "commander";
import { isPrefloopError } from "../util/errors.js";
import { version } from "../util/version.js";
import { registerCommands } from "./commands/index.js";

export function buildProgram(): Command {
  const program = new Command("prefloop")
    .description("Iterative preference alignment: sample, rank, DPO, repeat.")
    .version(version(), "-V, --version")
    .option("--quiet", "print only errors and final results")
    .option("--log-format <format>", "progress and log lines as 'text' or 'json'", "text")
    .option("--backend <name>", "compute backend: auto, native or ts (env PREFLOOP_BACKEND)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  program.hook("preAction", async () => {
    const backend = program.opts<{ backend?: string }>().backend;
    if (backend) (await import("../engine/index.js")).setBackendPreference(backend);
  });
  registerCommands(program);
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed its message (usage errors, --help, --version).
      return e.exitCode;
    }
    if (isPrefloopError(e)) {
      process.stderr.write(`prefloop: ${e.toUserString()}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
