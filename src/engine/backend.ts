// The Backend interface: every compute kernel of the engine, forward and backward side by side.
// Two implementations: `ts` (plain TypeScript, the oracle of every test) and `native` (C via Node-API).
// Kernels work in place on caller-owned Float32Arrays (row-major, contiguous) so the native backend is
// zero-copy; shapes use the vocabulary B, T, C, V, NH, NKV, HS declared in src/engine/README.md.
// Conventions: `out` buffers are overwritten unless the kernel says it accumulates; gradient buffers
// named d* are ACCUMULATED into (+=) so shared weights (tied embeddings) and residuals just work.

/** C[M,N] = alpha * op(A) op(B) + beta * C, op(X) = X or Xᵀ. Batched with per-batch strides (0 = shared). */
export interface MatmulParams {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  m: number;
  n: number;
  k: number;
  /** A stored as [K,M] (true) or [M,K] (false). */
  transA: boolean;
  /** B stored as [N,K] (true) or [K,N] (false). PyTorch Linear weights are [out,in]: y = x Wᵀ uses transB. */
  transB: boolean;
  alpha?: number;
  /** 0 overwrites C, 1 accumulates into it. */
  beta?: number;
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** offsets (in elements) of the first batch in a, b, c */
  offsetA?: number;
  offsetB?: number;
  offsetC?: number;
}

export type RopeLayout = "half" | "interleaved";

/** Scaled-dot-product causal attention with grouped-query heads, fused (no T×T buffer kept). */
export interface AttentionParams {
  /** [B, Tq, NH, HS] */
  q: Float32Array;
  /** [B, kStride, NKV, HS]; rows 0..Tk-1 of each batch are used */
  k: Float32Array;
  v: Float32Array;
  /** [B, Tq, NH, HS] */
  out: Float32Array;
  /** [B, NH, Tq] log-sum-exp of each query's scores, written by forward, read by backward */
  lse: Float32Array;
  B: number;
  Tq: number;
  Tk: number;
  kStride: number;
  NH: number;
  NKV: number;
  HS: number;
  /** position of query row 0: query i attends keys j <= qPos0 + i (causal). 0 for training. */
  qPos0: number;
  /** [B, kStride], 1 = real token, 0 = padding (never attended). null = all real. */
  keyMask: Uint8Array | null;
  /** usually 1/sqrt(HS) */
  scale: number;
}

/**
 * Decoding attention over KV-cache rows: the T new tokens of each of R sequences are first written into
 * that sequence's cache row at positions pos0[r] .. pos0[r]+T-1, then each new query attends the row's keys
 * 0 .. its own position (causal). Every sequence has its own length; one call serves all sequences and heads.
 */
export interface DecodeAttentionParams {
  /** [R, T, NH, HS] queries (after RoPE) */
  q: Float32Array;
  /** [R, T, NKV, HS] new keys (after RoPE) and values, copied into the caches */
  k: Float32Array;
  v: Float32Array;
  /** [batch, NKV, HS, capacity]: d-major (consecutive positions adjacent: vertical FMAs, contiguous streams);
   * written at the new positions, read up to each query's own */
  kCache: Float32Array;
  vCache: Float32Array;
  /** [R, T, NH, HS] */
  out: Float32Array;
  /** [R] cache row of each sequence, distinct, each < batch */
  rows: Int32Array;
  /** [R] positions already filled in each row (pos0[r] + T <= capacity) */
  pos0: Int32Array;
  R: number;
  T: number;
  batch: number;
  capacity: number;
  NH: number;
  NKV: number;
  HS: number;
  /** usually 1/sqrt(HS) */
  scale: number;
}

export interface AttentionGrads {
  /** gradient of out [B, Tq, NH, HS] */
  dout: Float32Array;
  /** accumulated into, same shapes as q, k, v */
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

export interface Backend {
  readonly name: "ts" | "native";
  readonly threads: number;

  matmul(p: MatmulParams): void;

