/* sgemm, C = alpha op(A) op(B) + beta C (row-major), after the BLIS/GotoBLAS design: op(A) packed into
 * MR-row slivers, op(B) into NR-column slivers (zero-padded), a register-tiled MR×NR micro-kernel per ISA
 * (AVX-512 12×32, AVX2+FMA 6×16, baseline 4×8), tasks of sliver blocks spread over the pool. Skinny
 * products (m <= 32 rows, decoding a few streams) take a packing-free path that streams B once for all rows. Backward is two more matmuls: src/engine/ops/matmul-grad.ts. */
#include <stdlib.h>

#include "pf_common.h"

#define KC 256
#define NC 3072
/* multiply-adds per task: below one task a matmul runs on the calling thread (see PF_SERIAL_WORK) */
#define PF_MATMUL_GRAIN PF_SERIAL_WORK

/* rows up to which the skinny (packing-free) path is used: measured faster than packing up to ~40 rows on
 * 768-32000 wide Linear weights (bench/skinny-matmul.ts); PREFLOOP_SKINNY_M overrides (benchmarks) */
static int skinny_max_m(void) {
  static int v = -1;
  if (v < 0) {
    const char *e = getenv("PREFLOOP_SKINNY_M");
    v = e ? atoi(e) : 32;
  }
  return v;
}

typedef struct {
  const float *a, *b;
  float *c;
  int m, n, k, transA, transB;
  float alpha, beta;
  /* current block */
  int p0, kc, j0, nc, mr, nr;
  float *apack, *bpack;
  int ga, gb, tasksA, tasksB; /* task = ga A-slivers × gb B-slivers */
  int first;
  int packA; /* A slivers to pack in the current packing region (0 after the first column block) */
} gemm_ctx;

/* per calling thread: a second JS thread (worker_threads) gets its own panels */
static __thread float *abuf, *bbuf;
static __thread size_t abuf_n, bbuf_n;

static float *grow(float **buf, size_t *have, size_t need) {
  if (need > *have) {
    free(*buf);
    if (posix_memalign((void **)buf, 64, need * sizeof(float)) != 0) *buf = NULL;
    *have = *buf ? need : 0;
  }
  return *buf;
}

/* one A sliver: rows i0..i0+mr of op(A), columns p0..p0+kc -> dst[p*mr + r]; loops run along memory */
static void pack_a_task(void *vctx, int s) {
  gemm_ctx *g = vctx;
  int mr = g->mr, i0 = s * mr, rows = g->m - i0 < mr ? g->m - i0 : mr;
  float *dst = g->apack + (size_t)s * mr * g->kc;
  if (g->transA) { /* A stored [K,M]: a row of A holds mr consecutive values of this sliver */
    for (int p = 0; p < g->kc; p++) {
      const float *src = g->a + (size_t)(g->p0 + p) * g->m + i0;
      for (int r = 0; r < rows; r++) dst[p * mr + r] = src[r];
      for (int r = rows; r < mr; r++) dst[p * mr + r] = 0;
    }
    return;
  }
  for (int r = 0; r < mr; r++) {
    if (r >= rows) {
      for (int p = 0; p < g->kc; p++) dst[p * mr + r] = 0;
      continue;
    }
    const float *src = g->a + (size_t)(i0 + r) * g->k + g->p0;
    for (int p = 0; p < g->kc; p++) dst[p * mr + r] = src[p];
  }
}

/* one B sliver: columns j..j+nr of op(B), rows p0..p0+kc -> dst[p*nr + c]; loops run along memory */
static void pack_b_task(void *vctx, int s) {
  gemm_ctx *g = vctx;
  int nr = g->nr, j0 = g->j0 + s * nr;
  float *dst = g->bpack + (size_t)s * nr * g->kc;
  int cols = g->n - j0 < nr ? g->n - j0 : nr;
  if (g->transB) { /* B stored [N,K]: a row of B is one column of this sliver */
    for (int c = 0; c < nr; c++) {
      if (c >= cols) {
        for (int p = 0; p < g->kc; p++) dst[p * nr + c] = 0;
        continue;
      }
      const float *src = g->b + (size_t)(j0 + c) * g->k + g->p0;
      for (int p = 0; p < g->kc; p++) dst[p * nr + c] = src[p];
    }
    return;
  }
  for (int p = 0; p < g->kc; p++) {
    const float *src = g->b + (size_t)(g->p0 + p) * g->n + j0;
    for (int c = 0; c < cols; c++) dst[p * nr + c] = src[c];
    for (int c = cols; c < nr; c++) dst[p * nr + c] = 0;
  }
}

