// The loop's generator for engines.generator.type openai and vllm, on src/generate's remote generator:
// openai attaches to base_url; vllm starts `command` ({model}, {port}) for the iteration's model, waits for
// /health, samples, and stops it on close (or attaches to base_url when command is null).
import type { Recipe } from "../config/index.js";
import { type Generator, openRemoteGenerator } from "../generate/index.js";
import { ConfigError } from "../util/errors.js";

/** Options for src/generate's openRemoteGenerator from the recipe (exported for tests and `--dry-run`). */
export function remoteGeneratorOptions(recipe: Recipe, modelPath: string) {
  const e = recipe.engines.generator;
  const apiKey = process.env[e.api_key_env];
  const common = { model: modelPath, apiKey, concurrency: e.concurrency };
  if (e.type === "vllm" && e.command !== null) {
    return {
      ...common,
      launch: {
        command: e.command,
        port: e.port,
        healthPath: "/health",
        startTimeoutMs: e.health_timeout_s * 1000,
      },
    };
  }
  if (e.base_url === null)
    throw new ConfigError(
      `engines.generator.base_url: required for type ${e.type}${e.type === "vllm" ? " without a command" : ""}`,
      {
        hint: "e.g. base_url: http://127.0.0.1:8000/v1, or give vllm a command template to start the server",
      },
    );
  return { ...common, baseURL: e.base_url };
}

export async function openEngineGenerator(recipe: Recipe, modelPath: string): Promise<Generator> {
  return openRemoteGenerator(remoteGeneratorOptions(recipe, modelPath));
}
