/* Row softmax and log-softmax with gather (per-token log-probs of targets; rows with target < 0 skipped),
 * forward and backward, parallel over rows. Max-subtracted, vector exp (pf_exp8), sums in double (rows may
 * be a 150k vocab). */
#include "pf_common.h"

typedef struct {
  float *out, *lse;
  const float *x, *dout, *y, *clse;
  const int32_t *targets;
  int N, C, tasks;
} sm_ctx;

#define ROWS(t) int r0 = (int)((long)g->N * (t) / g->tasks), r1 = (int)((long)g->N * ((t) + 1) / g->tasks);

PF_INLINE float row_max(const float *x, int C) {
  float m = -INFINITY;
  for (int j = 0; j < C; j++) m = x[j] > m ? x[j] : m;
  return m;
}

PF_INLINE void sm_fwd_body(void *v, int t) {
  sm_ctx *g = v;
  ROWS(t)
  for (int i = r0; i < r1; i++) {
    const float *x = g->x + (size_t)i * g->C;
    float *o = g->out + (size_t)i * g->C;
    float m = row_max(x, g->C);
    double s = pf_exp_row(o, x, m, g->C);
    float inv = (float)(1.0 / s);
    for (int j = 0; j < g->C; j++) o[j] *= inv;
  }
}
PF_MULTIVERSION(sm_fwd_task, sm_fwd_body)

PF_INLINE void sm_bwd_body(void *v, int t) {
  sm_ctx *g = v;
  ROWS(t)
  for (int i = r0; i < r1; i++) {
    const float *dy = g->dout + (size_t)i * g->C, *y = g->y + (size_t)i * g->C;
    float *dx = g->out + (size_t)i * g->C;
    double dot = 0;
    for (int j = 0; j < g->C; j++) dot += (double)dy[j] * y[j];
    float d = (float)dot;
    for (int j = 0; j < g->C; j++) dx[j] += y[j] * (dy[j] - d);
  }
}
PF_MULTIVERSION(sm_bwd_task, sm_bwd_body)

PF_INLINE void lsg_fwd_body(void *v, int t) {
  sm_ctx *g = v;
  ROWS(t)
  for (int i = r0; i < r1; i++) {
    if (g->targets[i] < 0) {
      g->out[i] = 0;
      g->lse[i] = 0;
      continue;
    }
    const float *x = g->x + (size_t)i * g->C;
    float m = row_max(x, g->C);
    double s = pf_exp_row(NULL, x, m, g->C);
    g->lse[i] = m + (float)log(s);
    g->out[i] = x[g->targets[i]] - g->lse[i];
  }
}
PF_MULTIVERSION(lsg_fwd_task, lsg_fwd_body)

PF_INLINE void lsg_bwd_body(void *v, int t) {
  sm_ctx *g = v;
  ROWS(t)
  for (int i = r0; i < r1; i++) {
    if (g->targets[i] < 0) continue;
    const float *x = g->x + (size_t)i * g->C;
    float *dx = g->out + (size_t)i * g->C;
    float d = g->dout[i], l = g->clse[i];
    int j = 0;
    for (; j + 8 <= g->C; j += 8) *(pf_v8u *)(dx + j) -= d * pf_exp8(*(const pf_v8u *)(x + j) - l);
    for (; j < g->C; j++) dx[j] -= d * expf(x[j] - l);
    dx[g->targets[i]] += d;
  }
}
PF_MULTIVERSION(lsg_bwd_task, lsg_bwd_body)

static int row_tasks(int N, int C) {
  int t = pf_chunks((long)N * C, 16384);
  return t > N ? (N > 0 ? N : 1) : t;
}

void pf_softmax_forward(float *out, const float *x, int N, int C) {
  sm_ctx g = {.out = out, .x = x, .N = N, .C = C, .tasks = row_tasks(N, C)};
  pf_parallel(g.tasks, sm_fwd_task, &g);
}
void pf_softmax_backward(float *dx, const float *dout, const float *y, int N, int C) {
  sm_ctx g = {.out = dx, .dout = dout, .y = y, .N = N, .C = C, .tasks = row_tasks(N, C)};
  pf_parallel(g.tasks, sm_bwd_task, &g);
}
void pf_logsoftmax_gather_forward(float *logp, float *lse, const float *logits, const int32_t *targets, int N,
                                  int V) {
  sm_ctx g = {.out = logp, .lse = lse, .x = logits, .targets = targets, .N = N, .C = V, .tasks = row_tasks(N, V)};
  pf_parallel(g.tasks, lsg_fwd_task, &g);
}
void pf_logsoftmax_gather_backward(float *dlogits, const float *dlogp, const float *logits, const float *lse,
                                   const int32_t *targets, int N, int V) {
  sm_ctx g = {.out = dlogits, .dout = dlogp, .x = logits, .clse = lse, .targets = targets, .N = N, .C = V};
  g.tasks = row_tasks(N, V);
  pf_parallel(g.tasks, lsg_bwd_task, &g);
}
