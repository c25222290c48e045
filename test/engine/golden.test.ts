// Every op and a Hugging Face LlamaDecoderLayer, forward and backward, against PyTorch golden files
// (test/golden/engine, written by scripts/reference/engine_ref.py), on every available backend, at a
// relative error <= 1e-4 (max abs difference over max magnitude). No Python needed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  Arena,
  type Backend,
  crossEntropyBackward,
  crossEntropyForward,
  getNativeBackend,
  getTsBackend,
  LlamaBlock,
  type LlamaBlockWeights,
  matmulBackward,
  ropeTables,
} from "../../src/engine/index.js";
import { relError } from "./helpers.js";

const dir = new URL("../golden/engine/", import.meta.url);
const index = JSON.parse(readFileSync(new URL("engine.json", dir), "utf8")) as Record<
  string,
  { dtype: "f32" | "i32"; shape: number[]; offset: number }
>;
const bin = readFileSync(new URL("engine.bin", dir));

function f32(name: string): Float32Array {
  const e = index[name];
  assert.ok(e && e.dtype === "f32", `golden ${name} missing`);
  const n = e.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + 4 * n));
}
function i32(name: string): Int32Array {
  const e = index[name];
  const n = e.shape.reduce((a, b) => a * b, 1);
  return new Int32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + 4 * n));
}
const shape = (name: string) => index[name].shape;
const zeros = (name: string) => new Float32Array(f32(name).length);

function close(got: Float32Array, name: string, tol = 1e-4): void {
  const e = relError(got, f32(name));
  assert.ok(e <= tol, `${name}: relative error ${e.toExponential(2)} > ${tol}`);
}

const backends: Backend[] = [getTsBackend()];
const native = getNativeBackend();
if (native) backends.push(native);

test("golden: rope tables match HF LlamaRotaryEmbedding (float32 inv_freq and angles)", () => {
  const { cos, sin } = ropeTables(16, 8, 10000);
  close(cos, "rope/cos", 1e-6);
  close(sin, "rope/sin", 1e-6);
  const block = ropeTables(shape("block/cos")[0], 8, 10000);
  close(block.cos, "block/cos", 1e-6);
});

