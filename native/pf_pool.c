/* A persistent pthread pool over all cores (PREFLOOP_THREADS overrides) and instruction-set detection.
 * The calling thread works too; workers spin briefly, then sleep on a condition variable (the machine may
 * be shared, so no long spinning). Not reentrant: a nested or concurrent pf_parallel runs serially. */
#include <pthread.h>
#include <sched.h>
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
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static atomic_int sleepers;
static atomic_flag busy = ATOMIC_FLAG_INIT;
/* One 64-bit word names the job and hands out its tasks: generation (24 bits) | ntasks (20) | next (20).
 * A worker claims task `next` with a CAS, so it can never take a task of a job it did not see begin; the
 * caller waits for `done` (tasks finished), not for every worker, so a descheduled worker (the machine is
 * shared) never stalls a job: the others simply take its share. */
static _Atomic uint64_t ticket;
static atomic_int done;
static pf_task_fn job_fn;
static void *job_ctx;
#define GEN(c) ((uint32_t)((c) >> 40))
#define NTASKS(c) ((int)(((c) >> 20) & 0xFFFFF))
#define NEXT(c) ((int)((c) & 0xFFFFF))

/* Claims and runs tasks of generation gen until none is left; returns how many it ran. */
static void run_tasks(uint32_t gen) {
  for (;;) {
    uint64_t c = atomic_load(&ticket);
    if (GEN(c) != gen || NEXT(c) >= NTASKS(c)) return;
    if (!atomic_compare_exchange_weak(&ticket, &c, c + 1)) continue;
    job_fn(job_ctx, NEXT(c)); /* the job cannot change before this task is counted done */
    atomic_fetch_add(&done, 1);
  }
}

static void *worker(void *arg) {
  (void)arg;
  uint32_t seen = 0;
  for (;;) {
    int spins = 0;
    while (GEN(atomic_load(&ticket)) == seen && spins < 20000) {
      __builtin_ia32_pause();
      spins++;
    }
    if (GEN(atomic_load(&ticket)) == seen) {
      pthread_mutex_lock(&mu);
      atomic_fetch_add(&sleepers, 1);
      while (GEN(atomic_load(&ticket)) == seen) pthread_cond_wait(&wake_cv, &mu);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&mu);
    }
    seen = GEN(atomic_load(&ticket));
    run_tasks(seen);
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
  if (ntasks == 1 || nthreads == 1 || ntasks > 0xFFFFF || atomic_flag_test_and_set(&busy)) {
    for (int t = 0; t < ntasks; t++) fn(ctx, t);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  atomic_store(&done, 0);
  uint32_t gen = (GEN(atomic_load(&ticket)) + 1) & 0xFFFFFF;
  atomic_store(&ticket, ((uint64_t)gen << 40) | ((uint64_t)ntasks << 20));
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&mu);
  }
  run_tasks(gen);
  int spins = 0;
  while (atomic_load(&done) < ntasks) {
    if (++spins < 100000) __builtin_ia32_pause();
    else sched_yield();
  }
  atomic_flag_clear(&busy);
}

/* Below this many multiply-adds a job runs on the calling thread: a pool round trip costs ~2-5 µs when the
 * workers are spinning, tens of µs when they sleep, and milliseconds when the shared machine deschedules a
 * worker holding a task. PREFLOOP_SERIAL_WORK overrides (benchmarks). */
static long serial_work = -1;
void pf_parallel_work(int ntasks, long work, pf_task_fn fn, void *ctx) {
  if (serial_work < 0) {
    const char *e = getenv("PREFLOOP_SERIAL_WORK");
    serial_work = e ? atol(e) : PF_SERIAL_WORK;
  }
  if (work < serial_work) {
    for (int t = 0; t < ntasks; t++) fn(ctx, t);
    return;
  }
  pf_parallel(ntasks, fn, ctx);
}
