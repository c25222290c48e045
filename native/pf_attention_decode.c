/* Decode attention over KV-cache rows: the T new tokens of each of R sequences are appended to that
 * sequence's cache row, then each new query attends the row's keys up to its own position (causal), every
 * sequence with its own length, all sequences and heads in one call. Not training attention (pf_attention.c:
 * padding masks, lse, backward). A decode query's scores fit a small buffer, so softmax takes two passes
 * (scores and max, then exp-weighted V) instead of an online rescaling. Tasks: (sequence, kv head, block of
 * queries). Keys and values are cached d-major ([batch, NKV, HS, capacity]): the scores of 8 consecutive keys
 * are one vector of FMAs with no lane reduction, and the weighted sum of values streams contiguous memory.
 * GQA query heads sharing a kv head go in pairs through one pass over its keys and values (attend_pair); at
 * tiny head sizes (8, stories260K) per-head fixed costs and the exponentials dominate, so that path keeps the
 * queries in registers and takes the exponentials 16 lanes at a time (bench/models-decode.ts, n=5 rows). */
#include <stdlib.h>

#include "pf_common.h"

#define DQB 16 /* queries per task (prefill); decoding has one */

/* scratch for one query's scores, per thread (pool workers and the calling thread) */
static __thread float *sbuf;
static __thread int sbuf_n;

static float *scratch(int n) {
  if (n > sbuf_n) {
    free(sbuf);
    sbuf = malloc(sizeof(float) * (size_t)n);
    sbuf_n = sbuf ? n : 0;
  }
  return sbuf;
}

typedef int32_t pfd_i8 __attribute__((vector_size(32)));
typedef int32_t pfd_i4 __attribute__((vector_size(16)));

/* s[j] = scale Σ_d q[d] kt[d*cap + j] for j < L (keys stored d-major): vertical FMAs with 8 chains in flight
 * (4 blocks of 8 keys × 2 phases of d, or 4 phases of d for a lone block); returns max_j s[j]. The last
 * block reads whole vectors past L while they stay inside the row (lanes are independent, never stored). */
PF_INLINE float scores_t(float *s, const float *q, const float *kt, size_t cap, int L, int HS, float scale) {
  pf_v8 mv = (pf_v8){0} - INFINITY;
  float m = -INFINITY;
  int j = 0;
#define PFD_MAX(x) \
  do { \
    pfd_i8 gt = (x) > mv; \
    mv = (pf_v8)(((pfd_i8)(x) & gt) | ((pfd_i8)mv & ~gt)); \
  } while (0)
  for (; j + 32 <= L; j += 32) {
    pf_v8 acc[2][4] = {{{0}, {0}, {0}, {0}}, {{0}, {0}, {0}, {0}}};
    int d = 0;
    for (; d + 2 <= HS; d += 2)
      for (int e = 0; e < 2; e++) {
        const float *row = kt + (size_t)(d + e) * cap + j;
        const float qd = q[d + e];
        for (int u = 0; u < 4; u++) acc[e][u] += qd * *(const pf_v8u *)(row + 8 * u);
      }
    if (d < HS)
      for (int u = 0; u < 4; u++) acc[0][u] += q[d] * *(const pf_v8u *)(kt + (size_t)d * cap + j + 8 * u);
    for (int u = 0; u < 4; u++) {
      pf_v8 sv = (acc[0][u] + acc[1][u]) * scale;
      *(pf_v8u *)(s + j + 8 * u) = sv;
      PFD_MAX(sv);
    }
  }
  for (; j < L && (size_t)j + 8 <= cap; j += 8) {
    pf_v8 acc[4] = {{0}, {0}, {0}, {0}};
    int d = 0;
    for (; d + 4 <= HS; d += 4)
      for (int e = 0; e < 4; e++) acc[e] += q[d + e] * *(const pf_v8u *)(kt + (size_t)(d + e) * cap + j);
    for (; d < HS; d++) acc[0] += q[d] * *(const pf_v8u *)(kt + (size_t)d * cap + j);
    pf_v8 sv = ((acc[0] + acc[1]) + (acc[2] + acc[3])) * scale;
    if (j + 8 <= L) {
      *(pf_v8u *)(s + j) = sv;
      PFD_MAX(sv);
    } else
      for (int i = 0; i < L - j; i++) {
        s[j + i] = sv[i];
        m = sv[i] > m ? sv[i] : m;
      }
  }
#undef PFD_MAX
  for (int i = 0; i < 8; i++) m = mv[i] > m ? mv[i] : m;
  for (; j < L; j++) { /* the row's last positions, at the capacity's edge */
    float acc = 0;
    for (int d = 0; d < HS; d++) acc += q[d] * kt[(size_t)d * cap + j];
    s[j] = acc * scale;
    m = s[j] > m ? s[j] : m;
  }
  return m;
}

