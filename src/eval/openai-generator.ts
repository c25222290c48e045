// A small Generator over an OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama, TGI,
// `prefloop serve`), so `prefloop eval generate` works before src/generate ships its own client.
// The seam: eval takes any Generator; swap this for the local engine or generate's client when they land.
import OpenAI from "openai";
import type { GeneratedSample, GenerationRequest, Generator } from "../generate/index.js";
import { PrefloopError } from "../util/errors.js";

export interface OpenAIGeneratorOptions {
  baseURL: string;
  model: string;
  apiKey?: string;
  maxRetries?: number;
  /** requests in flight at once */
  concurrency?: number;
}

export class OpenAIChatGenerator implements Generator {
  readonly id: string;
  private readonly client: OpenAI;

  constructor(private readonly opts: OpenAIGeneratorOptions) {
    this.id = `${opts.baseURL}#${opts.model}`;
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY ?? "none",
      maxRetries: opts.maxRetries ?? 6,
    });
  }

  private async one(req: GenerationRequest): Promise<GeneratedSample[]> {
    const s = req.sampling;
    const messages = "raw" in req.prompt ? [{ role: "user" as const, content: req.prompt.raw }] : req.prompt;
    try {
      const res = await this.client.chat.completions.create({
        model: this.opts.model,
        messages,
        n: req.n,
        temperature: s.temperature,
        top_p: s.topP,
        max_tokens: s.maxTokens,
        seed: s.seed,
        ...(s.stop.length > 0 ? { stop: s.stop } : {}),
      });
      return res.choices.map((c) => ({
        text: c.message.content ?? "",
        finishReason: c.finish_reason === "length" ? "length" : "stop",
        promptTokens: res.usage?.prompt_tokens,
      }));
    } catch (e) {
      throw new PrefloopError(
        "network",
        `generator ${this.opts.model} at ${this.opts.baseURL}: ${(e as Error).message}`,
        {
          hint: "check --base-url, --model and the API key (OPENAI_API_KEY)",
          cause: e,
        },
      );
    }
  }

  async generate(requests: GenerationRequest[]): Promise<GeneratedSample[][]> {
    const out = new Array<GeneratedSample[]>(requests.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const i = next++;
        out[i] = await this.one(requests[i]!);
      }
    };
    const k = Math.max(1, Math.min(this.opts.concurrency ?? 8, requests.length));
    await Promise.all(Array.from({ length: k }, worker));
    return out;
  }

  async close(): Promise<void> {}
}
