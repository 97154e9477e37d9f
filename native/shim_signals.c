/*
 * shim_signals.c — the shim's history of signal dispositions, timers and execs, with who asked.
 *
 * Wraps sigaction, signal, bsd_signal, sigset, setitimer, alarm, timer_create, timer_settime, timer_delete, the
 * exec family (execveat included), and posix_spawn/posix_spawnp (for the environment only). Each call that changes something is
 * forwarded to the next definition (dlsym(RTLD_NEXT)) and, when it succeeded, appended to the segment's lock-free
 * history ring: wall time, tid, kind, signal, old and new disposition ("SIG_DFL", "SIG_IGN", "handler <sym>") or
 * timer state ("armed 10ms"/"disarmed"), sa_flags, and the caller's symbol (dladdr of __builtin_return_address(0)).
 * The armed ITIMER_PROF/REAL/VIRTUAL state and armed CPU-clock POSIX timers are kept in the segment header under a
 * seqlock (the kernel gives no way to read another process's).
 *
 * Constraints: these wrappers are rare, so dladdr (which takes the loader lock and may allocate) is allowed here,
 * under the recursion guard (allocations it makes are not counted; a wrapper re-entered from inside is forwarded
 * without recording). sigaction may be called from a signal handler: the recording path uses no stdio and no
 * allocation of its own; only dladdr is not formally async-signal-safe. Exec wrappers record, then exec: a new image
 * creates its own segment with gen+1 (shim_segment.c).
 */
#include "shim_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* ---- formatting without stdio ---- */
void pt_puts(struct pt_buf *b, const char *s) {
  for (; s && *s; s++) {
    if (b->len + 1 < b->cap) b->p[b->len] = *s;
    b->len++;
  }
  if (b->cap) b->p[b->len < b->cap ? b->len : b->cap - 1] = 0;
}

void pt_putu(struct pt_buf *b, unsigned long long v) {
  char tmp[24];
  int i = 23;
  tmp[i] = 0;
  do tmp[--i] = (char)('0' + v % 10); while ((v /= 10) && i > 0);
  pt_puts(b, tmp + i);
}

void pt_putx(struct pt_buf *b, unsigned long long v) {
  char tmp[24];
  int i = 23;
  tmp[i] = 0;
  do tmp[--i] = "0123456789abcdef"[v & 15]; while ((v >>= 4) && i > 2);
  tmp[--i] = 'x';
  tmp[--i] = '0';
  pt_puts(b, tmp + i);
}

/* "main", or "0x11d6 (app)" (offset inside the object, for addr2line), or "0x7f..". */
static void pt_symbol(struct pt_buf *b, const void *addr) {
  Dl_info info;
  memset(&info, 0, sizeof info);
  if (addr && dladdr(addr, &info)) {
    if (info.dli_sname) {
      pt_puts(b, info.dli_sname);
      return;
    }
    if (info.dli_fname && info.dli_fbase) {
      const char *base = strrchr(info.dli_fname, '/');
      pt_putx(b, (unsigned long long)((const char *)addr - (const char *)info.dli_fbase));
      pt_puts(b, " (");
      pt_puts(b, base ? base + 1 : info.dli_fname);
      pt_puts(b, ")");
      return;
    }
  }
  pt_putx(b, (unsigned long long)(uintptr_t)addr);
}

static void pt_disp(char *out, size_t cap, const void *h) {
  struct pt_buf b = {out, cap, 0};
  if (h == (const void *)SIG_DFL)
    pt_puts(&b, "SIG_DFL");
  else if (h == (const void *)SIG_IGN)
    pt_puts(&b, "SIG_IGN");
#ifdef SIG_HOLD
  else if (h == (const void *)SIG_HOLD)
    pt_puts(&b, "SIG_HOLD");
#endif
  else if (h == (const void *)SIG_ERR)
    pt_puts(&b, "SIG_ERR");
  else {
    pt_puts(&b, "handler ");
    pt_symbol(&b, h);
  }
}

static void pt_timer_text(char *out, size_t cap, unsigned long long us) {
  struct pt_buf b = {out, cap, 0};
  if (!us) {
    pt_puts(&b, "disarmed");
    return;
  }
  pt_puts(&b, "armed ");
  if (us % 1000000ull == 0) {
    pt_putu(&b, us / 1000000ull);
    pt_puts(&b, "s");
  } else if (us % 1000ull == 0) {
    pt_putu(&b, us / 1000ull);
    pt_puts(&b, "ms");
  } else {
    pt_putu(&b, us);
    pt_puts(&b, "us");
  }
}

