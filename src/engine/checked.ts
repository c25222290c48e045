// The validation layer every backend is used through: checks types, dimensions and buffer sizes once per
// call (never inside kernels) and throws ShapeError naming the op and the shapes. Buffers may be larger
// than needed (arena slabs are reused for smaller batches); out-of-range ids and targets are caught too.
import { ShapeError } from "../util/errors.js";
import type {
  AttentionGrads,
  AttentionParams,
  Backend,
  DecodeAttentionParams,
  MatmulParams,
} from "./backend.js";

type Typed = Float32Array | Int32Array | Uint8Array;
type TypedCtor = typeof Float32Array | typeof Int32Array | typeof Uint8Array;

function dims(op: string, d: Record<string, number>): void {
  for (const [name, v] of Object.entries(d)) {
    if (!Number.isInteger(v) || v < 0)
      throw new ShapeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/** `shape` is a thunk where the message is built per call: only a failing check formats it. */
function buf(
  op: string,
  name: string,
  x: unknown,
  type: TypedCtor,
  need: number,
  shape: string | (() => string),
): void {
  if (!(x instanceof type)) {
    const got = x === null || x === undefined ? String(x) : (x as object).constructor.name;
    throw new ShapeError(`${op}: ${name} must be a ${type.name}, got ${got}`);
  }
  if ((x as Typed).length < need) {
    const sh = typeof shape === "string" ? shape : shape();
    throw new ShapeError(`${op}: ${name} has ${(x as Typed).length} elements, shape ${sh} needs ${need}`);
  }
}
const f32 = (op: string, name: string, x: unknown, n: number, shape: string | (() => string)) =>
  buf(op, name, x, Float32Array, n, shape);

function ids(op: string, name: string, x: Int32Array, n: number, hi: number, allowNegative: boolean): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v >= hi || (v < 0 && !allowNegative))
      throw new ShapeError(`${op}: ${name}[${i}] = ${v} is outside [0, ${hi})`);
  }
}

const isDim = (v: number | undefined) => v === undefined || (Number.isInteger(v) && v >= 0);

/** The common case (one product, no strides or offsets, valid buffers) without building any message:
 * decoding calls matmul ~100 times per token, where string formatting was a visible share. */
function matmulOk(p: MatmulParams): boolean {
  const { m, n, k } = p;
  return (
    (p.batch ?? 1) === 1 &&
    p.offsetA === undefined &&
    p.offsetB === undefined &&
    p.offsetC === undefined &&
    isDim(m) &&
    isDim(n) &&
    isDim(k) &&
    isDim(p.strideA) &&
    isDim(p.strideB) &&
    isDim(p.strideC) &&
    p.a instanceof Float32Array &&
    p.b instanceof Float32Array &&
    p.c instanceof Float32Array &&
    p.a.length >= m * k &&
    p.b.length >= k * n &&
    p.c.length >= m * n
  );
}

function checkMatmul(p: MatmulParams): void {
  if (matmulOk(p)) return;
  const op = "matmul";
  const { m, n, k } = p;
  const batch = p.batch ?? 1;
  dims(op, { m, n, k, batch });
  const { strideA = 0, strideB = 0, strideC = 0, offsetA = 0, offsetB = 0, offsetC = 0 } = p;
  dims(op, { strideA, strideB, strideC, offsetA, offsetB, offsetC });
  const span = (off: number | undefined, stride: number | undefined, size: number) =>
    (off ?? 0) + (batch - 1) * (stride ?? size) + size;
  const aShape = p.transA ? `[${k},${m}]` : `[${m},${k}]`;
  const bShape = p.transB ? `[${n},${k}]` : `[${k},${n}]`;
  const desc = `${aShape} x ${bShape} -> [${m},${n}]${batch > 1 ? ` x ${batch} batches` : ""}`;
  f32(op, "a", p.a, span(p.offsetA, p.strideA, m * k), desc);
  f32(op, "b", p.b, span(p.offsetB, p.strideB, k * n), desc);
  f32(op, "c", p.c, span(p.offsetC, p.strideC, m * n), desc);
}