static void pack_task(void *vctx, int t) {
  gemm_ctx *g = vctx;
  if (t < g->packA) pack_a_task(vctx, t);
  else pack_b_task(vctx, t - g->packA);
}

/* The micro-kernel: acc[MR][NR] over kc, then C = alpha acc + (first ? beta : 1) C (beta 0: no read). */
#define PF_GEMM_KERNEL(NAME, TARGET, VT, VTU, W, MR, NV, BCAST)                                                    \
  TARGET static void NAME(int kc, const float *restrict A, const float *restrict B, float *C, int ldc, int mr,  \
                          int nr, float alpha, float beta) {                                                  \
    VT acc[MR][NV];                                                                                           \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                                     \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] = (VT){0};                              \
    for (int p = 0; p < kc; p++) {                                                                            \
      VT bv[NV];                                                                                              \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) bv[v] = *(const VT *)(B + p * (W * NV) + v * W);  \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++) {                                                 \
        VT av = BCAST(A[p * MR + r]); /* not 0 + x: that cannot fold (-0) and costs an add + a register */  \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] += av * bv[v];                          \
      }                                                                                                       \
    }                                                                                                         \
    if (mr == MR && nr == W * NV) {                                                                           \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++) _Pragma("GCC unroll 4") for (int v = 0; v < NV;  \
                                                                                         v++) {               \
        VTU *dst = (VTU *)(C + (size_t)r * ldc + v * W);                                                      \
        *dst = beta == 0 ? alpha * acc[r][v] : alpha * acc[r][v] + beta * *dst;                               \
      }                                                                                                       \
      return;                                                                                                 \
    }                                                                                                         \
    for (int r = 0; r < mr; r++)                                                                              \
      for (int c = 0; c < nr; c++) {                                                                          \
        float *dst = C + (size_t)r * ldc + c;                                                                 \
        float val = alpha * acc[r][c / W][c % W];                                                             \
        *dst = beta == 0 ? val : val + beta * *dst;                                                           \
      }                                                                                                       \
  }

#define BCAST8(x) ((pf_v8){x, x, x, x, x, x, x, x})
#define BCAST16(x) ((pf_v16){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x})
PF_GEMM_KERNEL(kernel_avx512, PF_TARGET_AVX512, pf_v16, pf_v16u, 16, 12, 2, BCAST16)
PF_GEMM_KERNEL(kernel_avx2, PF_TARGET_AVX2, pf_v8, pf_v8u, 8, 6, 2, BCAST8)
PF_GEMM_KERNEL(kernel_scalar, , pf_v8, pf_v8u, 8, 4, 1, BCAST8)

static void compute_task(void *vctx, int t) {
  gemm_ctx *g = vctx;
  int ta = t / g->tasksB, tb = t % g->tasksB;
  int sa0 = ta * g->ga, sb0 = tb * g->gb;
  int slA = (g->m + g->mr - 1) / g->mr, slB = (g->nc + g->nr - 1) / g->nr;
  int sa1 = sa0 + g->ga < slA ? sa0 + g->ga : slA;
  int sb1 = sb0 + g->gb < slB ? sb0 + g->gb : slB;
  float beta = g->first ? g->beta : 1.0f;
  for (int sb = sb0; sb < sb1; sb++) {
    int j = g->j0 + sb * g->nr;
    int nr = g->n - j < g->nr ? g->n - j : g->nr;
    const float *B = g->bpack + (size_t)sb * g->nr * g->kc;
    for (int sa = sa0; sa < sa1; sa++) {
      int i = sa * g->mr;
      int mr = g->m - i < g->mr ? g->m - i : g->mr;
      const float *A = g->apack + (size_t)sa * g->mr * g->kc;
      float *C = g->c + (size_t)i * g->n + j;
      if (pf_isa == PF_ISA_AVX512) kernel_avx512(g->kc, A, B, C, g->n, mr, nr, g->alpha, beta);
      else if (pf_isa == PF_ISA_AVX2) kernel_avx2(g->kc, A, B, C, g->n, mr, nr, g->alpha, beta);
      else kernel_scalar(g->kc, A, B, C, g->n, mr, nr, g->alpha, beta);
    }
  }
}

/* ---- skinny m (decoding, a few streams): no packing; every weight row is read from memory once and
 * used for all m rows of A while it sits in L1. Tasks are column ranges of C. ---- */
