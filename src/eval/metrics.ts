// Head-to-head metrics from preferences, exactly as alpaca_eval's get_winrate computes them
// (metrics/winrate.py + metrics/helpers.py: AbsoluteScoringRule and ZeroOneScoringRule).
// Not the length-controlled GLM (lc.ts). Missing preferences (null) are dropped, as upstream.
import { type AnnotationFile, textLength } from "./annotations.js";

export interface WinRateMetrics {
  win_rate: number;
  standard_error: number;
  n_wins: number;
  n_wins_base: number;
  n_draws: number;
  n_total: number;
  discrete_win_rate: number;
  avg_length: number;
}

/**
 * preferences: values in [1, 2] (2 = model wins), 1.5 a draw, null missing.
 * win_rate = 100·mean(p − 1); standard_error = 100·sem (ddof 1); n_wins counts p − 1 > 0.5;
 * discrete_win_rate rounds each preference to 1 or 2 (exact 1.5 stays a half win).
 */
export function winRateFromPreferences(
  preferences: ArrayLike<number | null>,
): Omit<WinRateMetrics, "avg_length"> {
  let n = 0;
  let sum = 0;
  let nWins = 0;
  let nWinsBase = 0;
  let nDraws = 0;
  let discrete = 0;
  for (let i = 0; i < preferences.length; i++) {
    const p = preferences[i];
    if (p === null || p === undefined || Number.isNaN(p)) continue;
    const x = p - 1;
    n++;
    sum += x;
    if (x > 0.5) nWins++;
    else if (x < 0.5) nWinsBase++;
    if (p === 1.5) {
      nDraws++;
      discrete += 0.5;
    } else if (Math.round(p) === 2) discrete += 1;
  }
  const mean = n > 0 ? sum / n : Number.NaN;
  let ss = 0;
  for (let i = 0; i < preferences.length; i++) {
    const p = preferences[i];
    if (p === null || p === undefined || Number.isNaN(p)) continue;
    const d = p - 1 - mean;
    ss += d * d;
  }
  const sem = n > 1 ? Math.sqrt(ss / (n - 1) / n) : Number.NaN;
  return {
    win_rate: mean * 100,
    standard_error: sem * 100,
    n_wins: nWins,
    n_wins_base: nWinsBase,
    n_draws: nDraws,
    n_total: n,
    discrete_win_rate: n > 0 ? (discrete / n) * 100 : Number.NaN,
  };
}

/** Python int(mean(len(output))) over every model output (rows with missing preferences included). */
export function averageLength(outputs: string[]): number {
  let total = 0;
  for (const o of outputs) total += textLength(o);
  return outputs.length === 0 ? 0 : Math.floor(total / outputs.length);
}

export function computeMetrics(file: AnnotationFile): WinRateMetrics {
  const base = winRateFromPreferences(file.rows.map((r) => r.preference));
  return { ...base, avg_length: averageLength(file.rows.map((r) => r.output_2)) };
}
