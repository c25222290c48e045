// Generation throughput: tokens/s of LocalGenerator single stream and n samples of one prompt (shared
// prefill, batched decode), and the random-weight Llama GGUF the benchmark uses as its large case.
// Not a test: bench/generate.ts and `prefloop bench generate` print these numbers (with a node-llama-cpp run
// on the same file when that dev dependency is installed).
import { existsSync, renameSync } from "node:fs";
import {
  type Checkpoint,
  type LlamaConfig,
  parameterShapes,
  readGgufHeader,
  writeGguf,
} from "../models/index.js";
import type { LlamaCppBench } from "./bench-llama-cpp.js";
import type { SamplingSettings } from "./generator.js";
import { openLocalGenerator } from "./open.js";
import { Xoshiro128 } from "./rng.js";

export interface ThroughputRun {
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  /** process CPU time per token (all threads): robust when other work shares the cores */
  cpuMsPerToken: number;
}

export interface GenerateBenchResult {
  model: string;
  single: ThroughputRun;
  batched: ThroughputRun;
  n: number;
  /** batched tokens/s over single-stream tokens/s */
  batchSpeedup: number;
}

export interface GenerateBenchOptions {
  modelPath: string;
  /** new tokens per sample; default 128 */
  tokens?: number;
  /** samples of the batched run; default 5 */
  n?: number;
  progress?: (line: string) => void;
}

/** Tokens/s of one stream and of n streams sharing a prompt, each timed after a short warm-up. */
export async function runGenerateBench(o: GenerateBenchOptions): Promise<GenerateBenchResult> {
  const tokens = o.tokens ?? 128;
  const n = o.n ?? 5;
  const generator = await openLocalGenerator(o.modelPath, { maxBatchRows: Math.max(16, n) });
  const sampling: SamplingSettings = {
    temperature: 1,
    topP: 1,
    topK: 0,
    minP: 0,
    maxTokens: tokens,
    stop: [],
    seed: 1,
  };
  const time = async (k: number, maxTokens: number): Promise<ThroughputRun> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const [samples = []] = await generator.generate([
      { prompt: { raw: "" }, n: k, sampling: { ...sampling, maxTokens } },
    ]);
    const seconds = (performance.now() - t0) / 1000;
    const count = samples.reduce(
      (a, s) => a + (s.tokens?.length ?? 0) + (s.finishReason === "stop" ? 1 : 0),
      0,
    );
    const cpu = process.cpuUsage(c0);
    return {
      tokens: count,
      seconds,
      tokensPerSecond: count / seconds,
      cpuMsPerToken: (cpu.user + cpu.system) / 1000 / count,
    };
  };
  await time(1, 8);
  o.progress?.(`single stream, ${tokens} tokens`);
  const single = await time(1, tokens);
  o.progress?.(`n=${n} batched, ${tokens} tokens each`);
  const batched = await time(n, tokens);
  await generator.close();
  return {
    model: o.modelPath,
    single,
    batched,
    n,
    batchSpeedup: batched.tokensPerSecond / single.tokensPerSecond,
  };
}

export function formatThroughput(r: ThroughputRun): string {
  const tps = r.tokensPerSecond.toFixed(1).padStart(8);
  return `${tps} tok/s, ${r.cpuMsPerToken.toFixed(2)} CPU ms/token (${r.tokens} tokens in ${r.seconds.toFixed(2)} s)`;
}

/**
 * Writes (once) a random-weight Llama GGUF (f32) with the tokenizer of `tokenizerFrom` (a GGUF): hidden
 * `hidden`, `layers` layers, heads of 64, MLP 8/3 × hidden. Weights uniform with std 0.02 from a fixed seed.
 */
export function writeRandomLlamaGguf(path: string, tokenizerFrom: string, hidden = 768, layers = 12): void {
  if (existsSync(path)) return;
  const source = readGgufHeader(tokenizerFrom);
  const tokens = source.metadata.get("tokenizer.ggml.tokens")?.value;
  const vocabSize = Array.isArray(tokens) ? tokens.length : 512;
  const heads = Math.max(1, Math.round(hidden / 64));
  const config: LlamaConfig = {
    modelType: "llama",
    vocabSize,
    hiddenSize: hidden,
    intermediateSize: Math.round((hidden * 8) / 3 / 32) * 32,
    numLayers: layers,
    numHeads: heads,
    numKvHeads: heads,
    headDim: hidden / heads,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeLayout: "interleaved",
    ropeScaling: null,
    maxPositionEmbeddings: 2048,
    tieWordEmbeddings: true,
    attentionBias: false,
    bosTokenId: 1,
    eosTokenIds: [2],
  };
  const rng = Xoshiro128.fromSeed(768);
  const a = 0.02 * Math.sqrt(3);
  const tensors: Checkpoint["tensors"] = new Map();
  for (const [name, shape] of parameterShapes(config)) {
    const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (name.endsWith("norm.weight")) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = (2 * rng.nextFloat() - 1) * a;
    tensors.set(name, { shape, data });
  }
  const metadata = new Map([...source.metadata].filter(([k]) => k.startsWith("tokenizer.")));
  const tmp = `${path}.tmp-${process.pid}`;
  writeGguf(tmp, { config, tensors }, { metadata, name: `random-llama-d${hidden}-l${layers}` });
  renameSync(tmp, path);
}

/** The benchmark report: prefloop's runs, and node-llama-cpp's beside them when it ran. */
export function formatGenerateBench(ours: GenerateBenchResult, ref: LlamaCppBench | string | null): string {
  const n = ours.n;
  const lines = [
    ours.model,
    `  prefloop        single  ${formatThroughput(ours.single)}`,
    `  prefloop        n=${n}     ${formatThroughput(ours.batched)}   batched/single ${ours.batchSpeedup.toFixed(2)}x`,
  ];
  if (typeof ref === "string") lines.push(`  node-llama-cpp  skipped: ${ref}`);
  else if (ref !== null) {
    const ratio = (a: ThroughputRun, b: ThroughputRun): string =>
      (a.tokensPerSecond / b.tokensPerSecond).toFixed(2);
    lines.push(`  node-llama-cpp  single  ${formatThroughput(ref.single)}`);
    lines.push(`  node-llama-cpp  n=${n}     ${formatThroughput(ref.batched)}`);
    lines.push(
      `  prefloop / node-llama-cpp tok/s: single ${ratio(ours.single, ref.single)}x, n=${n} ${ratio(ours.batched, ref.batched)}x`,
    );
  }
  return lines.join("\n");
}
