// LD-DPO length desensitisation (Liu et al. 2024; TRL's `ld_alpha`): a response's log-prob is split
// into the part shared with its pair partner's length (first min(|c|,|r|) response tokens, weight 1)
// and the longer response's excess tail (weight α). This file maps the pair to per-token weights and
// per-sequence gradients back to per-token ones; ld_alpha = null gives plain sums (weights 1).

/**
 * Per-token weights [2N, T-1] for rows [chosen_0..chosen_{N-1}, rejected_0..rejected_{N-1}]:
 * 0 off the loss mask, 1 on the shared part, α on the tail (TRL: comp_pos <= shared_len → shared).
 */
export function ldTokenWeights(
  lossMask: Uint8Array,
  n: number,
  tm1: number,
  ldAlpha: number | null,
): Float32Array {
  const w = new Float32Array(2 * n * tm1);
  const lens = new Int32Array(2 * n);
  for (let r = 0; r < 2 * n; r++) {
    let c = 0;
    for (let t = 0; t < tm1; t++) c += lossMask[r * tm1 + t];
    lens[r] = c;
  }
  for (let r = 0; r < 2 * n; r++) {
    const shared = Math.min(lens[r % n], lens[n + (r % n)]);
    let pos = 0;
    for (let t = 0; t < tm1; t++) {
      if (!lossMask[r * tm1 + t]) continue;
      pos++;
      w[r * tm1 + t] = ldAlpha === null || pos <= shared ? 1 : ldAlpha;
    }
  }
  return w;
}

/** Σ_t w[r,t]·logp[r,t] per row, in float64. */
export function weightedRowSums(
  logp: Float32Array,
  w: Float32Array,
  rows: number,
  tm1: number,
): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = 0; t < tm1; t++) s += w[r * tm1 + t] * logp[r * tm1 + t];
    out[r] = s;
  }
  return out;
}

/** d(loss)/d(logp[r,t]) = dWeighted[r]·w[r,t] + dRaw[r]·mask[r,t] (the SFT term reads raw sums). */
export function tokenGradients(
  dWeighted: Float64Array,
  dRaw: Float64Array,
  w: Float32Array,
  lossMask: Uint8Array,
  rows: number,
  tm1: number,
  scale: number,
): Float32Array {
  const g = new Float32Array(rows * tm1);
  for (let r = 0; r < rows; r++) {
    const a = dWeighted[r] * scale;
    const b = dRaw[r] * scale;
    for (let t = 0; t < tm1; t++) {
      const i = r * tm1 + t;
      g[i] = a * w[i] + (lossMask[i] ? b : 0);
    }
  }
  return g;
}
