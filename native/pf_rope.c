/* Rotary position embedding in place on x [N, H, HS]; backward is the same rotation with sign -1 (the
 * inverse). Layouts: half-split (HF rotate_half: i with i+HS/2) and interleaved pairs (2i, 2i+1). */
#include "pf_common.h"

typedef struct {
  float *x;
  const int32_t *pos;
  const float *cos, *sin;
  int N, H, HS, interleaved, tasks;
  float sign;
} rope_ctx;

PF_INLINE void rope_body(void *v, int t) {
  rope_ctx *g = v;
  int half = g->HS / 2;
  int n0 = (int)((long)g->N * t / g->tasks), n1 = (int)((long)g->N * (t + 1) / g->tasks);
  for (int n = n0; n < n1; n++) {
    const float *c = g->cos + (size_t)g->pos[n] * half, *s = g->sin + (size_t)g->pos[n] * half;
    for (int h = 0; h < g->H; h++) {
      float *x = g->x + ((size_t)n * g->H + h) * g->HS;
      if (g->interleaved) {
        for (int i = 0; i < half; i++) {
          float x1 = x[2 * i], x2 = x[2 * i + 1], sn = g->sign * s[i];
          x[2 * i] = x1 * c[i] - x2 * sn;
          x[2 * i + 1] = x2 * c[i] + x1 * sn;
        }
      } else {
        for (int i = 0; i < half; i++) {
          float x1 = x[i], x2 = x[i + half], sn = g->sign * s[i];
          x[i] = x1 * c[i] - x2 * sn;
          x[i + half] = x2 * c[i] + x1 * sn;
        }
      }
    }
  }
}
PF_MULTIVERSION(rope_task, rope_body)

void pf_rope_forward(float *x, const int32_t *pos, const float *cos, const float *sin, int N, int H, int HS,
                     int interleaved, float sign) {
  rope_ctx g = {x, pos, cos, sin, N, H, HS, interleaved, 1, sign};
  g.tasks = pf_chunks((long)N * H * HS, 16384);
  if (g.tasks > N) g.tasks = N;
  pf_parallel(g.tasks, rope_task, &g);
}
