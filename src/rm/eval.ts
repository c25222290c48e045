// `prefloop rm eval`: a reward model (any Ranker) on held-out preference pairs: accuracy, calibration of
// σ(r_chosen − r_rejected) (reliability-diagram bins, both orientations, ECE), agreement with another ranker,
// accuracy stratified by the length difference (a length-biased model shows), and prefer-the-longer /
// random baselines. Not the chart rendering (eval-chart.ts).
import type { Ranker } from "../reward/index.js";
import type { PairText } from "./data.js";

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** mean predicted P(first ≻ second) in the bin */
  predicted: number;
  /** observed frequency of first ≻ second */
  observed: number;
}

export interface LengthStratum {
  label: string;
  lo: number;
  hi: number;
  count: number;
  accuracy: number;
}

export interface RmEvalReport {
  pairs: number;
  accuracy: number;
  /** ties (equal scores) count as half */
  ties: number;
  mean_margin: number;
  calibration: { bins: CalibrationBin[]; ece: number };
  /** fraction of pairs where the model prefers the longer response (chars) */
  prefers_longer: number;
  baselines: { prefer_longer: number; random: number };
  by_length_difference: LengthStratum[];
  agreement: { ranker: string; agreement: number; accuracy: number } | null;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Scores of (chosen, rejected) for every pair, through `ranker`. */
export async function pairScores(
  ranker: Ranker,
  pairs: PairText[],
  onTick?: (done: number) => void,
): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for (const p of pairs) {
    const { scores } = await ranker.score(p.prompt, [p.chosen, p.rejected]);
    out.push([scores[0], scores[1]]);
    onTick?.(out.length);
  }
  return out;
}

const STRATA: [string, number, number][] = [
  ["chosen ≥ 500 chars shorter", -Infinity, -500],
  ["chosen 100–500 shorter", -500, -100],
  ["within ±100 chars", -100, 100],
  ["chosen 100–500 longer", 100, 500],
  ["chosen ≥ 500 chars longer", 500, Infinity],
];

export function rmEvalReport(
  pairs: PairText[],
  scores: [number, number][],
  other: { id: string; scores: [number, number][] } | null = null,
  bins = 10,
): RmEvalReport {
  const n = pairs.length;
  const right = (s: [number, number]) => (s[0] > s[1] ? 1 : s[0] === s[1] ? 0.5 : 0);
  let acc = 0;
  let ties = 0;
  let margin = 0;
  let longer = 0;
  let preferLonger = 0;
  const cal = Array.from({ length: bins }, (_, i) => ({
    lo: i / bins,
    hi: (i + 1) / bins,
    count: 0,
    sp: 0,
    so: 0,
  }));
  const add = (p: number, y: number) => {
    const b = cal[Math.min(bins - 1, Math.floor(p * bins))];
    b.count++;
    b.sp += p;
    b.so += y;
  };
  const strata = STRATA.map(([label, lo, hi]) => ({ label, lo, hi, count: 0, right: 0 }));
  pairs.forEach((p, i) => {
    const s = scores[i];
    const r = right(s);
    acc += r;
    ties += s[0] === s[1] ? 1 : 0;
    margin += s[0] - s[1];
    const d = p.chosen.length - p.rejected.length;
    const longerFirst = d > 0 ? 1 : d === 0 ? 0.5 : 0;
    preferLonger += longerFirst;
    longer += d === 0 ? 0.5 : s[0] > s[1] === d > 0 ? 1 : s[0] === s[1] ? 0.5 : 0;
    // both orientations, so the diagram is symmetric and not all labels are 1
    const q = sigmoid(s[0] - s[1]);
    add(q, 1);
    add(1 - q, 0);
    const st = strata.find((x) => d >= x.lo && d < x.hi);
    if (st) {
      st.count++;
      st.right += r;
    }
  });
  let ece = 0;
  const calBins = cal.map((b) => {
    const predicted = b.count ? b.sp / b.count : (b.lo + b.hi) / 2;
    const observed = b.count ? b.so / b.count : Number.NaN;
    if (b.count) ece += (b.count / (2 * n)) * Math.abs(predicted - observed);
    return { lo: b.lo, hi: b.hi, count: b.count, predicted, observed };
  });
  let agreement: RmEvalReport["agreement"] = null;
  if (other) {
    let agree = 0;
    let oAcc = 0;
    other.scores.forEach((o, i) => {
      agree += Math.sign(o[0] - o[1]) === Math.sign(scores[i][0] - scores[i][1]) ? 1 : 0;
      oAcc += right(o);
    });
    agreement = { ranker: other.id, agreement: agree / n, accuracy: oAcc / n };
  }
  return {
    pairs: n,
    accuracy: acc / n,
    ties,
    mean_margin: margin / n,
    calibration: { bins: calBins, ece },
    prefers_longer: longer / n,
    baselines: { prefer_longer: preferLonger / n, random: 0.5 },
    by_length_difference: strata.map((s) => ({
      label: s.label,
      lo: s.lo,
      hi: s.hi,
      count: s.count,
      accuracy: s.count ? s.right / s.count : Number.NaN,
    })),
    agreement,
  };
}
