// A live SSE body for one streaming request: per-prompt generation hooks (onToken/onSample) turn into
// chat.completion.chunk or text_completion events as tokens are decoded; each choice gets its
// finish_reason as soon as its sample ends; then the optional usage chunk and `data: [DONE]`.
// Generators that never call the hooks (a remote one) still get correct chunks at the end.
// Not the routes (server.ts). Follows OpenAI's streaming reference (chunk shapes, include_usage).
import { Readable } from "node:stream";
import type { GeneratedSample, GenerationRequest } from "../generate/index.js";
import { mapError } from "./errors.js";
import { type Meta, usageOf } from "./responses.js";

export type StreamKind = "chat" | "completion";

type Hooks = Required<Pick<GenerationRequest, "onToken" | "onSample">>;

interface Choice {
  /** text already sent */
  sent: string;
  finished: boolean;
}

export class SseStream {
  /** the response body; nothing is pushed after it is destroyed (client gone) */
  readonly body = new Readable({ read() {} });
  private readonly choices: Choice[];
  private readonly head: Record<string, unknown>;
  private started = false;
  /** events of the current decode step, written together (one socket write per step, not per choice) */
  private pending = "";
  private ended = false;
  private readonly firstEvent: Promise<void>;
  private markStarted: () => void = () => {};

  constructor(
    private readonly kind: StreamKind,
    m: Meta,
    /** choices per prompt (n) */
    private readonly n: number,
    prompts: number,
    private readonly includeUsage: boolean,
  ) {
    this.head = {
      id: m.id,
      object: kind === "chat" ? "chat.completion.chunk" : "text_completion",
      created: m.created,
      model: m.model,
    };
    this.choices = Array.from({ length: n * prompts }, () => ({ sent: "", finished: false }));
    this.firstEvent = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  /** Resolves when the first event is out (time to send the headers). */
  whenStarted(): Promise<void> {
    return this.firstEvent;
  }

  /** The hooks of prompt `p`: its sample s is choice p·n + s (OpenAI numbers choices across prompts). */
  hooks(p: number): Hooks {
    return {
      onToken: (sample, _token, delta) => this.delta(p * this.n + sample, delta),
      onSample: (sample, result) => this.finishChoice(p * this.n + sample, result),
    };
  }

  /** All samples are in: choices the hooks did not finish get their rest, then usage and [DONE]. */
  end(results: GeneratedSample[][]): void {
    if (this.ended) return;
    results.forEach((samples, p) => {
      samples.forEach((s, i) => {
        this.finishChoice(p * this.n + i, s);
      });
    });
    if (this.includeUsage) {
      const usage = usageOf(results.map((candidates) => ({ candidates, selection: undefined, n: this.n })));
      this.push({ ...this.head, choices: [], usage });
    }
    this.close();
  }

  /** The generation failed after the stream began: an OpenAI error event, then [DONE]. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.begin();
    this.push(mapError(error).body);
    this.close();
  }

  private close(): void {
    if (this.ended) return;
    this.begin();
    this.write("data: [DONE]\n\n");
    this.flush();
    this.ended = true;
    if (!this.body.destroyed) this.body.push(null);
  }

  /** The opening events: chat sends each choice's role first (as OpenAI does). */
  private begin(): void {
    if (this.started) return;
    this.started = true;
    if (this.kind === "chat") {
      this.choices.forEach((_, index) => {
        this.event(index, { role: "assistant", content: "" }, null);
      });
    }
    this.markStarted();
  }

  private delta(index: number, text: string): void {
    const c = this.choices[index];
    if (!c || c.finished) return;
    this.begin();
    if (text === "") return;
    c.sent += text;
    this.event(index, this.kind === "chat" ? { content: text } : text, null);
  }

  private finishChoice(index: number, result: GeneratedSample): void {
    const c = this.choices[index];
    if (!c || c.finished) return;
    // a generator without token hooks (or text it held back): the rest of the final text
    if (result.text.startsWith(c.sent)) this.delta(index, result.text.slice(c.sent.length));
    this.begin();
    c.finished = true;
    this.event(index, this.kind === "chat" ? {} : "", result.finishReason);
  }

  private event(index: number, delta: Record<string, unknown> | string, finish: string | null): void {
    const choice =
      typeof delta === "string"
        ? { index, text: delta, logprobs: null, finish_reason: finish }
        : { index, delta, logprobs: null, finish_reason: finish };
    // with include_usage every chunk carries usage: null but the last (OpenAI)
    this.push({ ...this.head, choices: [choice], ...(this.includeUsage ? { usage: null } : {}) });
  }

  private push(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  private write(s: string): void {
    if (this.ended || this.body.destroyed) return;
    // the generator calls every row's hooks of a step synchronously: flush once that step is done
    if (this.pending === "") queueMicrotask(() => this.flush());
    this.pending += s;
  }

  private flush(): void {
    const events = this.pending;
    this.pending = "";
    if (events !== "" && !this.ended && !this.body.destroyed) this.body.push(events);
  }
}
