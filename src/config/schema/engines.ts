// External engines: where generation and training run (in-process, an OpenAI-compatible server, vLLM,
// TRL/alignment-handbook, or hosted DPO fine-tuning). The loop stays the orchestrator either way.
import { z } from "zod";

export const generatorEngineSchema = z
  .strictObject({
    type: z
      .enum(["local", "openai", "vllm"])
      .default("local")
      .describe(
        "local | openai | vllm. In-process engine, an OpenAI-compatible server, or a vLLM server prefloop starts.",
      ),
    base_url: z
      .string()
      .url()
      .nullable()
      .default(null)
      .describe("URL | null. Server endpoint (openai; vllm when attaching)."),
    api_key_env: z
      .string()
      .default("OPENAI_API_KEY")
      .describe("string. Environment variable holding the API key."),
    command: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "string | null. Server launch template for vllm, with {model} and {port}; null = attach to base_url.",
      ),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8000)
      .describe("int. Port the launched server listens on."),
    concurrency: z.number().int().positive().default(16).describe("int > 0. Requests in flight."),
    health_timeout_s: z
      .number()
      .positive()
      .default(600)
      .describe("float > 0. Seconds to wait for the server."),
  })
  .describe("Where sampling runs.");

export const trainerEngineSchema = z
  .strictObject({
    type: z
      .enum(["local", "trl", "openai"])
      .default("local")
      .describe(
        "local | trl | openai. In-process DPO, TRL/alignment-handbook launched as a command, or hosted DPO fine-tuning.",
      ),
    command: z
      .string()
      .nullable()
      .default(null)
      .describe(
        "string | null. Launch template for trl with {recipe}, {accelerate_config}, {launch_script}, {dataset}, {out}, {model}, {num_processes}, {iteration} (shell-quoted); null = bash {launch_script} (accelerate launch of alignment-handbook's scripts/dpo.py).",
      ),
    num_processes: z
      .number()
      .int()
      .positive()
      .default(8)
      .describe("int > 0. GPUs / processes for accelerate."),
    deepspeed_zero3: z.boolean().default(true).describe("bool. Write a DeepSpeed ZeRO-3 accelerate config."),
    bf16: z.boolean().default(true).describe("bool. bf16 mixed precision on the external trainer."),
    gradient_checkpointing: z.boolean().default(true).describe("bool. Recompute activations to save memory."),
    base_url: z
      .string()
      .url()
      .nullable()
      .default(null)
      .describe("URL | null. Fine-tuning API base (openai)."),
    api_key_env: z
      .string()
      .default("OPENAI_API_KEY")
      .describe("string. Environment variable holding the API key."),
    poll_interval_s: z
      .number()
      .positive()
      .default(30)
      .describe("float > 0. Seconds between job status polls."),
  })
  .describe("Where DPO training runs.");

export const enginesSchema = z
  .strictObject({
    generator: generatorEngineSchema.prefault({}),
    trainer: trainerEngineSchema.prefault({}),
  })
  .describe("External engines for the heavy stages.");

export type EnginesConfig = z.infer<typeof enginesSchema>;
