// `prefloop generate`: sample from a local model (GGUF file or HF folder), one prompt to stdout or a
// prompts JSONL file to a generations JSONL file (resumable). Thin: flags here, the work in src/generate.
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { ConfigError } from "../../util/errors.js";
import { benchCommand } from "./bench.js";

/** The bundled stories260K model (models/ at the package root, from src/ and dist/ alike). */
export const defaultModelPath = fileURLToPath(new URL("../../../models/stories260K.gguf", import.meta.url));

interface GenerateFlags {
  model: string;
  prompt?: string;
  prompts?: string;
  out?: string;
  raw?: boolean;
  n: string;
  temperature: string;
  topP: string;
  topK: string;
  minP: string;
  maxTokens: string;
  seed: string;
  stop: string[];
  batchRows: string;
  json?: boolean;
}

function num(flag: string, value: string, check: (v: number) => boolean, expected: string): number {
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v) || !check(v))
    throw new ConfigError(`--${flag}: expected ${expected}, got '${value}'`);
  return v;
}

const int = (min: number) => (v: number) => Number.isInteger(v) && v >= min;

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("Sample completions from a local model (GGUF or Hugging Face folder).")
    .option("--model <path>", "a .gguf file or a Hugging Face model folder", defaultModelPath)
    .option("--prompt <text>", "one prompt (a user message, or raw text with --raw)")
    .option("--prompts <file.jsonl>", "prompts file: one {prompt, prompt_id?} per line")
    .option(
      "--out <file.jsonl>",
      "generations file for --prompts (appended; prompts already in it are skipped)",
    )
    .option(
      "--raw",
      "no chat template: the prompt is raw text after BOS (--raw --prompt '' decodes from BOS)",
    )
    .option("--n <k>", "samples per prompt", "1")
    .option("--temperature <t>", "0 = greedy", "1")
    .option("--top-p <p>", "nucleus sampling mass, in (0, 1]", "1")
    .option("--top-k <k>", "keep the k most likely tokens; 0 = off", "0")
    .option("--min-p <p>", "drop tokens below p times the top probability; 0 = off", "0")
    .option("--max-tokens <n>", "most new tokens per sample", "256")
    .option("--seed <s>", "sampling seed (same seed, same text)", "0")
    .option(
      "--stop <string>",
      "stop string (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--batch-rows <rows>", "most samples decoded together", "16")
    .option("--json", "print one JSON object per sample (text, finish_reason, tokens, logprobs)")
    .action(async (flags: GenerateFlags, command: Command) => {
      const quiet = Boolean(command.optsWithGlobals().quiet);
      if ((flags.prompt === undefined) === (flags.prompts === undefined)) {
        throw new ConfigError("generate: give exactly one of --prompt <text> or --prompts <file.jsonl>");
      }
      if (flags.prompts !== undefined && flags.out === undefined)
        throw new ConfigError("--prompts needs --out <file.jsonl>");
      const n = num("n", flags.n, int(1), "an integer >= 1");
      const sampling = {
        temperature: num("temperature", flags.temperature, (v) => v >= 0, "a number >= 0"),
        topP: num("top-p", flags.topP, (v) => v > 0 && v <= 1, "a number in (0, 1]"),
        topK: num("top-k", flags.topK, int(0), "an integer >= 0"),
        minP: num("min-p", flags.minP, (v) => v >= 0 && v < 1, "a number in [0, 1)"),
        maxTokens: num("max-tokens", flags.maxTokens, int(0), "an integer >= 0"),
        seed: num("seed", flags.seed, Number.isSafeInteger, "an integer"),
        stop: flags.stop,
      };
      const maxBatchRows = num("batch-rows", flags.batchRows, int(1), "an integer >= 1");
      const { openLocalGenerator, generateFile } = await import("../../generate/index.js");
      const generator = await openLocalGenerator(flags.model, { maxBatchRows });
      try {
        if (flags.prompts !== undefined && flags.out !== undefined) {
          const started = Date.now();
          const result = await generateFile({
            generator,
            promptsPath: flags.prompts,
            outPath: flags.out,
            n,
            sampling,
            raw: Boolean(flags.raw),
            promptsPerCall: Math.max(1, Math.floor(maxBatchRows / n)),
            onProgress: (done, total, skipped) => {
              if (!quiet)
                process.stderr.write(
                  `generate: ${done}/${total} prompts${skipped ? ` (${skipped} already done)` : ""}\n`,
                );
            },
          });
          if (!quiet) {
            const secs = ((Date.now() - started) / 1000).toFixed(1);
            process.stderr.write(
              `generate: wrote ${result.generated} prompts to ${flags.out} in ${secs} s\n`,
            );
          }
          return;
        }
        const text = flags.prompt ?? "";
        const [samples = []] = await generator.generate([
          { prompt: flags.raw ? { raw: text } : [{ role: "user", content: text }], n, sampling },
        ]);
        samples.forEach((s, i) => {
          if (flags.json) {
            const line = {
              text: s.text,
              finish_reason: s.finishReason,
              tokens: s.tokens,
              logprobs: s.logprobs,
            };
            process.stdout.write(`${JSON.stringify(line)}\n`);
          } else {
            process.stdout.write(n > 1 ? `--- sample ${i + 1} ---\n${s.text}\n` : `${s.text}\n`);
          }
        });
      } finally {
        await generator.close();
      }
    });
}

/** `prefloop bench generate`: tokens/s single stream and n samples, beside node-llama-cpp when installed. */
export function registerBenchGenerate(program: Command): void {
  benchCommand(program)
    .command("generate")
    .description("generation tokens/s, single stream and n samples, beside node-llama-cpp on the same GGUF")
    .option("--model <path>", "a .gguf file or a Hugging Face model folder", defaultModelPath)
    .option("--tokens <n>", "new tokens per sample", "128")
    .option("--n <k>", "samples of the batched run", "5")
    .option("--threads <n>", "threads of both engines (spinning pools collapse when cores are busy)", "1")
    .option("--no-llama-cpp", "skip the node-llama-cpp reference run")
    .option("--install-reference", "npm-install node-llama-cpp (CPU build) into .cache/ when it is missing")
    .option("--json", "print the results as JSON")
    .action(
      async (flags: {
        model: string;
        tokens: string;
        n: string;
        threads: string;
        llamaCpp: boolean;
        installReference?: boolean;
        json?: boolean;
      }) => {
        const tokens = num("tokens", flags.tokens, int(1), "an integer >= 1");
        const n = num("n", flags.n, int(1), "an integer >= 1");
        const threads = num("threads", flags.threads, int(1), "an integer >= 1");
        process.env.PREFLOOP_THREADS = String(threads); // read when the native addon loads (at model load)
        const g = await import("../../generate/index.js");
        const isGguf = flags.model.endsWith(".gguf");
        // node-llama-cpp first, so its threads and the engine's never overlap
        const ref =
          flags.llamaCpp && isGguf
            ? await g.runLlamaCppBench(flags.model, {
                tokens,
                n,
                threads,
                install: flags.installReference ?? false,
              })
            : null;
        const ours = await g.runGenerateBench({
          modelPath: flags.model,
          tokens,
          n,
          progress: (line) => process.stderr.write(`bench: ${line}\n`),
        });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ prefloop: ours, llamaCpp: ref }, null, 2)}\n`
            : `${g.formatGenerateBench(ours, ref)}\n`,
        );
      },
    );
}
