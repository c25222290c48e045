// The Generator interface: one seam for in-process sampling (the local engine) and remote
// OpenAI-compatible servers (vLLM, llama.cpp server, Ollama, TGI, `prefloop serve`).
import type { ChatMessage } from "../util/types.js";

export interface SamplingSettings {
  /** 0 = greedy */
  temperature: number;
  topP: number;
  /** 0 = off */
  topK: number;
  /** 0 = off */
  minP: number;
  maxTokens: number;
  /** extra stop strings; the model's end-of-sequence token always stops */
  stop: string[];
  seed: number;
  /** extra token ids that end a sample (besides the model's EOS); optional */
  stopTokenIds?: number[];
}

export interface GenerationRequest {
  /** chat messages (templated by the model's chat template) or a raw string (no template) */
  prompt: ChatMessage[] | { raw: string };
  /** samples for this prompt */
  n: number;
  sampling: SamplingSettings;
  /**
   * Optional streaming hook, called after each token a sample draws (its stop token included) with the
   * text that token made final: complete characters only, never text a stop string may still cut. A
   * sample's deltas join to its final text. Generators that cannot stream never call it.
   */
  onToken?: (sample: number, token: number, delta: string) => void;
  /** Optional: called once per sample as soon as it finishes (before generate resolves). */
  onSample?: (sample: number, result: GeneratedSample) => void;
  /** Optional: once aborted, this request's samples stop at the next step and no hook fires again. */
  signal?: AbortSignal;
}

export type FinishReason = "stop" | "length";

export interface GeneratedSample {
  text: string;
  /** token ids of the completion, when the generator knows them */
  tokens?: number[];
  /** log-prob of each generated token under the sampling distribution's model (before temperature) */
  logprobs?: number[];
  finishReason: FinishReason;
  promptTokens?: number;
}

export interface Generator {
  /** stable id recorded in manifests (model path or endpoint + model name) */
  readonly id: string;
  /** One result list of length request.n per request, in order. */
  generate(requests: GenerationRequest[]): Promise<GeneratedSample[][]>;
  close(): Promise<void>;
}
