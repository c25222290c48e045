// The Generator over an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, TGI, `prefloop serve`)
// through the `openai` npm client: chat or completions mode, n samples per prompt (the `n` field, topped
// up by repeated requests when the server returns fewer), seeds, a concurrency limit, one retry policy
// (remote-retry.ts), token accounting, and optionally a launched server (remote-launch.ts).
// Resume from partial output is generateFile's (batch-file.ts): it takes any Generator.
import OpenAI from "openai";
import { ConfigError, InputError, PrefloopError } from "../util/errors.js";
import type { ChatMessage } from "../util/types.js";
import type {
  FinishReason,
  GeneratedSample,
  GenerationRequest,
  Generator,
  SamplingSettings,
} from "./generator.js";
import { type LaunchedServer, type LaunchOptions, launchServer } from "./remote-launch.js";
import { defaultRetryPolicy, GarbledResponseError, type RetryPolicy, withRetries } from "./remote-retry.js";

export type RemoteMode = "chat" | "completions" | "auto";

export interface RemoteGeneratorOptions {
  /** e.g. http://127.0.0.1:8000/v1; not needed with `launch` */
  baseURL?: string;
  /** model name sent in every request */
  model: string;
  /** default: env OPENAI_API_KEY, else "none" (local servers ignore it) */
  apiKey?: string;
  /** auto (default): raw prompts → /completions, chat messages → /chat/completions */
  mode?: RemoteMode;
  /** how n is obtained: the n field (topped up by repeats if fewer come back) or one request per sample */
  nStrategy?: "field" | "repeat";
  /** HTTP requests in flight at once; default 8 */
  concurrency?: number;
  /** per-attempt timeout in ms; default 120000 */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** ask for per-token logprobs (chat: logprobs, completions: logprobs=0) */
  logprobs?: boolean;
  /** extra body fields sent with every request (e.g. {repetition_penalty: 1.1} for vLLM) */
  extraBody?: Record<string, unknown>;
  /** start this server first and stop it in close() */
  launch?: LaunchOptions;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** HTTP attempts, retries included */
  requests: number;
  retries: number;
}

interface Choice {
  text: string;
  finishReason: FinishReason;
  logprobs?: number[];
}

/** A counting semaphore: at most `limit` holders at once, FIFO. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** The choices of a chat or completions body; a body of another shape is garbled (and retried). */
export function parseChoices(body: unknown, chat: boolean): { choices: Choice[]; usage?: [number, number] } {
  const raw = asRecord(body)?.choices;
  if (!Array.isArray(raw)) throw new GarbledResponseError("response has no choices array");
  const choices = raw.map((c, i): Choice => {
    const record = asRecord(c);
    const content = chat ? asRecord(record?.message)?.content : record?.text;
    if (typeof content !== "string" && !(chat && content === null))
      throw new GarbledResponseError(`choice ${i} has no ${chat ? "message.content" : "text"} string`);
    const finish = record?.finish_reason;
    const lp = asRecord(record?.logprobs);
    const logprobs = chat
      ? (Array.isArray(lp?.content) ? lp.content : undefined)?.map((t) => Number(asRecord(t)?.logprob))
      : (Array.isArray(lp?.token_logprobs) ? lp.token_logprobs : undefined)?.map(Number);
    return { text: content ?? "", finishReason: finish === "length" ? "length" : "stop", logprobs };
  });
  const u = asRecord(asRecord(body)?.usage);
  const usage: [number, number] | undefined =
    u && typeof u.prompt_tokens === "number" && typeof u.completion_tokens === "number"
      ? [u.prompt_tokens, u.completion_tokens]
      : undefined;
  return { choices, usage };
}

/** snake_case body fields for the sampling settings; top_k/min_p/stop_token_ids only when set (vLLM takes them). */
export function samplingBody(s: SamplingSettings, n: number, seed: number): Record<string, unknown> {
  const body: Record<string, unknown> = {
    n,
    temperature: s.temperature,
    top_p: s.topP,
    max_tokens: s.maxTokens,
    seed,
  };
  if (s.stop.length > 0) body.stop = s.stop;
  if (s.topK > 0) body.top_k = s.topK;
  if (s.minP > 0) body.min_p = s.minP;
  if (s.stopTokenIds && s.stopTokenIds.length > 0) body.stop_token_ids = s.stopTokenIds; // vLLM's name
  return body;
}

export class RemoteGenerator implements Generator {
  readonly id: string;
  private client: OpenAI | undefined;
  private server: LaunchedServer | undefined;
  private readonly gate: Semaphore;
  private readonly policy: RetryPolicy;
  private readonly counters: TokenUsage = { promptTokens: 0, completionTokens: 0, requests: 0, retries: 0 };

