// Response bodies of the OpenAI-compatible routes: chat.completion, text_completion and prefloop's
// `prefloop` extension field (every candidate's score when the request sets `prefloop: {scores: true}`).
// Not the request schemas (protocol.ts) and not the SSE streams (stream.ts).
import { randomUUID } from "node:crypto";
import type { GeneratedSample } from "../generate/index.js";
import type { Selection } from "./rerank.js";

export interface PromptResult {
  /** all candidates generated for the prompt */
  candidates: GeneratedSample[];
  /** the chosen candidates, best first */
  selection: Selection | undefined;
  n: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function chosen(r: PromptResult): GeneratedSample[] {
  const picks = r.selection?.chosen ?? Array.from({ length: r.n }, (_, i) => i);
  return picks.map((i) => r.candidates[i] as GeneratedSample);
}

export function usageOf(results: PromptResult[]): Usage {
  let prompt = 0;
  let completion = 0;
  for (const r of results) {
    prompt += r.candidates[0]?.promptTokens ?? 0;
    for (const c of r.candidates) completion += c.tokens?.length ?? 0;
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The extension field: per prompt, every candidate's text and score, and which were returned. */
export function prefloopField(results: PromptResult[]): Record<string, unknown> {
  return {
    scorer: results[0]?.selection?.scorer ?? null,
    prompts: results.map((r) => ({
      scores: r.selection?.scores ?? [],
      chosen: r.selection?.chosen ?? [],
      candidates: r.candidates.map((c) => c.text),
    })),
  };
}

export interface Meta {
  model: string;
  created: number;
  id: string;
}

export function meta(kind: "chat" | "completion", model: string): Meta {
  const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID().replaceAll("-", "")}`;
  return { model, created: Math.floor(Date.now() / 1000), id };
}

export function chatResponse(m: Meta, results: PromptResult[], x: Extras): Record<string, unknown> {
  const choices = chosen(results[0] as PromptResult).map((s, index) => ({
    index,
    message: { role: "assistant", content: s.text },
    logprobs: x.logprobs ? chatLogprobs(s, x.logprobs.tokenText) : null,
    finish_reason: s.finishReason,
  }));
  const body: Record<string, unknown> = {
    id: m.id,
    object: "chat.completion",
    created: m.created,
    model: m.model,
    choices,
    usage: usageOf(results),
  };
  if (x.withScores) body.prefloop = prefloopField(results);
  return body;
}

export function completionResponse(m: Meta, results: PromptResult[], x: Extras): Record<string, unknown> {
  // several prompts: choices are grouped by prompt, index running across all of them (OpenAI)
  const choices = results
    .flatMap((r) => chosen(r))
    .map((s, index) => ({
      index,
      text: s.text,
      logprobs: x.logprobs ? completionLogprobs(s, x.logprobs.tokenText) : null,
      finish_reason: s.finishReason,
    }));
  const body: Record<string, unknown> = {
    id: m.id,
    object: "text_completion",
    created: m.created,
    model: m.model,
    choices,
    usage: usageOf(results),
  };
  if (x.withScores) body.prefloop = prefloopField(results);
  return body;
}

/** How a token id reads on the wire (the tokenizer's piece); absent → empty strings. */
export type TokenText = (id: number) => string;

function chatLogprobs(s: GeneratedSample, tokenText: TokenText | undefined): Record<string, unknown> {
  const ids = s.tokens ?? [];
  return {
    content: (s.logprobs ?? []).map((logprob, i) => ({
      token: tokenText && ids[i] !== undefined ? tokenText(ids[i]) : "",
      logprob,
      bytes: null,
      top_logprobs: [],
    })),
  };
}

function completionLogprobs(s: GeneratedSample, tokenText: TokenText | undefined): Record<string, unknown> {
  const lp = s.logprobs ?? [];
  const tokens = (s.tokens ?? []).slice(0, lp.length).map((id) => (tokenText ? tokenText(id) : ""));
  return { tokens, token_logprobs: lp, top_logprobs: null, text_offset: null };
}

export interface Extras {
  withScores: boolean;
  /** set when the request asked for logprobs */
  logprobs?: { tokenText?: TokenText };
}
