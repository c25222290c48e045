// node-llama-cpp (llama.cpp) side of bench/models-decode.ts: greedy decode tokens/s on a GGUF with a given
// thread count, one sequence or n sequences decoded together (llama.cpp batches concurrent sequences).
// Not a dependency: imported on demand; when it is missing the caller prints a note and skips the column.
// API as in node-llama-cpp v3 (getLlama, loadModel, createContext, LlamaContextSequence.evaluate).

import { llamaCppEntry } from "../src/util/reference-deps.js";

// The slice of node-llama-cpp's API used here, declared locally so the bench type-checks without it.
interface Sequence {
  evaluate(tokens: number[], opts: { temperature: number }): AsyncIterable<number>;
}
interface Context {
  getSequence(): Sequence;
  dispose(): Promise<void>;
}
interface Model {
  createContext(o: {
    contextSize: number;
    sequences: number;
    threads: number;
    batchSize: number;
  }): Promise<Context>;
  dispose(): Promise<void>;
}
interface NodeLlamaCpp {
  LlamaLogLevel: { error: unknown };
  getLlama(o: Record<string, unknown>): Promise<{
    loadModel(o: { modelPath: string; gpuLayers: number }): Promise<Model>;
    dispose(): Promise<void>;
  }>;
}

export interface LlamaCppRunner {
  /** tokens/s over `tokens` decode steps after `prompt` (or fewer, if `budgetMs` runs out), for `streams`
   * sequences decoded at once */
  tokensPerSecond(
    prompt: number[],
    tokens: number,
    streams: number,
    threads: number,
    budgetMs?: number,
  ): Promise<number>;
  dispose(): Promise<void>;
}

/** Loads `path` in node-llama-cpp (CPU only, prebuilt binaries, never compiles); a string says why not. */
export async function openLlamaCpp(path: string, install = false): Promise<LlamaCppRunner | string> {
  let mod: NodeLlamaCpp;
  try {
    const entry = llamaCppEntry(install);
    if (entry === null)
      return "node-llama-cpp is not installed (add --install-reference to fetch its CPU build)";
    mod = (await import(entry)) as NodeLlamaCpp;
  } catch (e) {
    return `node-llama-cpp is not importable (${(e as Error).message.split("\n")[0]})`;
  }
  try {
    const llama = await mod.getLlama({
      gpu: false,
      build: "never",
      logLevel: mod.LlamaLogLevel.error,
      progressLogs: false,
    });
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    return {
      async tokensPerSecond(prompt, tokens, streams, threads, budgetMs = 10_000) {
        const ctx = await model.createContext({
          contextSize: prompt.length + tokens + 16,
          sequences: streams,
          threads,
          batchSize: Math.max(prompt.length, streams) * streams,
        });
        try {
          // each stream starts timing at its first generated token (the prompt is not timed), like ours
          const starts: number[] = [];
          let end = 0;
          let done = 0;
          await Promise.all(
            Array.from({ length: streams }, async (_, s) => {
              const seq = ctx.getSequence();
              let n = 0;
              for await (const _tok of seq.evaluate(prompt, { temperature: 0 })) {
                if (n === 0) starts[s] = performance.now();
                // a time budget too: llama.cpp's spinning barriers can crawl on a loaded machine
                if (++n > tokens || performance.now() - starts[s] > budgetMs) break;
              }
              done += n - 1;
              end = Math.max(end, performance.now());
            }),
          );
          return done / ((end - Math.min(...starts)) / 1000);
        } finally {
          await ctx.dispose();
        }
      },
      async dispose() {
        await model.dispose();
        await llama.dispose();
      },
    };
  } catch (e) {
    return `node-llama-cpp could not load ${path} (${(e as Error).message.split("\n")[0]})`;
  }
}