typedef float pf_v4 __attribute__((vector_size(16)));
typedef float pf_v4u __attribute__((vector_size(16), aligned(4)));
#define SK_MAXM 5 /* register tile bounds; MB, JB are compile-time constants after inlining */

/* lane sums by halving (a few vector adds, not W dependent scalar adds: with short K they dominated) */
typedef union { pf_v16 v; pf_v8 h[2]; } sk_u16;
typedef union { pf_v8 v; pf_v4 h[2]; } sk_u8;
PF_INLINE float sk_hsum_v4(pf_v4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }
PF_INLINE float sk_hsum_v8(pf_v8 v) {
  sk_u8 u = {v};
  return sk_hsum_v4(u.h[0] + u.h[1]);
}
PF_INLINE float sk_hsum_v16(pf_v16 v) {
  sk_u16 u = {v};
  return sk_hsum_v8(u.h[0] + u.h[1]);
}
/* the four lane sums of x0..x3 at once: pairwise shuffles, a transposed reduction */
typedef int32_t sk_i8 __attribute__((vector_size(32)));
typedef int32_t sk_i4 __attribute__((vector_size(16)));
PF_INLINE pf_v4 sk_hsum4_v8(pf_v8 x0, pf_v8 x1, pf_v8 x2, pf_v8 x3) {
  const sk_i8 ev = {0, 8, 2, 10, 4, 12, 6, 14}, od = {1, 9, 3, 11, 5, 13, 7, 15};
  const sk_i8 lo = {0, 1, 8, 9, 4, 5, 12, 13}, hi = {2, 3, 10, 11, 6, 7, 14, 15};
  pf_v8 t0 = __builtin_shuffle(x0, x1, ev) + __builtin_shuffle(x0, x1, od);
  pf_v8 t1 = __builtin_shuffle(x2, x3, ev) + __builtin_shuffle(x2, x3, od);
  sk_u8 u = {__builtin_shuffle(t0, t1, lo) + __builtin_shuffle(t0, t1, hi)};
  return u.h[0] + u.h[1];
}
PF_INLINE pf_v4 sk_hsum4_v16(pf_v16 x0, pf_v16 x1, pf_v16 x2, pf_v16 x3) {
  sk_u16 a = {x0}, b = {x1}, c = {x2}, d = {x3};
  return sk_hsum4_v8(a.h[0] + a.h[1], b.h[0] + b.h[1], c.h[0] + c.h[1], d.h[0] + d.h[1]);
}
PF_INLINE pf_v4 sk_hsum4_v4(pf_v4 x0, pf_v4 x1, pf_v4 x2, pf_v4 x3) {
  const sk_i4 ev = {0, 4, 2, 6}, od = {1, 5, 3, 7}, lo = {0, 1, 4, 5}, hi = {2, 3, 6, 7};
  pf_v4 t0 = __builtin_shuffle(x0, x1, ev) + __builtin_shuffle(x0, x1, od); /* x0_01 x1_01 x0_23 x1_23 */
  pf_v4 t1 = __builtin_shuffle(x2, x3, ev) + __builtin_shuffle(x2, x3, od);
  return __builtin_shuffle(t0, t1, lo) + __builtin_shuffle(t0, t1, hi);
}
#define SK_MAXJ 8
#define SK_NT_MAXM 8 /* rows of a [K,N] tile: 8×2 accumulators + 2 B vectors fit 32 zmm */
#ifndef SK_WIDE1 /* 0: single rows use the 4-column tile too (A/B builds) */
#define SK_WIDE1 1
#endif

/* transB (B stored [N,K], torch Linear weights): C[i,j] = alpha Σ_p A[i,p] B[j,p] + beta C[i,j], as a
 * MB×JB tile of dot products with vector accumulators, reduced across lanes once at the end. */
