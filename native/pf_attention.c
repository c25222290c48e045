/* Fused causal self-attention with grouped-query heads and a key padding mask, FlashAttention-style:
 * forward streams keys in blocks with an online softmax (running max and sum), keeps no T×T matrix and
 * saves each query's log-sum-exp; backward recomputes P from lse (FlashAttention-2, Algorithm 2). Scores
 * come from a per-task transposed copy of K (and V), so they are vertical FMAs across keys.
 * Forward tasks: (batch, head, block of 16 queries). Backward tasks: (batch, kv head), so dK/dV of a kv
 * head are written by one task only. A query with no allowed key gets out = 0 and lse = -inf. */
#include <stdlib.h>

#include "pf_common.h"

#define QB 16 /* queries per forward task */
#define KB 64 /* keys per online-softmax block */
#define MAX_HS 512

PF_INLINE int allowed(const pf_attention_args *a, int b, int i, int j) {
  if (j >= a->Tk || j > a->qPos0 + i) return 0;
  return a->keyMask == NULL || a->keyMask[(size_t)b * a->kStride + j] != 0;
}

/* kt[d*ld + j] = rows j0..j1 of k (or v) for one kv head, transposed so that scores for consecutive keys
 * are vertical FMAs (no horizontal sums). */
PF_INLINE void transpose_keys(float *kt, int ld, const float *src, const pf_attention_args *a, int b, int kvh, int j1) {
  for (int j = 0; j < j1; j++) {
    const float *row = src + ((size_t)(b * a->kStride + j) * a->NKV + kvh) * a->HS;
    for (int d = 0; d < a->HS; d++) kt[(size_t)d * ld + j] = row[d];
  }
}

/* s[j - j0] = Σ_d x[d] kt[d][j] for j in [j0, j1) */
PF_INLINE void scores(float *s, const float *x, const float *kt, int ld, int j0, int j1, int HS) {
  for (int j = j0; j < j1; j++) s[j - j0] = 0;
  for (int d = 0; d < HS; d++) {
    const float xd = x[d], *row = kt + (size_t)d * ld;
    for (int j = j0; j < j1; j++) s[j - j0] += xd * row[j];
  }
}

PF_INLINE void attn_fwd_body(void *vctx, int task) {
  const pf_attention_args *a = vctx;
  int nq = (a->Tq + QB - 1) / QB;
  int b = task / (a->NH * nq), h = (task / nq) % a->NH, i0 = (task % nq) * QB;
  int group = a->NH / a->NKV, kvh = h / group, HS = a->HS;
  int ilast = i0 + QB < a->Tq ? i0 + QB - 1 : a->Tq - 1;
  int jend = a->qPos0 + ilast + 1 < a->Tk ? a->qPos0 + ilast + 1 : a->Tk; /* keys any query here may see */
  /* a transposed copy pays off only over several queries; decoding (1-3 rows) reads K rows directly */
  float *kt = ilast - i0 + 1 >= 4 && jend > 0 ? malloc(sizeof(float) * HS * jend) : NULL;
  if (kt) transpose_keys(kt, jend, a->k, a, b, kvh, jend);
  float acc[MAX_HS], s[KB];
  for (int i = i0; i <= ilast; i++) {
    const float *q = a->q + ((size_t)(b * a->Tq + i) * a->NH + h) * HS;
    float *out = a->out + ((size_t)(b * a->Tq + i) * a->NH + h) * HS;
    int jmax = a->qPos0 + i + 1 < a->Tk ? a->qPos0 + i + 1 : a->Tk;
    float m = -INFINITY, l = 0;
    for (int d = 0; d < HS; d++) acc[d] = 0;
    for (int j0 = 0; j0 < jmax; j0 += KB) {
      int j1 = j0 + KB < jmax ? j0 + KB : jmax;
      if (kt) scores(s, q, kt, jend, j0, j1, HS);
      else
        for (int j = j0; j < j1; j++) s[j - j0] = pf_dot(q, a->k + ((size_t)(b * a->kStride + j) * a->NKV + kvh) * HS, HS);
      float bm = -INFINITY;
      for (int j = j0; j < j1; j++) { /* j < jmax: only the padding mask can still exclude a key */
        s[j - j0] = a->keyMask == NULL || allowed(a, b, i, j) ? a->scale * s[j - j0] : -INFINITY;
        if (s[j - j0] > bm) bm = s[j - j0];
      }
      if (bm == -INFINITY) continue;
      float mnew = bm > m ? bm : m;
      float corr = expf(m - mnew); /* 0 when m was -inf */
      l *= corr;
      for (int d = 0; d < HS; d++) acc[d] *= corr;
      l += (float)pf_exp_row(s, s, mnew, j1 - j0); /* masked scores (-inf) become 0 */
      for (int j = j0; j < j1; j++) {
        if (s[j - j0] == 0) continue;
        pf_axpy_row(acc, s[j - j0], a->v + ((size_t)(b * a->kStride + j) * a->NKV + kvh) * HS, HS);
      }
      m = mnew;
    }
    float *lse = a->lse + ((size_t)b * a->NH + h) * a->Tq + i;
    if (m == -INFINITY) {
      for (int d = 0; d < HS; d++) out[d] = 0;
      *lse = -INFINITY;
      continue;
    }
    float inv = 1.0f / l;
    for (int d = 0; d < HS; d++) out[d] = acc[d] * inv;
    *lse = m + logf(l);
  }
  free(kt);
}
PF_MULTIVERSION(attn_fwd_task, attn_fwd_body)

