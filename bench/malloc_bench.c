/*
 * malloc_bench.c — a malloc-heavy benchmark for the shim's overhead: T threads each run N iterations of "free a
 * random block of the working set, malloc a new one of 16..1039 bytes".
 *   use   (default) 1024-block working set, and the program writes each block it gets (memset of the requested
 *         size) and reads one byte of the block it frees, as programs do with memory they allocate;
 *   bare  64-block working set and one byte written: nothing but glibc's tcache fast path, the worst case for any
 *         interposer (every extra call shows at full weight).
 * Prints "ns=<elapsed>" for the timed section only (threads started, barrier, join), so process start-up and the
 * shim's one-time segment creation are not part of the ratio.
 *   usage: malloc_bench THREADS ITERATIONS [use|bare]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long iterations;
static int bare;
static volatile unsigned long sink;
static pthread_barrier_t start;

#define SLOTS 1024

static void *worker(void *arg) {
  uint64_t x = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)arg;
  static __thread unsigned char *slots[SLOTS];
  unsigned mask = bare ? 63 : SLOTS - 1;
  unsigned long sum = 0;
  pthread_barrier_wait(&start);
  for (long i = 0; i < iterations; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: cheap, deterministic per thread */
    unsigned idx = (unsigned)(x & mask);
    size_t size = 16 + (size_t)((x >> 12) & 1023);
    if (slots[idx] && !bare) sum += slots[idx][0];
    free(slots[idx]);
    slots[idx] = malloc(size);
    if (!slots[idx]) abort();
    if (bare)
      slots[idx][0] = 1;
    else
      memset(slots[idx], (int)(x >> 40), size);
  }
  for (unsigned k = 0; k < SLOTS; k++) free(slots[k]);
  sink += sum;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: malloc_bench THREADS ITERATIONS [use|bare]\n");
    return 2;
  }
  int threads = atoi(argv[1]);
  iterations = atol(argv[2]);
  bare = argc > 3 && !strcmp(argv[3], "bare");
  if (threads < 1 || threads > 256 || iterations < 1) return 2;
  pthread_t t[256];
  pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, (void *)(i + 1));
  struct timespec a, b;
  pthread_barrier_wait(&start);
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("ns=%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return 0;
}