/* pf_exp8 for x <= 0 only (scores minus their max): no overflow or NaN lanes to handle; below -87.3 the
 * result is exp(-87.3) ~ 1e-38 instead of 0, invisible beside the max's term 1 */
PF_INLINE pf_v8 exp8_nonpos(pf_v8 x) {
  const pf_v8 lo = (pf_v8){0} - 87.3f;
  pfd_i8 under = x < lo;
  x = (pf_v8)(((pfd_i8)x & ~under) | ((pfd_i8)lo & under));
  const float magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting rounds to an integer */
  pf_v8 fx = (x * 1.44269504088896341f + magic) - magic;
  pf_v8 r = x - fx * 0.693359375f + fx * 2.12194440e-4f;
  pf_v8 y = ((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r + 4.1665795894E-2f) * r +
             1.6666665459E-1f) * r + 5.0000001201E-1f;
  y = y * (r * r) + r + 1.0f;
  return y * (pf_v8)((__builtin_convertvector(fx, pfd_i8) + 127) << 23);
}

/* exp8_nonpos on 16 lanes: one AVX-512 register (two AVX2 ones), half the instructions per key */
typedef int32_t pfd_i16 __attribute__((vector_size(64)));
typedef union { pf_v16 v; pf_v8 h[2]; } sk16;
PF_INLINE pf_v16 exp16_nonpos(pf_v16 x) {
  const pf_v16 lo = (pf_v16){0} - 87.3f;
  pfd_i16 under = x < lo;
  x = (pf_v16)(((pfd_i16)x & ~under) | ((pfd_i16)lo & under));
  const float magic = 12582912.0f;
  pf_v16 fx = (x * 1.44269504088896341f + magic) - magic;
  pf_v16 r = x - fx * 0.693359375f + fx * 2.12194440e-4f;
  pf_v16 y = ((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r + 4.1665795894E-2f) * r +
              1.6666665459E-1f) * r + 5.0000001201E-1f;
  y = y * (r * r) + r + 1.0f;
  return y * (pf_v16)((__builtin_convertvector(fx, pfd_i16) + 127) << 23);
}

/* s[j] = exp(s[j] - m) in place; returns Σ (float lanes: a decode row has at most a few thousand keys) */
PF_INLINE float exp_sum(float *s, float m, int L) {
  pf_v8 acc = {0};
  int j = 0;
  for (; j + 8 <= L; j += 8) {
    pf_v8 e = exp8_nonpos(*(pf_v8u *)(s + j) - m);
    *(pf_v8u *)(s + j) = e;
    acc += e;
  }
  float sum = pf_hsum8(acc);
  for (; j < L; j++) {
    s[j] = expf(s[j] - m);
    sum += s[j];
  }
  return sum;
}

/* horizontal sums of a[0..7] as one vector: three levels of pairwise shuffles and adds */
PF_INLINE pf_v8 hsum8x8(const pf_v8 *a) {
  const pfd_i8 ev = {0, 8, 2, 10, 4, 12, 6, 14}, od = {1, 9, 3, 11, 5, 13, 7, 15};
  const pfd_i8 lo2 = {0, 1, 8, 9, 4, 5, 12, 13}, hi2 = {2, 3, 10, 11, 6, 7, 14, 15};
  const pfd_i8 lo4 = {0, 1, 2, 3, 8, 9, 10, 11}, hi4 = {4, 5, 6, 7, 12, 13, 14, 15};
  pf_v8 t[4], u[2];
  for (int i = 0; i < 4; i++)
    t[i] = __builtin_shuffle(a[2 * i], a[2 * i + 1], ev) + __builtin_shuffle(a[2 * i], a[2 * i + 1], od);
  for (int i = 0; i < 2; i++)
    u[i] = __builtin_shuffle(t[2 * i], t[2 * i + 1], lo2) + __builtin_shuffle(t[2 * i], t[2 * i + 1], hi2);
  return __builtin_shuffle(u[0], u[1], lo4) + __builtin_shuffle(u[0], u[1], hi4);
}

