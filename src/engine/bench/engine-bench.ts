// `prefloop bench engine`: sgemm GFLOP/s at 256³, 1024³ and 4096×4096×1024, and a Llama block
// forward+backward (d 512, 8 heads, seq 256, batch 4), on our backends beside PyTorch and numpy's BLAS
// measured in the same run with the same thread count; prints ratios (ours / theirs, higher is better).
// Best-of-N timings: the machine may be shared, and the minimum is the least disturbed run.
import { loadavg } from "node:os";
import { Arena } from "../arena.js";
import type { Backend } from "../backend.js";
import { LlamaBlock, type LlamaBlockWeights } from "../ops/llama-block.js";
import { getBackend, getNativeBackend, getTsBackend } from "../select.js";
import { timeTorch, type TorchTimes } from "./torch-timer.js";

export interface EngineBenchOptions {
  /** repetitions per measurement (best of) */
  reps: number;
  /** rounds alternating ours and PyTorch (best of each) */
  rounds: number;
  /** also time the ts backend (slow; 256³ and a smaller block only make sense) */
  withTs: boolean;
  torch: boolean;
  /** sizes: the issue's (full) or small ones for a smoke run */
  quick: boolean;
  reference: string;
  progress: (line: string) => void;
}

export interface BenchRow {
  name: string;
  backend: string;
  seconds: number;
  gflops: number | null;
  torchSeconds: number | null;
  blasSeconds: number | null;
}

export interface EngineBenchResult {
  threads: number;
  rounds: number;
  /** 1-minute load average before and after the run (a shared machine skews every number) */
  load: [number, number];
  rows: BenchRow[];
  torch: TorchTimes | null;
  torchError: string;
}

function best(fn: () => void, reps: number): number {
  fn();
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min / 1000;
}

function filled(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  return x;
}

function timeSgemm(be: Backend, m: number, n: number, k: number, reps: number): number {
  const a = filled(m * k, 1);
  const b = filled(k * n, 2);
  const c = new Float32Array(m * n);
  return best(() => be.matmul({ a, b, c, m, n, k, transA: false, transB: false }), reps);
}

function timeBlock(
  be: Backend,
  d: { B: number; T: number; C: number; NH: number; NKV: number; I: number },
  reps: number,
) {
  const { B, T, C, NH, NKV, I } = d;
  const HS = C / NH;
  const shapes: Record<keyof LlamaBlockWeights, number> = {
    inputNorm: C,
    q: C * C,
    k: NKV * HS * C,
    v: NKV * HS * C,
    o: C * C,
    postNorm: C,
    gate: I * C,
    up: I * C,
    down: C * I,
  };
  const w = {} as LlamaBlockWeights;
  const dw = {} as LlamaBlockWeights;
  let seed = 10;
  for (const [k, n] of Object.entries(shapes) as [keyof LlamaBlockWeights, number][]) {
    w[k] = filled(n, seed++);
    dw[k] = new Float32Array(n);
  }
  const half = HS / 2;
  const cos = new Float32Array(T * half);
  const sin = new Float32Array(T * half);
  for (let p = 0; p < T; p++) {
    for (let i = 0; i < half; i++) {
      cos[p * half + i] = Math.cos(p * 10000 ** (-(2 * i) / HS));
      sin[p * half + i] = Math.sin(p * 10000 ** (-(2 * i) / HS));
    }
  }
  const pos = new Int32Array(B * T).map((_, i) => i % T);
  const inp = { pos, cos, sin, keyMask: null };
  const block = new LlamaBlock(be, { ...d, eps: 1e-6 }, new Arena());
  const x = filled(B * T * C, 3);
  const out = new Float32Array(B * T * C);
  const dout = filled(B * T * C, 4);
  const dx = new Float32Array(B * T * C);
  return best(() => {
    block.forward(w, x, out, inp);
    block.backward(w, dw, x, dout, dx, inp);
  }, reps);
}