static unsigned long long pt_tv_us(const struct timeval *tv) {
  return (unsigned long long)tv->tv_sec * 1000000ull + (unsigned long long)tv->tv_usec;
}
static unsigned long long pt_ts_us(const struct timespec *ts) {
  unsigned long long us = (unsigned long long)ts->tv_sec * 1000000ull + (unsigned long long)ts->tv_nsec / 1000ull;
  return us ? us : (ts->tv_nsec ? 1 : 0);
}
/* The period a timer fires at: its interval, or its first expiry for a one-shot; 0 = disarmed. */
static unsigned long long pt_itv_us(const struct itimerval *v) {
  if (!v || (!v->it_value.tv_sec && !v->it_value.tv_usec)) return 0;
  unsigned long long i = pt_tv_us(&v->it_interval);
  return i ? i : pt_tv_us(&v->it_value);
}
static unsigned long long pt_its_us(const struct itimerspec *v) {
  if (!v || (!v->it_value.tv_sec && !v->it_value.tv_nsec)) return 0;
  unsigned long long i = pt_ts_us(&v->it_interval);
  return i ? i : pt_ts_us(&v->it_value);
}

/* ---- history ring ---- */
int64_t pt_hist_add(int kind, int signo, const char *old_disp, const char *new_disp, uint32_t flags, void *caller,
                    const char *detail) {
  struct pt_header *h = __atomic_load_n(&pt_seg, __ATOMIC_ACQUIRE);
  if (!h) return -1;
  uint64_t i = __atomic_fetch_add(&h->hist_next, 1, __ATOMIC_RELAXED);
  struct pt_hist_rec *r = (struct pt_hist_rec *)((char *)h + PT_HIST_OFFSET) + (i % PT_HIST);
  __atomic_store_n(&r->seq, 2 * i + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  r->t_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  r->tid = (int32_t)syscall(SYS_gettid);
  r->kind = (uint16_t)kind;
  r->signo = (uint16_t)signo;
  r->sa_flags = flags & ~(uint32_t)SA_RESTORER;
  struct pt_buf b;
  b = (struct pt_buf){r->old_disp, sizeof r->old_disp, 0};
  pt_puts(&b, old_disp);
  b = (struct pt_buf){r->new_disp, sizeof r->new_disp, 0};
  pt_puts(&b, new_disp);
  b = (struct pt_buf){r->caller, sizeof r->caller, 0};
  pt_symbol(&b, caller);
  b = (struct pt_buf){r->detail, sizeof r->detail, 0};
  pt_puts(&b, detail);
  __atomic_store_n(&r->seq, 2 * i + 2, __ATOMIC_RELEASE);
  return (int64_t)i;
}

/* ---- timer state ---- */
static int pt_timer_lock;
static struct {
  timer_t id;
  int used, cpu, signo;
  unsigned long long us;
  unsigned long long until_cpu_us; /* a one-shot on this process's CPU clock: see pt_timer_state */
  clockid_t clk;
} pt_ptimers[64];

static void pt_tlock(void) {
  while (__atomic_exchange_n(&pt_timer_lock, 1, __ATOMIC_ACQUIRE)) {
  }
}
static void pt_tunlock(void) { __atomic_store_n(&pt_timer_lock, 0, __ATOMIC_RELEASE); }

static unsigned long long pt_clock_us(clockid_t c) {
  struct timespec t;
  if (clock_gettime(c, &t) != 0) return 0;
  return (unsigned long long)t.tv_sec * 1000000ull + (unsigned long long)t.tv_nsec / 1000ull;
}

/* A timer that fires once and then disarms itself (interval 0): the kernel tells no one when it has fired, so the
 * segment keeps its deadline and the reader treats the timer as disarmed after it: ITIMER_REAL on the wall clock
 * (ms), ITIMER_PROF on the process's CPU time (us; perftop reads that in /proc/PID/stat). 0: periodic or not
 * tracked (ITIMER_VIRTUAL counts user time only, which the reader's figure cannot tell apart). */
static unsigned long long pt_oneshot_until(int which, const struct itimerval *v) {
  if (!v || v->it_interval.tv_sec || v->it_interval.tv_usec) return 0;
  unsigned long long us = pt_tv_us(&v->it_value);
  if (!us) return 0;
  if (which == ITIMER_REAL) return pt_clock_us(CLOCK_REALTIME) / 1000ull + (us + 999) / 1000;
  if (which == ITIMER_PROF) return pt_clock_us(CLOCK_PROCESS_CPUTIME_ID) + us;
  return 0;
}

/* The same for a POSIX timer: only a one-shot on this process's own user+system CPU clock has a deadline the reader
 * can check; a thread's CPU clock or another process's does not. */
static unsigned long long pt_ptimer_until(clockid_t clk, int flags, const struct itimerspec *v) {
  if (!v || v->it_interval.tv_sec || v->it_interval.tv_nsec) return 0;
  unsigned long long us = pt_ts_us(&v->it_value);
  if (!us) return 0;
  /* Linux CPU clock ids: ~pid << 3 | per-thread bit 4 | type (0 prof = user+system, 1 virt = user, 2 sched). */
  int own = clk == CLOCK_PROCESS_CPUTIME_ID ||
            (clk < 0 && !(clk & 4) && (clk & 3) != 1 && (~(clk >> 3) == 0 || ~(clk >> 3) == getpid()));
  if (!own) return 0;
  return (flags & TIMER_ABSTIME) ? us : pt_clock_us(clk) + us;
}

static void pt_timers_store_until(int which, unsigned long long us, unsigned long long until);

static void pt_timers_store(int which, unsigned long long us) { pt_timers_store_until(which, us, 0); }

/* Caller holds pt_timer_lock. which: ITIMER_* or -1 for "recompute the POSIX timer lists only"; until as from
 * pt_oneshot_until. */
static void pt_timers_store_until(int which, unsigned long long us, unsigned long long until) {
  struct pt_header *h = pt_seg;
  if (!h) return;
  __atomic_add_fetch(&h->timer_seq, 1, __ATOMIC_ACQ_REL);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  struct pt_timer_state *t = &h->timers;
  if (which == ITIMER_PROF) t->prof_armed = us != 0, t->prof_us = us, t->prof_until_cpu_us = us ? until : 0;
  if (which == ITIMER_REAL) t->real_armed = us != 0, t->real_us = us, t->real_until_ms = us ? until : 0;
  if (which == ITIMER_VIRTUAL) t->virt_armed = us != 0, t->virt_us = us;
  uint32_t n = 0;
  for (unsigned k = 0; k < sizeof pt_ptimers / sizeof pt_ptimers[0] && n < PT_CPU_TIMERS; k++)
    if (pt_ptimers[k].used && pt_ptimers[k].cpu && pt_ptimers[k].us && pt_ptimers[k].signo) {
      t->cpu_until_cpu_us[n] = pt_ptimers[k].until_cpu_us;
      t->cpu_signals[n++] = pt_ptimers[k].signo;
    }
  t->cpu_count = n;
  uint32_t m = 0;
  for (unsigned k = 0; k < sizeof pt_ptimers / sizeof pt_ptimers[0] && m < PT_CPU_TIMERS; k++)
    if (pt_ptimers[k].used && !pt_ptimers[k].cpu && pt_ptimers[k].us && pt_ptimers[k].signo)
      t->clock_signals[m++] = pt_ptimers[k].signo;
  t->clock_count = m;
  __atomic_add_fetch(&h->timer_seq, 1, __ATOMIC_RELEASE);
}

void pt_timers_init_from_kernel(void) {
  static const int which[3] = {ITIMER_PROF, ITIMER_REAL, ITIMER_VIRTUAL};
  pt_tlock();
  for (int k = 0; k < 3; k++) {
    struct itimerval v;
    if (getitimer(which[k], &v) == 0) pt_timers_store_until(which[k], pt_itv_us(&v), pt_oneshot_until(which[k], &v));
  }
  pt_tunlock();
}

void pt_timers_forget(void) {
  pt_timer_lock = 0;
  memset(pt_ptimers, 0, sizeof pt_ptimers);
}

static int pt_is_cpu_clock(clockid_t c) {
  return c == CLOCK_PROCESS_CPUTIME_ID || c == CLOCK_THREAD_CPUTIME_ID || (c < 0 && (c & 3) != 3);
}

static void pt_clock_name(char *out, size_t cap, clockid_t c) {
  struct pt_buf b = {out, cap, 0};
  switch (c) {
    case CLOCK_REALTIME: pt_puts(&b, "CLOCK_REALTIME"); return;
    case CLOCK_MONOTONIC: pt_puts(&b, "CLOCK_MONOTONIC"); return;
    case CLOCK_PROCESS_CPUTIME_ID: pt_puts(&b, "CLOCK_PROCESS_CPUTIME_ID"); return;
    case CLOCK_THREAD_CPUTIME_ID: pt_puts(&b, "CLOCK_THREAD_CPUTIME_ID"); return;
    case CLOCK_BOOTTIME: pt_puts(&b, "CLOCK_BOOTTIME"); return;
    case CLOCK_REALTIME_ALARM: pt_puts(&b, "CLOCK_REALTIME_ALARM"); return;
    case CLOCK_BOOTTIME_ALARM: pt_puts(&b, "CLOCK_BOOTTIME_ALARM"); return;
    default: break;
  }
  if (c < 0 && (c & 3) != 3) {
    /* Linux CPU clock ids: ~pid << 3 | per-thread bit 4 | type (0 prof, 1 virt, 2 sched). */
    pt_puts(&b, (c & 4) ? "cpu-clock tid " : "cpu-clock pid ");
    pt_putu(&b, (unsigned long long)(~(c >> 3)));
    return;
  }
  pt_puts(&b, "clock ");
  pt_putu(&b, (unsigned long long)(unsigned)c);
}

/* ---- flags ---- */
static uint32_t pt_current_flags(int sig) {
  struct sigaction cur;
  if (pt_real.sigaction && pt_real.sigaction(sig, NULL, &cur) == 0) return (uint32_t)cur.sa_flags;
  return 0;
}

#define PT_CALLER __builtin_return_address(0)

/* ---- signal dispositions ---- */
PT_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *oact) {
  pt_ensure_hooks();
  if (!pt_real.sigaction) {
    errno = ENOSYS;
    return -1;
  }
  if (!act || !pt_seg) return pt_real.sigaction(sig, act, oact);
  struct pt_guard g;
  if (!pt_guard_enter(&g)) {
    pt_guard_leave(&g);
    return pt_real.sigaction(sig, act, oact);
  }
  struct sigaction want = *act, old;
  int r = pt_real.sigaction(sig, &want, &old);
  int saved = errno;
  if (r == 0) {
    if (oact) *oact = old;
    char o[PT_STR_DISP], n[PT_STR_DISP];
    pt_disp(o, sizeof o, (const void *)old.sa_handler);
    pt_disp(n, sizeof n, (const void *)want.sa_handler);
    pt_hist_add(PT_K_SIGACTION, sig, o, n, (uint32_t)want.sa_flags, PT_CALLER, "");
  }
  pt_guard_leave(&g);
  errno = saved;
  return r;
}