#define SK_DEFINE(SUF, VT, VTU, W)                                                                            \
  PF_INLINE void sk_tb_tile_##SUF(const gemm_ctx *g, int i0, int j0, int MB, int JB) {                        \
    const int K = g->k;                                                                                       \
    const float *a = g->a + (size_t)i0 * K, *b = g->b + (size_t)j0 * K;                                       \
    VT acc[SK_MAXM][SK_MAXJ];                                                                                 \
    _Pragma("GCC unroll 4") for (int i = 0; i < MB; i++) _Pragma("GCC unroll 8") for (int j = 0; j < JB; j++) \
        acc[i][j] = (VT){0};                                                                                  \
    int p = 0;                                                                                                \
    /* several rows of A: the tile computes longer per weight line than one row does, and streaming only its  \
     * own JB weight rows left memory idle; prefetching the next tile's rows keeps twice as many in flight */  \
    const int pfn = MB > 1 ? (g->n - j0 - JB < JB ? g->n - j0 - JB : JB) : 0;                                 \
    const float *bn = b + (size_t)JB * K;                                                                     \
    for (; p + W <= K; p += W) {                                                                              \
      VT bv[SK_MAXJ];                                                                                         \
      for (int j = 0; j < pfn; j++) __builtin_prefetch(bn + (size_t)j * K + p);                               \
      _Pragma("GCC unroll 8") for (int j = 0; j < JB; j++) bv[j] = *(const VTU *)(b + (size_t)j * K + p);    \
      _Pragma("GCC unroll 4") for (int i = 0; i < MB; i++) {                                                  \
        VT av = *(const VTU *)(a + (size_t)i * K + p);                                                        \
        _Pragma("GCC unroll 8") for (int j = 0; j < JB; j++) acc[i][j] += av * bv[j];                         \
      }                                                                                                       \
    }                                                                                                         \
    for (int i = 0; i < MB; i++) {                                                                            \
      pf_v4 s4[SK_MAXJ / 4]; /* JB is a constant after inlining: transposed reductions of four columns */   \
      if (JB % 4 == 0)                                                                                        \
        for (int q = 0; q < JB / 4; q++)                                                                      \
          s4[q] = sk_hsum4_##SUF(acc[i][4 * q], acc[i][4 * q + 1], acc[i][4 * q + 2], acc[i][4 * q + 3]);     \
      for (int j = 0; j < JB; j++) {                                                                          \
        float s = JB % 4 == 0 ? s4[j / 4][j % 4] : sk_hsum_##SUF(acc[i][j]);                                  \
        for (int q = p; q < K; q++) s += a[(size_t)i * K + q] * b[(size_t)j * K + q];                         \
        float *dst = g->c + (size_t)(i0 + i) * g->n + j0 + j;                                                 \
        *dst = g->beta == 0 ? g->alpha * s : g->alpha * s + g->beta * *dst;                                   \
      }                                                                                                       \
    }                                                                                                         \
  }                                                                                                           \
  /* B stored [K,N]: a tile of MB rows × JV vectors of columns, B row slices streamed along p; `cols` < W*JV   \
   * (JV 1) is a partial last vector, its missing lanes read as 0 and never stored */                        \
  PF_INLINE void sk_nt_tile_##SUF(const gemm_ctx *g, int i0, int j0, int MB, int JV, int cols) {              \
    const int K = g->k, N = g->n;                                                                             \
    /* PU independent partial sums over p: a small tile has too few accumulators to hide the FMA latency */  \
    const int PU = MB * JV >= 8 ? 1 : MB * JV >= 4 ? 2 : 4;                                                   \
    VT acc[4][SK_NT_MAXM][2];                                                                                 \
    _Pragma("GCC unroll 4") for (int u = 0; u < PU; u++) _Pragma("GCC unroll 8") for (int i = 0; i < MB; i++) \
        _Pragma("GCC unroll 2") for (int v = 0; v < JV; v++) acc[u][i][v] = (VT){0};                          \
    for (int p = 0; p < K; p += PU) {                                                                         \
      _Pragma("GCC unroll 4") for (int u = 0; u < PU; u++) {                                                  \
        if (PU > 1 && p + u >= K) break;                                                                      \
        VT bv[2];                                                                                             \
        const float *brow = g->b + (size_t)(p + u) * N + j0;                                                  \
        if (cols == W * JV) {                                                                                 \
          _Pragma("GCC unroll 2") for (int v = 0; v < JV; v++) bv[v] = *(const VTU *)(brow + v * W);          \
        } else if ((size_t)(p + u) * N + j0 + W <= (size_t)K * N) {                                           \
          bv[0] = *(const VTU *)brow; /* lanes past cols read the next row: independent lanes, never stored */ \
        } else {                                                                                              \
          union { VT v; float f[W]; } t = {(VT){0}};                                                          \
          for (int c = 0; c < cols; c++) t.f[c] = brow[c];                                                    \
          bv[0] = t.v;                                                                                        \
        }                                                                                                     \
        _Pragma("GCC unroll 8") for (int i = 0; i < MB; i++) {                                                \
          float av = g->a[(size_t)(i0 + i) * K + p + u];                                                      \
          _Pragma("GCC unroll 2") for (int v = 0; v < JV; v++) acc[u][i][v] += av * bv[v];                    \
        }                                                                                                     \
      }                                                                                                       \
    }                                                                                                         \
    _Pragma("GCC unroll 4") for (int u = 1; u < PU; u++) _Pragma("GCC unroll 8") for (int i = 0; i < MB; i++) \
        _Pragma("GCC unroll 2") for (int v = 0; v < JV; v++) acc[0][i][v] += acc[u][i][v];                    \
    const float alpha = g->alpha, beta = g->beta;                                                             \
    for (int i = 0; i < MB; i++) {                                                                            \
      float *row = g->c + (size_t)(i0 + i) * N + j0;                                                          \
      if (cols == W * JV)                                                                                     \
        for (int v = 0; v < JV; v++) {                                                                        \
          VTU *dst = (VTU *)(row + v * W);                                                                    \
          *dst = beta == 0 ? alpha * acc[0][i][v] : alpha * acc[0][i][v] + beta * *dst;                       \
        }                                                                                                     \
      else                                                                                                    \
        for (int c = 0; c < cols; c++) row[c] = beta == 0 ? alpha * acc[0][i][0][c] : alpha * acc[0][i][0][c] + beta * row[c]; \
    }                                                                                                         \
  }                                                                                                           \
  /* all m rows of one column block, in tiles of up to NTM rows (constants after inlining) */                 \
  PF_INLINE void sk_nt_rows_##SUF(const gemm_ctx *g, int j, int JV, int cols, int NTM) {                      \
    int i = 0, m = g->m;                                                                                      \
    for (; i + NTM <= m; i += NTM) sk_nt_tile_##SUF(g, i, j, NTM, JV, cols);                                  \
    switch (m - i) {                                                                                          \
    case 1: sk_nt_tile_##SUF(g, i, j, 1, JV, cols); break;                                                    \
    case 2: sk_nt_tile_##SUF(g, i, j, 2, JV, cols); break;                                                    \
    case 3: sk_nt_tile_##SUF(g, i, j, 3, JV, cols); break;                                                    \
    case 4: if (NTM > 4) sk_nt_tile_##SUF(g, i, j, 4, JV, cols); break;                                       \
    case 5: if (NTM > 5) sk_nt_tile_##SUF(g, i, j, 5, JV, cols); break;                                       \
    case 6: if (NTM > 6) sk_nt_tile_##SUF(g, i, j, 6, JV, cols); break;                                       \
    case 7: if (NTM > 7) sk_nt_tile_##SUF(g, i, j, 7, JV, cols); break;                                       \
    }                                                                                                         \
  }                                                                                                           \
  /* columns [j0, j1): weight rows outermost so each is fetched once, all m rows innermost */                \
  PF_INLINE void sk_task_##SUF(void *vctx, int t, int MB, int JB, int NTM) {                                           \
    const gemm_ctx *g = vctx;                                                                                 \
    int j0 = t * g->gb, j1 = j0 + g->gb < g->n ? j0 + g->gb : g->n, m = g->m;                                 \
    if (g->transB) {                                                                                          \
      int j = j0;                                                                                             \
      for (; j + JB <= j1; j += JB) {                                                                         \
        int i = 0;                                                                                            \
        for (; i + MB <= m; i += MB) sk_tb_tile_##SUF(g, i, j, MB, JB);                                       \
        if (m - i >= 2 && MB > 2) sk_tb_tile_##SUF(g, i, j, 2, JB), i += 2;                                    \
        if (i < m) sk_tb_tile_##SUF(g, i, j, 1, JB), i++;                                                     \
        if (i < m) sk_tb_tile_##SUF(g, i, j, 1, JB);                                                          \
      }                                                                                                       \
      for (; j < j1; j++) {                                                                                   \
        int i = 0;                                                                                            \
        for (; i + MB <= m; i += MB) sk_tb_tile_##SUF(g, i, j, MB, 1);                                        \
        for (; i < m; i++) sk_tb_tile_##SUF(g, i, j, 1, 1);                                                   \
      }                                                                                                       \
      return;                                                                                                 \
    }                                                                                                         \
    int j = j0;                                                                                               \
    for (; j + 2 * W <= j1; j += 2 * W) sk_nt_rows_##SUF(g, j, 2, 2 * W, NTM);                                \
    if (j + W <= j1) sk_nt_rows_##SUF(g, j, 1, W, NTM), j += W;                                                \
    if (j < j1) sk_nt_rows_##SUF(g, j, 1, j1 - j, NTM); /* fewer than W columns left */                       \
  }
