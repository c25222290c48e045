/* SwiGLU (silu(gate) * up) and exact GELU (erf form), forward and backward, over chunks of the pool.
 * Math as torch F.silu / F.gelu(approximate="none"); gradients accumulate (+=) as the Backend contract says. */
#include "pf_common.h"

typedef struct {
  float *out, *o2;
  const float *x, *y, *dout;
  long n;
  int tasks;
} act_ctx;

#define RANGE(t) long i0 = g->n * (t) / g->tasks, i1 = g->n * ((t) + 1) / g->tasks;

PF_INLINE void swiglu_fwd_body(void *v, int t) {
  act_ctx *g = v;
  RANGE(t)
  long i = i0;
  for (; i + 8 <= i1; i += 8) {
    pf_v8 x = *(const pf_v8u *)(g->x + i);
    *(pf_v8u *)(g->out + i) = x * pf_sigmoid8(x) * *(const pf_v8u *)(g->y + i);
  }
  for (; i < i1; i++) g->out[i] = g->x[i] / (1.0f + expf(-g->x[i])) * g->y[i];
}
PF_MULTIVERSION(swiglu_fwd_task, swiglu_fwd_body)

PF_INLINE void swiglu_bwd_body(void *v, int t) {
  act_ctx *g = v;
  RANGE(t)
  long i = i0;
  for (; i + 8 <= i1; i += 8) {
    pf_v8 x = *(const pf_v8u *)(g->x + i), s = pf_sigmoid8(x), dy = *(const pf_v8u *)(g->dout + i);
    *(pf_v8u *)(g->out + i) += dy * *(const pf_v8u *)(g->y + i) * s * (1.0f + x * (1.0f - s));
    *(pf_v8u *)(g->o2 + i) += dy * x * s;
  }
  for (; i < i1; i++) {
    float s = 1.0f / (1.0f + expf(-g->x[i]));
    g->out[i] += g->dout[i] * g->y[i] * s * (1.0f + g->x[i] * (1.0f - s));
    g->o2[i] += g->dout[i] * g->x[i] * s;
  }
}
PF_MULTIVERSION(swiglu_bwd_task, swiglu_bwd_body)

PF_INLINE void gelu_fwd_body(void *v, int t) {
  act_ctx *g = v;
  RANGE(t)
  for (long i = i0; i < i1; i++) g->out[i] = 0.5f * g->x[i] * (1.0f + erff(g->x[i] * (float)M_SQRT1_2));
}
PF_MULTIVERSION(gelu_fwd_task, gelu_fwd_body)

PF_INLINE void gelu_bwd_body(void *v, int t) {
  act_ctx *g = v;
  RANGE(t)
  const float inv_sqrt_2pi = 0.3989422804014327f;
  for (long i = i0; i < i1; i++) {
    float x = g->x[i];
    float cdf = 0.5f * (1.0f + erff(x * (float)M_SQRT1_2));
    g->out[i] += g->dout[i] * (cdf + x * inv_sqrt_2pi * expf(-0.5f * x * x));
  }
}
PF_MULTIVERSION(gelu_bwd_task, gelu_bwd_body)

static int tasks_for(long n) { return pf_chunks(n, 8192); }

void pf_swiglu_forward(float *out, const float *gate, const float *up, long n) {
  act_ctx g = {.out = out, .x = gate, .y = up, .n = n, .tasks = tasks_for(n)};
  pf_parallel(g.tasks, swiglu_fwd_task, &g);
}
void pf_swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, long n) {
  act_ctx g = {.out = dgate, .o2 = dup, .x = gate, .y = up, .dout = dout, .n = n, .tasks = tasks_for(n)};
  pf_parallel(g.tasks, swiglu_bwd_task, &g);
}
void pf_gelu_forward(float *out, const float *x, long n) {
  act_ctx g = {.out = out, .x = x, .n = n, .tasks = tasks_for(n)};
  pf_parallel(g.tasks, gelu_fwd_task, &g);
}
void pf_gelu_backward(float *dx, const float *dout, const float *x, long n) {
  act_ctx g = {.out = dx, .x = x, .dout = dout, .n = n, .tasks = tasks_for(n)};
  pf_parallel(g.tasks, gelu_bwd_task, &g);
}
