/* Decode attention over KV-cache rows: the T new tokens of each of R sequences are appended to that
 * sequence's cache row, then each new query attends the row's keys up to its own position (causal), every
 * sequence with its own length, all sequences and heads in one call. Not training attention (pf_attention.c:
 * padding masks, lse, backward). A decode query's scores fit a small buffer, so softmax takes two passes
 * (scores and max, then exp-weighted V) instead of an online rescaling. Tasks: (sequence, kv head, block of
 * queries). Scores of 8 keys come from 8 vector products reduced together (a transposed reduction). */
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

/* horizontal sums of a0..a7 as one vector: three levels of pairwise shuffles and adds */
typedef int32_t pfd_i8 __attribute__((vector_size(32)));
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

/* s[j] = scale · q · k_j for j < L, key j at k + j*ld, HS a multiple of 8; returns max_j s[j] */
PF_INLINE float scores_v8(float *s, const float *q, const float *k, size_t ld, int L, int HS, float scale) {
  pf_v8 mv = (pf_v8){0} - INFINITY;
  int j = 0;
  for (; j + 8 <= L; j += 8) {
    pf_v8 acc[8];
    for (int i = 0; i < 8; i++) acc[i] = (pf_v8){0};
    for (int d = 0; d < HS; d += 8) {
      pf_v8 qv = *(const pf_v8u *)(q + d);
      for (int i = 0; i < 8; i++) acc[i] += qv * *(const pf_v8u *)(k + (size_t)(j + i) * ld + d);
    }
    pf_v8 sv = hsum8x8(acc) * scale;
    *(pf_v8u *)(s + j) = sv;
    pfd_i8 gt = sv > mv;
    mv = (pf_v8)(((pfd_i8)sv & gt) | ((pfd_i8)mv & ~gt));
  }
  float m = -INFINITY;
  for (int i = 0; i < 8; i++) m = mv[i] > m ? mv[i] : m;
  for (; j < L; j++) {
    s[j] = scale * pf_dot(q, k + (size_t)j * ld, HS);
    m = s[j] > m ? s[j] : m;
  }
  return m;
}

/* s[j] = exp(s[j] - m) in place; returns Σ (float lanes: a decode row has at most a few thousand keys) */
PF_INLINE float exp_sum(float *s, float m, int L) {
  pf_v8 acc = {0};
  int j = 0;
  for (; j + 8 <= L; j += 8) {
    pf_v8 e = pf_exp8(*(pf_v8u *)(s + j) - m);
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

/* out = inv · Σ_j p[j] v_j, HS a multiple of 8. Independent accumulators per key phase: one chain of FMAs
 * would wait on the FMA latency at every key. */
PF_INLINE void weighted_v8(float *out, const float *p, const float *v, size_t ld, int L, int HS, float inv) {
  if (HS == 8 || HS == 16) { /* small heads: 4 keys in flight */
    const int nc = HS / 8;
    pf_v8 acc[4][2];
    for (int u = 0; u < 4; u++) acc[u][0] = acc[u][1] = (pf_v8){0};
    int j = 0;
    for (; j + 4 <= L; j += 4)
      for (int u = 0; u < 4; u++)
        for (int c = 0; c < nc; c++) acc[u][c] += p[j + u] * *(const pf_v8u *)(v + (size_t)(j + u) * ld + 8 * c);
    for (; j < L; j++)
      for (int c = 0; c < nc; c++) acc[0][c] += p[j] * *(const pf_v8u *)(v + (size_t)j * ld + 8 * c);
    for (int c = 0; c < nc; c++) *(pf_v8u *)(out + 8 * c) = ((acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c])) * inv;
    return;
  }
  for (int d0 = 0; d0 < HS; d0 += 64) { /* up to 8 vectors of lanes per pass over the keys */
    int nc = (HS - d0) / 8 < 8 ? (HS - d0) / 8 : 8;
    pf_v8 acc[8];
    for (int c = 0; c < 8; c++) acc[c] = (pf_v8){0};
    for (int j = 0; j < L; j++) {
      const float *vr = v + (size_t)j * ld + d0;
      for (int c = 0; c < nc; c++) acc[c] += p[j] * *(const pf_v8u *)(vr + 8 * c);
    }
    for (int c = 0; c < nc; c++) *(pf_v8u *)(out + d0 + 8 * c) = acc[c] * inv;
  }
}

PF_INLINE void attn_decode_body(void *vctx, int task) {
  const pf_decode_attention_args *a = vctx;
  int nqb = (a->T + DQB - 1) / DQB;
  int r = task / (a->NKV * nqb), kvh = (task / nqb) % a->NKV, t0 = (task % nqb) * DQB;
  int t1 = t0 + DQB < a->T ? t0 + DQB : a->T;
  int HS = a->HS, group = a->NH / a->NKV, p0 = a->pos0[r];
  size_t ld = (size_t)a->NKV * HS; /* floats between consecutive positions of one head */
  size_t base = ((size_t)a->rows[r] * a->cap * a->NKV + kvh) * HS;
  const float *k = a->kc + base, *v = a->vc + base;
  float *s = scratch(p0 + t1);
  if (!s) return; /* out of memory: the caller sees untouched output (not reachable for sane sizes) */
  for (int t = t0; t < t1; t++) {
    int L = p0 + t + 1;
    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
      size_t qo = ((size_t)(r * a->T + t) * a->NH + h) * HS;
      const float *q = a->q + qo;
      float *out = a->out + qo;
      float m = -INFINITY;
      if (HS % 8 == 0) m = scores_v8(s, q, k, ld, L, HS, a->scale);
      else
        for (int j = 0; j < L; j++) {
          s[j] = a->scale * pf_dot(q, k + (size_t)j * ld, HS);
          m = s[j] > m ? s[j] : m;
        }
      float inv = 1.0f / exp_sum(s, m, L);
      if (HS % 8 == 0) weighted_v8(out, s, v, ld, L, HS, inv);
      else {
        for (int d = 0; d < HS; d++) out[d] = 0;
        for (int j = 0; j < L; j++) pf_axpy_row(out, s[j], v + (size_t)j * ld, HS);
        for (int d = 0; d < HS; d++) out[d] *= inv;
      }
    }
  }
}
PF_MULTIVERSION(attn_decode_task, attn_decode_body)

void pf_attention_decode(const pf_decode_attention_args *a) {
  size_t kvd = (size_t)a->NKV * a->HS;
  long work = 0;
  for (int r = 0; r < a->R; r++) {
    for (int t = 0; t < a->T; t++) {
      size_t src = (size_t)(r * a->T + t) * kvd, dst = ((size_t)a->rows[r] * a->cap + a->pos0[r] + t) * kvd;
      memcpy(a->kc + dst, a->k + src, kvd * sizeof(float));
      memcpy(a->vc + dst, a->v + src, kvd * sizeof(float));
    }
    work += 2L * a->NH * a->HS * ((long)a->T * a->pos0[r] + (long)a->T * (a->T + 1) / 2);
  }
  int nqb = (a->T + DQB - 1) / DQB;
  pf_parallel_work(a->R * a->NKV * nqb, work, attn_decode_task, (void *)a);
}