static sighandler_t pt_wrap_signal(int kind, sighandler_t (*real)(int, sighandler_t), int sig, sighandler_t h,
                                   void *caller) {
  if (!real) {
    errno = ENOSYS;
    return SIG_ERR;
  }
  struct pt_guard g;
  if (!pt_seg || !pt_guard_enter(&g)) {
    if (pt_seg) pt_guard_leave(&g);
    return real(sig, h);
  }
  sighandler_t prev = real(sig, h);
  int saved = errno;
  if (prev != SIG_ERR) {
    char o[PT_STR_DISP], n[PT_STR_DISP];
    pt_disp(o, sizeof o, (const void *)prev);
    pt_disp(n, sizeof n, (const void *)h);
    pt_hist_add(kind, sig, o, n, pt_current_flags(sig), caller, "");
  }
  pt_guard_leave(&g);
  errno = saved;
  return prev;
}

PT_EXPORT sighandler_t signal(int sig, sighandler_t h) {
  pt_ensure_hooks();
  return pt_wrap_signal(PT_K_SIGNAL, pt_real.signal, sig, h, PT_CALLER);
}

PT_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h) {
  pt_ensure_hooks();
  return pt_wrap_signal(PT_K_SIGNAL, pt_real.bsd_signal ? pt_real.bsd_signal : pt_real.signal, sig, h, PT_CALLER);
}