function checkAttention(p: AttentionParams, g: AttentionGrads | null): void {
  const op = g ? "attentionBackward" : "attentionForward";
  const { B, Tq, Tk, kStride, NH, NKV, HS, qPos0 } = p;
  dims(op, { B, Tq, Tk, kStride, NH, NKV, HS, qPos0 });
  if (NKV === 0 || NH % NKV !== 0) throw new ShapeError(`${op}: NH=${NH} is not a multiple of NKV=${NKV}`);
  if (Tk > kStride) throw new ShapeError(`${op}: Tk=${Tk} exceeds kStride=${kStride}`);
  if (HS > 512) throw new ShapeError(`${op}: head size HS=${HS} above 512 is not supported`);
  const qs = () => `q [B,Tq,NH,HS]=[${B},${Tq},${NH},${HS}]`;
  const ks = () => `[B,kStride,NKV,HS]=[${B},${kStride},${NKV},${HS}]`;
  f32(op, "q", p.q, B * Tq * NH * HS, qs);
  f32(op, "k", p.k, B * kStride * NKV * HS, ks);
  f32(op, "v", p.v, B * kStride * NKV * HS, ks);
  f32(op, "out", p.out, B * Tq * NH * HS, qs);
  f32(op, "lse", p.lse, B * NH * Tq, () => `[B,NH,Tq]=[${B},${NH},${Tq}]`);
  if (p.keyMask !== null)
    buf(op, "keyMask", p.keyMask, Uint8Array, B * kStride, () => `[B,kStride]=[${B},${kStride}]`);
  if (g) {
    f32(op, "dout", g.dout, B * Tq * NH * HS, qs);
    f32(op, "dq", g.dq, B * Tq * NH * HS, qs);
    f32(op, "dk", g.dk, B * kStride * NKV * HS, ks);
    f32(op, "dv", g.dv, B * kStride * NKV * HS, ks);
  }
}

function checkAttentionDecode(p: DecodeAttentionParams): void {
  const op = "attentionDecode";
  const { R, T, batch, capacity, NH, NKV, HS } = p;
  dims(op, { R, T, batch, capacity, NH, NKV, HS });
  if (NKV === 0 || NH % NKV !== 0) throw new ShapeError(`${op}: NH=${NH} is not a multiple of NKV=${NKV}`);
  const qs = () => `[R,T,NH,HS]=[${R},${T},${NH},${HS}]`;
  const ks = () => `[R,T,NKV,HS]=[${R},${T},${NKV},${HS}]`;
  const cs = () => `[batch,NKV,HS,capacity]=[${batch},${NKV},${HS},${capacity}]`;
  f32(op, "q", p.q, R * T * NH * HS, qs);
  f32(op, "out", p.out, R * T * NH * HS, qs);
  f32(op, "k", p.k, R * T * NKV * HS, ks);
  f32(op, "v", p.v, R * T * NKV * HS, ks);
  f32(op, "kCache", p.kCache, batch * capacity * NKV * HS, cs);
  f32(op, "vCache", p.vCache, batch * capacity * NKV * HS, cs);
  buf(op, "rows", p.rows, Int32Array, R, `[R]=[${R}]`);
  buf(op, "pos0", p.pos0, Int32Array, R, `[R]=[${R}]`);
  for (let i = 0; i < R; i++) {
    const row = p.rows[i];
    if (!(row >= 0 && row < batch))
      throw new ShapeError(`${op}: rows[${i}] = ${row} is outside [0, ${batch})`);
    for (let j = 0; j < i; j++) {
      if (p.rows[j] === row) throw new ShapeError(`${op}: rows[${j}] and rows[${i}] are both ${row}`);
    }
    if (!(p.pos0[i] >= 0 && p.pos0[i] + T <= capacity)) {
      throw new ShapeError(`${op}: pos0[${i}] = ${p.pos0[i]} plus T=${T} exceeds the capacity ${capacity}`);
    }
  }
}

