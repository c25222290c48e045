// The `model` stage: which policy the loop starts from and how prompts are templated for it.
import { z } from "zod";
import { pathField } from "./common.js";

export const modelSchema = z
  .strictObject({
    path: pathField(
      "path or hub id. The starting policy: a GGUF file, an HF folder, or (with external engines) a Hugging Face hub id. Required.",
    ),
    tokenizer: pathField("path. A tokenizer.json or HF folder when the model file has no vocabulary.")
      .nullable()
      .default(null),
    chat_template: z
      .enum(["auto", "plain", "raw"])
      .default("auto")
      .describe(
        "auto | plain | raw. auto uses the model's own template (falls back to plain); plain is a simple 'User:/Assistant:' template; raw feeds the prompt text untemplated (story models).",
      ),
  })
  .describe(
    "The starting policy (iteration 1 samples from it; it is also the `base` reference and judge baseline).",
  );

export type ModelConfig = z.infer<typeof modelSchema>;
