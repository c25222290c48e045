/* Elementwise kernels (axpy, add, mul, scale, sum of squares in double, the AdamW update as
 * torch.optim.AdamW) and the embedding lookup with its scatter-add backward (serial: ids may repeat). */
#include "pf_common.h"

typedef struct {
  float *out, *m, *v;
  const float *x, *y;
  float a, lr, beta1, beta2, eps, decay, omb1, omb2, bc1, bc2;
  long n;
  int tasks, op;
  double partial[1024];
} ew_ctx;

enum { OP_AXPY, OP_ADD, OP_MUL, OP_SCALE, OP_SUMSQ, OP_ADAMW };

PF_INLINE void ew_body(void *vctx, int t) {
  ew_ctx *g = vctx;
  long i0 = g->n * t / g->tasks, i1 = g->n * (t + 1) / g->tasks;
  float *o = g->out;
  const float *x = g->x, *y = g->y;
  switch (g->op) {
  case OP_AXPY: for (long i = i0; i < i1; i++) o[i] += g->a * x[i]; break;
  case OP_ADD: for (long i = i0; i < i1; i++) o[i] = x[i] + y[i]; break;
  case OP_MUL: for (long i = i0; i < i1; i++) o[i] = x[i] * y[i]; break;
  case OP_SCALE: for (long i = i0; i < i1; i++) o[i] *= g->a; break;
  case OP_SUMSQ: {
    double s = 0;
    for (long i = i0; i < i1; i++) s += (double)x[i] * x[i];
    g->partial[t] = s;
    break;
  }
  case OP_ADAMW:
    for (long i = i0; i < i1; i++) {
      float p = o[i] - g->decay * o[i], gr = x[i];
      g->m[i] = g->beta1 * g->m[i] + g->omb1 * gr;
      g->v[i] = g->beta2 * g->v[i] + g->omb2 * gr * gr;
      o[i] = p - g->lr * (g->m[i] / g->bc1) / (sqrtf(g->v[i] / g->bc2) + g->eps);
    }
    break;
  }
}
PF_MULTIVERSION(ew_task, ew_body)

static void run(ew_ctx *g) {
  g->tasks = pf_chunks(g->n, 32768);
  pf_parallel(g->tasks, ew_task, g);
}

void pf_axpy(float *y, float a, const float *x, long n) { run(&(ew_ctx){.out = y, .a = a, .x = x, .n = n, .op = OP_AXPY}); }
void pf_add(float *out, const float *x, const float *y, long n) {
  run(&(ew_ctx){.out = out, .x = x, .y = y, .n = n, .op = OP_ADD});
}
void pf_mul(float *out, const float *x, const float *y, long n) {
  run(&(ew_ctx){.out = out, .x = x, .y = y, .n = n, .op = OP_MUL});
}
void pf_scale(float *x, float a, long n) { run(&(ew_ctx){.out = x, .a = a, .n = n, .op = OP_SCALE}); }
double pf_sum_squares(const float *x, long n) {
  ew_ctx g = {.x = x, .n = n, .op = OP_SUMSQ};
  run(&g);
  double s = 0;
  for (int t = 0; t < g.tasks; t++) s += g.partial[t];
  return s;
}
/* coefficients are formed in double, then rounded once (as torch does with its Python-float hyperparameters) */
void pf_adamw(float *p, const float *g, float *m, float *v, long n, double lr, double beta1, double beta2, double eps,
              double wd, int step) {
  ew_ctx c = {.out = p, .x = g, .m = m, .v = v, .n = n, .lr = (float)lr, .beta1 = (float)beta1,
              .beta2 = (float)beta2, .eps = (float)eps, .decay = (float)(lr * wd), .omb1 = (float)(1 - beta1),
              .omb2 = (float)(1 - beta2), .op = OP_ADAMW};
  c.bc1 = (float)(1 - pow(beta1, step));
  c.bc2 = (float)(1 - pow(beta2, step));
  run(&c);
}

void pf_embedding_forward(float *out, const float *table, const int32_t *ids, int N, int C) {
  for (int i = 0; i < N; i++) memcpy(out + (size_t)i * C, table + (size_t)ids[i] * C, C * sizeof(float));
}
void pf_embedding_backward(float *dtable, const float *dout, const int32_t *ids, int N, int C) {
  for (int i = 0; i < N; i++) pf_axpy_row(dtable + (size_t)ids[i] * C, 1.0f, dout + (size_t)i * C, C);
}
