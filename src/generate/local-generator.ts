// The in-process Generator over a CausalLM and a Tokenizer: prompts rendered by the chat template (or raw),
// each prompt prefilled once and its KV cache row copied to its n samples (copyCacheRow), then all live
// rows decoded one token per step in one batch. Not the remote (OpenAI-compatible) client.
// Each sample draws from its own stream sampleStream(seed, promptKey(prompt text), sample index), so the
// text does not depend on batch size, request order or which other prompts share the call.
// Streaming (onToken/onSample/signal): hooks per token, and the group yields to the event loop each step.
import type { CausalLM } from "../models/index.js";
import type { ChatTemplate, Tokenizer } from "../text/index.js";
import { InputError } from "../util/errors.js";
import type { FinishReason, GeneratedSample, GenerationRequest, Generator } from "./generator.js";
import { promptKey, sampleStream, type Xoshiro128 } from "./rng.js";
import { TokenSampler } from "./sampler.js";
import { completionText, StopCriteria } from "./stopping.js";
import { completeLength, TextDeltas } from "./text-deltas.js";

/** What generation needs of a model: its config and the KV-cache decoding forward. */
export type DecodingModel = Pick<CausalLM, "config" | "newCache" | "copyCacheRow" | "decode">;

export interface GenerationProgress {
  samplesDone: number;
  samplesTotal: number;
  tokensGenerated: number;
}

export interface LocalGeneratorOptions {
  /** recorded in manifests; usually the model path */
  id: string;
  /** most KV-cache rows (prompt samples) decoded together; default 16 */
  maxBatchRows?: number;
  onProgress?: (p: GenerationProgress) => void;
}

export interface PreparedPrompt {
  /** the text fed to the tokenizer (after the chat template) */
  text: string;
  ids: number[];
}

interface Chunk {
  request: number;
  prompt: PreparedPrompt;
  firstSample: number;
  count: number;
  maxTokens: number;
}

interface Row {
  chunk: Chunk;
  request: GenerationRequest;
  sample: number;
  rng: Xoshiro128;
  sampler: TokenSampler;
  stop: StopCriteria;
  context: number[];
  tokens: number[];
  logprobs: number[];
  checked: number;
  text: string | null;
  finish: FinishReason | null;
  /** set for streaming requests (onToken) */
  deltas: TextDeltas | null;
  result: GeneratedSample | null;
}

/** Prompt tokens kept as decoding context for the completion's first characters. */
const CONTEXT_TOKENS = 8;

export class LocalGenerator implements Generator {
  readonly id: string;
  private readonly maxRows: number;
  private tokensGenerated = 0;

  constructor(
    readonly model: DecodingModel,
    readonly tokenizer: Tokenizer,
    readonly chatTemplate: ChatTemplate,
    private readonly options: LocalGeneratorOptions,
  ) {
    this.id = options.id;
    this.maxRows = Math.max(1, options.maxBatchRows ?? 16);
  }

  /**
   * Prompt text and ids: a raw string is encoded as is after BOS ("" is BOS alone); chat messages go
   * through the chat template with the generation prompt, and its special tokens are matched. The plain
   * template adds no BOS of its own, so BOS is prepended; a model's template renders its own.
   */
  preparePrompt(prompt: GenerationRequest["prompt"]): PreparedPrompt {
    if ("raw" in prompt)
      return { text: prompt.raw, ids: this.tokenizer.encode(prompt.raw, { addBos: true }) };
    const text = this.chatTemplate.render(prompt, { addGenerationPrompt: true });
    return {
      text,
      ids: this.tokenizer.encode(text, { addBos: this.chatTemplate.kind === "plain", parseSpecial: true }),
    };
  }

  /** Token ids that end a sample: the model's EOS ids, the tokenizer's EOS, and BOS (as llama2.c's run.c). */
  stopTokens(): Set<number> {
    const ids = new Set<number>(this.model.config.eosTokenIds);
    for (const id of [this.tokenizer.eosId, this.tokenizer.bosId, this.model.config.bosTokenId]) {
      if (id !== null) ids.add(id);
    }
    return ids;
  }