PT_EXPORT sighandler_t sigset(int sig, sighandler_t h) {
  pt_ensure_hooks();
  return pt_wrap_signal(PT_K_SIGSET, pt_real.sigset, sig, h, PT_CALLER);
}

/* ---- interval timers ---- */
static int pt_itimer_signal(int which) {
  return which == ITIMER_PROF ? SIGPROF : which == ITIMER_VIRTUAL ? SIGVTALRM : SIGALRM;
}
static const char *pt_itimer_name(int which) {
  return which == ITIMER_PROF ? "ITIMER_PROF" : which == ITIMER_VIRTUAL ? "ITIMER_VIRTUAL" : "ITIMER_REAL";
}

PT_EXPORT int setitimer(__itimer_which_t which, const struct itimerval *restrict nv, struct itimerval *restrict ov) {
  pt_ensure_hooks();
  if (!pt_real.setitimer) {
    errno = ENOSYS;
    return -1;
  }
  struct pt_guard g;
  if (!pt_seg || !pt_guard_enter(&g)) {
    if (pt_seg) pt_guard_leave(&g);
    return pt_real.setitimer(which, nv, ov);
  }
  struct itimerval want, old;
  memset(&want, 0, sizeof want);
  if (nv) want = *nv;
  int r = pt_real.setitimer(which, nv ? &want : NULL, &old);
  int saved = errno;
  if (r == 0) {
    if (ov) *ov = old;
    char o[PT_STR_DISP], n[PT_STR_DISP];
    pt_timer_text(o, sizeof o, pt_itv_us(&old));
    pt_timer_text(n, sizeof n, pt_itv_us(&want));
    pt_tlock();
    pt_timers_store_until(which, pt_itv_us(&want), pt_oneshot_until(which, &want));
    pt_tunlock();
    pt_hist_add(PT_K_SETITIMER, pt_itimer_signal(which), o, n, 0, PT_CALLER, pt_itimer_name(which));
  }
  pt_guard_leave(&g);
  errno = saved;
  return r;
}