function checkRows(
  op: string,
  N: number,
  C: number,
  bufs: Record<string, Float32Array>,
  perRow: Record<string, Float32Array>,
  perCol: Record<string, Float32Array>,
): void {
  dims(op, { N, C });
  for (const [name, x] of Object.entries(bufs)) f32(op, name, x, N * C, () => `[N,C]=[${N},${C}]`);
  for (const [name, x] of Object.entries(perRow)) f32(op, name, x, N, () => `[N]=[${N}]`);
  for (const [name, x] of Object.entries(perCol)) f32(op, name, x, C, () => `[C]=[${C}]`);
}

function checkFlat(op: string, n: number, bufs: Record<string, Float32Array>): void {
  dims(op, { n });
  for (const [name, x] of Object.entries(bufs)) f32(op, name, x, n, () => `[${n}]`);
}

function checkRope(
  op: string,
  x: Float32Array,
  pos: Int32Array,
  cos: Float32Array,
  sin: Float32Array,
  N: number,
  H: number,
  HS: number,
): void {
  dims(op, { N, H, HS });
  if (HS % 2 !== 0) throw new ShapeError(`${op}: head size HS=${HS} must be even`);
  f32(op, "x", x, N * H * HS, () => `[N,H,HS]=[${N},${H},${HS}]`);
  buf(op, "pos", pos, Int32Array, N, () => `[N]=[${N}]`);
  f32(op, "cos", cos, 0, "");
  f32(op, "sin", sin, cos.length, () => `[maxPos,HS/2] like cos (${cos.length})`);
  ids(op, "pos", pos, N, Math.floor(cos.length / (HS / 2)), false);
}