  async generate(requests: GenerationRequest[]): Promise<GeneratedSample[][]> {
    const ctx = this.model.config.maxPositionEmbeddings;
    const results: GeneratedSample[][] = requests.map((r) => new Array<GeneratedSample>(r.n));
    const chunks: Chunk[] = [];
    requests.forEach((req, request) => {
      if (!(Number.isInteger(req.n) && req.n >= 1))
        throw new InputError(`request ${request}: n must be an integer >= 1, got ${req.n}`);
      const prompt = this.preparePrompt(req.prompt);
      if (prompt.ids.length === 0)
        throw new InputError(`request ${request}: the prompt is empty and the tokenizer has no BOS token`);
      if (prompt.ids.length >= ctx) {
        throw new InputError(
          `request ${request}: the prompt has ${prompt.ids.length} tokens; the model's context is ${ctx}`,
        );
      }
      const maxTokens = Math.min(req.sampling.maxTokens, ctx - prompt.ids.length);
      for (let s = 0; s < req.n; s += this.maxRows) {
        chunks.push({ request, prompt, firstSample: s, count: Math.min(this.maxRows, req.n - s), maxTokens });
      }
    });
    const stopTokens = this.stopTokens();
    const samplesTotal = requests.reduce((a, r) => a + r.n, 0);
    let samplesDone = 0;
    const report = (): void =>
      this.options.onProgress?.({ samplesDone, samplesTotal, tokensGenerated: this.tokensGenerated });
    for (let i = 0; i < chunks.length; ) {
      const group: Chunk[] = [];
      let rows = 0;
      while (i < chunks.length && rows + (chunks[i] as Chunk).count <= this.maxRows) {
        rows += (chunks[i] as Chunk).count;
        group.push(chunks[i++] as Chunk);
      }
      for (const row of await this.runGroup(group, requests, stopTokens)) {
        (results[row.chunk.request] as GeneratedSample[])[row.sample] = row.result ?? this.finish(row);
        samplesDone++;
      }
      report();
      // let the event loop breathe between groups (progress bars, signals)
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return results;
  }

  async close(): Promise<void> {}

  private async runGroup(
    group: Chunk[],
    requests: GenerationRequest[],
    stopTokens: Set<number>,
  ): Promise<Row[]> {
    const width = group.reduce((a, c) => a + c.count, 0);
    const capacity = group.reduce((m, c) => Math.max(m, c.prompt.ids.length + c.maxTokens), 1);
    const cache = this.model.newCache(width, capacity);
    const rows: Row[] = [];
    const V = this.model.config.vocabSize;
    let next = 0;
    const streaming = group.some((c) => {
      const r = requests[c.request] as GenerationRequest;
      return r.onToken !== undefined || r.onSample !== undefined || r.signal !== undefined;
    });
    for (const chunk of group) {
      const request = requests[chunk.request] as GenerationRequest;
      const sampling = request.sampling;
      const sampler = new TokenSampler(sampling);
      const stop = new StopCriteria(
        new Set([...stopTokens, ...(sampling.stopTokenIds ?? [])]),
        sampling.stop,
      );
      const key = promptKey(chunk.prompt.text);
      const first = next;
      const mine = Array.from({ length: chunk.count }, (_, k) => first + k);
      next += chunk.count;
      const ids = chunk.prompt.ids;
      const context = ids.slice(-CONTEXT_TOKENS);
      const skip = chunk.maxTokens <= 0 || request.signal?.aborted === true;
      const chunkRows = mine.map((_, k) => ({
        chunk,
        request,
        sample: chunk.firstSample + k,
        rng: sampleStream(sampling.seed, key, chunk.firstSample + k),
        sampler,
        stop,
        context,
        tokens: [],
        logprobs: [],
        checked: 0,
        text: null,
        finish: skip ? ("length" as const) : null,
        deltas: request.onToken ? new TextDeltas(sampling.stop) : null,
        result: null,
      }));
      rows.push(...chunkRows);
      if (skip) {
        if (!request.signal?.aborted) for (const row of chunkRows) this.done(row);
        continue;
      }
      const logits = this.model.decode(cache, [first], Int32Array.from(ids), ids.length);
      if (mine.length > 1) this.model.copyCacheRow(cache, first, mine.slice(1));
      for (const row of chunkRows) this.accept(row, logits.subarray(0, V));
      // first tokens out before the next prompt's prefill
      if (streaming) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    for (;;) {
      const live: number[] = [];
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as Row;
        // a request aborted (client gone) stops here; its samples keep what they have, no hook fires
        if (row.finish === null && row.request.signal?.aborted) row.finish = "length";
        if (row.finish === null) live.push(r);
      }
      if (live.length === 0) break;
      const tokens = Int32Array.from(live, (r) => (rows[r] as Row).tokens.at(-1) as number);
      const logits = this.model.decode(cache, live, tokens, 1);
      for (let k = 0; k < live.length; k++) {
        this.accept(rows[live[k] as number] as Row, logits.subarray(k * V, (k + 1) * V));
      }
      if (streaming) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return rows;
  }

  /** Samples one token for `row`, updates its finish state and calls the request's hooks. */
  private accept(row: Row, logits: Float32Array): void {
    const { token, logprob } = row.sampler.pick(logits, row.rng);
    let text: string | undefined;
    if (row.stop.isStopToken(token)) row.finish = "stop";
    else {
      row.tokens.push(token);
      row.logprobs.push(logprob);
      this.tokensGenerated++;
      if (row.stop.stopStrings.length > 0 || row.deltas) {
        text = completionText(this.tokenizer, row.context, row.tokens);
        const at = row.stop.findStop(text, row.checked);
        // an unfinished character (trailing U+FFFD) may still complete a stop string: scan it again
        row.checked = completeLength(text);
        if (at >= 0) {
          row.text = text.slice(0, at);
          row.finish = "stop";
        }
      }
      if (row.finish === null && row.tokens.length >= row.chunk.maxTokens) row.finish = "length";
    }
    if (row.finish !== null) {
      row.text ??= text ?? null;
      this.done(row, token);
    } else if (row.deltas && text !== undefined)
      row.request.onToken?.(row.sample, token, row.deltas.next(text));
  }

  /** A row just finished: its result, the rest of its text to onToken (after `token`), then onSample. */
  private done(row: Row, token?: number): void {
    const result = this.finish(row);
    row.result = result;
    if (row.deltas && token !== undefined)
      row.request.onToken?.(row.sample, token, row.deltas.last(result.text));
    row.request.onSample?.(row.sample, result);
  }

  private finish(row: Row): GeneratedSample {
    return {
      text: row.text ?? completionText(this.tokenizer, row.context, row.tokens),
      tokens: row.tokens,
      logprobs: row.logprobs,
      finishReason: row.finish ?? "length",
      promptTokens: row.chunk.prompt.ids.length,
    };
  }
}
