/* RMSNorm and LayerNorm, forward and backward, parallel over rows; dw/db are summed per task into
 * thread-private partials, then reduced (no atomics). Math as HF LlamaRMSNorm / torch LayerNorm and the
 * `ts` backend (src/engine/ts/norms.ts); sums in double for rows of a few thousand. */
#include <stdlib.h>

#include "pf_common.h"

typedef struct {
  float *out, *mean, *rstd, *dx, *dw, *db;
  const float *x, *w, *b, *dout, *cmean, *crstd;
  int N, C, tasks;
  float eps;
  float *partial; /* [tasks, 2C] for dw, db */
} norm_ctx;

/* Σ x[j]² in double: products of floats are exact in double, so only the order of the additions differs from
 * a sequential sum (four lanes, not one chain of dependent adds: rows are short when decoding) */
typedef double pf_d4 __attribute__((vector_size(32)));
typedef float pf_f4u __attribute__((vector_size(16), aligned(4)));
PF_INLINE double sum_squares_d(const float *x, int C) {
  pf_d4 acc = {0};
  int j = 0;
  for (; j + 4 <= C; j += 4) {
    pf_d4 v = __builtin_convertvector(*(const pf_f4u *)(x + j), pf_d4);
    acc += v * v;
  }
  double ss = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; j < C; j++) ss += (double)x[j] * x[j];
  return ss;
}

#define ROWS(t) \
  int r0 = (int)((long)g->N * (t) / g->tasks), r1 = (int)((long)g->N * ((t) + 1) / g->tasks);

PF_INLINE void rms_fwd_body(void *v, int t) {
  norm_ctx *g = v;
  ROWS(t)
  for (int i = r0; i < r1; i++) {
    const float *x = g->x + (size_t)i * g->C;
    float *o = g->out + (size_t)i * g->C;
    float r = (float)(1.0 / sqrt(sum_squares_d(x, g->C) / g->C + g->eps));
    g->rstd[i] = r;
    for (int j = 0; j < g->C; j++) o[j] = x[j] * r * g->w[j];
  }
}
PF_MULTIVERSION(rms_fwd_task, rms_fwd_body)

PF_INLINE void rms_bwd_body(void *v, int t) {
  norm_ctx *g = v;
  ROWS(t)
  float *dw = g->partial + (size_t)t * 2 * g->C;
  for (int j = 0; j < g->C; j++) dw[j] = 0;
  for (int i = r0; i < r1; i++) {
    const float *x = g->x + (size_t)i * g->C, *dy = g->dout + (size_t)i * g->C;
    float *dx = g->dx + (size_t)i * g->C;
    float r = g->crstd[i];
    double dot = 0;
    for (int j = 0; j < g->C; j++) dot += (double)g->w[j] * dy[j] * x[j];
    float k = (float)(r * r * dot / g->C);
    for (int j = 0; j < g->C; j++) {
      dx[j] += r * (g->w[j] * dy[j] - x[j] * k);
      dw[j] += dy[j] * x[j] * r;
    }
  }
}
PF_MULTIVERSION(rms_bwd_task, rms_bwd_body)

PF_INLINE void ln_fwd_body(void *v, int t) {
  norm_ctx *g = v;
  ROWS(t)
  for (int i = r0; i < r1; i++) {
    const float *x = g->x + (size_t)i * g->C;
    float *o = g->out + (size_t)i * g->C;
    double s = 0, var = 0;
    for (int j = 0; j < g->C; j++) s += x[j];
    double mu = s / g->C;
    for (int j = 0; j < g->C; j++) var += (x[j] - mu) * (x[j] - mu);
    float r = (float)(1.0 / sqrt(var / g->C + g->eps)), m = (float)mu;
    g->mean[i] = m;
    g->rstd[i] = r;
    for (int j = 0; j < g->C; j++) o[j] = (x[j] - m) * r * g->w[j] + g->b[j];
  }
}
PF_MULTIVERSION(ln_fwd_task, ln_fwd_body)

PF_INLINE void ln_bwd_body(void *v, int t) {
  norm_ctx *g = v;
  ROWS(t)
  float *dw = g->partial + (size_t)t * 2 * g->C, *db = dw + g->C;
  for (int j = 0; j < 2 * g->C; j++) dw[j] = 0;
  for (int i = r0; i < r1; i++) {
    const float *x = g->x + (size_t)i * g->C, *dy = g->dout + (size_t)i * g->C;
    float *dx = g->dx + (size_t)i * g->C;
    float mu = g->cmean[i], r = g->crstd[i];
    double sg = 0, sgn = 0;
    for (int j = 0; j < g->C; j++) {
      float gj = g->w[j] * dy[j];
      sg += gj;
      sgn += (double)gj * (x[j] - mu) * r;
    }
    float mg = (float)(sg / g->C), mgn = (float)(sgn / g->C);
    for (int j = 0; j < g->C; j++) {
      float n = (x[j] - mu) * r;
      dx[j] += r * (g->w[j] * dy[j] - mg - n * mgn);
      dw[j] += dy[j] * n;
      db[j] += dy[j];
    }
  }
}
PF_MULTIVERSION(ln_bwd_task, ln_bwd_body)

static int row_tasks(int N, int C) { return pf_chunks((long)N * C, 16384) < N ? pf_chunks((long)N * C, 16384) : N; }

void pf_rmsnorm_forward(float *out, float *rstd, const float *x, const float *w, int N, int C, float eps) {
  norm_ctx g = {.out = out, .rstd = rstd, .x = x, .w = w, .N = N, .C = C, .eps = eps, .tasks = row_tasks(N, C)};
  pf_parallel(g.tasks, rms_fwd_task, &g);
}

static void reduce(float *dst, const float *partial, int tasks, int stride, int C) {
  for (int t = 0; t < tasks; t++)
    for (int j = 0; j < C; j++) dst[j] += partial[(size_t)t * stride + j];
}

void pf_rmsnorm_backward(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                         int N, int C) {
  norm_ctx g = {.dx = dx, .dout = dout, .x = x, .w = w, .crstd = rstd, .N = N, .C = C, .tasks = row_tasks(N, C)};
  g.partial = malloc(sizeof(float) * 2 * C * g.tasks);
  pf_parallel(g.tasks, rms_bwd_task, &g);
  reduce(dw, g.partial, g.tasks, 2 * C, C);
  free(g.partial);
}

void pf_layernorm_forward(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b, int N,
                          int C, float eps) {
  norm_ctx g = {.out = out, .mean = mean, .rstd = rstd, .x = x, .w = w, .b = b, .N = N, .C = C, .eps = eps};
  g.tasks = row_tasks(N, C);
  pf_parallel(g.tasks, ln_fwd_task, &g);
}

void pf_layernorm_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w,
                           const float *mean, const float *rstd, int N, int C) {
  norm_ctx g = {.dx = dx, .dout = dout, .x = x, .w = w, .cmean = mean, .crstd = rstd, .N = N, .C = C};
  g.tasks = row_tasks(N, C);
  g.partial = malloc(sizeof(float) * 2 * C * g.tasks);
  pf_parallel(g.tasks, ln_bwd_task, &g);
  reduce(dw, g.partial, g.tasks, 2 * C, C);
  reduce(db, g.partial + C, g.tasks, 2 * C, C);
  free(g.partial);
}
