/*
 * shim_segment.c — the shim's segment and thread slots: who counts, where, and what happens at thread exit, fork
 * and process exit.
 *
 *  - Constructor: no PERFTOP_SESSION → no segment, nothing counted. Otherwise every image creates a segment (its
 *    signal history, timers, exec and exit records), and counts into it unless PERFTOP_NO_COUNT is set or
 *    PERFTOP_ALLOC_MATCH=<glob> does not match its comm or basename(argv[0]) (fnmatch): header `counting` says which.
 *    The decision is kept for fork children (same image) and made again by the next image after exec. The malloc
 *    paths test pt_cseg (the segment when counting, else NULL), so a non-counting image never touches a slot.
 *  - Segment file: $PERFTOP_SHM_DIR/perftop-<session>-<pid>-<gen>, O_CREAT|O_EXCL|O_NOFOLLOW, 0600. gen is the
 *    first free number, so a new image after exec (same pid, old segment still there) gets gen+1 without any
 *    environment variable to keep right across posix_spawn/system()/execle.
 *  - Thread slots: claimed on a thread's first counted allocation (CAS on the slot's tid, one gettid), released by a
 *    pthread key destructor that folds the counts into the header total under the fold seqlock. Allocations the
 *    thread makes after that (later TSD destructors, glibc teardown) and threads beyond PT_SLOTS count into the
 *    header total with atomic adds.
 *  - Fork: prepare/parent/child handlers; the child drops the parent's mapping without writing to it and creates
 *    its own segment, so the parent's counts are never counted twice.
 * Everything here except the constructor is allocation-free; the constructor runs fnmatch under the guard.
 */
#include "shim_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct pt_header *pt_seg;
struct pt_header *pt_cseg;
__thread struct pt_slot *pt_tls_slot;
__thread struct pt_slot *pt_tls_fast;
static __thread int pt_tls_mode;  /* enum pt_tls_mode */
static __thread int pt_tls_guard; /* nesting depth of pt_guard_enter */

static int pt_enabled;               /* this image counts (session set and match passed) */
static char pt_dir[256];             /* PERFTOP_SHM_DIR, cached: a fork child must not depend on environ */
static char pt_session[80];
static pthread_key_t pt_key;
static int pt_key_ok;
static int pt_fold_lock;             /* process-local; taken only at thread exit and around fork */

static void pt_lock(int *l) {
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) sched_yield();
}
static void pt_unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

static struct pt_slot *pt_slots(struct pt_header *h) {
  return (struct pt_slot *)((char *)h + PT_SLOTS_OFFSET);
}

/* ---- guard ---- */
int pt_guard_enter(struct pt_guard *g) {
  g->entered = pt_tls_guard++ == 0;
  g->saved = pt_tls_slot;
  pt_tls_set(NULL); /* the hot path now takes the slow path, which sees the guard and counts nothing */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  return g->entered;
}

void pt_guard_leave(struct pt_guard *g) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  pt_tls_set(g->saved);
  pt_tls_guard--;
}

