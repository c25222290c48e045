// Shape and dtype mistakes throw ShapeError naming the op and the shapes, on every backend, before any
// kernel runs (so the native code never sees an out-of-bounds buffer).
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Backend, getNativeBackend, getTsBackend } from "../../src/engine/index.js";
import { ShapeError } from "../../src/util/errors.js";

const backends: Backend[] = [getTsBackend()];
const native = getNativeBackend();
if (native) backends.push(native);

function throwsShape(fn: () => void, pattern: RegExp): void {
  assert.throws(
    fn,
    (e) => e instanceof ShapeError && pattern.test(e.message),
    `expected ShapeError ${pattern}`,
  );
}

for (const be of backends) {
  test(`${be.name}: matmul names the op and both operand shapes`, () => {
    const a = new Float32Array(6);
    const b = new Float32Array(5);
    const c = new Float32Array(4);
    throwsShape(
      () => be.matmul({ a, b, c, m: 2, n: 2, k: 3, transA: false, transB: true }),
      /^matmul: b has 5 elements, shape \[2,3\] x \[2,3\] -> \[2,2\] needs 6/,
    );
    throwsShape(
      () => be.matmul({ a, b: new Float32Array(6), c, m: 2.5, n: 2, k: 3, transA: false, transB: false }),
      /m must be/,
    );
  });

  test(`${be.name}: dtype mistakes, ids out of range, bad heads`, () => {
    const x = new Float32Array(8);
    throwsShape(
      () =>
        be.rmsnormForward(
          x,
          new Float32Array(2),
          new Float64Array(8) as unknown as Float32Array,
          x,
          2,
          4,
          1e-5,
        ),
      /^rmsnormForward: x must be a Float32Array, got Float64Array/,
    );
    throwsShape(
      () => be.embeddingForward(new Float32Array(8), x, Int32Array.from([0, 4]), 4),
      /ids\[1\] = 4 is outside \[0, 2\)/,
    );
    throwsShape(
      () =>
        be.logSoftmaxGatherForward(
          new Float32Array(2),
          new Float32Array(2),
          x,
          Int32Array.from([1, 9]),
          2,
          4,
        ),
      /targets\[1\] = 9/,
    );
    const q = new Float32Array(64);
    throwsShape(
      () =>
        be.attentionForward({
          q,
          k: q,
          v: q,
          out: q,
          lse: q,
          B: 1,
          Tq: 2,
          Tk: 2,
          kStride: 2,
          NH: 3,
          NKV: 2,
          HS: 4,
          qPos0: 0,
          keyMask: null,
          scale: 1,
        }),
      /^attentionForward: NH=3 is not a multiple of NKV=2/,
    );
    throwsShape(
      () =>
        be.ropeForward(x, Int32Array.from([0, 7]), new Float32Array(4), new Float32Array(4), 2, 1, 4, "half"),
      /^ropeForward: pos\[1\] = 7 is outside \[0, 2\)/,
    );
  });
}

for (const be of backends) {
  test(`${be.name}: attentionDecode refuses repeated rows, rows outside the cache and overflowing it`, () => {
    const f = (n: number) => new Float32Array(n);
    const p = {
      q: f(2 * 2 * 4),
      k: f(2 * 4),
      v: f(2 * 4),
      kCache: f(3 * 5 * 4),
      vCache: f(3 * 5 * 4),
      out: f(2 * 2 * 4),
      rows: Int32Array.of(0, 2),
      pos0: Int32Array.of(0, 4),
      R: 2,
      T: 1,
      batch: 3,
      capacity: 5,
      NH: 2,
      NKV: 1,
      HS: 4,
      scale: 0.5,
    };
    be.attentionDecode(p);
    throwsShape(
      () => be.attentionDecode({ ...p, rows: Int32Array.of(1, 1) }),
      /rows\[0\] and rows\[1\] are both 1/,
    );
    throwsShape(
      () => be.attentionDecode({ ...p, rows: Int32Array.of(0, 3) }),
      /rows\[1\] = 3 is outside \[0, 3\)/,
    );
    throwsShape(
      () => be.attentionDecode({ ...p, pos0: Int32Array.of(0, 5) }),
      /pos0\[1\] = 5 plus T=1 exceeds/,
    );
    throwsShape(
      () => be.attentionDecode({ ...p, kCache: f(10) }),
      /^attentionDecode: kCache has 10 elements/,
    );
  });
}