PT_EXPORT unsigned alarm(unsigned seconds) {
  pt_ensure_hooks();
  if (!pt_real.alarm) return 0;
  struct pt_guard g;
  if (!pt_seg || !pt_guard_enter(&g)) {
    if (pt_seg) pt_guard_leave(&g);
    return pt_real.alarm(seconds);
  }
  unsigned prev = pt_real.alarm(seconds);
  char o[PT_STR_DISP], n[PT_STR_DISP];
  pt_timer_text(o, sizeof o, prev * 1000000ull);
  pt_timer_text(n, sizeof n, seconds * 1000000ull);
  pt_tlock();
  struct itimerval once = {{0, 0}, {(time_t)seconds, 0}};
  pt_timers_store_until(ITIMER_REAL, seconds * 1000000ull, pt_oneshot_until(ITIMER_REAL, &once));
  pt_tunlock();
  pt_hist_add(PT_K_ALARM, SIGALRM, o, n, 0, PT_CALLER, "ITIMER_REAL");
  pt_guard_leave(&g);
  return prev;
}

/* ---- POSIX timers ---- */
PT_EXPORT int timer_create(clockid_t clk, struct sigevent *sev, timer_t *out) {
  pt_ensure_hooks();
  if (!pt_real.timer_create) {
    errno = ENOSYS;
    return -1;
  }
  struct pt_guard g;
  if (!pt_seg || !pt_guard_enter(&g)) {
    if (pt_seg) pt_guard_leave(&g);
    return pt_real.timer_create(clk, sev, out);
  }
  int r = pt_real.timer_create(clk, sev, out);
  int saved = errno;
  if (r == 0) {
    int signo = SIGALRM; /* sev == NULL means SIGEV_SIGNAL with SIGALRM */
    if (sev) signo = (sev->sigev_notify == SIGEV_SIGNAL || sev->sigev_notify == SIGEV_THREAD_ID) ? sev->sigev_signo : 0;
    pt_tlock();
    for (unsigned k = 0; k < sizeof pt_ptimers / sizeof pt_ptimers[0]; k++)
      if (!pt_ptimers[k].used) {
        pt_ptimers[k].used = 1;
        pt_ptimers[k].id = *out;
        pt_ptimers[k].cpu = pt_is_cpu_clock(clk);
        pt_ptimers[k].signo = signo;
        pt_ptimers[k].us = 0;
        pt_ptimers[k].clk = clk;
        break;
      }
    pt_tunlock();
    char d[PT_STR_DETAIL];
    pt_clock_name(d, sizeof d, clk);
    pt_hist_add(PT_K_TIMER_CREATE, signo, "", "created", 0, PT_CALLER, d);
  }
  pt_guard_leave(&g);
  errno = saved;
  return r;
}

