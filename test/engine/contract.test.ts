// The op-contract table run on every available backend against the `ts` oracle: forward outputs and every
// gradient must agree to a relative error of 1e-5 (max abs difference over max magnitude).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Backend, getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import { randn, relError, rng } from "./helpers.js";
import { opCases } from "./op-cases.js";

const oracle = getTsBackend();
const backends: Backend[] = [oracle];
const native = getNativeBackend();
if (native) backends.push(native);

for (const be of backends) {
  for (const c of opCases(3)) {
    test(`contract ${be.name}: ${c.name}`, () => {
      const want = c.forward(oracle, c.inputs);
      const got = c.forward(be, c.inputs);
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) {
        const e = relError(got[i], want[i]);
        assert.ok(e <= 1e-5, `${c.name}: forward output ${i} rel error ${e}`);
      }
      if (!c.backward) return;
      const dout = randn(rng(11), want[0].length);
      const gWant = c.backward(oracle, c.inputs, dout);
      const gGot = c.backward(be, c.inputs, dout);
      for (const name of Object.keys(gWant)) {
        const e = relError(gGot[name], gWant[name]);
        assert.ok(e <= 1e-5, `${c.name}: d${name} rel error ${e}`);
      }
    });
  }
}

test("native backend availability is reported", { skip: native !== null }, () => {
  // Without the addon the table above ran on `ts` only; say so instead of passing silently.
  assert.equal(getNativeBackend(), null);
});