/* out[d] = inv Σ_j p[j] vt[d*cap + j] (values d-major): per 8 values of d, 8 vertical FMA chains over the keys
 * and one transposed reduction. The last partial block of keys is read whole while inside the row, its lanes
 * past L masked to 0 in both p and v (whatever a slot past the row's length holds). */
PF_INLINE void weighted_t(float *out, const float *p, const float *vt, size_t cap, int L, int HS, float inv) {
  const pfd_i8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  int jv = L / 8 * 8, rem = L - jv; /* keys [jv, L) form the partial block */
  int masked = rem > 0 && (size_t)jv + 8 <= cap;
  pfd_i8 keep = lane < rem;
  pf_v8 pl = masked ? (pf_v8)((pfd_i8) * (const pf_v8u *)(p + jv) & keep) : (pf_v8){0};
  int d0 = 0;
  for (; d0 + 8 <= HS; d0 += 8) {
    pf_v8 acc[8] = {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}};
    const float *v0 = vt + (size_t)d0 * cap;
    for (int j = 0; j < jv; j += 8) {
      pf_v8 pv = *(const pf_v8u *)(p + j);
      for (int e = 0; e < 8; e++) acc[e] += pv * *(const pf_v8u *)(v0 + (size_t)e * cap + j);
    }
    if (masked)
      for (int e = 0; e < 8; e++) acc[e] += pl * (pf_v8)((pfd_i8) * (const pf_v8u *)(v0 + (size_t)e * cap + jv) & keep);
    pf_v8 sums = hsum8x8(acc);
    if (!masked)
      for (int j = jv; j < L; j++)
        for (int e = 0; e < 8; e++) sums[e] += p[j] * v0[(size_t)e * cap + j];
    *(pf_v8u *)(out + d0) = sums * inv;
  }
  for (; d0 < HS; d0++) { /* head sizes off the multiple of 8 */
    float acc = 0;
    for (int j = 0; j < L; j++) acc += p[j] * vt[(size_t)d0 * cap + j];
    out[d0] = acc * inv;
  }
}

typedef float pfd_v4u __attribute__((vector_size(16), aligned(4)));
/* max of 8 lanes by halving (not a chain of 8 dependent compares) */
PF_INLINE float max8(pf_v8 v) {
  pf_v8_halves u = {v};
  pf_v4f a = u.h[0], b = u.h[1];
  pf_v4f m = (pf_v4f)(((pfd_i4)a & (pfd_i4)(a > b)) | ((pfd_i4)b & ~(pfd_i4)(a > b)));
  float x = m[0] > m[1] ? m[0] : m[1], y = m[2] > m[3] ? m[2] : m[3];
  return x > y ? x : y;
}

/* Two query heads sharing a kv head (GQA), one query: each key and value vector is loaded once for both, and
 * both heads' chains interleave (2 heads × 2 key blocks × 2 phases of d = 8 FMA chains). Keys are read as
 * whole vectors of 8 up to L rounded up, so the caller ensures that stays inside the row (cap); lanes past
 * L score -inf, get weight 0, and their values are masked (a slot past the row's length may hold anything). */