SK_DEFINE(v16, pf_v16, pf_v16u, 16)
SK_DEFINE(v8, pf_v8, pf_v8u, 8)
SK_DEFINE(v4, pf_v4, pf_v4u, 4)
/* tiles fit the register files: AVX-512 4×4 (or 5×4) of 32 zmm (1×8 for one row: more weight rows in flight measured
 * ~15% faster on a 98 MB head), AVX2 2×4 of 16 ymm, SSE2 1×4 of 16 xmm */
PF_TARGET_AVX512 static void skinny_avx512(void *ctx, int t) {
  int m = ((const gemm_ctx *)ctx)->m;
  if (SK_WIDE1 && m == 1) sk_task_v16(ctx, t, 1, 8, 8);
  else if (m % 5 == 0) sk_task_v16(ctx, t, 5, 4, 8); /* 5×4 fits (25 zmm) and reads weights once for 5 rows */
  else sk_task_v16(ctx, t, 4, 4, 8);
}
PF_TARGET_AVX2 static void skinny_avx2(void *ctx, int t) { sk_task_v8(ctx, t, 2, 4, 4); }
static void skinny_scalar(void *ctx, int t) { sk_task_v4(ctx, t, 1, 4, 4); }
static void skinny_task(void *ctx, int t) {
  if (pf_isa == PF_ISA_AVX512) skinny_avx512(ctx, t);
  else if (pf_isa == PF_ISA_AVX2) skinny_avx2(ctx, t);
  else skinny_scalar(ctx, t);
}

