// PairRM forward benchmark: a DeBERTa-v3-large-shaped encoder (24 layers, hidden 1024, 16 heads, MLP 4096,
// 256 position buckets; random weights, a small vocabulary since the lookup costs nothing) on one 5-candidate
// group = 20 ordered pairs of T tokens, on the engine beside HF transformers' own DebertaV2Model in PyTorch
// (/usr/bin/python3, same thread count), printing the time ratio and pairs/s. `--train` times what fine-tuning
// adds: forward keeping activations + the encoder's backward (debertaBackward) vs PyTorch forward + backward.
// Usage: npx tsx bench/pairrm.ts [--seq 128] [--layers 24] [--pairs 20] [--reps 2] [--train] [--no-torch]
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { getBackend } from "../src/engine/index.js";
import {
  type DebertaConfig,
  DebertaEncoder,
  debertaBackward,
  type LayerActs,
  type Tensor,
} from "../src/models/index.js";

const { values } = parseArgs({
  options: {
    seq: { type: "string", default: "128" },
    layers: { type: "string", default: "24" },
    pairs: { type: "string", default: "20" },
    reps: { type: "string", default: "2" },
    "no-torch": { type: "boolean", default: false },
    train: { type: "boolean", default: false },
  },
});
const T = Number(values.seq);
const L = Number(values.layers);
const B = Number(values.pairs);
const reps = Number(values.reps);
const H = 1024;
const NH = 16;
const I = 4096;
const V = 1000;
const buckets = 256;

const raw = {
  model_type: "deberta-v2",
  vocab_size: V,
  hidden_size: H,
  num_hidden_layers: L,
  num_attention_heads: NH,
  intermediate_size: I,
  hidden_act: "gelu",
  max_position_embeddings: 512,
  type_vocab_size: 0,
  layer_norm_eps: 1e-7,
  relative_attention: true,
  max_relative_positions: -1,
  position_buckets: buckets,
  pad_token_id: 0,
  position_biased_input: false,
  pos_att_type: ["p2c", "c2p"],
  norm_rel_ebd: "layer_norm",
  share_att_key: true,
};
const config: DebertaConfig = {
  vocabSize: V,
  hiddenSize: H,
  numLayers: L,
  numHeads: NH,
  intermediateSize: I,
  layerNormEps: 1e-7,
  positionBiasedInput: false,
  maxPositionEmbeddings: 512,
  maxRelativePositions: 512,
  positionBuckets: buckets,
  c2p: true,
  p2c: true,
  shareAttKey: true,
  normRelEmbedding: true,
  typeVocabSize: 0,
  padTokenId: 0,
  poolerHiddenSize: H,
  poolerHiddenAct: "gelu",
  numLabels: 1,
  raw,
};

let seed = 1;
function rand(shape: number[], scale: number, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    data[i] = offset + scale * (seed / 4294967296 - 0.5);
  }
  return { shape, data };
}
const tensors = new Map<string, Tensor>();
const lin = (name: string, out: number, inp: number) => {
  tensors.set(`${name}.weight`, rand([out, inp], 2 / Math.sqrt(inp)));
  tensors.set(`${name}.bias`, rand([out], 0.1));
};
const ln = (name: string) => {
  tensors.set(`${name}.weight`, rand([H], 0.1, 1));
  tensors.set(`${name}.bias`, rand([H], 0.1));
};
tensors.set("embeddings.word_embeddings.weight", rand([V, H], 1));
ln("embeddings.LayerNorm");
tensors.set("encoder.rel_embeddings.weight", rand([2 * buckets, H], 1));
ln("encoder.LayerNorm");
for (let l = 0; l < L; l++) {
  const p = `encoder.layer.${l}.`;
  for (const n of ["query_proj", "key_proj", "value_proj"]) lin(`${p}attention.self.${n}`, H, H);
  lin(`${p}attention.output.dense`, H, H);
  ln(`${p}attention.output.LayerNorm`);
  lin(`${p}intermediate.dense`, I, H);
  lin(`${p}output.dense`, H, I);
  ln(`${p}output.LayerNorm`);
}

const be = getBackend();
const enc = new DebertaEncoder(config, tensors, be);
const ids = new Int32Array(B * T);
for (let i = 0; i < ids.length; i++) ids[i] = 1 + (i % (V - 1));
const mask = new Uint8Array(B * T).fill(1);
process.stderr.write(
  `bench pairrm: ${be.name} backend, ${be.threads} threads, ${B} pairs x ${T} tokens, ${L} layers\n`,
);
const train = values.train;
const dLast = rand([B * T * H], 1e-3).data;
const step = () => {
  if (!train) {
    enc.forward(ids, mask, B, T);
    return;
  }
  const acts: LayerActs[] = [];
  enc.forward(ids, mask, B, T, false, acts);
  debertaBackward(enc, ids, mask, B, T, acts, dLast, new Map());
};
step(); // warm-up
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  step();
  best = Math.min(best, (performance.now() - t0) / 1000);
}

const SCRIPT = `
import json, sys, time
sys.path.insert(0, "/work/shared/reference"); import _common
import torch
from transformers.models.deberta_v2.modeling_deberta_v2 import DebertaV2Config, DebertaV2Model
a = json.loads(sys.argv[1]); raw = a["raw"]
torch.set_num_threads(a["threads"]); torch.manual_seed(0)
cfg = DebertaV2Config(**{k: v for k, v in raw.items() if k != "model_type"})
m = DebertaV2Model(cfg).eval()
ids = (torch.arange(a["B"] * a["T"]) % (raw["vocab_size"] - 1) + 1).reshape(a["B"], a["T"])
mask = torch.ones_like(ids)
R = torch.randn(a["B"], a["T"], raw["hidden_size"]) * 1e-3
def step():
    if a["train"]:
        m.zero_grad(); (m(input_ids=ids, attention_mask=mask).last_hidden_state * R).sum().backward()
    else:
        with torch.no_grad(): m(input_ids=ids, attention_mask=mask)
step()
best = 1e9
for _ in range(a["reps"]):
    t0 = time.perf_counter(); step(); best = min(best, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "torch": torch.__version__}))
`;
let torchSec: number | null = null;
if (!values["no-torch"]) {
  const r = spawnSync(
    process.env.PREFLOOP_PYTHON ?? "/usr/bin/python3",
    ["-c", SCRIPT, JSON.stringify({ raw, B, T, reps, threads: be.threads, train })],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  if (r.status === 0)
    torchSec = (JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { seconds: number }).seconds;
  else process.stderr.write(`bench pairrm: PyTorch run failed: ${r.stderr.slice(-500)}\n`);
}
const fmt = (s: number) => `${s.toFixed(3)} s (${(B / s).toFixed(2)} pairs/s)`;
process.stdout.write(
  `pairrm ${train ? "forward + backward (fine-tuning)" : "forward"}, ${B} pairs x ${T} tokens, ${L} layers (DeBERTa-v3-large width), ${be.threads} threads\n` +
    `  prefloop ${be.name}: ${fmt(best)}\n` +
    (torchSec === null
      ? "  pytorch: not run\n"
      : `  pytorch (HF DebertaV2Model): ${fmt(torchSec)}\n  ratio prefloop/pytorch: ${(best / torchSec).toFixed(2)}x\n`),
);
