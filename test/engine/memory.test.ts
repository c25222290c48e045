// Arena and block checkpointing on a toy residual model (h += W2 swiglu(Wa rms(h), Wb rms(h)), 3 layers):
// after the first step no buffer is allocated; recomputation gives the same gradients with less memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Arena,
  type CheckpointBlock,
  Checkpointer,
  getTsBackend,
  linearBackward,
  linearForward,
} from "../../src/engine/index.js";
import { randn, relError, rng } from "./helpers.js";

const be = getTsBackend();
const N = 6;
const C = 8;
const H = 12;
const L = 3;

function makeWeights() {
  const r = rng(5);
  return Array.from({ length: L }, () => ({
    norm: randn(r, C, 0.1).map((v) => 1 + v),
    wa: randn(r, H * C, 0.3),
    wb: randn(r, H * C, 0.3),
    w2: randn(r, C * H, 0.3),
    grads: {
      norm: new Float32Array(C),
      wa: new Float32Array(H * C),
      wb: new Float32Array(H * C),
      w2: new Float32Array(C * H),
    },
  }));
}

function step(arena: Arena, ck: Checkpointer, weights: ReturnType<typeof makeWeights>, x: Float32Array) {
  for (const w of weights) for (const g of Object.values(w.grads)) g.fill(0);
  const block: CheckpointBlock = {
    forward(l, p) {
      const w = weights[l];
      const h = arena.f32(`h${l}`, N * C);
      const n = arena.f32(`${p}n`, N * C);
      const a = arena.f32(`${p}a`, N * H);
      const b = arena.f32(`${p}b`, N * H);
      const s = arena.f32(`${p}s`, N * H);
      be.rmsnormForward(n, arena.f32(`${p}rstd`, N), h, w.norm, N, C, 1e-5);
      linearForward(be, a, n, w.wa, null, N, C, H);
      linearForward(be, b, n, w.wb, null, N, C, H);
      be.swigluForward(s, a, b, N * H);
      const out = arena.f32(`h${l + 1}`, N * C);
      linearForward(be, out, s, w.w2, null, N, H, C);
      be.add(out, out, h, N * C);
    },
    backward(l, p) {
      const w = weights[l];
      const dout = arena.f32(`dh${l + 1}`, N * C);
      const dh = arena.f32(`dh${l}`, N * C);
      dh.set(dout); // residual
      const ds = arena.zeros(`${p}ds`, N * H);
      linearBackward(be, ds, w.grads.w2, null, dout, arena.f32(`${p}s`, N * H), w.w2, N, H, C);
      const da = arena.zeros(`${p}da`, N * H);
      const db = arena.zeros(`${p}db`, N * H);
      be.swigluBackward(da, db, ds, arena.f32(`${p}a`, N * H), arena.f32(`${p}b`, N * H), N * H);
      const dn = arena.zeros(`${p}dn`, N * C);
      const n = arena.f32(`${p}n`, N * C);
      linearBackward(be, dn, w.grads.wa, null, da, n, w.wa, N, C, H);
      linearBackward(be, dn, w.grads.wb, null, db, n, w.wb, N, C, H);
      be.rmsnormBackward(
        dh,
        w.grads.norm,
        dn,
        arena.f32(`h${l}`, N * C),
        w.norm,
        arena.f32(`${p}rstd`, N),
        N,
        C,
      );
    },
  };
  arena.f32("h0", N * C).set(x);
  for (let l = 0; l < L; l++) ck.forward(block, l);
  arena.f32(`dh${L}`, N * C).fill(1); // loss = sum of the last hidden state
  for (let l = L - 1; l >= 0; l--) ck.backward(block, l);
  return weights.map((w) => w.grads);
}

test("a steady-state step allocates nothing; checkpointing keeps gradients and saves memory", () => {
  const x = randn(rng(9), N * C);
  const plainArena = new Arena();
  const plain = step(plainArena, new Checkpointer(false), makeWeights(), x);
  const ckArena = new Arena();
  const weights = makeWeights();
  step(ckArena, new Checkpointer(true), weights, x);
  const allocated = ckArena.allocations;
  const recomputed = step(ckArena, new Checkpointer(true), weights, x);
  assert.equal(ckArena.allocations, allocated, "second step allocated new buffers");
  for (let l = 0; l < L; l++) {
    for (const k of ["norm", "wa", "wb", "w2"] as const) {
      assert.ok(relError(recomputed[l][k], plain[l][k]) < 1e-6, `layer ${l} ${k}`);
    }
  }
  assert.ok(
    ckArena.bytes < plainArena.bytes,
    `checkpointed ${ckArena.bytes} B vs plain ${plainArena.bytes} B`,
  );
});

test("an arena slot grows for a larger request and reuses its buffer for smaller ones", () => {
  const arena = new Arena();
  const a = arena.f32("x", 10);
  const b = arena.f32("x", 4);
  assert.equal(b.buffer, a.buffer);
  assert.equal(b.length, 4);
  arena.f32("x", 20);
  assert.equal(arena.allocations, 2);
});
