/* A persistent pthread pool over all cores (PREFLOOP_THREADS overrides) and instruction-set detection.
 * The calling thread works too; workers spin briefly, then sleep on a condition variable (the machine may
 * be shared, so no long spinning). Not reentrant: a nested or concurrent pf_parallel runs serially. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "pf_common.h"

#define PF_MAX_THREADS 256

int pf_isa = PF_ISA_SCALAR;

void pf_isa_init(void) {
  __builtin_cpu_init();
  const char *force = getenv("PREFLOOP_ISA"); /* testing aid: scalar | avx2 | avx512 */
  int best = PF_ISA_SCALAR;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = PF_ISA_AVX2;
  if (best == PF_ISA_AVX2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    best = PF_ISA_AVX512;
  if (force && strcmp(force, "scalar") == 0) best = PF_ISA_SCALAR;
  else if (force && strcmp(force, "avx2") == 0 && best >= PF_ISA_AVX2) best = PF_ISA_AVX2;
  pf_isa = best;
}

const char *pf_isa_name(void) {
  return pf_isa == PF_ISA_AVX512 ? "avx512" : pf_isa == PF_ISA_AVX2 ? "avx2" : "scalar";
}

static int nthreads = 1;
static pthread_t workers[PF_MAX_THREADS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static atomic_long generation;
static atomic_int next_task;
static atomic_int active;
static atomic_flag busy = ATOMIC_FLAG_INIT;
static pf_task_fn job_fn;
static void *job_ctx;
static int job_n;

static void run_tasks(void) {
  int t;
  while ((t = atomic_fetch_add(&next_task, 1)) < job_n) job_fn(job_ctx, t);
}

static void *worker(void *arg) {
  (void)arg;
  long seen = 0;
  for (;;) {
    int spins = 0;
    while (atomic_load(&generation) == seen && spins < 20000) {
      __builtin_ia32_pause();
      spins++;
    }
    if (atomic_load(&generation) == seen) {
      pthread_mutex_lock(&mu);
      while (atomic_load(&generation) == seen) pthread_cond_wait(&start_cv, &mu);
      pthread_mutex_unlock(&mu);
    }
    seen = atomic_load(&generation);
    run_tasks();
    if (atomic_fetch_sub(&active, 1) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_signal(&done_cv);
      pthread_mutex_unlock(&mu);
    }
  }
  return NULL;
}

void pf_pool_init(int threads) {
  if (threads < 1) threads = 1;
  if (threads > PF_MAX_THREADS) threads = PF_MAX_THREADS;
  nthreads = threads;
  for (int i = 0; i < nthreads - 1; i++) {
    pthread_create(&workers[i], NULL, worker, NULL);
    pthread_detach(workers[i]);
  }
}

int pf_threads(void) { return nthreads; }

void pf_parallel(int ntasks, pf_task_fn fn, void *ctx) {
  if (ntasks <= 0) return;
  if (ntasks == 1 || nthreads == 1 || atomic_flag_test_and_set(&busy)) {
    for (int t = 0; t < ntasks; t++) fn(ctx, t);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_n = ntasks;
  atomic_store(&next_task, 0);
  atomic_store(&active, nthreads - 1);
  pthread_mutex_lock(&mu);
  atomic_fetch_add(&generation, 1);
  pthread_cond_broadcast(&start_cv);
  pthread_mutex_unlock(&mu);
  run_tasks();
  /* wait for workers to leave run_tasks (they may still hold a task) */
  int spins = 0;
  while (atomic_load(&active) > 0 && spins < 200000) {
    __builtin_ia32_pause();
    spins++;
  }
  if (atomic_load(&active) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load(&active) > 0) pthread_cond_wait(&done_cv, &mu);
    pthread_mutex_unlock(&mu);
  }
  atomic_flag_clear(&busy);
}