  private constructor(private readonly o: RemoteGeneratorOptions) {
    if (!o.baseURL && !o.launch) throw new ConfigError("remote generator: give baseURL or launch");
    if (!o.model) throw new ConfigError("remote generator: model must be a non-empty model name");
    this.id = `${o.baseURL ?? o.launch?.command}#${o.model}`;
    this.gate = new Semaphore(Math.max(1, o.concurrency ?? 8));
    this.policy = { ...defaultRetryPolicy, ...o.retry };
  }

  /** Connects to baseURL, or launches the server first and waits for its health URL. */
  static async open(o: RemoteGeneratorOptions): Promise<RemoteGenerator> {
    const g = new RemoteGenerator(o);
    let baseURL = o.baseURL;
    if (o.launch) {
      g.server = await launchServer({ model: o.model, ...o.launch });
      baseURL = `${g.server.origin}/v1`;
    }
    g.client = new OpenAI({
      baseURL,
      apiKey: o.apiKey ?? process.env.OPENAI_API_KEY ?? "none",
      maxRetries: 0, // our policy (remote-retry.ts) is the only one
      timeout: o.timeoutMs ?? 120_000,
    });
    return g;
  }

  /** The base URL requests go to (the launched server's once it is up). */
  get baseURL(): string | undefined {
    return this.client?.baseURL;
  }

  /** Tokens the server reported and HTTP attempts made so far. */
  usage(): TokenUsage {
    return { ...this.counters };
  }

  async generate(requests: GenerationRequest[]): Promise<GeneratedSample[][]> {
    return Promise.all(requests.map((r) => this.one(r)));
  }

  async close(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  private async one(r: GenerationRequest): Promise<GeneratedSample[]> {
    const out: Choice[] = [];
    if (r.n <= 0) return [];
    if ((this.o.nStrategy ?? "field") === "field") {
      out.push(...(await this.call(r, r.n, r.sampling.seed)).slice(0, r.n));
    }
    // servers that ignore n (or the repeat strategy): one request per missing sample, seed + sample index
    const missing = Array.from({ length: r.n - out.length }, (_, k) => out.length + k);
    const extra = await Promise.all(missing.map((s) => this.call(r, 1, r.sampling.seed + s)));
    for (const choices of extra) {
      const first = choices[0];
      if (!first) throw new GarbledResponseError("server returned no choices for n=1");
      out.push(first);
    }
    return out.map((c) => ({ text: c.text, finishReason: c.finishReason, logprobs: c.logprobs }));
  }

  private route(prompt: GenerationRequest["prompt"]): {
    chat: boolean;
    messages?: ChatMessage[];
    text?: string;
  } {
    const mode = this.o.mode ?? "auto";
    if ("raw" in prompt) {
      if (mode === "chat") return { chat: true, messages: [{ role: "user", content: prompt.raw }] };
      return { chat: false, text: prompt.raw };
    }
    if (mode === "completions")
      throw new InputError("remote generator in completions mode got chat messages; use mode chat or auto");
    return { chat: true, messages: prompt };
  }

  private async call(r: GenerationRequest, n: number, seed: number): Promise<Choice[]> {
    const client = this.client;
    if (!client) throw new PrefloopError("input", "remote generator used before open()");
    const route = this.route(r.prompt);
    const body: Record<string, unknown> = {
      ...this.o.extraBody,
      ...samplingBody(r.sampling, n, seed),
      model: this.o.model,
    };
    if (route.chat) body.messages = route.messages;
    else body.prompt = route.text;
    if (this.o.logprobs) body.logprobs = route.chat ? true : 0;
    const path = route.chat ? "/chat/completions" : "/completions";
    return this.gate.run(() =>
      withRetries(
        this.policy,
        async () => {
          this.counters.requests++;
          const response: unknown = await client.post(path, { body });
          const parsed = parseChoices(response, route.chat);
          if (parsed.choices.length === 0) throw new GarbledResponseError("response has no choices");
          if (parsed.usage) {
            this.counters.promptTokens += parsed.usage[0];
            this.counters.completionTokens += parsed.usage[1];
          }
          return parsed.choices;
        },
        (error, attempt, delay) => {
          this.counters.retries++;
          this.o.onRetry?.(error, attempt, delay);
        },
      ),
    );
  }
}

/** Opens a RemoteGenerator (launching its server first when asked). */
export function openRemoteGenerator(o: RemoteGeneratorOptions): Promise<RemoteGenerator> {
  return RemoteGenerator.open(o);
}