PT_EXPORT int timer_settime(timer_t id, int flags, const struct itimerspec *nv, struct itimerspec *ov) {
  pt_ensure_hooks();
  if (!pt_real.timer_settime) {
    errno = ENOSYS;
    return -1;
  }
  struct pt_guard g;
  if (!pt_seg || !pt_guard_enter(&g)) {
    if (pt_seg) pt_guard_leave(&g);
    return pt_real.timer_settime(id, flags, nv, ov);
  }
  struct itimerspec old;
  int r = pt_real.timer_settime(id, flags, nv, &old);
  int saved = errno;
  if (r == 0) {
    if (ov) *ov = old;
    int cpu = 0, signo = 0;
    clockid_t clk = 0;
    pt_tlock();
    for (unsigned k = 0; k < sizeof pt_ptimers / sizeof pt_ptimers[0]; k++)
      if (pt_ptimers[k].used && pt_ptimers[k].id == id) {
        pt_ptimers[k].us = pt_its_us(nv);
        pt_ptimers[k].until_cpu_us = pt_ptimers[k].cpu ? pt_ptimer_until(pt_ptimers[k].clk, flags, nv) : 0;
        cpu = pt_ptimers[k].cpu;
        signo = pt_ptimers[k].signo;
        clk = pt_ptimers[k].clk;
        pt_timers_store(-1, 0);
        break;
      }
    pt_tunlock();
    if (cpu) { /* only CPU-clock timers matter for profiling signals; others would flood the ring */
      char o[PT_STR_DISP], n[PT_STR_DISP], d[PT_STR_DETAIL];
      pt_timer_text(o, sizeof o, pt_its_us(&old));
      pt_timer_text(n, sizeof n, pt_its_us(nv));
      pt_clock_name(d, sizeof d, clk);
      pt_hist_add(PT_K_TIMER_SETTIME, signo, o, n, 0, PT_CALLER, d);
    }
  }
  pt_guard_leave(&g);
  errno = saved;
  return r;
}

PT_EXPORT int timer_delete(timer_t id) {
  pt_ensure_hooks();
  if (!pt_real.timer_delete) {
    errno = ENOSYS;
    return -1;
  }
  int r = pt_real.timer_delete(id);
  if (r == 0) {
    pt_tlock();
    for (unsigned k = 0; k < sizeof pt_ptimers / sizeof pt_ptimers[0]; k++)
      if (pt_ptimers[k].used && pt_ptimers[k].id == id) {
        memset(&pt_ptimers[k], 0, sizeof pt_ptimers[k]);
        pt_timers_store(-1, 0);
        break;
      }
    pt_tunlock();
  }
  return r;
}

/* ---- exec ---- */
/* The segment is this process's own: a vfork child shares its parent's memory, and with it pt_seg, until it execs;
 * what it would record or store there would be the parent's. */
static int pt_seg_mine(void) {
  struct pt_header *h = __atomic_load_n(&pt_seg, __ATOMIC_ACQUIRE);
  return h && h->pid == getpid();
}

/* ITIMER_PROF as the kernel has it now, into the segment (perftop disarms and re-arms it around exec through the
 * real setitimer, which the wrapper above does not see). */
static void pt_timers_refresh_prof(void) {
  struct itimerval v;
  if (!pt_seg_mine() || getitimer(ITIMER_PROF, &v) != 0) return;
  pt_tlock();
  pt_timers_store_until(ITIMER_PROF, pt_itv_us(&v), pt_oneshot_until(ITIMER_PROF, &v));
  pt_tunlock();
}

/* Record the exec, as it is about to happen (after perftop stopped the profile and disarmed a near ITIMER_PROF):
 * note the seed-000 hazard (FIELD.md §1) when an armed ITIMER_PROF goes across it, since a caught SIGPROF is reset
 * to SIG_DFL and the new image dies of SIGPROF if the timer fires before it installs a handler. Returns the
 * record's ring index for pt_exec_failed, or -1 when nothing was recorded. */
static int64_t pt_record_exec(const char *what, void *caller) {
  if (!pt_seg_mine()) return -1;
  struct pt_guard g;
  if (!pt_guard_enter(&g)) {
    pt_guard_leave(&g);
    return -1;
  }
  char d[PT_STR_DETAIL];
  struct pt_buf b = {d, sizeof d, 0};
  struct itimerval prof;
  struct sigaction cur;
  int armed = getitimer(ITIMER_PROF, &prof) == 0 && pt_itv_us(&prof) != 0;
  int caught = pt_real.sigaction && pt_real.sigaction(SIGPROF, NULL, &cur) == 0 && cur.sa_handler != SIG_DFL &&
               cur.sa_handler != SIG_IGN;
  const char *note = armed ? (caught ? " [ITIMER_PROF armed; caught SIGPROF resets to SIG_DFL]"
                                     : " [ITIMER_PROF armed]")
                           : "";
  /* Room for the note and for " [failed]", which pt_exec_failed may add. */
  size_t room = sizeof d - 1 - strlen(note) - 9;
  size_t plen = strlen(what);
  if (plen > room) {
    pt_puts(&b, "...");
    pt_puts(&b, what + plen - (room - 3));
  } else {
    pt_puts(&b, what);
  }
  b.len = strlen(d);
  pt_puts(&b, note);
  int64_t at = pt_hist_add(PT_K_EXEC, 0, "", "", 0, caller, d);
  pt_guard_leave(&g);
  return at;
}

