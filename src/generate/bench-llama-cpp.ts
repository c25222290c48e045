// The reference side of the generation benchmark: node-llama-cpp (a dev dependency, loaded only here and
// only when installed) decoding the same GGUF from BOS, one sequence and n sequences of one context (its
// own batching). Not used by generation itself. Run it before the prefloop side in a process so the two
// thread pools never overlap.
import { llamaCppEntry } from "../util/reference-deps.js";
import type { ThroughputRun } from "./bench.js";

/** The slice of node-llama-cpp's API the benchmark uses (it is not a package.json dependency). */
interface LlamaCppContext {
  getSequence(): {
    evaluate(tokens: number[], o: { temperature: number; seed?: number }): AsyncIterable<number>;
  };
  dispose(): Promise<void>;
}
interface LlamaCppModel {
  tokens: { bos: number | null };
  createContext(o: { contextSize: number; sequences: number; threads: number }): Promise<LlamaCppContext>;
  dispose(): Promise<void>;
}
interface LlamaCppLib {
  getLlama(o: { gpu: false; build: "never"; logLevel: unknown }): Promise<{
    loadModel(o: { modelPath: string }): Promise<LlamaCppModel>;
    dispose(): Promise<void>;
  }>;
  LlamaLogLevel: { error: unknown };
}

export interface LlamaCppBench {
  single: ThroughputRun;
  batched: ThroughputRun;
}

/**
 * Tokens/s of node-llama-cpp, or a string saying why it was skipped. llama.cpp's threads spin while
 * waiting, so more threads than free cores slows it down many times: the default is one thread.
 */
export async function runLlamaCppBench(
  modelPath: string,
  o: { tokens: number; n: number; threads?: number; install?: boolean },
): Promise<LlamaCppBench | string> {
  const entry = llamaCppEntry(o.install ?? false);
  if (entry === null) return "node-llama-cpp is not installed (add --install-reference to fetch it from npm)";
  const lib = (await import(entry)) as LlamaCppLib;
  const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const bos = model.tokens.bos;
  if (bos === null) return "the model has no BOS token";
  const run = async (k: number, count: number): Promise<ThroughputRun> => {
    const ctx = await model.createContext({
      contextSize: Math.max(512, count + 16) * k,
      sequences: k,
      threads: o.threads ?? 1,
    });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const lengths = await Promise.all(
      Array.from({ length: k }, async (_, i) => {
        let got = 0;
        for await (const _t of ctx.getSequence().evaluate([bos], { temperature: 1, seed: i + 1 })) {
          if (++got >= count) break;
        }
        return got;
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    await ctx.dispose();
    const total = lengths.reduce((a, b) => a + b, 0);
    return {
      tokens: total,
      seconds,
      tokensPerSecond: total / seconds,
      cpuMsPerToken: (cpu.user + cpu.system) / 1000 / total,
    };
  };
  try {
    await run(1, 8);
    return { single: await run(1, o.tokens), batched: await run(o.n, o.tokens) };
  } finally {
    await model.dispose();
    await llama.dispose();
  }
}
