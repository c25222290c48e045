// Decode throughput of LlamaModel's KV-cache hot loop: single stream vs n=5 rows sharing a prompt
// (copyCacheRow), on a random-weight Llama (default d 768 x 12 layers, vocab 32000, f32) and stories260K.
// Prints tokens/s and the batched/single ratio (issue target: n=5 >= 3x single). Not a comparison with
// llama.cpp (see the generate bench). Usage: npx tsx bench/models-decode.ts [--dim 768] [--layers 12] [--tokens 32]
import { getBackend } from "../src/engine/index.js";
import {
  type Checkpoint,
  type LlamaModel,
  loadModel,
  modelFromCheckpoint,
  parameterShapes,
} from "../src/models/index.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function randomModel(dim: number, layers: number): LlamaModel {
  const config = {
    modelType: "llama",
    vocabSize: 32000,
    hiddenSize: dim,
    intermediateSize: Math.round((dim * 8) / 3 / 64) * 64,
    numLayers: layers,
    numHeads: dim / 64,
    numKvHeads: dim / 64,
    headDim: 64,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeLayout: "half" as const,
    ropeScaling: null,
    maxPositionEmbeddings: 2048,
    tieWordEmbeddings: false,
    attentionBias: false,
    bosTokenId: 1,
    eosTokenIds: [2],
  };
  let seed = 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of parameterShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const scale = shape.length === 1 ? 0 : 1 / Math.sqrt(shape[1]);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = shape.length === 1 ? 1 : rand() * 2 * scale;
    tensors.set(name, { shape, data });
  }
  const ck: Checkpoint = { config, tensors };
  return modelFromCheckpoint(ck);
}

function run(model: LlamaModel, rowsN: number, tokens: number): number {
  const V = model.config.vocabSize;
  const cache = model.newCache(rowsN, 16 + tokens + 1);
  const prompt = Int32Array.from({ length: 16 }, (_, i) => (i * 7 + 1) % V);
  model.decode(cache, [0], prompt, prompt.length);
  model.copyCacheRow(
    cache,
    0,
    Array.from({ length: rowsN - 1 }, (_, i) => i + 1),
  );
  const rows = Array.from({ length: rowsN }, (_, i) => i);
  const next = new Int32Array(rowsN).fill(3);
  const t0 = performance.now();
  for (let s = 0; s < tokens; s++) {
    const logits = model.decode(cache, rows, next, 1);
    for (let r = 0; r < rowsN; r++) {
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[r * V + v] > logits[r * V + best]) best = v;
      next[r] = best;
    }
  }
  return (rowsN * tokens) / ((performance.now() - t0) / 1000);
}

const tokens = arg("tokens", 32);
const models: [string, LlamaModel][] = [
  ["stories260K", loadModel("models/stories260K.gguf").model],
  [`random d${arg("dim", 768)}x${arg("layers", 12)}`, randomModel(arg("dim", 768), arg("layers", 12))],
];
console.log(`backend ${getBackend().name}, ${getBackend().threads} threads`);
for (const [name, model] of models) {
  const n = name === "stories260K" ? tokens * 8 : tokens;
  run(model, 1, 4); // warm-up
  const single = run(model, 1, n);
  const five = run(model, 5, n);
  console.log(
    `${name}: single ${single.toFixed(1)} tok/s, n=5 ${five.toFixed(1)} tok/s, ratio ${(five / single).toFixed(2)}x`,
  );
}
