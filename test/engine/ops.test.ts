// Finite-difference gradient checks of every op of the op-contract table on the `ts` backend:
// central differences of L = Σ out·R against the analytic backward, at a sample of input elements.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getTsBackend } from "../../src/engine/index.js";
import { dotWith, randn, rng } from "./helpers.js";
import { opCases } from "./op-cases.js";

const be = getTsBackend();

for (const c of opCases()) {
  if (!c.backward) continue;
  const backward = c.backward.bind(c);
  test(`finite differences: ${c.name}`, () => {
    const r = rng(7);
    const out0 = c.forward(be, c.inputs)[0];
    const R = randn(r, out0.length);
    const grads = backward(be, c.inputs, R);
    for (const [name, x] of Object.entries(c.inputs)) {
      if (c.noFd?.includes(name)) continue;
      const g = grads[name];
      assert.equal(g.length, x.length, `${c.name}: grad ${name} length`);
      const eps = 1e-2;
      for (let s = 0; s < Math.min(12, x.length); s++) {
        const i = Math.floor(r() * x.length);
        const keep = x[i];
        x[i] = keep + eps;
        const lp = dotWith(c.forward(be, c.inputs)[0], R);
        x[i] = keep - eps;
        const lm = dotWith(c.forward(be, c.inputs)[0], R);
        x[i] = keep;
        const fd = (lp - lm) / (2 * eps);
        const tol = 2e-3 * Math.max(1, Math.abs(fd));
        assert.ok(Math.abs(fd - g[i]) <= tol, `${c.name}: d/d${name}[${i}] analytic ${g[i]} vs fd ${fd}`);
      }
    }
  });
}
