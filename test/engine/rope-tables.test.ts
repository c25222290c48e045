// Llama-3 rope frequency scaling (transformers' _compute_llama3_parameters; the vendored 4.40 predates it,
// so these are the formula's defining properties rather than a golden dump).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ropeInvFreq } from "../../src/engine/index.js";

const scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };

test("llama3 scaling keeps high frequencies, divides low ones by factor, blends in between", () => {
  const base = ropeInvFreq(128, 500000);
  const scaled = ropeInvFreq(128, 500000, scaling);
  let medium = 0;
  for (let i = 0; i < 64; i++) {
    const wavelen = (2 * Math.PI) / base[i];
    if (wavelen < 8192 / 4) assert.equal(scaled[i], base[i], `i=${i} high frequency changed`);
    else if (wavelen > 8192)
      assert.ok(Math.abs(scaled[i] - base[i] / 8) <= 1e-7 * base[i], `i=${i} not divided by 8`);
    else {
      medium++;
      assert.ok(scaled[i] < base[i] && scaled[i] > base[i] / 8, `i=${i} not between`);
    }
  }
  assert.ok(medium > 0, "no frequency fell in the blended band");
  for (let i = 1; i < 64; i++) assert.ok(scaled[i] < scaled[i - 1], "frequencies must stay decreasing");
});
