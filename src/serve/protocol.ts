// Request bodies of /v1/chat/completions and /v1/completions (zod, OpenAI field names; unknown fields
// are ignored as OpenAI-compatible servers do) and their translation into GenerationRequests.
// Not the routes (server.ts) and not the response shapes (responses.ts).
import { z } from "zod";
import type { GenerationRequest, SamplingSettings } from "../generate/index.js";
import type { ChatMessage } from "../util/types.js";
import { HttpError } from "./errors.js";

const contentPart = z.object({ type: z.literal("text"), text: z.string() });
const message = z.object({
  role: z.enum(["system", "user", "assistant", "developer"]),
  content: z.union([z.string(), z.array(contentPart)]),
});

const common = {
  model: z.string().optional(),
  n: z.number().int().min(1).max(64).default(1),
  best_of: z.number().int().min(1).max(64).optional(),
  temperature: z.number().min(0).max(2).default(1),
  top_p: z.number().gt(0).max(1).default(1),
  top_k: z.number().int().min(-1).default(0),
  min_p: z.number().min(0).lt(1).default(0),
  max_tokens: z.number().int().min(1).nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(8)])
    .nullable()
    .optional(),
  seed: z.number().int().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  /** prefloop's extension: {scores: true} returns every candidate's score */
  prefloop: z.object({ scores: z.boolean().default(false) }).optional(),
};

export const chatBodySchema = z.object({
  ...common,
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.literal(0).nullable().optional().describe("alternatives are not reported"),
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
});

export const completionBodySchema = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(64)]),
  echo: z.literal(false).nullable().optional().describe("echoing the prompt is not supported"),
  logprobs: z.literal(0).nullable().optional().describe("0 = the chosen tokens' log-probs; no alternatives"),
});

export type ChatBody = z.infer<typeof chatBodySchema>;
export type CompletionBody = z.infer<typeof completionBodySchema>;

/** Parses a body, answering 400 with the first offending field as `param`. */
export function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new HttpError(400, "request body must be a JSON object", "invalid_request_error", "invalid_body");
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join(".") || null;
    throw new HttpError(
      400,
      `${param ?? "body"}: ${issue?.message ?? "invalid value"}`,
      "invalid_request_error",
      "invalid_value",
      param,
    );
  }
  return parsed.data;
}

export interface ServeLimits {
  /** most new tokens a request may ask for; larger max_tokens → 400 */
  maxTokensCap: number;
  /** max_tokens when the request gives none */
  defaultMaxTokens: number;
}

/** The sampling settings of a body; a missing seed draws a fresh one (OpenAI: non-deterministic). */
export function samplingOf(b: ChatBody | CompletionBody, limits: ServeLimits): SamplingSettings {
  const asked = ("max_completion_tokens" in b ? b.max_completion_tokens : undefined) ?? b.max_tokens;
  if (asked != null && asked > limits.maxTokensCap)
    throw new HttpError(
      400,
      `max_tokens: ${asked} is above this server's cap of ${limits.maxTokensCap}`,
      "invalid_request_error",
      "max_tokens_too_large",
      "max_tokens",
    );
  const stop = b.stop == null ? [] : typeof b.stop === "string" ? [b.stop] : b.stop;
  return {
    temperature: b.temperature,
    topP: b.top_p,
    topK: Math.max(0, b.top_k),
    minP: b.min_p,
    maxTokens: asked ?? Math.min(limits.defaultMaxTokens, limits.maxTokensCap),
    stop: stop.filter((s) => s !== ""),
    seed: b.seed ?? Math.floor(Math.random() * 2 ** 31),
  };
}

/** Chat messages as the generator takes them: text parts joined, developer folded into system. */
export function chatMessages(b: ChatBody): ChatMessage[] {
  return b.messages.map((m) => ({
    role: m.role === "developer" ? "system" : m.role,
    content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
  }));
}

/** The text a ranker judges the candidates against: the last user message, or the raw prompt. */
export function rankPrompt(prompt: GenerationRequest["prompt"]): string {
  if ("raw" in prompt) return prompt.raw;
  const users = prompt.filter((m) => m.role === "user");
  return (users[users.length - 1] ?? prompt[prompt.length - 1])?.content ?? "";
}

/** Candidates per prompt: best_of (or the server's default with a ranker), never fewer than n. */
export function candidateCount(b: ChatBody | CompletionBody, serverBestOf: number | undefined): number {
  const k = b.best_of ?? Math.max(b.n, serverBestOf ?? 1);
  if (k < b.n)
    throw new HttpError(
      400,
      `best_of (${k}) must be >= n (${b.n})`,
      "invalid_request_error",
      "invalid_value",
      "best_of",
    );
  return k;
}
