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
#include <spawn.h>
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
  int (*execveat)(int, const char *, char *const[], char *const[], int);
  int (*posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                     char *const[], char *const[]);
  int (*posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                      char *const[], char *const[]);
};
extern struct pt_real pt_real;

/* Resolve pt_real (idempotent; while it runs, allocations are served from a static pool). */
void pt_ensure_hooks(void);
/* Enable the inline glibc usable-size when the next allocator is glibc and it checks out (shim.c). */
void pt_detect_glibc(void);

/* The segment this image writes, or NULL (no session, not matching, or creation failed). */
extern struct pt_header *pt_seg;  /* this image's segment: history, timers, exec and exit records */
extern struct pt_header *pt_cseg; /* the same when this image counts allocations, else NULL: the malloc paths' test */

/* Per-thread state. pt_tls_slot is this thread's slot (NULL: none, lost at exit, or inside the guard); pt_tls_fast
 * is the same slot when the next allocator is glibc (sizes from the chunk header, inline), else NULL. malloc and
 * free read only pt_tls_fast: one TLS load decides "count inline" or "take the slow path". Set both through
 * pt_tls_set. */
enum pt_tls_mode { PT_TLS_NEW = 0, PT_TLS_SHARED = 1, PT_TLS_OFF = 2 };
extern __thread struct pt_slot *pt_tls_slot;
extern __thread struct pt_slot *pt_tls_fast;
extern int pt_glibc_fast;
static inline void pt_tls_set(struct pt_slot *s) {
  pt_tls_slot = s;
  pt_tls_fast = pt_glibc_fast ? s : NULL;
}

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

/* The same, returning nonzero when the add overflowed as a signed 64-bit value: the add's own flag, so the
 * counter is not read back (perftop_segment.h: the biased counters). Still one instruction, so still signal-safe. */
static inline int pt_add_overflows(uint64_t *p, uint64_t v) {
#if defined(__x86_64__)
  __asm__ goto("addq %1, %0\n\tjo %l[over]" : "+m"(*p) : "er"(v) : "cc" : over);
  return 0;
over:
  return 1;
#else
  int64_t now;
  int over = __builtin_add_overflow((int64_t)__atomic_load_n(p, __ATOMIC_RELAXED), (int64_t)v, &now);
  __atomic_store_n(p, (uint64_t)now, __ATOMIC_RELAXED);
  return over;
#endif
}

/* Rebias the slot (raise the peak, publish a change of live bytes): called when a biased counter overflowed. */
void pt_publish(struct pt_slot *s);

/* The counting of one allocation; returns nonzero when the caller must pt_publish(s) (malloc does it through a tail
 * call, keeping its common path frame-less). Three adds; the last one's overflow flag is the whole test. alloc_bytes
 * is added before live_c: the reader relies on it. */
static inline int pt_count_alloc_fast(struct pt_slot *s, size_t n) {
  pt_add(&s->allocs, 1);
  pt_add(&s->alloc_bytes, n);
  return pt_add_overflows(&s->live_c, n);
}

static inline int pt_count_free_fast(struct pt_slot *s, size_t n) {
  pt_add(&s->live_c, -(uint64_t)n);
  return pt_add_overflows(&s->frees_c, 1);
}

static inline void pt_count_alloc(struct pt_slot *s, size_t n) {
  if (PT_UNLIKELY(pt_count_alloc_fast(s, n))) pt_publish(s);
}

static inline void pt_count_free(struct pt_slot *s, size_t n) {
  if (PT_UNLIKELY(pt_count_free_fast(s, n))) pt_publish(s);
}

/* History ring (shim_signals.c). Returns the record's ring index, or -1 without a segment. */
int64_t pt_hist_add(int kind, int signo, const char *old_disp, const char *new_disp, uint32_t flags, void *caller,
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