for (const be of backends) {
  test(`golden ${be.name}: matmul, every transpose and batched`, () => {
    for (const ta of [0, 1]) {
      for (const tb of [0, 1]) {
        const n = `matmul_tA${ta}_tB${tb}`;
        const [M, N] = shape(`${n}/c`);
        const K = ta ? shape(`${n}/a`)[0] : shape(`${n}/a`)[1];
        const c = f32(`${n}/c0`);
        const p = {
          a: f32(`${n}/a`),
          b: f32(`${n}/b`),
          c,
          m: M,
          n: N,
          k: K,
          transA: ta === 1,
          transB: tb === 1,
          alpha: 0.5,
          beta: 1,
        };
        be.matmul(p);
        close(c, `${n}/c`);
        const da = zeros(`${n}/a`);
        const db = zeros(`${n}/b`);
        matmulBackward(be, p, { dc: f32(`${n}/dout`), da, db });
        close(da, `${n}/da`);
        close(db, `${n}/db`);
      }
    }
    const [bt, M, K] = shape("matmul_batched/a");
    const N = shape("matmul_batched/b")[1];
    const p = {
      a: f32("matmul_batched/a"),
      b: f32("matmul_batched/b"),
      c: zeros("matmul_batched/c"),
      m: M,
      n: N,
      k: K,
      transA: false,
      transB: true,
      batch: bt,
    };
    be.matmul(p);
    close(p.c, "matmul_batched/c");
    const da = zeros("matmul_batched/a");
    const db = zeros("matmul_batched/b");
    matmulBackward(be, p, { dc: f32("matmul_batched/dout"), da, db });
    close(da, "matmul_batched/da");
    close(db, "matmul_batched/db");
  });

  test(`golden ${be.name}: embedding, rmsnorm (HF LlamaRMSNorm), layernorm`, () => {
    const C = shape("embedding/table")[1];
    const ids = i32("embedding/ids");
    const out = zeros("embedding/out");
    be.embeddingForward(out, f32("embedding/table"), ids, C);
    close(out, "embedding/out");
    const dt = zeros("embedding/table");
    be.embeddingBackward(dt, f32("embedding/dout"), ids, C);
    close(dt, "embedding/dtable");

    const [N, W] = shape("rmsnorm/x");
    const y = zeros("rmsnorm/out");
    const rstd = new Float32Array(N);
    be.rmsnormForward(y, rstd, f32("rmsnorm/x"), f32("rmsnorm/w"), N, W, 1e-6);
    close(y, "rmsnorm/out");
    const dx = zeros("rmsnorm/x");
    const dw = zeros("rmsnorm/w");
    be.rmsnormBackward(dx, dw, f32("rmsnorm/dout"), f32("rmsnorm/x"), f32("rmsnorm/w"), rstd, N, W);
    close(dx, "rmsnorm/dx");
    close(dw, "rmsnorm/dw");

    const ly = zeros("layernorm/out");
    const mean = new Float32Array(N);
    be.layernormForward(
      ly,
      mean,
      rstd,
      f32("layernorm/x"),
      f32("layernorm/w"),
      f32("layernorm/b"),
      N,
      W,
      1e-5,
    );
    close(ly, "layernorm/out");
    const g = { x: zeros("layernorm/x"), w: zeros("layernorm/w"), b: zeros("layernorm/b") };
    be.layernormBackward(
      g.x,
      g.w,
      g.b,
      f32("layernorm/dout"),
      f32("layernorm/x"),
      f32("layernorm/w"),
      mean,
      rstd,
      N,
      W,
    );
    close(g.x, "layernorm/dx");
    close(g.w, "layernorm/dw");
    close(g.b, "layernorm/db");
  });

  test(`golden ${be.name}: rope (HF rotate_half and interleaved pairs)`, () => {
    for (const layout of ["half", "interleaved"] as const) {
      const n = `rope_${layout}`;
      const [T, H, HS] = shape(`${n}/x`);
      const x = f32(`${n}/x`);
      be.ropeForward(x, i32("rope/pos"), f32("rope/cos"), f32("rope/sin"), T, H, HS, layout);
      close(x, `${n}/out`);
      const d = f32(`${n}/dout`);
      be.ropeBackward(d, i32("rope/pos"), f32("rope/cos"), f32("rope/sin"), T, H, HS, layout);
      close(d, `${n}/dx`);
    }
  });

  test(`golden ${be.name}: attention (GQA + padding, decode)`, () => {
    for (const n of ["attention_gqa_pad", "attention_decode"]) {
      const [B, Tq, Tk, NH, NKV, HS, qPos0] = i32(`${n}/dims`);
      const keyMask = Uint8Array.from(i32(`${n}/mask`));
      const p = {
        q: f32(`${n}/q`),
        k: f32(`${n}/k`),
        v: f32(`${n}/v`),
        out: zeros(`${n}/out`),
        lse: zeros(`${n}/lse`),
        B,
        Tq,
        Tk,
        kStride: Tk,
        NH,
        NKV,
        HS,
        qPos0,
        keyMask,
        scale: 1 / Math.sqrt(HS),
      };
      be.attentionForward(p);
      close(p.out, `${n}/out`);
      close(p.lse, `${n}/lse`);
      const g = { dout: f32(`${n}/dout`), dq: zeros(`${n}/q`), dk: zeros(`${n}/k`), dv: zeros(`${n}/v`) };
      be.attentionBackward(p, g);
      close(g.dq, `${n}/dq`);
      close(g.dk, `${n}/dk`);
      close(g.dv, `${n}/dv`);
    }
  });

  test(`golden ${be.name}: swiglu, gelu, softmax, log-softmax gather, cross-entropy, adamw`, () => {
    const n = f32("swiglu/gate").length;
    const y = new Float32Array(n);
    be.swigluForward(y, f32("swiglu/gate"), f32("swiglu/up"), n);
    close(y, "swiglu/out");
    const dg = new Float32Array(n);
    const du = new Float32Array(n);
    be.swigluBackward(dg, du, f32("swiglu/dout"), f32("swiglu/gate"), f32("swiglu/up"), n);
    close(dg, "swiglu/dgate");
    close(du, "swiglu/dup");
    be.geluForward(y, f32("gelu/x"), n);
    close(y, "gelu/out");
    const dx = new Float32Array(n);
    be.geluBackward(dx, f32("gelu/dout"), f32("gelu/x"), n);
    close(dx, "gelu/dx");

    const [N, C] = shape("softmax/x");
    const s = zeros("softmax/x");
    be.softmaxForward(s, f32("softmax/x"), N, C);
    close(s, "softmax/out");
    const ds = zeros("softmax/x");
    be.softmaxBackward(ds, f32("softmax/dout"), s, N, C);
    close(ds, "softmax/dx");

    const [R, V] = shape("logsoftmax_gather/logits");
    const targets = i32("logsoftmax_gather/targets");
    const logp = new Float32Array(R);
    const lse = new Float32Array(R);
    be.logSoftmaxGatherForward(logp, lse, f32("logsoftmax_gather/logits"), targets, R, V);
    close(logp, "logsoftmax_gather/logp");
    const dl = zeros("logsoftmax_gather/logits");
    be.logSoftmaxGatherBackward(
      dl,
      f32("logsoftmax_gather/dout"),
      f32("logsoftmax_gather/logits"),
      lse,
      targets,
      R,
      V,
    );
    close(dl, "logsoftmax_gather/dlogits");

    const logits = f32("cross_entropy/logits");
    const loss = crossEntropyForward(be, logp, lse, logits, targets, R, V);
    close(Float32Array.of(loss), "cross_entropy/loss");
    const dce = zeros("cross_entropy/logits");
    crossEntropyBackward(be, dce, new Float32Array(R), logits, lse, targets, R, V, 1);
    close(dce, "cross_entropy/dlogits");

    const p = f32("adamw/p0");
    const m = new Float32Array(p.length);
    const v = new Float32Array(p.length);
    for (let t = 0; t < 3; t++)
      be.adamw(p, f32(`adamw/g${t}`), m, v, p.length, 1e-2, 0.9, 0.999, 1e-8, 0.1, t + 1);
    close(p, "adamw/p3", 1e-5);
  });

  test(`golden ${be.name}: HF LlamaDecoderLayer forward and backward`, () => {
    const [B, T, C] = shape("block/x");
    const NH = 4;
    const NKV = 2;
    const I = shape("block/mlp.gate_proj.weight")[0];
    const names: Record<keyof LlamaBlockWeights, string> = {
      inputNorm: "input_layernorm.weight",
      q: "self_attn.q_proj.weight",
      k: "self_attn.k_proj.weight",
      v: "self_attn.v_proj.weight",
      o: "self_attn.o_proj.weight",
      postNorm: "post_attention_layernorm.weight",
      gate: "mlp.gate_proj.weight",
      up: "mlp.up_proj.weight",
      down: "mlp.down_proj.weight",
    };
    const w = {} as LlamaBlockWeights;
    const dw = {} as LlamaBlockWeights;
    for (const [k, hf] of Object.entries(names) as [keyof LlamaBlockWeights, string][]) {
      w[k] = f32(`block/${hf}`);
      dw[k] = zeros(`block/${hf}`);
    }
    const pos = new Int32Array(B * T).map((_, i) => i % T);
    const inp = {
      pos,
      cos: f32("block/cos"),
      sin: f32("block/sin"),
      keyMask: Uint8Array.from(i32("block/mask")),
    };
    const block = new LlamaBlock(be, { B, T, C, NH, NKV, I, eps: 1e-6 }, new Arena());
    const x = f32("block/x");
    const out = zeros("block/out");
    block.forward(w, x, out, inp);
    close(out, "block/out");
    const dx = zeros("block/x");
    block.backward(w, dw, x, f32("block/dout"), dx, inp);
    close(dx, "block/dx");
    for (const [k, hf] of Object.entries(names) as [keyof LlamaBlockWeights, string][])
      close(dw[k], `block/d${hf}`);
  });
}