void pf_matmul(const float *a, const float *b, float *c, int m, int n, int k, int transA, int transB, float alpha,
               float beta) {
  gemm_ctx g = {a, b, c, m, n, k, transA, transB, alpha, beta};
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (size_t i = 0; i < (size_t)m * n; i++) c[i] = beta == 0 ? 0 : beta * c[i];
    return;
  }
  if (m <= skinny_max_m() && !transA) {
    /* column ranges in multiples of 32 (whole register tiles), a few per thread so a descheduled thread's
     * share is picked up by the others; tiny products stay on the calling thread */
    int tasks = pf_chunks((long)n * k * m, PF_MATMUL_GRAIN);
    int per = ((n + tasks - 1) / tasks + 31) / 32 * 32;
    g.gb = per;
    pf_parallel((n + per - 1) / per, skinny_task, &g);
    return;
  }
  g.mr = pf_isa == PF_ISA_AVX512 ? 12 : pf_isa == PF_ISA_AVX2 ? 6 : 4;
  g.nr = pf_isa == PF_ISA_AVX512 ? 32 : pf_isa == PF_ISA_AVX2 ? 16 : 8;
  int slA = (m + g.mr - 1) / g.mr;
  for (g.p0 = 0; g.p0 < k; g.p0 += KC) {
    g.kc = k - g.p0 < KC ? k - g.p0 : KC;
    g.first = g.p0 == 0;
    g.apack = grow(&abuf, &abuf_n, (size_t)slA * g.mr * KC);
    for (g.j0 = 0; g.j0 < n; g.j0 += NC) {
      g.nc = n - g.j0 < NC ? n - g.j0 : NC;
      int slB = (g.nc + g.nr - 1) / g.nr;
      g.bpack = grow(&bbuf, &bbuf_n, (size_t)slB * g.nr * KC);
      /* one parallel region packs both panels (A only with the first column block): fewer barriers,
       * which is what costs most when the machine is shared and a thread gets descheduled */
      g.packA = g.j0 == 0 ? slA : 0;
      pf_parallel(g.packA + slB, pack_task, &g);
      /* blocks of ~96 rows × 256 columns, made smaller until every thread has a few */
      g.ga = 96 / g.mr;
      g.gb = 256 / g.nr;
      for (;;) {
        g.tasksA = (slA + g.ga - 1) / g.ga;
        g.tasksB = (slB + g.gb - 1) / g.gb;
        if (g.tasksA * g.tasksB >= 4 * pf_threads() || (g.ga == 1 && g.gb == 1)) break;
        if (g.ga >= g.gb && g.ga > 1) g.ga /= 2;
        else g.gb /= 2;
      }
      pf_parallel(g.tasksA * g.tasksB, compute_task, &g);
    }
  }
}
