// Runs the CLI from source (for tests that spawn it as a user would): node --import tsx test/generate/run-cli.ts ...
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv);