/* This image is being replaced: if the new one counts nothing (static, not matched by --alloc), perftop must not
 * go on showing these counters as the process's. Cleared again when the exec returns. */
static void pt_mark_execed(uint32_t on) {
  if (pt_seg_mine()) __atomic_store_n(&pt_seg->execed, on, __ATOMIC_RELEASE);
}

/* The exec returned: mark its record " [failed]" (a shell trying each PATH entry makes one per entry). The record
 * is rewritten under its seq like a new one, so a reader never sees half of it. */
static void pt_exec_failed(int64_t at) {
  struct pt_header *h = pt_seg;
  if (at < 0 || !pt_seg_mine()) return;
  uint64_t i = (uint64_t)at;
  struct pt_hist_rec *r = (struct pt_hist_rec *)((char *)h + PT_HIST_OFFSET) + (i % PT_HIST);
  uint64_t done = 2 * i + 2;
  if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != done || r->kind != PT_K_EXEC) return; /* lapped meanwhile */
  __atomic_store_n(&r->seq, 2 * i + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  size_t len = strnlen(r->detail, sizeof r->detail);
  struct pt_buf b = {r->detail, sizeof r->detail, len};
  pt_puts(&b, " [failed]");
  __atomic_store_n(&r->seq, done, __ATOMIC_RELEASE);
}

extern char **environ;

/* The exec itself: the environment with LD_PRELOAD scoped for the target (libtcmalloc for --profile-heap matches
 * only, built on the stack: this may run in a vfork child), the CPU profile stopped and ITIMER_PROF disarmed
 * (seed 000), then the record; if the exec returns, the timer is re-armed and the record marked failed. */
/* Declares env_: envp with LD_PRELOAD scoped for the target, built on the stack (no allocation; a vfork child may
 * run this). Shared by the exec and posix_spawn wrappers. */
#define PT_SCOPED_ENV(target, argv, envp, env_)                                                        \
  char *const *in_ = (envp);                                                                         \
  size_t n_ = pt_env_count(in_);                                                                     \
  char *vec_[n_ + 2];                                                                                \
  char buf_[4096];                                                                                   \
  char *const *env_ = pt_ctl_exec_env((target), (argv), in_, vec_, n_ + 2, buf_, sizeof buf_)

#define PT_EXEC(what, target, argv, envp, env_, call)                                                  \
  do {                                                                                               \
    PT_SCOPED_ENV(target, argv, envp, env_);                                                         \
    struct pt_exec_save save_;                                                                       \
    pt_ctl_exec_prepare(&save_);                                                                     \
    pt_timers_refresh_prof();                                                                        \
    int64_t rec_ = pt_record_exec((what), PT_CALLER);                                                \
    pt_mark_execed(1);                                                                               \
    int r_ = (call);                                                                                 \
    int e_ = errno;                                                                                  \
    pt_mark_execed(0);                                                                               \
    pt_ctl_exec_failed(&save_);                                                                      \
    pt_timers_refresh_prof();                                                                        \
    pt_exec_failed(rec_);                                                                            \
    errno = e_;                                                                                      \
    return r_;                                                                                       \
  } while (0)

PT_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  pt_ensure_hooks();
  if (!pt_real.execve) return errno = ENOSYS, -1;
  PT_EXEC(path, path, argv, envp, env, pt_real.execve(path, argv, env));
}

PT_EXPORT int execv(const char *path, char *const argv[]) {
  pt_ensure_hooks();
  if (!pt_real.execve) return errno = ENOSYS, -1;
  PT_EXEC(path, path, argv, environ, env, pt_real.execve(path, argv, env));
}

PT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  pt_ensure_hooks();
  if (!pt_real.execvpe) return errno = ENOSYS, -1;
  PT_EXEC(file, file, argv, envp, env, pt_real.execvpe(file, argv, env));
}

PT_EXPORT int execvp(const char *file, char *const argv[]) {
  pt_ensure_hooks();
  if (!pt_real.execvpe) return errno = ENOSYS, -1;
  PT_EXEC(file, file, argv, environ, env, pt_real.execvpe(file, argv, env));
}