/** Wraps a backend so every call is validated first; the wrapped kernels may then trust their arguments. */
export function checked(be: Backend): Backend {
  return {
    name: be.name,
    threads: be.threads,
    matmul(p) {
      checkMatmul(p);
      be.matmul(p);
    },
    embeddingForward(out, table, idx, C) {
      const op = "embeddingForward";
      buf(op, "ids", idx, Int32Array, 0, "");
      checkRows(op, idx.length, C, { out }, {}, {});
      f32(op, "table", table, C, () => `[V,C] with C=${C}`);
      ids(op, "ids", idx, idx.length, Math.floor(table.length / C), false);
      be.embeddingForward(out, table, idx, C);
    },
    embeddingBackward(dtable, dout, idx, C) {
      const op = "embeddingBackward";
      buf(op, "ids", idx, Int32Array, 0, "");
      checkRows(op, idx.length, C, { dout }, {}, {});
      f32(op, "dtable", dtable, C, () => `[V,C] with C=${C}`);
      ids(op, "ids", idx, idx.length, Math.floor(dtable.length / C), false);
      be.embeddingBackward(dtable, dout, idx, C);
    },
    rmsnormForward(out, rstd, x, w, N, C, eps) {
      checkRows("rmsnormForward", N, C, { out, x }, { rstd }, { w });
      be.rmsnormForward(out, rstd, x, w, N, C, eps);
    },
    rmsnormBackward(dx, dw, dout, x, w, rstd, N, C) {
      checkRows("rmsnormBackward", N, C, { dx, dout, x }, { rstd }, { dw, w });
      be.rmsnormBackward(dx, dw, dout, x, w, rstd, N, C);
    },
    layernormForward(out, mean, rstd, x, w, b, N, C, eps) {
      checkRows("layernormForward", N, C, { out, x }, { mean, rstd }, { w, b });
      be.layernormForward(out, mean, rstd, x, w, b, N, C, eps);
    },
    layernormBackward(dx, dw, db, dout, x, w, mean, rstd, N, C) {
      checkRows("layernormBackward", N, C, { dx, dout, x }, { mean, rstd }, { dw, db, w });
      be.layernormBackward(dx, dw, db, dout, x, w, mean, rstd, N, C);
    },
    ropeForward(x, pos, cos, sin, N, H, HS, layout) {
      checkRope("ropeForward", x, pos, cos, sin, N, H, HS);
      be.ropeForward(x, pos, cos, sin, N, H, HS, layout);
    },
    ropeBackward(dx, pos, cos, sin, N, H, HS, layout) {
      checkRope("ropeBackward", dx, pos, cos, sin, N, H, HS);
      be.ropeBackward(dx, pos, cos, sin, N, H, HS, layout);
    },
    attentionForward(p) {
      checkAttention(p, null);
      be.attentionForward(p);
    },
    attentionBackward(p, g) {
      checkAttention(p, g);
      be.attentionBackward(p, g);
    },
    attentionDecode(p) {
      checkAttentionDecode(p);
      be.attentionDecode(p);
    },
    swigluForward(out, gate, up, n) {
      checkFlat("swigluForward", n, { out, gate, up });
      be.swigluForward(out, gate, up, n);
    },
    swigluBackward(dgate, dup, dout, gate, up, n) {
      checkFlat("swigluBackward", n, { dgate, dup, dout, gate, up });
      be.swigluBackward(dgate, dup, dout, gate, up, n);
    },
    geluForward(out, x, n) {
      checkFlat("geluForward", n, { out, x });
      be.geluForward(out, x, n);
    },
    geluBackward(dx, dout, x, n) {
      checkFlat("geluBackward", n, { dx, dout, x });
      be.geluBackward(dx, dout, x, n);
    },
    softmaxForward(out, x, N, C) {
      checkRows("softmaxForward", N, C, { out, x }, {}, {});
      be.softmaxForward(out, x, N, C);
    },
    softmaxBackward(dx, dout, y, N, C) {
      checkRows("softmaxBackward", N, C, { dx, dout, y }, {}, {});
      be.softmaxBackward(dx, dout, y, N, C);
    },
    logSoftmaxGatherForward(logp, lse, logits, targets, N, V) {
      const op = "logSoftmaxGatherForward";
      checkRows(op, N, V, { logits }, { logp, lse }, {});
      buf(op, "targets", targets, Int32Array, N, () => `[N]=[${N}]`);
      ids(op, "targets", targets, N, V, true);
      be.logSoftmaxGatherForward(logp, lse, logits, targets, N, V);
    },
    logSoftmaxGatherBackward(dlogits, dlogp, logits, lse, targets, N, V) {
      const op = "logSoftmaxGatherBackward";
      checkRows(op, N, V, { dlogits, logits }, { dlogp, lse }, {});
      buf(op, "targets", targets, Int32Array, N, () => `[N]=[${N}]`);
      ids(op, "targets", targets, N, V, true);
      be.logSoftmaxGatherBackward(dlogits, dlogp, logits, lse, targets, N, V);
    },
    axpy(y, a, x, n) {
      checkFlat("axpy", n, { y, x });
      be.axpy(y, a, x, n);
    },
    add(out, x, y, n) {
      checkFlat("add", n, { out, x, y });
      be.add(out, x, y, n);
    },
    mul(out, x, y, n) {
      checkFlat("mul", n, { out, x, y });
      be.mul(out, x, y, n);
    },
    scale(x, a, n) {
      checkFlat("scale", n, { x });
      be.scale(x, a, n);
    },
    sumSquares(x, n) {
      checkFlat("sumSquares", n, { x });
      return be.sumSquares(x, n);
    },
    adamw(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, step) {
      checkFlat("adamw", n, { p, g, m, v });
      if (!Number.isInteger(step) || step < 1)
        throw new ShapeError(`adamw: step must be an integer >= 1, got ${step}`);
      be.adamw(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, step);
    },
  };
}
