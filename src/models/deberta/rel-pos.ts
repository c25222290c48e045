// DeBERTa's relative positions: q - k, squashed into log buckets past bucketSize/2 (make_log_bucket_position),
// and the index table into the 2*span relative embeddings that c2p and p2c gather from.
// Computed in float32 step by step as PyTorch does, so bucket edges fall exactly where HF's do.
const f = Math.fround;

/** HF make_log_bucket_position for one relative distance. */
export function logBucket(rel: number, bucketSize: number, maxPosition: number): number {
  const mid = Math.floor(bucketSize / 2);
  if (rel < mid && rel > -mid) return rel;
  const abs = Math.abs(rel);
  if (abs <= mid) return rel;
  const num = f(Math.log(f(abs / mid)));
  const den = f(Math.log(f((maxPosition - 1) / mid)));
  const logPos = Math.ceil(f(f(num / den) * (mid - 1))) + mid;
  return Math.sign(rel) * logPos;
}

/** Relative position of query i and key j after bucketing (build_relative_position). */
export function relativePosition(rel: number, bucketSize: number, maxPosition: number): number {
  return bucketSize > 0 && maxPosition > 0 ? logBucket(rel, bucketSize, maxPosition) : rel;
}

/**
 * idx[i*T + j] = clamp(bucket(i - j) + span, 0, 2*span - 1): the row of the relative embedding that
 * query i and key j use in both c2p (query side) and p2c (key side, bucket(j - i) negated, which is the same
 * row because buckets are odd-symmetric). Also returns the smallest and largest rows used.
 */
export function relativeIndexTable(
  T: number,
  span: number,
  bucketSize: number,
  maxPosition: number,
): { idx: Int32Array; lo: number; hi: number } {
  const byDelta = new Int32Array(2 * T - 1);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let d = -(T - 1); d <= T - 1; d++) {
    const r = Math.min(Math.max(relativePosition(d, bucketSize, maxPosition) + span, 0), 2 * span - 1);
    byDelta[d + T - 1] = r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const idx = new Int32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) idx[i * T + j] = byDelta[i - j + T - 1];
  return { idx, lo, hi };
}
