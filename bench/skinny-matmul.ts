// Skinny matmul (decoding a few streams): ms per C[M,N] = A[M,K] · B[N,K]ᵀ on the native backend, for choosing
// the skinny/packed crossover. Run twice with PREFLOOP_SKINNY_M=0 (packed only) and =64 (skinny) and compare.
// Usage: PREFLOOP_SKINNY_M=64 npx tsx bench/skinny-matmul.ts
import { getNativeBackend } from "../src/engine/index.js";

const be = getNativeBackend();
if (!be) throw new Error("native backend not built (npm run build:native)");
for (const [N, K] of [
  [2048, 768],
  [768, 2048],
  [32000, 768],
]) {
  const line: string[] = [];
  for (const M of (process.env.MS ?? "1,2,5,8,12,16,24,32,48").split(",").map(Number)) {
    const a = new Float32Array(M * K).fill(0.5);
    const b = new Float32Array(N * K).fill(0.25);
    const c = new Float32Array(M * N);
    const reps = Math.max(3, Math.round(2e9 / (N * K * 4 * 10)));
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      be.matmul({ a, b, c, m: M, n: N, k: K, transA: false, transB: true, beta: 0 });
      best = Math.min(best, performance.now() - t0);
    }
    line.push(`M${M} ${best.toFixed(2)}`);
  }
  console.log(`N ${N} K ${K}: ${line.join("  ")} ms`);
}
