// The AlpacaEval 2.0 weighted judge (weighted_alpaca_eval_gpt4_turbo) over any OpenAI-compatible chat
// API: the alpaca_eval_clf prompt, max_tokens 1, temperature 1, top-5 logprobs, preference from the
// probabilities of "m" and "M". Retries (408/409/429/5xx, retry-after, jittered backoff) are the openai
// client's own policy; a counting fetch records attempts for the accounting. Not the annotate loop.
import OpenAI from "openai";
import { PrefloopError } from "../../util/errors.js";
import {
  fillTemplate,
  logprobPreference,
  promptToChatml,
  type TopLogprob,
  weightedJudgeTemplate,
} from "./prompt.js";
import type { PairJudge, PairVerdict } from "./types.js";

export interface OpenAIJudgeOptions {
  baseURL: string;
  apiKey?: string;
  /** the judge model; AlpacaEval 2.0 uses gpt-4-1106-preview */
  model?: string;
  maxRetries?: number;
  /** per-request timeout in ms */
  timeout?: number;
  /** US dollars per million prompt / completion tokens (gpt-4-1106-preview: 10 / 30) */
  pricePerMillionPrompt?: number;
  pricePerMillionCompletion?: number;
  template?: string;
  /** annotator name written to annotations.json */
  annotator?: string;
  fetch?: typeof fetch;
}

export interface HttpStats {
  attempts: number;
  byStatus: Record<string, number>;
}

export class OpenAIWeightedJudge implements PairJudge {
  readonly id: string;
  readonly http: HttpStats = { attempts: 0, byStatus: {} };
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly template: string;
  private readonly pricePrompt: number;
  private readonly priceCompletion: number;

  constructor(opts: OpenAIJudgeOptions) {
    this.model = opts.model ?? "gpt-4-1106-preview";
    this.id = opts.annotator ?? "weighted_alpaca_eval_gpt4_turbo";
    this.template = opts.template ?? weightedJudgeTemplate;
    this.pricePrompt = opts.pricePerMillionPrompt ?? 10;
    this.priceCompletion = opts.pricePerMillionCompletion ?? 30;
    const inner = opts.fetch ?? fetch;
    const counting: typeof fetch = async (input, init) => {
      this.http.attempts++;
      const res = await inner(input, init);
      this.http.byStatus[res.status] = (this.http.byStatus[res.status] ?? 0) + 1;
      return res;
    };
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY ?? "none",
      maxRetries: opts.maxRetries ?? 6,
      timeout: opts.timeout ?? 120_000,
      fetch: counting,
    });
  }

  async judge(instruction: string, first: string, second: string): Promise<PairVerdict> {
    const prompt = fillTemplate(this.template, { instruction, output_1: first, output_2: second });
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = await this.client.chat.completions.create({
        model: this.model,
        messages: promptToChatml(prompt),
        max_tokens: 1,
        temperature: 1,
        logprobs: true,
        top_logprobs: 5,
      });
    } catch (e) {
      const status = e instanceof OpenAI.APIError ? ` (HTTP ${e.status ?? "?"})` : "";
      throw new PrefloopError(
        "network",
        `judge ${this.model} at ${this.client.baseURL}: ${(e as Error).message}${status}`,
        {
          hint: "check --base-url, --judge-model and the API key (OPENAI_API_KEY)",
          cause: e,
        },
      );
    }
    const choice = res.choices[0];
    const top: TopLogprob[] = choice?.logprobs?.content?.[0]?.top_logprobs ?? [];
    const promptTokens = res.usage?.prompt_tokens ?? 0;
    const completionTokens = res.usage?.completion_tokens ?? 0;
    return {
      preference: logprobPreference(top),
      raw: {
        finish_reason: choice?.finish_reason,
        index: choice?.index ?? 0,
        logprobs: choice?.logprobs ?? null,
        message: choice?.message ?? null,
        text: choice?.message?.content ?? "",
        total_tokens: res.usage?.total_tokens ?? promptTokens + completionTokens,
      },
      promptTokens,
      completionTokens,
      price: (promptTokens * this.pricePrompt + completionTokens * this.priceCompletion) / 1e6,
    };
  }
}
