// Reference RMSNorm and LayerNorm (forward saves rstd / mean for backward) for the `ts` backend.
// Not the fast path (native/pf_norm.c is). Math as HF LlamaRMSNorm and torch.nn.LayerNorm;
// backward derivations as llm.c's layernorm_backward.

export function rmsnormForward(
  out: Float32Array,
  rstd: Float32Array,
  x: Float32Array,
  w: Float32Array,
  N: number,
  C: number,
  eps: number,
): void {
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let ss = 0;
    for (let j = 0; j < C; j++) ss += x[row + j] * x[row + j];
    const r = 1 / Math.sqrt(ss / C + eps);
    rstd[i] = r;
    for (let j = 0; j < C; j++) out[row + j] = x[row + j] * r * w[j];
  }
}

// y_j = w_j x_j r with r = (mean(x²)+eps)^-½, so dr/dx_j = -r³ x_j / C and
// dx_j = r (w_j dy_j - x_j r² mean_i(w_i dy_i x_i)).
export function rmsnormBackward(
  dx: Float32Array,
  dw: Float32Array,
  dout: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rstd: Float32Array,
  N: number,
  C: number,
): void {
  for (let i = 0; i < N; i++) {
    const row = i * C;
    const r = rstd[i];
    let dot = 0;
    for (let j = 0; j < C; j++) dot += w[j] * dout[row + j] * x[row + j];
    const meanDot = dot / C;
    for (let j = 0; j < C; j++) {
      dx[row + j] += r * (w[j] * dout[row + j] - x[row + j] * r * r * meanDot);
      dw[j] += dout[row + j] * x[row + j] * r;
    }
  }
}

export function layernormForward(
  out: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  N: number,
  C: number,
  eps: number,
): void {
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let s = 0;
    for (let j = 0; j < C; j++) s += x[row + j];
    const mu = s / C;
    let v = 0;
    for (let j = 0; j < C; j++) v += (x[row + j] - mu) * (x[row + j] - mu);
    const r = 1 / Math.sqrt(v / C + eps); // biased variance, as torch
    mean[i] = mu;
    rstd[i] = r;
    for (let j = 0; j < C; j++) out[row + j] = (x[row + j] - mu) * r * w[j] + b[j];
  }
}

// With n = (x - mean) r and g = w dy: dx = r (g - mean(g) - n mean(g n)).
export function layernormBackward(
  dx: Float32Array,
  dw: Float32Array,
  db: Float32Array,
  dout: Float32Array,
  x: Float32Array,
  w: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  N: number,
  C: number,
): void {
  for (let i = 0; i < N; i++) {
    const row = i * C;
    const mu = mean[i];
    const r = rstd[i];
    let sumG = 0;
    let sumGN = 0;
    for (let j = 0; j < C; j++) {
      const g = w[j] * dout[row + j];
      sumG += g;
      sumGN += g * (x[row + j] - mu) * r;
    }
    const meanG = sumG / C;
    const meanGN = sumGN / C;
    for (let j = 0; j < C; j++) {
      const nrm = (x[row + j] - mu) * r;
      dx[row + j] += r * (w[j] * dout[row + j] - meanG - nrm * meanGN);
      dw[j] += dout[row + j] * nrm;
      db[j] += dout[row + j];
    }
  }
}