PF_INLINE void attend_pair(float *o0, float *o1, const float *q0, const float *q1, const float *kt, const float *vt,
                           size_t cap, int L, int HS, float scale, float *s0, float *s1) {
  const pfd_i8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  const int NB = (L + 7) / 8, rem = L - (NB - 1) * 8; /* the last block holds rem (1..8) keys */
  const pfd_i8 keep = lane < rem;
  const pf_v8 ninf = (pf_v8){0} - INFINITY;
  pf_v8 mv0 = ninf, mv1 = ninf;
#define PFD_MAXV(mv, x) \
  do { \
    pfd_i8 gt = (x) > mv; \
    mv = (pf_v8)(((pfd_i8)(x) & gt) | ((pfd_i8)mv & ~gt)); \
  } while (0)
#define PFD_STORE(b, h, sv) \
  do { \
    pf_v8 x_ = (sv); \
    if ((b) == NB - 1) x_ = (pf_v8)(((pfd_i8)x_ & keep) | ((pfd_i8)ninf & ~keep)); \
    *(pf_v8u *)((h ? s1 : s0) + 8 * (b)) = x_; \
    if (h) PFD_MAXV(mv1, x_); \
    else PFD_MAXV(mv0, x_); \
  } while (0)
  int b = 0;
  if (HS == 8) { /* tiny heads: both queries held in registers, 4 whole blocks per step (never the last one) */
    pf_v8 qv0[8], qv1[8];
    for (int d = 0; d < 8; d++) {
      qv0[d] = (pf_v8){0} + q0[d];
      qv1[d] = (pf_v8){0} + q1[d];
    }
    for (; b + 4 < NB; b += 4) {
      pf_v8 a0[4] = {{0}, {0}, {0}, {0}}, a1[4] = {{0}, {0}, {0}, {0}};
      for (int d = 0; d < 8; d++)
        for (int u = 0; u < 4; u++) {
          pf_v8 k = *(const pf_v8u *)(kt + (size_t)d * cap + 8 * (b + u));
          a0[u] += qv0[d] * k;
          a1[u] += qv1[d] * k;
        }
      for (int u = 0; u < 4; u++) {
        pf_v8 x0 = a0[u] * scale, x1 = a1[u] * scale;
        *(pf_v8u *)(s0 + 8 * (b + u)) = x0;
        *(pf_v8u *)(s1 + 8 * (b + u)) = x1;
        PFD_MAXV(mv0, x0);
        PFD_MAXV(mv1, x1);
      }
    }
  }
  for (; b + 2 <= NB; b += 2) {
    pf_v8 a[2][2][2] = {{{{0}, {0}}, {{0}, {0}}}, {{{0}, {0}}, {{0}, {0}}}}; /* [head][block][phase] */
    int d = 0;
    for (; d + 2 <= HS; d += 2)
      for (int e = 0; e < 2; e++) {
        const float *row = kt + (size_t)(d + e) * cap + 8 * b;
        pf_v8 k0 = *(const pf_v8u *)row, k1 = *(const pf_v8u *)(row + 8);
        a[0][0][e] += q0[d + e] * k0;
        a[0][1][e] += q0[d + e] * k1;
        a[1][0][e] += q1[d + e] * k0;
        a[1][1][e] += q1[d + e] * k1;
      }
    if (d < HS) {
      const float *row = kt + (size_t)d * cap + 8 * b;
      pf_v8 k0 = *(const pf_v8u *)row, k1 = *(const pf_v8u *)(row + 8);
      a[0][0][0] += q0[d] * k0;
      a[0][1][0] += q0[d] * k1;
      a[1][0][0] += q1[d] * k0;
      a[1][1][0] += q1[d] * k1;
    }
    PFD_STORE(b, 0, (a[0][0][0] + a[0][0][1]) * scale);
    PFD_STORE(b + 1, 0, (a[0][1][0] + a[0][1][1]) * scale);
    PFD_STORE(b, 1, (a[1][0][0] + a[1][0][1]) * scale);
    PFD_STORE(b + 1, 1, (a[1][1][0] + a[1][1][1]) * scale);
  }
  if (b < NB) {
    pf_v8 a[2][2] = {{{0}, {0}}, {{0}, {0}}}; /* [head][phase] */
    int d = 0;
    for (; d + 2 <= HS; d += 2)
      for (int e = 0; e < 2; e++) {
        pf_v8 k0 = *(const pf_v8u *)(kt + (size_t)(d + e) * cap + 8 * b);
        a[0][e] += q0[d + e] * k0;
        a[1][e] += q1[d + e] * k0;
      }
    if (d < HS) {
      pf_v8 k0 = *(const pf_v8u *)(kt + (size_t)d * cap + 8 * b);
      a[0][0] += q0[d] * k0;
      a[1][0] += q1[d] * k0;
    }
    PFD_STORE(b, 0, (a[0][0] + a[0][1]) * scale);
    PFD_STORE(b, 1, (a[1][0] + a[1][1]) * scale);
  }
#undef PFD_STORE
#undef PFD_MAXV
  const float m0 = max8(mv0), m1 = max8(mv1);
  pf_v8 sum0 = {0}, sum1 = {0};
  {
    pf_v16 w0 = {0}, w1 = {0};
    for (b = 0; b + 2 < NB; b += 2) { /* whole blocks, two at a time (the last block is masked below) */
      pf_v16 e0 = exp16_nonpos(*(pf_v16u *)(s0 + 8 * b) - m0), e1 = exp16_nonpos(*(pf_v16u *)(s1 + 8 * b) - m1);
      *(pf_v16u *)(s0 + 8 * b) = e0;
      *(pf_v16u *)(s1 + 8 * b) = e1;
      w0 += e0;
      w1 += e1;
    }
    sk16 u0 = {w0}, u1 = {w1};
    sum0 = u0.h[0] + u0.h[1];
    sum1 = u1.h[0] + u1.h[1];
  }
  for (; b < NB; b++) {
    pf_v8 e0 = exp8_nonpos(*(pf_v8u *)(s0 + 8 * b) - m0), e1 = exp8_nonpos(*(pf_v8u *)(s1 + 8 * b) - m1);
    if (b == NB - 1) {
      e0 = (pf_v8)((pfd_i8)e0 & keep);
      e1 = (pf_v8)((pfd_i8)e1 & keep);
    }
    *(pf_v8u *)(s0 + 8 * b) = e0;
    *(pf_v8u *)(s1 + 8 * b) = e1;
    sum0 += e0;
    sum1 += e1;
  }
  const float inv0 = 1.0f / pf_hsum8(sum0), inv1 = 1.0f / pf_hsum8(sum1);
  /* weighted values: per 4 values of d, both heads' 4 chains over the key blocks, one transposed reduction */
  int d0 = 0;
  if (HS == 8) { /* tiny heads: one pass for all of d, 16 chains (p loaded once per block, not per 4 d) */
    pf_v8 acc0[8] = {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}}, acc1[8] = {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}};
    for (b = 0; b < NB - 1; b++) {
      pf_v8 p0 = *(const pf_v8u *)(s0 + 8 * b), p1 = *(const pf_v8u *)(s1 + 8 * b);
      for (int e = 0; e < 8; e++) {
        pf_v8 vv = *(const pf_v8u *)(vt + (size_t)e * cap + 8 * b);
        acc0[e] += p0 * vv;
        acc1[e] += p1 * vv;
      }
    }
    pf_v8 p0 = *(const pf_v8u *)(s0 + 8 * b), p1 = *(const pf_v8u *)(s1 + 8 * b);
    for (int e = 0; e < 8; e++) {
      pf_v8 vv = (pf_v8)((pfd_i8) * (const pf_v8u *)(vt + (size_t)e * cap + 8 * b) & keep);
      acc0[e] += p0 * vv;
      acc1[e] += p1 * vv;
    }
    *(pf_v8u *)o0 = hsum8x8(acc0) * inv0;
    *(pf_v8u *)o1 = hsum8x8(acc1) * inv1;
    return;
  }
  for (; d0 + 4 <= HS; d0 += 4) {
    pf_v8 acc[8] = {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}}; /* head 0: d0..d0+3, head 1: d0..d0+3 */
    const float *v0 = vt + (size_t)d0 * cap;
    for (b = 0; b < NB - 1; b++) {
      pf_v8 p0 = *(const pf_v8u *)(s0 + 8 * b), p1 = *(const pf_v8u *)(s1 + 8 * b);
      for (int e = 0; e < 4; e++) {
        pf_v8 vv = *(const pf_v8u *)(v0 + (size_t)e * cap + 8 * b);
        acc[e] += p0 * vv;
        acc[4 + e] += p1 * vv;
      }
    }
    {
      pf_v8 p0 = *(const pf_v8u *)(s0 + 8 * b), p1 = *(const pf_v8u *)(s1 + 8 * b);
      for (int e = 0; e < 4; e++) {
        pf_v8 vv = (pf_v8)((pfd_i8) * (const pf_v8u *)(v0 + (size_t)e * cap + 8 * b) & keep);
        acc[e] += p0 * vv;
        acc[4 + e] += p1 * vv;
      }
    }
    pf_v8_halves sums = {hsum8x8(acc) * (pf_v8){inv0, inv0, inv0, inv0, inv1, inv1, inv1, inv1}};
    *(pfd_v4u *)(o0 + d0) = sums.h[0];
    *(pfd_v4u *)(o1 + d0) = sums.h[1];
  }
  for (; d0 < HS; d0++) { /* head sizes off the multiple of 4 */
    float a0 = 0, a1 = 0;
    for (int j = 0; j < L; j++) {
      a0 += s0[j] * vt[(size_t)d0 * cap + j];
      a1 += s1[j] * vt[(size_t)d0 * cap + j];
    }
    o0[d0] = a0 * inv0;
    o1[d0] = a1 * inv1;
  }
}