void pf_attention_forward(const pf_attention_args *a) {
  int nq = (a->Tq + QB - 1) / QB;
  /* QKᵀ and PV multiply-adds over the causal triangle: decoding a few rows stays on the calling thread */
  long keys = (long)a->Tq * (a->qPos0 < a->Tk ? a->qPos0 : a->Tk) + (long)a->Tq * (a->Tq + 1) / 2;
  pf_parallel_work(a->B * a->NH * nq, 2L * a->B * a->NH * keys * a->HS, attn_fwd_task, (void *)a);
}

/* dS = P ∘ (dP - D), D_i = dO_i · O_i; dV += Pᵀ dO; dQ += scale dS K; dK += scale dSᵀ Q */
PF_INLINE void attn_bwd_body(void *vctx, int task) {
  const pf_attention_args *a = vctx;
  int b = task / a->NKV, kvh = task % a->NKV, group = a->NH / a->NKV, HS = a->HS;
  int jend = a->qPos0 + a->Tq < a->Tk ? a->qPos0 + a->Tq : a->Tk;
  if (jend <= 0) return;
  float *kt = malloc(sizeof(float) * (2 * (size_t)HS * jend + 2 * (size_t)jend));
  float *vt = kt + (size_t)HS * jend, *s = vt + (size_t)HS * jend, *dp = s + jend;
  transpose_keys(kt, jend, a->k, a, b, kvh, jend);
  transpose_keys(vt, jend, a->v, a, b, kvh, jend);
  for (int h = kvh * group; h < (kvh + 1) * group; h++) {
    for (int i = 0; i < a->Tq; i++) {
      float lse = a->lse[((size_t)b * a->NH + h) * a->Tq + i];
      if (lse == -INFINITY) continue;
      size_t qo = ((size_t)(b * a->Tq + i) * a->NH + h) * HS;
      const float *q = a->q + qo, *dout = a->dout + qo;
      float *dq = a->dq + qo;
      float D = pf_dot(dout, a->out + qo, HS);
      int jmax = a->qPos0 + i + 1 < a->Tk ? a->qPos0 + i + 1 : a->Tk;
      scores(s, q, kt, jend, 0, jmax, HS);
      scores(dp, dout, vt, jend, 0, jmax, HS);
      for (int j = 0; j < jmax; j++) s[j] *= a->scale;
      pf_exp_row(s, s, lse, jmax); /* s[j] = P_ij */
      for (int j = 0; j < jmax; j++) {
        if (!allowed(a, b, i, j)) continue;
        size_t ko = ((size_t)(b * a->kStride + j) * a->NKV + kvh) * HS;
        float p = s[j];
        float ds = p * (dp[j] - D) * a->scale;
        pf_axpy_row(a->dv + ko, p, dout, HS);
        pf_axpy_row(dq, ds, a->k + ko, HS);
        pf_axpy_row(a->dk + ko, ds, q, HS);
      }
    }
  }
  free(kt);
}
PF_MULTIVERSION(attn_bwd_task, attn_bwd_body)

void pf_attention_backward(const pf_attention_args *a) { pf_parallel(a->B * a->NKV, attn_bwd_task, (void *)a); }
