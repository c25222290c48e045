// Small statistics helpers for the LC reproduction report: mean absolute error and Spearman's rank
// correlation (average ranks for ties, as scipy.stats.spearmanr).

export function meanAbsoluteError(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

function ranks(v: number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(v.length).fill(0);
  for (let j = 0; j < order.length; ) {
    let k = j;
    while (k + 1 < order.length && order[k + 1]![0] === order[j]![0]) k++;
    for (let t = j; t <= k; t++) r[order[t]![1]] = (j + k) / 2 + 1;
    j = k + 1;
  }
  return r;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function spearman(a: number[], b: number[]): number {
  return pearson(ranks(a), ranks(b));
}
