// Loads the native addon (build/prefloop-native.node, compiled by scripts/build-native.mjs) and exposes it
// as a Backend. The only file that touches the native runtime. Loading is attempted once; failure is not
// an error here (select.ts decides whether to fall back to `ts`).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AttentionGrads, AttentionParams, Backend, MatmulParams } from "./backend.js";

/** The addon's exports (native/pf_addon.c): Backend methods with positional arguments. */
interface Addon
  extends Omit<
    Backend,
    | "name"
    | "matmul"
    | "embeddingForward"
    | "embeddingBackward"
    | "ropeForward"
    | "ropeBackward"
    | "attentionForward"
    | "attentionBackward"
    | "attentionDecode"
  > {
  isa: string;
  matmul(...args: [Float32Array, Float32Array, Float32Array, ...number[]]): void;
  embeddingForward(out: Float32Array, table: Float32Array, ids: Int32Array, N: number, C: number): void;
  embeddingBackward(dtable: Float32Array, dout: Float32Array, ids: Int32Array, N: number, C: number): void;
  rope(
    x: Float32Array,
    pos: Int32Array,
    cos: Float32Array,
    sin: Float32Array,
    N: number,
    H: number,
    HS: number,
    interleaved: number,
    sign: number,
  ): void;
  attention(
    forward: number,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    out: Float32Array,
    lse: Float32Array,
    dout: Float32Array | null,
    dq: Float32Array | null,
    dk: Float32Array | null,
    dv: Float32Array | null,
    B: number,
    Tq: number,
    Tk: number,
    kStride: number,
    NH: number,
    NKV: number,
    HS: number,
    qPos0: number,
    keyMask: Uint8Array | null,
    scale: number,
  ): void;
  attentionDecode(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    kCache: Float32Array,
    vCache: Float32Array,
    out: Float32Array,
    rows: Int32Array,
    pos0: Int32Array,
    R: number,
    T: number,
    capacity: number,
    NH: number,
    NKV: number,
    HS: number,
    scale: number,
  ): void;
}

function adapt(a: Addon): Backend {
  const attention = (p: AttentionParams, g: AttentionGrads | null) =>
    a.attention(
      g ? 0 : 1,
      p.q,
      p.k,
      p.v,
      p.out,
      p.lse,
      g?.dout ?? null,
      g?.dq ?? null,
      g?.dk ?? null,
      g?.dv ?? null,
      p.B,
      p.Tq,
      p.Tk,
      p.kStride,
      p.NH,
      p.NKV,
      p.HS,
      p.qPos0,
      p.keyMask,
      p.scale,
    );
  return {
    name: "native",
    threads: a.threads,
    matmul(p: MatmulParams) {
      const { m, n, k } = p;
      a.matmul(
        p.a,
        p.b,
        p.c,
        m,
        n,
        k,
        p.transA ? 1 : 0,
        p.transB ? 1 : 0,
        p.alpha ?? 1,
        p.beta ?? 0,
        p.batch ?? 1,
        p.strideA ?? m * k,
        p.strideB ?? k * n,
        p.strideC ?? m * n,
        p.offsetA ?? 0,
        p.offsetB ?? 0,
        p.offsetC ?? 0,
      );
    },
    embeddingForward: (out, table, ids, C) => a.embeddingForward(out, table, ids, ids.length, C),
    embeddingBackward: (dtable, dout, ids, C) => a.embeddingBackward(dtable, dout, ids, ids.length, C),
    rmsnormForward: a.rmsnormForward,
    rmsnormBackward: a.rmsnormBackward,
    layernormForward: a.layernormForward,
    layernormBackward: a.layernormBackward,
    ropeForward: (x, pos, cos, sin, N, H, HS, layout) =>
      a.rope(x, pos, cos, sin, N, H, HS, layout === "interleaved" ? 1 : 0, 1),
    ropeBackward: (dx, pos, cos, sin, N, H, HS, layout) =>
      a.rope(dx, pos, cos, sin, N, H, HS, layout === "interleaved" ? 1 : 0, -1),
    attentionForward: (p) => attention(p, null),
    attentionBackward: (p, g) => attention(p, g),
    attentionDecode: (p) =>
      a.attentionDecode(
        p.q,
        p.k,
        p.v,
        p.kCache,
        p.vCache,
        p.out,
        p.rows,
        p.pos0,
        p.R,
        p.T,
        p.capacity,
        p.NH,
        p.NKV,
        p.HS,
        p.scale,
      ),
    swigluForward: a.swigluForward,
    swigluBackward: a.swigluBackward,
    geluForward: a.geluForward,
    geluBackward: a.geluBackward,
    softmaxForward: a.softmaxForward,
    softmaxBackward: a.softmaxBackward,
    logSoftmaxGatherForward: a.logSoftmaxGatherForward,
    logSoftmaxGatherBackward: a.logSoftmaxGatherBackward,
    axpy: a.axpy,
    add: a.add,
    mul: a.mul,
    scale: a.scale,
    sumSquares: a.sumSquares,
    adamw: a.adamw,
  };
}

export interface NativeLoad {
  backend: Backend | null;
  /** instruction set in use ("avx512" | "avx2" | "scalar") when loaded */
  isa: string;
  /** why it did not load */
  reason: string;
}

let cached: NativeLoad | null = null;

/** build/prefloop-native.node of the package root, found from src/engine or dist/src/engine. */
function addonPath(): string | null {
  // testing aid and escape hatch: an explicit addon path ("none" simulates a machine without the build)
  const explicit = process.env.PREFLOOP_NATIVE_ADDON;
  if (explicit) return existsSync(explicit) ? explicit : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "build", "prefloop-native.node");
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, "package.json"))) return null;
    dir = dirname(dir);
  }
  return null;
}

export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = addonPath();
  if (!path) {
    cached = { backend: null, isa: "", reason: "build/prefloop-native.node not built" };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as Addon;
    cached = { backend: adapt(addon), isa: addon.isa, reason: "" };
  } catch (e) {
    cached = { backend: null, isa: "", reason: `loading ${path} failed: ${(e as Error).message}` };
  }
  return cached;
}