  /** out[N, C] = table[ids[i], :] */
  embeddingForward(out: Float32Array, table: Float32Array, ids: Int32Array, C: number): void;
  /** dtable[ids[i], :] += dout[i, :] */
  embeddingBackward(dtable: Float32Array, dout: Float32Array, ids: Int32Array, C: number): void;

  /** out = x / rms(x) * w over rows of width C; rstd[N] saved for backward. */
  rmsnormForward(
    out: Float32Array,
    rstd: Float32Array,
    x: Float32Array,
    w: Float32Array,
    N: number,
    C: number,
    eps: number,
  ): void;
  rmsnormBackward(
    dx: Float32Array,
    dw: Float32Array,
    dout: Float32Array,
    x: Float32Array,
    w: Float32Array,
    rstd: Float32Array,
    N: number,
    C: number,
  ): void;

  /** out = (x - mean) * rstd * w + b; mean[N], rstd[N] saved for backward. */
  layernormForward(
    out: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    N: number,
    C: number,
    eps: number,
  ): void;
  layernormBackward(
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
  ): void;

  /**
   * In-place rotary embedding of x [N, H, HS] (N = B*T rows) at positions pos[N], using tables
   * cos/sin [maxPos, HS/2]. Backward is the inverse rotation applied to the gradient (in place).
   */
  ropeForward(
    x: Float32Array,
    pos: Int32Array,
    cos: Float32Array,
    sin: Float32Array,
    N: number,
    H: number,
    HS: number,
    layout: RopeLayout,
  ): void;
  ropeBackward(
    dx: Float32Array,
    pos: Int32Array,
    cos: Float32Array,
    sin: Float32Array,
    N: number,
    H: number,
    HS: number,
    layout: RopeLayout,
  ): void;

  attentionForward(p: AttentionParams): void;
  attentionBackward(p: AttentionParams, g: AttentionGrads): void;
  /** forward only (decoding): no lse, no backward */
  attentionDecode(p: DecodeAttentionParams): void;

  /** out[i] = silu(gate[i]) * up[i] */
  swigluForward(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void;
  swigluBackward(
    dgate: Float32Array,
    dup: Float32Array,
    dout: Float32Array,
    gate: Float32Array,
    up: Float32Array,
    n: number,
  ): void;

  /** GELU, exact (erf) form as in DeBERTa and BERT. */
  geluForward(out: Float32Array, x: Float32Array, n: number): void;
  geluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void;

  /** Row softmax over [N, C]; backward: dx += y * (dy - sum(dy*y)). */
  softmaxForward(out: Float32Array, x: Float32Array, N: number, C: number): void;
  softmaxBackward(dx: Float32Array, dout: Float32Array, y: Float32Array, N: number, C: number): void;

  /**
   * logp[i] = log_softmax(logits[i, :])[targets[i]] for rows of width V; lse[i] saved.
   * Rows with targets[i] < 0 are skipped (logp 0), which is how masked sequence log-probs are taken.
   */
  logSoftmaxGatherForward(
    logp: Float32Array,
    lse: Float32Array,
    logits: Float32Array,
    targets: Int32Array,
    N: number,
    V: number,
  ): void;
  /** dlogits[i, :] += dlogp[i] * (onehot(targets[i]) - softmax(logits[i, :])) */
  logSoftmaxGatherBackward(
    dlogits: Float32Array,
    dlogp: Float32Array,
    logits: Float32Array,
    lse: Float32Array,
    targets: Int32Array,
    N: number,
    V: number,
  ): void;

  /** y += a * x */
  axpy(y: Float32Array, a: number, x: Float32Array, n: number): void;
  /** out = x + y (out may alias x or y) */
  add(out: Float32Array, x: Float32Array, y: Float32Array, n: number): void;
  /** out = x * y elementwise */
  mul(out: Float32Array, x: Float32Array, y: Float32Array, n: number): void;
  /** x *= a */
  scale(x: Float32Array, a: number, n: number): void;
  /** sum of squares, in double precision accumulation (global-norm clipping) */
  sumSquares(x: Float32Array, n: number): number;

  /**
   * One AdamW step (decoupled weight decay, bias correction as torch.optim.AdamW):
   * p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
   */
  adamw(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
  ): void;
}