export function runEngineBench(o: EngineBenchOptions): EngineBenchResult {
  const sizes: Array<[number, number, number]> = o.quick
    ? [
        [256, 256, 256],
        [512, 512, 512],
      ]
    : [
        [256, 256, 256],
        [1024, 1024, 1024],
        [4096, 4096, 1024],
      ];
  const block = o.quick
    ? { B: 1, T: 64, C: 256, NH: 4, NKV: 4, I: 688 }
    : { B: 4, T: 256, C: 512, NH: 8, NKV: 8, I: 1376 };
  const loadBefore = loadavg()[0];
  const main = getBackend();
  const backends = [main];
  if (o.withTs && main.name !== "ts") backends.push(getTsBackend());
  const threads = getNativeBackend()?.threads ?? 1;
  const rows = new Map<string, BenchRow>();
  // keeps the fastest time seen for a row across rounds
  const record = (name: string, backend: string, seconds: number, flops: number | null) => {
    const key = `${name}/${backend}`;
    const prev = rows.get(key);
    if (prev && prev.seconds <= seconds) return;
    rows.set(key, {
      name,
      backend,
      seconds,
      gflops: flops === null ? null : flops / seconds / 1e9,
      torchSeconds: null,
      blasSeconds: null,
    });
  };
  let torch: TorchTimes | null = null;
  let torchError = o.torch ? "" : "disabled (--no-torch)";
  const minOf = (a: number | null | undefined, b: number | null | undefined) =>
    a == null ? (b ?? null) : b == null ? a : Math.min(a, b);
  // Rounds alternate ours and PyTorch so both get the machine's quiet moments; each keeps its best.
  for (let round = 1; round <= o.rounds; round++) {
    for (const be of backends) {
      if (be.name === "ts" && round > 1) continue;
      for (const [m, n, k] of sizes) {
        if (be.name === "ts" && m * n * k > 2 ** 24) continue;
        o.progress(`round ${round}/${o.rounds}: sgemm ${m}x${n}x${k} on ${be.name}`);
        const s = timeSgemm(be, m, n, k, m * n * k > 2 ** 30 ? Math.max(1, o.reps >> 1) : o.reps);
        record(`sgemm ${m}x${n}x${k}`, be.name, s, 2 * m * n * k);
      }
      if (be.name === "ts" && !o.quick) continue;
      o.progress(`round ${round}/${o.rounds}: llama block fwd+bwd on ${be.name}`);
      const { B, T, C, NH, I } = block;
      record(
        `llama block B${B} T${T} d${C} h${NH} i${I} fwd+bwd`,
        be.name,
        timeBlock(be, block, o.reps),
        null,
      );
    }
    if (!o.torch) continue;
    o.progress(`round ${round}/${o.rounds}: PyTorch, ${threads} threads`);
    const t = timeTorch({ threads, reps: o.reps, sgemm: sizes, block, reference: o.reference });
    if (!t.times) {
      torchError = t.error;
      continue;
    }
    if (torch === null) torch = t.times;
    else {
      for (const k of Object.keys(t.times.sgemm))
        torch.sgemm[k] = minOf(torch.sgemm[k], t.times.sgemm[k]) ?? 0;
      for (const k of Object.keys(t.times.blas)) torch.blas[k] = minOf(torch.blas[k], t.times.blas[k]) ?? 0;
      torch.block = minOf(torch.block, t.times.block);
    }
    torchError = t.times.blockError ?? "";
  }
  for (const r of rows.values()) {
    const key = r.name.startsWith("sgemm ") ? r.name.slice(6) : null;
    r.torchSeconds = key ? (torch?.sgemm[key] ?? null) : (torch?.block ?? null);
    r.blasSeconds = key ? (torch?.blas[key] ?? null) : null;
  }
  return {
    threads,
    rounds: o.rounds,
    load: [loadBefore, loadavg()[0]],
    rows: [...rows.values()],
    torch,
    torchError,
  };
}

/** The printed table: time, GFLOP/s and speed ratios against PyTorch and the system BLAS. */
export function formatEngineBench(r: EngineBenchResult): string {
  const lines = [
    `threads ${r.threads}, best of ${r.rounds} rounds, load average ${r.load[0].toFixed(1)} -> ${r.load[1].toFixed(1)}${r.torch ? `, torch ${r.torch.torch} (${r.torch.threads} threads)` : ""}${r.torch?.blasLibrary ? `, numpy BLAS ${r.torch.blasLibrary}` : ""}`,
  ];
  if (r.torchError) lines.push(`note: ${r.torchError}`);
  const head = ["workload", "backend", "ms", "GFLOP/s", "torch ms", "x torch", "blas ms", "x blas"];
  const table = r.rows.map((x) => [
    x.name,
    x.backend,
    (x.seconds * 1e3).toFixed(2),
    x.gflops === null ? "" : x.gflops.toFixed(1),
    x.torchSeconds === null ? "" : (x.torchSeconds * 1e3).toFixed(2),
    x.torchSeconds === null ? "" : (x.torchSeconds / x.seconds).toFixed(2),
    x.blasSeconds === null ? "" : (x.blasSeconds * 1e3).toFixed(2),
    x.blasSeconds === null ? "" : (x.blasSeconds / x.seconds).toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const fmt = (row: string[]) =>
    row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  lines.push(fmt(head), ...table.map(fmt));
  lines.push("x torch / x blas = their time / ours (>= 1 means prefloop is as fast or faster)");
  return lines.join("\n");
}
