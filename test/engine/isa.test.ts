// The native kernels have one copy per instruction set (AVX-512, AVX2+FMA, baseline); the running machine
// picks the best. This runs the op-contract table and the golden tests again with each lower ISA forced
// (PREFLOOP_ISA), so every path this CPU can execute is checked against `ts` and PyTorch.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { loadNative } from "../../src/engine/native.js";

const loaded = loadNative();
const order = ["avx512", "avx2", "scalar"];
const lower = loaded.backend ? order.slice(order.indexOf(loaded.isa) + 1) : [];

for (const isa of lower) {
  test(`native kernels with PREFLOOP_ISA=${isa} pass the contract and golden tests`, () => {
    const probe = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { loadNative } from "./src/engine/native.js"; console.log(loadNative().isa);`,
      ],
      { env: { ...process.env, PREFLOOP_ISA: isa }, encoding: "utf8" },
    );
    assert.equal(probe.stdout.trim(), isa);
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--test",
        "--test-reporter=dot",
        "test/engine/contract.test.ts",
        "test/engine/golden.test.ts",
      ],
      { env: { ...process.env, PREFLOOP_ISA: isa }, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stdout.slice(-2000));
  });
}

test("the native backend reports the instruction set it picked", { skip: !loaded.backend }, () => {
  assert.ok(order.includes(loaded.isa));
});
