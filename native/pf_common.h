/* Shared declarations of the native kernels: the thread pool, the instruction-set dispatch, and GCC vector
 * types. Every kernel family (pf_<op>.c) writes its body once as an always-inline function and gets an
 * AVX-512, an AVX2+FMA and a baseline (SSE2 "scalar") copy from PF_MULTIVERSION, chosen at run time. */
#ifndef PF_COMMON_H
#define PF_COMMON_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- thread pool (pf_pool.c) ---- */
typedef void (*pf_task_fn)(void *ctx, int task);
/* Runs fn(ctx, t) for t in [0, ntasks) over the pool; returns when all are done. Single caller at a time. */
void pf_parallel(int ntasks, pf_task_fn fn, void *ctx);
/* pf_parallel, but on the calling thread when `work` (multiply-adds or element ops) is below PF_SERIAL_WORK */
void pf_parallel_work(int ntasks, long work, pf_task_fn fn, void *ctx);
#define PF_SERIAL_WORK 262144L
int pf_threads(void);
void pf_pool_init(int threads);

/* ---- instruction set ---- */
enum { PF_ISA_SCALAR = 0, PF_ISA_AVX2 = 1, PF_ISA_AVX512 = 2 };
extern int pf_isa;
void pf_isa_init(void);
const char *pf_isa_name(void);

/* ---- vector types (GCC extensions; lowered to whatever the function's target supports) ---- */
typedef float pf_v8 __attribute__((vector_size(32)));
typedef float pf_v8u __attribute__((vector_size(32), aligned(4)));
typedef float pf_v16 __attribute__((vector_size(64)));
typedef float pf_v16u __attribute__((vector_size(64), aligned(4)));

#define PF_INLINE static inline __attribute__((always_inline))
#define PF_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define PF_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))

/* Declares name(void *ctx, int task) dispatching to three compilations of body(ctx, task). */
#define PF_MULTIVERSION(name, body)                                                         \
  PF_TARGET_AVX512 static void name##_avx512(void *ctx, int task) { body(ctx, task); }     \
  PF_TARGET_AVX2 static void name##_avx2(void *ctx, int task) { body(ctx, task); }         \
  static void name##_scalar(void *ctx, int task) { body(ctx, task); }                      \
  static void name(void *ctx, int task) {                                                  \
    if (pf_isa == PF_ISA_AVX512) name##_avx512(ctx, task);                                 \
    else if (pf_isa == PF_ISA_AVX2) name##_avx2(ctx, task);                                \
    else name##_scalar(ctx, task);                                                         \
  }

/* Σ of 8 lanes by halving: 3 vector adds, not 8 dependent scalar ones (short dots, e.g. attention decode
 * with small heads, were dominated by the reduction) */
typedef float pf_v4f __attribute__((vector_size(16)));
typedef union { pf_v8 v; pf_v4f h[2]; } pf_v8_halves;
PF_INLINE float pf_hsum8(pf_v8 v) {
  pf_v8_halves u = {v};
  pf_v4f q = u.h[0] + u.h[1];
  return (q[0] + q[2]) + (q[1] + q[3]);
}

/* Dot product with 8 independent lanes (vectorises without -ffast-math). */
PF_INLINE float pf_dot(const float *a, const float *b, int n) {
  pf_v8 acc = {0};
  int i = 0;
  for (; i + 8 <= n; i += 8) acc += *(const pf_v8u *)(a + i) * *(const pf_v8u *)(b + i);
  float s = 0;
  for (; i < n; i++) s += a[i] * b[i];
  return s + pf_hsum8(acc);
}

