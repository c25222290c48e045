// Instruction difficulty for the LC GLM, estimated offline (alpaca_eval downloads its table from the
// Hub). Model: logit P(model m wins on i) = a_m·tanh(Δlen_mi) + b_m·d_i + c_m with d_i ~ N(μ, σ²).
// Models with published coefficients keep them (they tie each model's preferences to difficulty);
// others get theirs fitted (b fixed at 1 when no model is anchored). d_i is the MAP estimate, and μ, σ²
// maximise the Laplace-approximated marginal likelihood (empirical Bayes). Not the GLM fit (glm.ts).
import { sigmoid } from "./logistic-l1.js";

export interface DifficultyModel {
  name: string;
  /** tanh of the standardised length difference per instruction */
  tanhDelta: Float64Array;
  /** preference − 1 in [0, 1]; NaN when missing */
  label: Float64Array;
  /** published [length, difficulty, intercept], when known */
  coef?: [number, number, number];
}

export interface DifficultyEstimate {
  difficulty: Float64Array;
  mu: number;
  variance: number;
  /** coefficients used per model (published or fitted) */
  coef: Map<string, [number, number, number]>;
  logMarginal: number;
}

type Coef = [number, number, number];

function mapDifficulty(
  models: DifficultyModel[],
  coefs: Coef[],
  mu: number,
  v: number,
  out: Float64Array,
): number {
  // Returns the Laplace log marginal likelihood while solving each 1-D MAP problem by Newton.
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    let x = Number.isFinite(out[i]!) ? out[i]! : mu;
    let h = 1 / v;
    for (let it = 0; it < 60; it++) {
      let g = -(x - mu) / v;
      h = 1 / v;
      for (let k = 0; k < models.length; k++) {
        const y = models[k]!.label[i]!;
        if (Number.isNaN(y)) continue;
        const [a, b, c] = coefs[k]!;
        const p = sigmoid(a * models[k]!.tanhDelta[i]! + b * x + c);
        g += b * (y - p);
        h += b * b * p * (1 - p);
      }
      const step = Math.max(-2, Math.min(2, g / h));
      x += step;
      if (Math.abs(step) < 1e-12) break;
    }
    out[i] = x;
    let ll = 0;
    for (let k = 0; k < models.length; k++) {
      const y = models[k]!.label[i]!;
      if (Number.isNaN(y)) continue;
      const [a, b, c] = coefs[k]!;
      const z = a * models[k]!.tanhDelta[i]! + b * x + c;
      // y·log σ(z) + (1 − y)·log σ(−z), computed stably
      ll -= y * Math.log1p(Math.exp(-Math.abs(z))) + y * Math.max(-z, 0);
      ll -= (1 - y) * Math.log1p(Math.exp(-Math.abs(z))) + (1 - y) * Math.max(z, 0);
    }
    total += ll - (x - mu) ** 2 / (2 * v) - 0.5 * Math.log(v) - 0.5 * Math.log(h);
  }
  return total;
}

/** Unpenalised logistic regression of one model's labels on [tanhΔ, d, 1] (b fixed when fixB). */
function fitCoef(m: DifficultyModel, d: Float64Array, init: Coef, fixB: boolean): Coef {
  const w: Coef = [...init];
  const free = fixB ? [0, 2] : [0, 1, 2];
  for (let it = 0; it < 50; it++) {
    const g = [0, 0, 0];
    const h = [
      [1e-6, 0, 0],
      [0, 1e-6, 0],
      [0, 0, 1e-6],
    ];
    for (let i = 0; i < d.length; i++) {
      const y = m.label[i]!;
      if (Number.isNaN(y)) continue;
      const x = [m.tanhDelta[i]!, d[i]!, 1];
      const p = sigmoid(w[0] * x[0]! + w[1] * x[1]! + w[2] * x[2]!);
      for (const k of free) {
        g[k]! += (y - p) * x[k]!;
        for (const l of free) h[k]![l]! += p * (1 - p) * x[k]! * x[l]!;
      }
    }
    const step = solveSmall(
      free.map((k) => free.map((l) => h[k]![l]!)),
      free.map((k) => g[k]!),
    );
    let size = 0;
    free.forEach((k, j) => {
      w[k] += step[j]!;
      size = Math.max(size, Math.abs(step[j]!));
    });
    if (size < 1e-10) break;
  }
  return w;
}

/** Gaussian elimination with partial pivoting for the ≤ 3×3 Newton systems. */
function solveSmall(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Golden-section maximisation of f on [lo, hi]. */
function argmax1d(f: (x: number) => number, lo: number, hi: number, iters = 28): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - r * (b - a);
  let d = a + r * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let k = 0; k < iters; k++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - r * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

export function estimateDifficulty(
  models: DifficultyModel[],
  opts: { rounds?: number } = {},
): DifficultyEstimate {
  const n = models[0]?.label.length ?? 0;
  const anchored = models.some((m) => m.coef !== undefined);
  const coefs: Coef[] = models.map((m) => m.coef ?? [0, 1, 0]);
  const d = new Float64Array(n).fill(Number.NaN);
  let mu = 0;
  let v = 1;
  let logMarginal = Number.NEGATIVE_INFINITY;
  const rounds = models.every((m) => m.coef !== undefined) ? 1 : (opts.rounds ?? 8);
  for (let round = 0; round < rounds; round++) {
    // Empirical Bayes over (μ, log σ²), coordinate-wise, with the d_i warm-started.
    for (let sweep = 0; sweep < 3; sweep++) {
      const logV = argmax1d(
        (lv) => mapDifficulty(models, coefs, mu, Math.exp(lv), d),
        Math.log(0.05),
        Math.log(50),
      );
      v = Math.exp(logV);
      if (anchored) mu = argmax1d((m) => mapDifficulty(models, coefs, m, v, d), -3, 3);
    }
    logMarginal = mapDifficulty(models, coefs, mu, v, d);
    models.forEach((m, k) => {
      if (m.coef === undefined) coefs[k] = fitCoef(m, d, coefs[k]!, !anchored);
    });
  }
  return {
    difficulty: d,
    mu,
    variance: v,
    coef: new Map(models.map((m, k) => [m.name, coefs[k]!])),
    logMarginal,
  };
}