PF_INLINE void attn_decode_body(void *vctx, int task) {
  const pf_decode_attention_args *a = vctx;
  int nqb = (a->T + DQB - 1) / DQB;
  int r = task / (a->NKV * nqb), kvh = (task / nqb) % a->NKV, t0 = (task % nqb) * DQB;
  int t1 = t0 + DQB < a->T ? t0 + DQB : a->T;
  int HS = a->HS, group = a->NH / a->NKV, p0 = a->pos0[r];
  size_t blk = (size_t)HS * a->cap; /* one (row, kv head) block of either cache: [HS, cap] */
  const float *kt = a->kc + ((size_t)a->rows[r] * a->NKV + kvh) * blk;
  const float *vt = a->vc + ((size_t)a->rows[r] * a->NKV + kvh) * blk;
  int sn = (p0 + t1 + 15) / 8 * 8; /* room for two heads' scores, whole vectors */
  float *s = scratch(2 * sn);
  if (!s) return; /* out of memory: the caller sees untouched output (not reachable for sane sizes) */
  for (int t = t0; t < t1; t++) {
    int L = p0 + t + 1, h = kvh * group;
    if ((size_t)(L + 7) / 8 * 8 <= a->cap)
      for (; h + 2 <= (kvh + 1) * group; h += 2) {
        size_t qo = ((size_t)(r * a->T + t) * a->NH + h) * HS;
        attend_pair(a->out + qo, a->out + qo + HS, a->q + qo, a->q + qo + HS, kt, vt, a->cap, L, HS, a->scale, s,
                    s + sn);
      }
    for (; h < (kvh + 1) * group; h++) {
      size_t qo = ((size_t)(r * a->T + t) * a->NH + h) * HS;
      float m = scores_t(s, a->q + qo, kt, a->cap, L, HS, a->scale);
      float inv = 1.0f / exp_sum(s, m, L);
      weighted_t(a->out + qo, s, vt, a->cap, L, HS, inv);
    }
  }
}
PF_MULTIVERSION(attn_decode_task, attn_decode_body)

void pf_attention_decode(const pf_decode_attention_args *a) {
  size_t kvd = (size_t)a->NKV * a->HS;
  long work = 0;
  for (int r = 0; r < a->R; r++) {
    for (int t = 0; t < a->T; t++) {
      size_t src = (size_t)(r * a->T + t) * kvd, at = (size_t)a->rows[r] * kvd * a->cap + a->pos0[r] + t;
      for (size_t e = 0; e < kvd; e++) { /* this row's [NKV*HS, cap] blocks */
        a->kc[at + e * a->cap] = a->k[src + e];
        a->vc[at + e * a->cap] = a->v[src + e];
      }
    }
    work += 2L * a->NH * a->HS * ((long)a->T * a->pos0[r] + (long)a->T * (a->T + 1) / 2);
  }
  int nqb = (a->T + DQB - 1) / DQB;
  pf_parallel_work(a->R * a->NKV * nqb, work, attn_decode_task, (void *)a);
}
