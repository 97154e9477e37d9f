/*
 * shim_internal.h — declarations shared by the shim's C files (shim.c: malloc hooks, shim_segment.c: segment and
 * thread slots, shim_signals.c: signal/timer/exec history). Not installed, not read by the reader.
 *
 * Constraints that hold for everything declared here: no C++ runtime, no locks and no syscalls on the malloc path,
 * no allocation anywhere in the shim except what libc does inside dladdr/fnmatch (run under the recursion guard).
 */
#ifndef PERFTOP_SHIM_INTERNAL_H
#define PERFTOP_SHIM_INTERNAL_H

#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "perftop_segment.h"

#define PT_EXPORT __attribute__((visibility("default")))
#define PT_LIKELY(x) __builtin_expect(!!(x), 1)
#define PT_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The next allocator in the chain (glibc malloc, or an LD_PRELOADed tcmalloc after us). */
struct pt_real {
  void *(*malloc)(size_t);
  void (*free)(void *);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void *(*memalign)(size_t, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*usable)(void *);
  /* signal/timer/exec family */
  int (*sigaction)(int, const struct sigaction *, struct sigaction *);
  sighandler_t (*signal)(int, sighandler_t);
  sighandler_t (*bsd_signal)(int, sighandler_t);
  sighandler_t (*sigset)(int, sighandler_t);
  int (*setitimer)(__itimer_which_t, const struct itimerval *, struct itimerval *);
  unsigned (*alarm)(unsigned);
  int (*timer_create)(clockid_t, struct sigevent *, timer_t *);
  int (*timer_settime)(timer_t, int, const struct itimerspec *, struct itimerspec *);
  int (*timer_delete)(timer_t);
  int (*execve)(const char *, char *const[], char *const[]);
  int (*execvpe)(const char *, char *const[], char *const[]);
  int (*fexecve)(int, char *const[], char *const[]);
};
extern struct pt_real pt_real;

/* Resolve pt_real (idempotent; while it runs, allocations are served from a static pool). */
void pt_ensure_hooks(void);
/* Enable the inline glibc usable-size when the next allocator is glibc and it checks out (shim.c). */
void pt_detect_glibc(void);

/* The segment this image writes, or NULL (no session, not matching, or creation failed). */
extern struct pt_header *pt_seg;

/* Per-thread state. pt_tls_slot is the only thing the hot path reads. */
enum pt_tls_mode { PT_TLS_NEW = 0, PT_TLS_SHARED = 1, PT_TLS_OFF = 2 };
extern __thread struct pt_slot *pt_tls_slot;

/* Slow path of the counters: the thread has no slot yet, has lost it (exit), or the process counts nothing. */
void pt_slow_alloc(size_t n);
void pt_slow_free(size_t n);

/* Recursion guard: while held, this thread's allocations are not counted and wrappers do not record. */
struct pt_guard {
  struct pt_slot *saved;
  int entered;
};
int pt_guard_enter(struct pt_guard *g); /* 0 if the guard was already held (caller must not record) */
void pt_guard_leave(struct pt_guard *g);

/* Signal-safe counter add: one non-locked instruction on x86_64, so a handler on the same thread that mallocs
 * cannot lose an update; only the owning thread writes these words. */
static inline void pt_add(uint64_t *p, uint64_t v) {
#if defined(__x86_64__)
  __asm__ volatile("addq %1, %0" : "+m"(*p) : "er"(v));
#else
  __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
#endif
}

/* The same, returning the new value: a non-locked xadd (still one instruction, so still signal-safe) saves the
 * store-forwarding stall of re-reading the word just added to. */
static inline uint64_t pt_add_fetch(uint64_t *p, uint64_t v) {
#if defined(__x86_64__)
  uint64_t old = v;
  __asm__ volatile("xaddq %0, %1" : "+r"(old), "+m"(*p));
  return old + v;
#else
  uint64_t now = __atomic_load_n(p, __ATOMIC_RELAXED) + v;
  __atomic_store_n(p, now, __ATOMIC_RELAXED);
  return now;
#endif
}

void pt_publish(struct pt_slot *s);

/* No word is touched twice per call: each counter is its own short dependency chain, and the batch check for the
 * process-wide live total reuses the live value the peak needs anyway. */
