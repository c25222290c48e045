// A scripted CausalLM for streaming tests (not a test file): after each row's prompt it puts all its
// mass on the next token of a fixed script (any sampling settings draw it), then on EOS. Lets tests
// place byte-fallback pieces and stop strings exactly. Counts decode calls.
import type { DecodingModel } from "../../src/generate/index.js";
import type { KVCache } from "../../src/models/index.js";
import { ToyLM } from "./toy-lm.js";

interface ScriptCache extends KVCache {
  /** tokens fed per row, and where the row's prompt ended */
  fed: number[];
  start: number[];
}

export class ScriptedLM implements DecodingModel {
  readonly config = new ToyLM(512).config;
  decodeCalls = 0;

  constructor(
    private readonly script: readonly number[],
    private readonly eos = 2,
  ) {}

  newCache(batch: number, capacity: number): ScriptCache {
    return { batch, capacity, lengths: new Int32Array(batch), fed: new Array(batch).fill(0), start: [] };
  }

  copyCacheRow(cache: KVCache, from: number, to: number[]): void {
    const c = cache as ScriptCache;
    for (const t of to) {
      c.fed[t] = c.fed[from] as number;
      c.start[t] = c.start[from] as number;
      c.lengths[t] = c.lengths[from] as number;
    }
  }

  decode(cache: KVCache, rows: number[], _tokens: Int32Array, T: number): Float32Array {
    const c = cache as ScriptCache;
    const V = this.config.vocabSize;
    const out = new Float32Array(rows.length * V);
    this.decodeCalls++;
    rows.forEach((r, k) => {
      const before = c.fed[r] as number;
      c.fed[r] = before + T;
      c.lengths[r] = before + T;
      if (before === 0) c.start[r] = T; // the prefill: the prompt ends here
      const step = (c.fed[r] as number) - (c.start[r] as number);
      out[k * V + (this.script[step] ?? this.eos)] = 60;
    });
    return out;
  }
}