/* ---- counters outside a slot ---- */
static void pt_publish_delta(struct pt_header *h, int64_t d) {
  if (!h || d == 0) return;
  int64_t now = __atomic_add_fetch(&h->live_published, d, __ATOMIC_RELAXED);
  int64_t peak = __atomic_load_n(&h->peak, __ATOMIC_RELAXED);
  while (now > peak && !__atomic_compare_exchange_n(&h->peak, &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
}

/* Moves a biased counter to a new bias with one add (a signal handler's malloc in between is kept). The caller
 * holds seq odd, so a reader never pairs a counter with the other bias. */
static void pt_set_bias(uint64_t *counter, uint64_t *bias, uint64_t to) {
  pt_add(counter, to - *bias);
  __atomic_store_n(bias, to, __ATOMIC_RELAXED);
}

static void pt_seq_bump(struct pt_slot *s) {
  __atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static __thread int pt_tls_publishing;

/* The slow path of malloc and free (a biased counter overflowed): raise the thread's peak; when live moved
 * PT_PEAK_BATCH from what was last published, add the change to the process total and raise the process peak; then
 * set the new bounds: live_c overflows when live exceeds hi = min(peak, published + PT_PEAK_BATCH), frees_c after
 * PT_FREE_CHECK more frees. The check after a run of frees touches only the first line unless it publishes.
 * A signal handler that allocates while this runs only counts (its own overflow returns here at once); the bounds
 * it would have set are set by this outer call or the next one. The process peak is therefore an estimate (within
 * PT_PEAK_BATCH per thread); the thread's peak is exact. */
void pt_publish(struct pt_slot *s) {
  if (pt_tls_publishing) return;
  pt_tls_publishing = 1;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  int64_t live = (int64_t)pt_unbias(s->live_c, s->live_bias);
  uint64_t frees = pt_unbias(s->frees_c, s->frees_bias);
  int64_t published = s->published;
  int rebound = live > (int64_t)pt_bias_bound(s->live_bias); /* above hi: a malloc got here */
  pt_seq_bump(s);
  if (live - published >= PT_PEAK_BATCH || live - published <= -PT_PEAK_BATCH) {
    __atomic_store_n(&s->published, live, __ATOMIC_RELAXED);
    pt_publish_delta(pt_cseg, live - published);
    published = live;
    rebound = 1;
  }
  if (rebound) {
    int64_t peak = s->peak;
    if (live > peak) __atomic_store_n(&s->peak, peak = live, __ATOMIC_RELAXED);
    int64_t hi = peak < published + PT_PEAK_BATCH ? peak : published + PT_PEAK_BATCH;
    pt_set_bias(&s->live_c, &s->live_bias, pt_bias_bound((uint64_t)hi));
  }
  if (frees >= pt_bias_bound(s->frees_bias)) /* a free got here: the next check PT_FREE_CHECK frees on */
    pt_set_bias(&s->frees_c, &s->frees_bias, pt_bias_bound(frees + PT_FREE_CHECK));
  pt_seq_bump(s);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  pt_tls_publishing = 0;
}

/* A slot as claimed: all counts zero, hi = 0 (the first allocation raises the peak), the first free check
 * PT_FREE_CHECK frees on. Only while no reader takes the slot (being claimed or released). */
static void pt_slot_reset(struct pt_slot *s) {
  s->allocs = s->alloc_bytes = 0;
  s->peak = s->published = 0;
  s->live_c = s->live_bias = pt_bias_bound(0);
  s->frees_c = s->frees_bias = pt_bias_bound(PT_FREE_CHECK);
}

static void pt_shared_add(struct pt_header *h, int is_alloc, size_t n) {
  if (is_alloc) {
    __atomic_add_fetch(&h->folded.allocs, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&h->folded.alloc_bytes, n, __ATOMIC_RELAXED);
  } else {
    __atomic_add_fetch(&h->folded.frees, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&h->folded.free_bytes, n, __ATOMIC_RELAXED);
  }
  pt_publish_delta(h, is_alloc ? (int64_t)n : -(int64_t)n);
}

static struct pt_slot *pt_claim(struct pt_header *h) {
  struct pt_guard g;
  pt_guard_enter(&g); /* pthread_setspecific may allocate for high key numbers */
  pid_t tid = gettid();
  struct pt_slot *slots = pt_slots(h), *got = NULL;
  /* A slot is 128 bytes: two busy threads never share the pair of lines the adjacent-line prefetcher moves
   * together. */
  for (uint32_t k = 0; k < PT_SLOTS && !got; k++) {
    struct pt_slot *s = &slots[((uint32_t)tid + k) % PT_SLOTS];
    int32_t expect = PT_SLOT_FREE;
    if (__atomic_load_n(&s->tid, __ATOMIC_RELAXED) == PT_SLOT_FREE &&
        __atomic_compare_exchange_n(&s->tid, &expect, PT_SLOT_CLAIMING, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
      got = s;
  }
  if (got) {
    pt_slot_reset(got); /* a fresh slot is all zero: this sets its biases */
    __atomic_store_n(&got->tid, tid, __ATOMIC_RELEASE);
    if (pt_key_ok) pthread_setspecific(pt_key, got);
  }
  pt_guard_leave(&g);
  pt_tls_mode = got ? PT_TLS_NEW : PT_TLS_SHARED;
  return got;
}

static void pt_slow(int is_alloc, size_t n) {
  struct pt_header *h = __atomic_load_n(&pt_cseg, __ATOMIC_ACQUIRE);
  if (!h || pt_tls_guard || pt_tls_mode == PT_TLS_OFF) return;
  if (pt_tls_mode == PT_TLS_NEW) {
    struct pt_slot *s = pt_claim(h);
    if (s) {
      pt_tls_set(s);
      if (is_alloc)
        pt_count_alloc(s, n);
      else
        pt_count_free(s, n);
      return;
    }
  }
  pt_shared_add(h, is_alloc, n);
}

void pt_slow_alloc(size_t n) { pt_slow(1, n); }
void pt_thread_uncounted(void) { pt_tls_mode = PT_TLS_OFF; }
void pt_slow_free(size_t n) { pt_slow(0, n); }

/* Thread exit: fold the slot into the header total under the seqlock so a reader counts it exactly once. */
static void pt_thread_exit(void *v) {
  struct pt_slot *s = v;
  struct pt_header *h = pt_cseg;
  if (!s || s != pt_tls_slot || !h) return;
  pt_tls_set(NULL);
  pt_tls_mode = PT_TLS_SHARED; /* later frees in this thread go to the header total */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  pt_lock(&pt_fold_lock);
  __atomic_add_fetch(&h->fold_seq, 1, __ATOMIC_ACQ_REL);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  __atomic_add_fetch(&h->folded.allocs, s->allocs, __ATOMIC_RELAXED);
  int64_t live = (int64_t)pt_unbias(s->live_c, s->live_bias);
  __atomic_add_fetch(&h->folded.frees, pt_unbias(s->frees_c, s->frees_bias), __ATOMIC_RELAXED);
  __atomic_add_fetch(&h->folded.alloc_bytes, s->alloc_bytes, __ATOMIC_RELAXED);
  __atomic_add_fetch(&h->folded.free_bytes, s->alloc_bytes - (uint64_t)live, __ATOMIC_RELAXED);
  pt_publish_delta(h, live - s->published);
  pt_slot_reset(s);
  __atomic_store_n(&s->tid, PT_SLOT_FREE, __ATOMIC_RELEASE);
  __atomic_add_fetch(&h->fold_seq, 1, __ATOMIC_RELEASE);
  pt_unlock(&pt_fold_lock);
}

/* ---- segment creation ---- */
void pt_copy(char *dst, size_t cap, const char *src) {
  size_t i = 0;
  for (; src && src[i] && i + 1 < cap; i++) dst[i] = src[i];
  if (cap) dst[i] = 0;
}

void *pt_map_new_file(const char *dir, const char *session, const char *suffix, size_t size, unsigned *gen_out) {
  char path[512];
  pid_t pid = getpid();
  for (unsigned gen = 0; gen < 4096; gen++) {
    struct pt_buf b = {path, sizeof path, 0};
    pt_puts(&b, dir);
    pt_puts(&b, "/perftop-");
    pt_puts(&b, session);
    pt_puts(&b, "-");
    pt_putu(&b, (unsigned long long)pid);
    pt_puts(&b, "-");
    pt_putu(&b, gen);
    pt_puts(&b, suffix);
    if (b.len + 1 >= sizeof path) return NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return NULL;
    }
    fchmod(fd, 0600); /* exactly 0600 whatever the umask */
    if (ftruncate(fd, (off_t)size) != 0) {
      close(fd);
      unlink(path);
      return NULL;
    }
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
      unlink(path);
      return NULL;
    }
    *gen_out = gen;
    return m;
  }
  return NULL;
}

static struct pt_header *pt_create_segment(void) {
  unsigned gen;
  void *m = pt_map_new_file(pt_dir, pt_session, "", PT_TOTAL_SIZE, &gen);
  if (!m) return NULL;
  struct pt_header *h = m;
  h->version = PT_VERSION;
  h->header_size = sizeof(struct pt_header);
  h->total_size = PT_TOTAL_SIZE;
  h->slot_count = PT_SLOTS;
  h->slot_size = sizeof(struct pt_slot);
  h->slots_offset = PT_SLOTS_OFFSET;
  h->hist_count = PT_HIST;
  h->hist_rec_size = sizeof(struct pt_hist_rec);
  h->hist_offset = PT_HIST_OFFSET;
  h->pid = getpid();
  h->gen = gen;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  h->start_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  prctl(PR_GET_NAME, h->comm, 0, 0, 0);
  h->counting = (uint32_t)pt_enabled;
  __atomic_store_n(&h->magic, PT_MAGIC, __ATOMIC_RELEASE);
  return h;
}

static void pt_start_segment(void) {
  struct pt_header *h = pt_create_segment();
  __atomic_store_n(&pt_seg, h, __ATOMIC_RELEASE);
  if (pt_enabled) __atomic_store_n(&pt_cseg, h, __ATOMIC_RELEASE);
  if (h) pt_timers_init_from_kernel();
}

/* ---- fork ---- */
static __thread struct pt_slot *pt_fork_saved;

static void pt_prepare(void) {
  pt_fork_saved = pt_tls_slot;
  pt_tls_set(NULL);
  pt_tls_guard++; /* allocations inside other fork handlers are nobody's */
  pt_lock(&pt_fold_lock);
}

static void pt_parent(void) {
  pt_unlock(&pt_fold_lock);
  pt_tls_guard--;
  pt_tls_set(pt_fork_saved);
}

static void pt_child(void) {
  struct pt_header *old = pt_seg;
  __atomic_store_n(&pt_seg, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&pt_cseg, NULL, __ATOMIC_RELEASE);
  pt_fold_lock = 0;
  pt_tls_set(NULL);
  pt_fork_saved = NULL;
  pt_tls_mode = PT_TLS_NEW;
  pt_tls_guard--;
  if (pt_key_ok) pthread_setspecific(pt_key, NULL);
  pt_timers_forget();
  if (old) munmap(old, PT_TOTAL_SIZE); /* the parent's; never written by the child */
  if (pt_dir[0]) pt_start_segment(); /* the child's own, counting as the parent's image did */
  pt_ctl_child();
}

/* ---- constructor / destructor ---- */
static int pt_session_ok(const char *s) {
  if (!s || !*s || strlen(s) >= sizeof pt_session) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
      return 0; /* no '/', no '-', no dots: the name must parse back and stay inside the dir */
  return 1;
}

static int pt_matches(const char *glob, const char *argv0) {
  char comm[17] = {0};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  const char *base = argv0 ? strrchr(argv0, '/') : NULL;
  base = base ? base + 1 : argv0;
  struct pt_guard g;
  pt_guard_enter(&g);
  int ok = fnmatch(glob, comm, 0) == 0 || (base && fnmatch(glob, base, 0) == 0);
  pt_guard_leave(&g);
  return ok;
}

/* The exit status, for perftop to read when the process's own parent reaps it before any sample sees the zombie.
 * Only into this process's own segment: a vfork child shares its parent's pt_seg until it execs or _exits. */
static void pt_store_exit(int status) {
  struct pt_header *h = pt_seg;
  if (h && h->pid == getpid()) __atomic_store_n(&h->exit_status, PT_EXIT_KNOWN | (((uint32_t)status & 0xff) << 8), __ATOMIC_RELEASE);
}

/* Registered first (from the earliest constructor), so it runs after the app's own atexit handlers. */
static void pt_on_exit(int status, void *unused) {
  (void)unused;
  pt_store_exit(status);
}

/* _exit skips on_exit handlers, and a fork child's `_exit(N)` that its parent reaps at once is the common case.
 * Both names are wrapped (glibc's _Exit is a separate symbol for the same function); the exit itself is the
 * syscall glibc's _exit makes. Async-signal-safe, like _exit. */
__attribute__((noreturn)) static void pt_exit_now(int status) {
  pt_store_exit(status);
  for (;;) syscall(SYS_exit_group, status);
}

PT_EXPORT void _exit(int status) { pt_exit_now(status); }
PT_EXPORT void _Exit(int status) { pt_exit_now(status); }

__attribute__((constructor(101))) static void pt_init(int argc, char **argv, char **envp) {
  (void)envp;
  pt_ensure_hooks();
  pt_detect_glibc();
  if (pthread_key_create(&pt_key, pt_thread_exit) == 0) pt_key_ok = 1;
  pthread_atfork(pt_prepare, pt_parent, pt_child);
  on_exit(pt_on_exit, NULL);
  const char *session = getenv("PERFTOP_SESSION");
  if (!pt_session_ok(session)) return;
  const char *glob = getenv("PERFTOP_ALLOC_MATCH");
  /* PERFTOP_NO_COUNT: the shim is loaded for control and profiling only (--no-alloc with --profile-*). */
  int counted = !getenv("PERFTOP_NO_COUNT") && !(glob && *glob && !pt_matches(glob, argc > 0 && argv ? argv[0] : NULL));
#ifdef PT_NO_MALLOC
  counted = 0; /* the count-free build has no malloc hooks */
#endif
  const char *dir = getenv("PERFTOP_SHM_DIR");
  if (!dir || !*dir) dir = "/dev/shm";
  /* Every image of the session gets a segment: its history, timers, exec and exit records are perftop's only view
   * of what it did with signals, whether or not it counts allocations (the header's `counting` says). */
  if (strlen(dir) < sizeof pt_dir) {
    pt_copy(pt_dir, sizeof pt_dir, dir);
    pt_copy(pt_session, sizeof pt_session, session);
    pt_enabled = counted;
    pt_start_segment();
  }
  pt_ctl_init(session, argc, argv); /* every image with a session: profiling and dumps need no counting */
}

__attribute__((destructor)) static void pt_fini(void) {
  struct pt_header *h = pt_seg;
  if (h) __atomic_store_n(&h->closed, 1, __ATOMIC_RELEASE);
}
