/* Fused causal self-attention with grouped-query heads and a key padding mask, FlashAttention-style:
 * forward streams keys in blocks with an online softmax (running max and sum), keeps no T×T matrix and
 * saves each query's log-sum-exp; backward recomputes P from lse (FlashAttention-2, Algorithm 2).
 * Forward tasks: (batch, head, block of 16 queries). Backward tasks: (batch, kv head), so dK/dV of a kv
 * head are written by one task only. A query with no allowed key gets out = 0 and lse = -inf. */
#include "pf_common.h"

#define QB 16 /* queries per forward task */
#define KB 64 /* keys per online-softmax block */
#define MAX_HS 512

PF_INLINE int allowed(const pf_attention_args *a, int b, int i, int j) {
  if (j >= a->Tk || j > a->qPos0 + i) return 0;
  return a->keyMask == NULL || a->keyMask[(size_t)b * a->kStride + j] != 0;
}

PF_INLINE void attn_fwd_body(void *vctx, int task) {
  const pf_attention_args *a = vctx;
  int nq = (a->Tq + QB - 1) / QB;
  int b = task / (a->NH * nq), h = (task / nq) % a->NH, i0 = (task % nq) * QB;
  int group = a->NH / a->NKV, kvh = h / group, HS = a->HS;
  float acc[MAX_HS], s[KB];
  for (int i = i0; i < i0 + QB && i < a->Tq; i++) {
    const float *q = a->q + ((size_t)(b * a->Tq + i) * a->NH + h) * HS;
    float *out = a->out + ((size_t)(b * a->Tq + i) * a->NH + h) * HS;
    int jmax = a->qPos0 + i + 1 < a->Tk ? a->qPos0 + i + 1 : a->Tk;
    float m = -INFINITY, l = 0;
    for (int d = 0; d < HS; d++) acc[d] = 0;
    for (int j0 = 0; j0 < jmax; j0 += KB) {
      int j1 = j0 + KB < jmax ? j0 + KB : jmax;
      float bm = -INFINITY;
      for (int j = j0; j < j1; j++) {
        if (!allowed(a, b, i, j)) {
          s[j - j0] = -INFINITY;
          continue;
        }
        const float *kj = a->k + ((size_t)(b * a->kStride + j) * a->NKV + kvh) * HS;
        s[j - j0] = a->scale * pf_dot(q, kj, HS);
        if (s[j - j0] > bm) bm = s[j - j0];
      }
      if (bm == -INFINITY) continue;
      float mnew = bm > m ? bm : m;
      float corr = expf(m - mnew); /* 0 when m was -inf */
      l *= corr;
      for (int d = 0; d < HS; d++) acc[d] *= corr;
      for (int j = j0; j < j1; j++) {
        if (s[j - j0] == -INFINITY) continue;
        float p = expf(s[j - j0] - mnew);
        l += p;
        pf_axpy_row(acc, p, a->v + ((size_t)(b * a->kStride + j) * a->NKV + kvh) * HS, HS);
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
}
PF_MULTIVERSION(attn_fwd_task, attn_fwd_body)

void pf_attention_forward(const pf_attention_args *a) {
  int nq = (a->Tq + QB - 1) / QB;
  pf_parallel(a->B * a->NH * nq, attn_fwd_task, (void *)a);
}

/* dS = P ∘ (dP - D), D_i = dO_i · O_i; dV += Pᵀ dO; dQ += scale dS K; dK += scale dSᵀ Q */
PF_INLINE void attn_bwd_body(void *vctx, int task) {
  const pf_attention_args *a = vctx;
  int b = task / a->NKV, kvh = task % a->NKV, group = a->NH / a->NKV, HS = a->HS;
  for (int h = kvh * group; h < (kvh + 1) * group; h++) {
    for (int i = 0; i < a->Tq; i++) {
      float lse = a->lse[((size_t)b * a->NH + h) * a->Tq + i];
      if (lse == -INFINITY) continue;
      size_t qo = ((size_t)(b * a->Tq + i) * a->NH + h) * HS;
      const float *q = a->q + qo, *dout = a->dout + qo;
      float *dq = a->dq + qo;
      float D = pf_dot(dout, a->out + qo, HS);
      int jmax = a->qPos0 + i + 1 < a->Tk ? a->qPos0 + i + 1 : a->Tk;
      for (int j = 0; j < jmax; j++) {
        if (!allowed(a, b, i, j)) continue;
        size_t ko = ((size_t)(b * a->kStride + j) * a->NKV + kvh) * HS;
        float p = expf(a->scale * pf_dot(q, a->k + ko, HS) - lse);
        float ds = p * (pf_dot(dout, a->v + ko, HS) - D) * a->scale;
        pf_axpy_row(a->dv + ko, p, dout, HS);
        pf_axpy_row(dq, ds, a->k + ko, HS);
        pf_axpy_row(a->dk + ko, ds, q, HS);
      }
    }
  }
}
PF_MULTIVERSION(attn_bwd_task, attn_bwd_body)

void pf_attention_backward(const pf_attention_args *a) { pf_parallel(a->B * a->NKV, attn_bwd_task, (void *)a); }