/* What an fd refers to, for the record and for --profile-heap's match: its /proc/self/fd link. */
static void pt_fd_target(int fd, char *target, size_t cap, char *d, size_t dcap) {
  char link[32];
  struct pt_buf b = {link, sizeof link, 0};
  pt_puts(&b, "/proc/self/fd/");
  pt_putu(&b, (unsigned)fd);
  ssize_t n = readlink(link, target, cap - 1);
  if (n < 0) n = 0;
  target[n] = 0;
  b = (struct pt_buf){d, dcap, 0};
  pt_puts(&b, n ? target : "fd ");
  if (!n) pt_putu(&b, (unsigned)fd);
}

PT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
  pt_ensure_hooks();
  char target[128], d[PT_STR_DETAIL];
  pt_fd_target(fd, target, sizeof target, d, sizeof d);
  if (!pt_real.fexecve) return errno = ENOSYS, -1;
  PT_EXEC(d, target, argv, envp, env, pt_real.fexecve(fd, argv, env));
}

/* execveat(dirfd, path, ...): the path itself when it is absolute or relative to the cwd, else what dirfd (with
 * AT_EMPTY_PATH, the file itself) refers to. */
PT_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
  pt_ensure_hooks();
  char target[256], d[PT_STR_DETAIL];
  if (*path && (path[0] == '/' || dirfd == AT_FDCWD)) {
    pt_copy(target, sizeof target, path);
    pt_copy(d, sizeof d, path);
  } else {
    pt_fd_target(dirfd, target, sizeof target, d, sizeof d);
  }
  if (!pt_real.execveat) return errno = ENOSYS, -1;
  PT_EXEC(d, target, argv, envp, env, pt_real.execveat(dirfd, path, argv, env, flags));
}

/* execl/execlp/execle build argv on the stack (no allocation) and go through the same recording. */
#define PT_COLLECT_ARGS(first, ap, argv, envp_out)                   \
  size_t argc_ = 1;                                                  \
  va_start(ap, first);                                               \
  while (va_arg(ap, char *)) argc_++;                                \
  va_end(ap);                                                        \
  char *argv[argc_ + 1];                                             \
  argv[0] = (char *)first;                                           \
  va_start(ap, first);                                               \
  for (size_t k_ = 1; k_ <= argc_; k_++) argv[k_] = va_arg(ap, char *); \
  envp_out;                                                          \
  va_end(ap)

PT_EXPORT int execl(const char *path, const char *arg, ...) {
  va_list ap;
  PT_COLLECT_ARGS(arg, ap, argv, (void)0);
  pt_ensure_hooks();
  if (!pt_real.execve) return errno = ENOSYS, -1;
  PT_EXEC(path, path, argv, environ, env, pt_real.execve(path, argv, env));
}

PT_EXPORT int execlp(const char *file, const char *arg, ...) {
  va_list ap;
  PT_COLLECT_ARGS(arg, ap, argv, (void)0);
  pt_ensure_hooks();
  if (!pt_real.execvpe) return errno = ENOSYS, -1;
  PT_EXEC(file, file, argv, environ, env, pt_real.execvpe(file, argv, env));
}

PT_EXPORT int execle(const char *path, const char *arg, ...) {
  va_list ap;
  char **envp;
  PT_COLLECT_ARGS(arg, ap, argv, envp = va_arg(ap, char **));
  pt_ensure_hooks();
  if (!pt_real.execve) return errno = ENOSYS, -1;
  PT_EXEC(path, path, argv, envp, env, pt_real.execve(path, argv, env));
}

/* posix_spawn runs the target in a new process (glibc: clone(CLONE_VM|CLONE_VFORK), then its internal execve,
 * which no wrapper above sees): only the environment needs scoping. The new process starts with no interval timer,
 * so there is nothing to disarm; the parent waits inside posix_spawn until the exec, so the environment built on
 * this stack outlives its use. */
#define PT_SPAWN(target, argv, envp, call) \
  do {                                     \
    PT_SCOPED_ENV(target, argv, envp, env); \
    return (call);                         \
  } while (0)

PT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  pt_ensure_hooks();
  if (!pt_real.posix_spawn) return ENOSYS;
  PT_SPAWN(path, argv, envp, pt_real.posix_spawn(pid, path, fa, attr, argv, env));
}

PT_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  pt_ensure_hooks();
  if (!pt_real.posix_spawnp) return ENOSYS;
  PT_SPAWN(file, argv, envp, pt_real.posix_spawnp(pid, file, fa, attr, argv, env));
}
