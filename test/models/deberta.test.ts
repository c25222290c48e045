// DeBERTa-v3 encoder against HF transformers' own DebertaV2Model (scripts/reference/pairrm_ref.py →
// test/golden/pairrm): every hidden layer of a padded 3-row batch longer than the position buckets, the log
// bucket table of a v3-large config, and the torch.save pytorch_model.bin reader against model.safetensors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import {
  type DebertaGrads,
  DebertaEncoder,
  debertaBackward,
  type LayerActs,
  loadDebertaFolder,
  logBucket,
  readSafetensors,
  readTorchStateDict,
  unpickle,
} from "../../src/models/index.js";

const dir = "test/golden/pairrm";
interface Ref {
  encoder: { ids: number[]; mask: number[]; B: number; T: number; hidden_states: number[][] };
  buckets_large: { values: number[] };
}
const ref = JSON.parse(readFileSync(`${dir}/reference.json`, "utf8")) as Ref;

function maxRelErr(got: Float32Array, want: number[], mask: number[], C: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    if (!mask[Math.floor(i / C)]) continue;
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}

const backends = [getTsBackend(), ...(getNativeBackend() ? [getNativeBackend()] : [])];
for (const be of backends) {
  if (!be) continue;
  test(`deberta encoder matches HF hidden states layer by layer (${be.name})`, () => {
    const f = loadDebertaFolder(`${dir}/pairrm-tiny`);
    const enc = new DebertaEncoder(f.config, f.tensors, be, "pretrained_model.");
    const { B, T, ids, mask } = ref.encoder;
    const out = enc.forward(Int32Array.from(ids), Uint8Array.from(mask), B, T, true);
    assert.equal(out.hidden?.length, f.config.numLayers + 1);
    ref.encoder.hidden_states.forEach((want, l) => {
      const err = maxRelErr(out.hidden?.[l] ?? new Float32Array(0), want, mask, f.config.hiddenSize);
      assert.ok(err <= 1e-4, `layer ${l}: relative error ${err}`);
    });
  });
}

test("log buckets equal torch's make_log_bucket_position (256 buckets, 512 positions)", () => {
  const vals = ref.buckets_large.values;
  for (let k = 0; k < vals.length; k++) assert.equal(logBucket(0 - k, 256, 512), vals[k], `rel ${-k}`);
  assert.equal(logBucket(5, 8, 64), 5);
});

test("pytorch_model.bin (torch.save zip pickle) loads the same tensors as model.safetensors", () => {
  const bin = readTorchStateDict(`${dir}/pairrm-tiny/pytorch_model.bin`);
  const st = readSafetensors(`${dir}/pairrm-tiny/model.safetensors`).tensors;
  assert.deepEqual([...bin.keys()].sort(), [...st.keys()].sort());
  for (const [k, t] of st) {
    assert.deepEqual(bin.get(k)?.shape, t.shape, k);
    assert.deepEqual(bin.get(k)?.data, t.data, k);
  }
});

test("the torch reader refuses non-zip files and foreign globals", () => {
  assert.throws(() => readTorchStateDict(`${dir}/pairrm-tiny/config.json`), /not a zip archive/);
  // pickle.dumps(os.system) at protocol 2: GLOBAL 'posix system' — must be refused, never resolved
  const evil = Buffer.from("\x80\x02cposix\nsystem\nq\x00.", "latin1");
  assert.throws(() => unpickle(evil, "evil.pkl"), /refuses to load global posix.system/);
});

test("deberta backward matches PyTorch autograd on every encoder parameter (rel err <= 1e-4)", () => {
  const gold = JSON.parse(readFileSync(`${dir}/grads.json`, "utf8")) as {
    R: number[];
    grads: Record<string, number[]>;
  };
  const f = loadDebertaFolder(`${dir}/pairrm-tiny`);
  const be = getTsBackend();
  const enc = new DebertaEncoder(f.config, f.tensors, be, "pretrained_model.");
  const { B, T, ids, mask } = ref.encoder;
  const acts: LayerActs[] = [];
  enc.forward(Int32Array.from(ids), Uint8Array.from(mask), B, T, false, acts);
  const C = f.config.hiddenSize;
  const dLast = Float32Array.from(gold.R, (r, i) => r * mask[Math.floor(i / C)]);
  const grads: DebertaGrads = new Map();
  debertaBackward(enc, Int32Array.from(ids), Uint8Array.from(mask), B, T, acts, dLast, grads);
  const names = Object.keys(gold.grads);
  assert.ok(names.length > 40);
  for (const name of names) {
    const want = gold.grads[name];
    const got = grads.get(name);
    assert.ok(got, `no gradient for ${name}`);
    let num = 0;
    let den = 0;
    for (let i = 0; i < want.length; i++) {
      num = Math.max(num, Math.abs(got[i] - want[i]));
      den = Math.max(den, Math.abs(want[i]));
    }
    assert.ok(num <= 1e-4 * den, `${name}: max err ${num} vs max |grad| ${den}`);
  }
});
