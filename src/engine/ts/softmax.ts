// Reference row softmax and log-softmax-with-gather (masked sequence log-probs) for the `ts` backend,
// plus the embedding lookup. Max-subtracted as torch.softmax; gather rows with target < 0 are skipped.

export function softmaxForward(out: Float32Array, x: Float32Array, N: number, C: number): void {
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, x[row + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(x[row + j] - max);
    for (let j = 0; j < C; j++) out[row + j] = Math.exp(x[row + j] - max) / sum;
  }
}

export function softmaxBackward(
  dx: Float32Array,
  dout: Float32Array,
  y: Float32Array,
  N: number,
  C: number,
): void {
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let dot = 0;
    for (let j = 0; j < C; j++) dot += dout[row + j] * y[row + j];
    for (let j = 0; j < C; j++) dx[row + j] += y[row + j] * (dout[row + j] - dot);
  }
}

export function logSoftmaxGatherForward(
  logp: Float32Array,
  lse: Float32Array,
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
): void {
  for (let i = 0; i < N; i++) {
    if (targets[i] < 0) {
      logp[i] = 0;
      lse[i] = 0;
      continue;
    }
    const row = i * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, logits[row + j]);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(logits[row + j] - max);
    lse[i] = max + Math.log(sum);
    logp[i] = logits[row + targets[i]] - lse[i];
  }
}

export function logSoftmaxGatherBackward(
  dlogits: Float32Array,
  dlogp: Float32Array,
  logits: Float32Array,
  lse: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
): void {
  for (let i = 0; i < N; i++) {
    if (targets[i] < 0) continue;
    const row = i * V;
    for (let j = 0; j < V; j++) dlogits[row + j] -= dlogp[i] * Math.exp(logits[row + j] - lse[i]);
    dlogits[row + targets[i]] += dlogp[i];
  }
}

export function embeddingForward(out: Float32Array, table: Float32Array, ids: Int32Array, C: number): void {
  for (let i = 0; i < ids.length; i++) out.set(table.subarray(ids[i] * C, ids[i] * C + C), i * C);
}

export function embeddingBackward(
  dtable: Float32Array,
  dout: Float32Array,
  ids: Int32Array,
  C: number,
): void {
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i] * C;
    for (let j = 0; j < C; j++) dtable[t + j] += dout[i * C + j];
  }
}
