/*
 * malloc_bench.c — a malloc-heavy benchmark for the shim's overhead: T threads each run N iterations of "free a
 * random block of the working set, malloc a new one of 16..1039 bytes".
 *   use   (default) 1024-block working set, and the program writes each block it gets (memset of the requested
 *         size) and reads one byte of the block it frees, as programs do with memory they allocate;
 *   bare  64-block working set and one byte written: nothing but glibc's tcache fast path, the worst case for any
 *         interposer (every extra call shows at full weight).
 *
 * Two ways to run it:
 *   malloc_bench T N [use|bare]          one timed section (threads started, barrier, join): prints "ns=<elapsed>",
 *                                        so process start-up and the shim's one-time set-up are not part of it. Run
 *                                        once plain and once under LD_PRELOAD for a process-level pair.
 *   malloc_bench T N [use|bare] PAIRS    under LD_PRELOAD of the shim: PAIRS pairs of rounds in one process, each
 *                                        pair one round through malloc/free (the shim, counting) and one through
 *                                        __libc_malloc/__libc_free (glibc itself: what an unpreloaded program runs),
 *                                        in ABBA order. Each mode keeps its own working set, so no block crosses
 *                                        between them. Prints "ratio=<median of per-pair ratios> q1= q3= ...".
 * Why the second: on a shared VM the machine's speed drifts by 20-30 % over seconds, so process-level pairs (about
 * 0.1 s apart) scatter by +-15 %; rounds a few ms apart see the same machine, and the per-pair ratio cancels it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

#define SLOTS 1024
#define MAX_THREADS 64
#define MAX_PAIRS 1000

static long iterations;
static int bare, threads, pairs;
static volatile unsigned long sink;
static pthread_barrier_t start, round_end;
static long long round_ns[2 * MAX_PAIRS][MAX_THREADS]; /* [round][thread] */

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

struct work {
  uint64_t x;
  unsigned char *slots[SLOTS];
};

/* The loop is written twice rather than through a function pointer, so both modes call their allocator directly,
 * exactly as a program would. */
#define WORK_LOOP(MALLOC, FREE)                                                                                     \
  for (long i = 0; i < n; i++) {                                                                                   \
    x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: cheap, deterministic per thread */                       \
    unsigned idx = (unsigned)(x & mask);                                                                           \
    size_t size = 16 + (size_t)((x >> 12) & 1023);                                                                 \
    if (slots[idx] && !bare) sum += slots[idx][0];                                                                 \
    FREE(slots[idx]);                                                                                              \
    slots[idx] = MALLOC(size);                                                                                     \
    if (!slots[idx]) abort();                                                                                      \
    if (bare)                                                                                                      \
      slots[idx][0] = 1;                                                                                           \
    else                                                                                                           \
      memset(slots[idx], (int)(x >> 40), size);                                                                    \
  }

static void run(struct work *w, long n, int direct) {
  uint64_t x = w->x;
  unsigned char **slots = w->slots;
  unsigned mask = bare ? 63 : SLOTS - 1;
  unsigned long sum = 0;
  if (direct) {
    WORK_LOOP(__libc_malloc, __libc_free)
  } else {
    WORK_LOOP(malloc, free)
  }
  w->x = x;
  sink += sum;
}

static void drain(struct work *w, int direct) {
  for (unsigned k = 0; k < SLOTS; k++) direct ? __libc_free(w->slots[k]) : free(w->slots[k]);
}

/* ABBA: pair p is rounds 2p and 2p+1; even pairs start with glibc, odd pairs with the shim. */
static int round_is_direct(int r) { return ((r >> 1) & 1) ? (r & 1) : !(r & 1); }

static void *worker(void *arg) {
  long id = (long)arg;
  struct work *mode[2]; /* [0]: through malloc/free, [1]: glibc directly */
  for (int m = 0; m < 2; m++) {
    mode[m] = calloc(1, sizeof *mode[m]);
    if (!mode[m]) abort();
    mode[m]->x = 0x9e3779b97f4a7c15ull ^ (uint64_t)id;
  }
  if (!pairs) {
    pthread_barrier_wait(&start);
    run(mode[0], iterations, 0);
  } else {
    run(mode[0], iterations, 0); /* warm both working sets */
    run(mode[1], iterations, 1);
    for (int r = 0; r < 2 * pairs; r++) {
      int direct = round_is_direct(r);
      pthread_barrier_wait(&start);
      long long a = now_ns();
      run(mode[direct], iterations, direct);
      round_ns[r][id] = now_ns() - a;
      pthread_barrier_wait(&round_end);
    }
    drain(mode[1], 1);
  }
  drain(mode[0], 0);
  free(mode[0]);
  free(mode[1]);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double quantile(double *v, int n, double q) { return v[(int)(q * (n - 1) + 0.5)]; }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: malloc_bench THREADS ITERATIONS [use|bare] [PAIRS]\n");
    return 2;
  }
  threads = atoi(argv[1]);
  iterations = atol(argv[2]);
  bare = argc > 3 && !strcmp(argv[3], "bare");
  pairs = argc > 4 ? atoi(argv[4]) : 0;
  if (threads < 1 || threads > MAX_THREADS || iterations < 1 || pairs < 0 || pairs > MAX_PAIRS) return 2;
  pthread_t t[MAX_THREADS];
  pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
  pthread_barrier_init(&round_end, NULL, (unsigned)threads + 1);
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  if (!pairs) {
    pthread_barrier_wait(&start);
    long long a = now_ns();
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    printf("ns=%lld\n", now_ns() - a);
    return 0;
  }
  for (int r = 0; r < 2 * pairs; r++) {
    pthread_barrier_wait(&start);
    pthread_barrier_wait(&round_end);
  }
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  /* A round lasts as long as its slowest thread; each thread timed itself (the main thread's wake-up latency at a
   * barrier is not part of any round). */
  static double ratio[MAX_PAIRS], shim_ms[MAX_PAIRS], glibc_ms[MAX_PAIRS];
  for (int p = 0; p < pairs; p++) {
    long long ms[2] = {0, 0}; /* [0] shim, [1] glibc */
    for (int k = 0; k < 2; k++) {
      int r = 2 * p + k;
      int direct = round_is_direct(r);
      for (int i = 0; i < threads; i++)
        if (round_ns[r][i] > ms[direct]) ms[direct] = round_ns[r][i];
    }
    ratio[p] = (double)ms[0] / (double)ms[1];
    shim_ms[p] = ms[0] / 1e6;
    glibc_ms[p] = ms[1] / 1e6;
  }
  qsort(ratio, pairs, sizeof ratio[0], cmp_double);
  qsort(shim_ms, pairs, sizeof shim_ms[0], cmp_double);
  qsort(glibc_ms, pairs, sizeof glibc_ms[0], cmp_double);
  printf("ratio=%.4f q1=%.4f q3=%.4f shim_ms=%.3f glibc_ms=%.3f pairs=%d\n", quantile(ratio, pairs, 0.5),
         quantile(ratio, pairs, 0.25), quantile(ratio, pairs, 0.75), quantile(shim_ms, pairs, 0.5),
         quantile(glibc_ms, pairs, 0.5), pairs);
  return 0;
}