/* y[i] += a * x[i] */
PF_INLINE void pf_axpy_row(float *y, float a, const float *x, int n) {
  for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* exp(x) for 8 lanes, Cephes expf: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial, 2^n from the
 * exponent bits (about 1 ulp). Below -87.3 gives 0 (so -inf masks work), above 88.37 is clamped, NaN stays NaN. */
typedef int32_t pf_v8i __attribute__((vector_size(32)));
PF_INLINE pf_v8 pf_exp8(pf_v8 x) {
  const pf_v8 lo = (pf_v8){0} - 87.3f, hi = (pf_v8){0} + 88.37f;
  pf_v8i under = x < lo, nan = x != x;
  pf_v8 c = (pf_v8)(((pf_v8i)x & ~(x > hi)) | ((pf_v8i)hi & (x > hi)));
  c = (pf_v8)(((pf_v8i)c & ~under) | ((pf_v8i)lo & under));
  c = (pf_v8)(((pf_v8i)c & ~nan)); /* NaN lanes computed on 0, restored below */
  const float magic = 12582912.0f; /* 1.5 * 2^23: adding and subtracting rounds to an integer */
  pf_v8 fx = (c * 1.44269504088896341f + magic) - magic;
  pf_v8 r = c - fx * 0.693359375f + fx * 2.12194440e-4f;
  pf_v8 y = ((((1.9875691500E-4f * r + 1.3981999507E-3f) * r + 8.3334519073E-3f) * r + 4.1665795894E-2f) * r +
             1.6666665459E-1f) * r + 5.0000001201E-1f;
  y = y * (r * r) + r + 1.0f;
  pf_v8i bits = (__builtin_convertvector(fx, pf_v8i) + 127) << 23;
  y = y * (pf_v8)bits;
  pf_v8i out = ((pf_v8i)y & ~under) & ~nan;
  return (pf_v8)(out | ((pf_v8i)x & nan));
}

/* out[j] = exp(x[j] - shift) for j < n (out NULL: not stored); returns Σ in double. out may alias x. */
PF_INLINE double pf_exp_row(float *out, const float *x, float shift, int n) {
  double sum = 0;
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    pf_v8 e = pf_exp8(*(const pf_v8u *)(x + j) - shift);
    if (out) *(pf_v8u *)(out + j) = e;
    sum += (double)((e[0] + e[1]) + (e[2] + e[3])) + (double)((e[4] + e[5]) + (e[6] + e[7]));
  }
  for (; j < n; j++) {
    float e = expf(x[j] - shift);
    if (out) out[j] = e;
    sum += e;
  }
  return sum;
}

/* sigmoid of 8 lanes */
PF_INLINE pf_v8 pf_sigmoid8(pf_v8 x) { return 1.0f / (1.0f + pf_exp8(-x)); }

/* Splits n items into chunks of at least `grain` for the pool; returns the chunk count. */
PF_INLINE int pf_chunks(long n, long grain) {
  long c = n / grain;
  int t = pf_threads() * 4;
  if (c > t) c = t;
  return c < 1 ? 1 : (int)c;
}

/* ---- kernels (one family per file; forward and backward side by side) ---- */
void pf_matmul(const float *a, const float *b, float *c, int m, int n, int k, int transA, int transB, float alpha,
               float beta);
void pf_embedding_forward(float *out, const float *table, const int32_t *ids, int N, int C);
void pf_embedding_backward(float *dtable, const float *dout, const int32_t *ids, int N, int C);
void pf_rmsnorm_forward(float *out, float *rstd, const float *x, const float *w, int N, int C, float eps);
void pf_rmsnorm_backward(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                         int N, int C);
void pf_layernorm_forward(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b, int N,
                          int C, float eps);
void pf_layernorm_backward(float *dx, float *dw, float *db, const float *dout, const float *x, const float *w,
                           const float *mean, const float *rstd, int N, int C);
void pf_rope_forward(float *x, const int32_t *pos, const float *cos, const float *sin, int N, int H, int HS,
                     int interleaved, float sign);

typedef struct {
  const float *q, *k, *v;
  float *out, *lse;
  const float *dout;
  float *dq, *dk, *dv;
  int B, Tq, Tk, kStride, NH, NKV, HS, qPos0;
  const uint8_t *keyMask;
  float scale;
} pf_attention_args;
void pf_attention_forward(const pf_attention_args *a);
void pf_attention_backward(const pf_attention_args *a);

/* decode attention over KV-cache rows (pf_attention_decode.c); shapes in src/engine/backend.ts */
typedef struct {
  const float *q, *k, *v;
  float *kc, *vc, *out;
  const int32_t *rows, *pos0;
  int R, T, cap, NH, NKV, HS;
  float scale;
} pf_decode_attention_args;
void pf_attention_decode(const pf_decode_attention_args *a);

void pf_swiglu_forward(float *out, const float *gate, const float *up, long n);
void pf_swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, long n);
void pf_gelu_forward(float *out, const float *x, long n);
void pf_gelu_backward(float *dx, const float *dout, const float *x, long n);
void pf_softmax_forward(float *out, const float *x, int N, int C);
void pf_softmax_backward(float *dx, const float *dout, const float *y, int N, int C);
void pf_logsoftmax_gather_forward(float *logp, float *lse, const float *logits, const int32_t *targets, int N, int V);
void pf_logsoftmax_gather_backward(float *dlogits, const float *dlogp, const float *logits, const float *lse,
                                   const int32_t *targets, int N, int V);
void pf_axpy(float *y, float a, const float *x, long n);
void pf_add(float *out, const float *x, const float *y, long n);
void pf_mul(float *out, const float *x, const float *y, long n);
void pf_scale(float *x, float a, long n);
double pf_sum_squares(const float *x, long n);
void pf_adamw(float *p, const float *g, float *m, float *v, long n, double lr, double beta1, double beta2, double eps,
              double wd, int step);
#endif