static inline void pt_count_alloc(struct pt_slot *s, size_t n) {
  pt_add(&s->allocs, 1);
  uint64_t ab = pt_add_fetch(&s->alloc_bytes, n);
  int64_t live = (int64_t)(ab - __atomic_load_n(&s->free_bytes, __ATOMIC_RELAXED));
  if (live > __atomic_load_n(&s->peak, __ATOMIC_RELAXED)) __atomic_store_n(&s->peak, live, __ATOMIC_RELAXED);
  if (PT_UNLIKELY(live - __atomic_load_n(&s->published, __ATOMIC_RELAXED) >= PT_PEAK_BATCH)) pt_publish(s);
}

/* The counting of pt_count_alloc/pt_count_free without the publish call: returns nonzero when the caller must
 * pt_publish(s) (malloc and free do it through a tail call, keeping their common path frame-less). */
static inline int pt_count_alloc_fast(struct pt_slot *s, size_t n) {
  pt_add(&s->allocs, 1);
  uint64_t ab = pt_add_fetch(&s->alloc_bytes, n);
  int64_t live = (int64_t)(ab - __atomic_load_n(&s->free_bytes, __ATOMIC_RELAXED));
  /* The thread's own peak is exact (a thread that allocates and frees small blocks all day must not show 0). */
  if (PT_UNLIKELY(live > __atomic_load_n(&s->peak, __ATOMIC_RELAXED))) __atomic_store_n(&s->peak, live, __ATOMIC_RELAXED);
  return live - __atomic_load_n(&s->published, __ATOMIC_RELAXED) >= PT_PEAK_BATCH;
}

static inline int pt_count_free_fast(struct pt_slot *s, size_t n) {
  pt_add(&s->frees, 1);
  uint64_t fb = pt_add_fetch(&s->free_bytes, n);
  int64_t live = (int64_t)(__atomic_load_n(&s->alloc_bytes, __ATOMIC_RELAXED) - fb);
  return live - __atomic_load_n(&s->published, __ATOMIC_RELAXED) <= -PT_PEAK_BATCH;
}

static inline void pt_count_free(struct pt_slot *s, size_t n) {
  pt_add(&s->frees, 1);
  uint64_t fb = pt_add_fetch(&s->free_bytes, n);
  int64_t live = (int64_t)(__atomic_load_n(&s->alloc_bytes, __ATOMIC_RELAXED) - fb);
  if (PT_UNLIKELY(live - __atomic_load_n(&s->published, __ATOMIC_RELAXED) <= -PT_PEAK_BATCH)) pt_publish(s);
}

/* History ring (shim_signals.c). */
void pt_hist_add(int kind, int signo, const char *old_disp, const char *new_disp, uint32_t flags, void *caller,
                 const char *detail);
/* Read the armed interval timers into the segment (a new image inherits them across exec). */
void pt_timers_init_from_kernel(void);
void pt_timers_forget(void); /* fork child: POSIX timers and itimers are not inherited */

/* Small allocation-free formatting helpers (shim_signals.c). */
struct pt_buf {
  char *p;
  size_t cap, len;
};
void pt_puts(struct pt_buf *b, const char *s);
void pt_putu(struct pt_buf *b, unsigned long long v);
void pt_putx(struct pt_buf *b, unsigned long long v);
/* Bounded copy, always terminated (cap > 0); NULL copies as "". */
void pt_copy(char *dst, size_t cap, const char *src);

/* Creates <dir>/perftop-<session>-<pid>-<gen><suffix> for the first free gen (0600, O_EXCL|O_NOFOLLOW, so a file
 * someone planted is never reused or followed), sizes it and maps it shared read-write. The segment and the
 * control file both come from here. Returns the zeroed mapping and sets *gen, or NULL (shim_segment.c). */
void *pt_map_new_file(const char *dir, const char *session, const char *suffix, size_t size, unsigned *gen);

/* Control thread and profiling scope (shim_control.c). */
struct pt_exec_save {
  int timer_saved;
  struct itimerval timer;
};
void pt_ctl_init(const char *session, int argc, char **argv); /* constructor, after the segment */
void pt_ctl_child(void);                                       /* fork child handler, after the segment */
void pt_ctl_exec_prepare(struct pt_exec_save *save);           /* before an exec: stop CPU profile, disarm ITIMER_PROF */
void pt_ctl_exec_failed(struct pt_exec_save *save);            /* the exec returned: re-arm what was disarmed */
size_t pt_env_count(char *const envp[]);
char *const *pt_ctl_exec_env(const char *path, char *const argv[], char *const envp[], char **vec, size_t cap,
                             char *buf, size_t bufcap);
/* This thread's allocations are never counted (the control thread), but its wrappers still record. */
void pt_thread_uncounted(void);

#endif
