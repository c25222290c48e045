// Generation benchmark: LocalGenerator tokens/s, single stream and n=5 (shared prefill, batched decode), on
// the bundled stories260K and on a random-weight d768 × 12-layer f32 Llama GGUF written to the temp folder;
// beside node-llama-cpp on the same files when that dev dependency is installed (skipped otherwise).
// Usage: npx tsx bench/generate.ts [--tokens 128] [--small-only] [--no-llama-cpp] [--llama-threads 1]
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatThroughput,
  runGenerateBench,
  type ThroughputRun,
  writeRandomLlamaGguf,
} from "../src/generate/index.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const tokens = flag("--tokens", 128);
const n = 5;
// llama.cpp's threads spin while waiting: with more threads than free cores it slows down 100x, so the
// comparison defaults to one thread (--llama-threads to change)
const llamaThreads = flag("--llama-threads", 1);
const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

interface LlamaCppRun {
  single: ThroughputRun;
  batched: ThroughputRun;
}

/** node-llama-cpp on the same GGUF: n sequences of one context decode together (its own batching). */
async function llamaCpp(modelPath: string): Promise<LlamaCppRun | string> {
  let lib: typeof import("node-llama-cpp");
  try {
    lib = await import("node-llama-cpp");
  } catch {
    return "node-llama-cpp is not installed";
  }
  const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath });
  const bos = model.tokens.bos;
  if (bos === null) return "the model has no BOS token";
  const run = async (k: number, count: number): Promise<ThroughputRun> => {
    const ctx = await model.createContext({
      contextSize: Math.max(512, count + 16) * k,
      sequences: k,
      threads: 2,
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
  await run(1, 8);
  const single = await run(1, tokens);
  const batched = await run(n, tokens);
  await model.dispose();
  await llama.dispose();
  return { single, batched };
}

const models = ["models/stories260K.gguf"];
if (!args.includes("--small-only")) {
  const big = join(tmpdir(), "prefloop-bench-llama-d768-l12.gguf");
  log(`writing ${big} (once)`);
  writeRandomLlamaGguf(big, "models/stories260K.gguf", 768, 12);
  models.push(big);
}
for (const modelPath of models) {
  log(`${modelPath}: prefloop`);
  const ours = await runGenerateBench({ modelPath, tokens, n, progress: log });
  const lines = [
    `${modelPath}`,
    `  prefloop        single  ${formatThroughput(ours.single)}`,
    `  prefloop        n=${n}     ${formatThroughput(ours.batched)}   batched/single ${ours.batchSpeedup.toFixed(2)}x`,
  ];
  process.stdout.write(`${lines.splice(0).join("\n")}\n`);
  if (!args.includes("--no-llama-cpp")) {
    log(`${modelPath}: node-llama-cpp`);
    const ref = await llamaCpp(modelPath);
    if (typeof ref === "string") lines.push(`  node-llama-cpp  skipped: ${ref}`);
    else {
      lines.push(`  node-llama-cpp  single  ${formatThroughput(ref.single)}`);
      lines.push(`  node-llama-cpp  n=${n}     ${formatThroughput(ref.batched)}`);
      lines.push(
        `  prefloop / node-llama-cpp: single ${(ours.single.tokensPerSecond / ref.single.tokensPerSecond).toFixed(2)}x, n=${n} ${(ours.batched.tokensPerSecond / ref.batched.tokensPerSecond).toFixed(2)}x`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
process.exit(0);
