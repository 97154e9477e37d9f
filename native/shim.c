/*
 * shim.c — perftop's LD_PRELOAD allocation counter: the hook table and the malloc family.
 *
 * What it does: every malloc/free/calloc/realloc/reallocarray/memalign/posix_memalign/aligned_alloc/valloc/pvalloc
 * goes to the next allocator in the chain (dlsym(RTLD_NEXT): glibc, or a libtcmalloc preloaded after us) and is
 * counted by usable size (the next allocator's malloc_usable_size) into the calling thread's 64-byte slot of the
 * process's /dev/shm segment (shim_segment.c).
 *
 * Constraints (this is the hot path of every allocating program):
 *  - no lock, no syscall, no allocation: one initial-exec TLS load finds the slot, then plain adds to words only
 *    this thread writes (see pt_add in shim_internal.h);
 *  - bootstrap: dlsym itself may allocate before the real functions are known; those requests are served from a
 *    static bump pool, and free/realloc/malloc_usable_size recognise pool pointers (free ignores them);
 *  - plain C, no libstdc++; nothing here may call printf or anything that can allocate.
 * The hook table mirrors heaptrack's preload (one line per symbol, resolved once); the logic lives elsewhere.
 */
#include "shim_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PT_CHUNK_MMAPPED ((size_t)2) /* glibc's IS_MMAPPED bit in a chunk's size word */

static void *pt_boot_malloc(size_t n);
static void pt_boot_free(void *p);
/* malloc and free start as bootstrap functions rather than NULL, so the hot path calls through the pointer with no
 * "resolved yet?" test: the bootstrap versions resolve the table (or serve the static pool while dlsym runs). */
struct pt_real pt_real = {.malloc = pt_boot_malloc, .free = pt_boot_free};

/* ---- bootstrap pool: serves allocations made while dlsym resolves the hooks ---- */
#define PT_POOL_SIZE (256 * 1024)
static unsigned char pt_pool[PT_POOL_SIZE] __attribute__((aligned(64)));
static size_t pt_pool_used;

static inline int pt_in_pool(const void *p) {
  return (const unsigned char *)p >= pt_pool && (const unsigned char *)p < pt_pool + PT_POOL_SIZE;
}

/* Each pool block is preceded by its size and then a word with bit 1 set: malloc and free read that word as glibc's
 * chunk header, where bit 1 means "mmapped", which they leave to their slow paths; so pool pointers cost the fast
 * path no test of their own. 16 bytes keep 16-byte alignment. */
static void *pt_pool_alloc(size_t n, size_t align) {
  if (align < 16) align = 16;
  if (n > PT_POOL_SIZE) return NULL;
  size_t old = __atomic_load_n(&pt_pool_used, __ATOMIC_RELAXED);
  for (;;) {
    size_t start = (old + 16 + align - 1) & ~(align - 1);
    size_t end = start + ((n + 15) & ~(size_t)15);
    if (end > PT_POOL_SIZE) {
      errno = ENOMEM;
      return NULL;
    }
    if (__atomic_compare_exchange_n(&pt_pool_used, &old, end, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
      *(size_t *)(pt_pool + start - 16) = n;
      *(size_t *)(pt_pool + start - 8) = PT_CHUNK_MMAPPED;
      return pt_pool + start; /* static storage is zeroed and never reused: calloc needs no memset */
    }
  }
}

__attribute__((unused)) static size_t pt_pool_size(const void *p) { return *(const size_t *)((const unsigned char *)p - 16); }

/* ---- hook table ---- */
static int pt_boot_state; /* 0 unresolved, 1 resolving, 2 done */

#define HOOK(field, name) pt_real.field = (__typeof__(pt_real.field))dlsym(RTLD_NEXT, name)

void pt_ensure_hooks(void) {
  if (PT_LIKELY(__atomic_load_n(&pt_boot_state, __ATOMIC_ACQUIRE) == 2)) return;
  int expect = 0;
  /* Another thread (or this one, re-entered from inside dlsym) is resolving: the caller falls back to the pool. */
  if (!__atomic_compare_exchange_n(&pt_boot_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  /* Required: the allocator itself. */
  void *m = dlsym(RTLD_NEXT, "malloc"), *f = dlsym(RTLD_NEXT, "free");
  if (m && f) { /* both or neither: a pointer from one allocator must never reach the other's free */
    pt_real.free = (void (*)(void *))f;
    pt_real.malloc = (void *(*)(size_t))m;
  }
  HOOK(calloc, "calloc");
  HOOK(realloc, "realloc");
  HOOK(usable, "malloc_usable_size");
  /* Optional: emulated below through posix_memalign when the next allocator lacks them. */
  HOOK(memalign, "memalign");
  HOOK(posix_memalign, "posix_memalign");
  HOOK(aligned_alloc, "aligned_alloc");
  HOOK(valloc, "valloc");
  HOOK(pvalloc, "pvalloc");
  /* Signal, timer and exec wrappers (shim_signals.c). */
  HOOK(sigaction, "sigaction");
  HOOK(signal, "signal");
  HOOK(bsd_signal, "bsd_signal");
  HOOK(sigset, "sigset");
  HOOK(setitimer, "setitimer");
  HOOK(alarm, "alarm");
  HOOK(timer_create, "timer_create");
  HOOK(timer_settime, "timer_settime");
  HOOK(timer_delete, "timer_delete");
  HOOK(execve, "execve");
  HOOK(execvpe, "execvpe");
  HOOK(fexecve, "fexecve");
  HOOK(execveat, "execveat"); /* glibc >= 2.34 */
  HOOK(posix_spawn, "posix_spawn");
  HOOK(posix_spawnp, "posix_spawnp");
  __atomic_store_n(&pt_boot_state, 2, __ATOMIC_RELEASE);
}

/* glibc's malloc_usable_size checks that the chunk is in use by reading the *next* chunk's header: a cache miss on
 * nearly every call, and the largest part of the shim's cost. A pointer just returned by malloc, or being passed to
 * free, is in use by definition, so for glibc the answer is its own header: chunksize - 8, or chunksize - 16 when
 * mmapped. pt_detect_glibc enables this only when the next malloc is glibc's and the formula agrees with the real
 * malloc_usable_size on a range of sizes (small, large, mmapped); otherwise every size comes from the real call. */
int pt_glibc_fast;

static inline size_t pt_chunk_usable(size_t head) {
  return (head & ~(size_t)7) - ((head & PT_CHUNK_MMAPPED) ? 16 : 8);
}

static inline size_t pt_glibc_usable(const void *p) { return pt_chunk_usable(((const size_t *)p)[-1]); }

static inline size_t pt_usable(void *p) {
  if (PT_LIKELY(pt_glibc_fast)) return pt_glibc_usable(p);
  return pt_real.usable ? pt_real.usable(p) : 0;
}

void pt_detect_glibc(void) {
  Dl_info info;
  if (pt_real.malloc == pt_boot_malloc || !pt_real.usable || !dladdr((void *)pt_real.malloc, &info) ||
      !info.dli_fname)
    return;
  const char *base = strrchr(info.dli_fname, '/');
  base = base ? base + 1 : info.dli_fname;
  if (strncmp(base, "libc.so", 7) != 0) return;
  /* Every size below glibc's mmap threshold, except the last: an mmapped block whose free() must leave glibc's
   * dynamic threshold alone. free() of an mmapped chunk raises the threshold to its size when that is at most
   * DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit): a 4 MiB probe once did, and the app's 1 MiB blocks then came
   * from the heap, never given back (RSS 1 MB → 52 MB on a free-after-use program). 64 MiB is above that
   * maximum, and costs an mmap/munmap of untouched pages. */
  static const size_t sizes[] = {0, 1, 8, 24, 25, 100, 1000, 4096, 5000, 65536, 100000, (size_t)64 << 20};
  int ok = 1;
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *q = pt_real.malloc(sizes[i]); /* straight to glibc: not counted */
    if (!q) continue;
    if (pt_glibc_usable(q) != pt_real.usable(q)) ok = 0;
    pt_real.free(q);
  }
  pt_glibc_fast = ok;
}

/* Counting processes take the first branch; a process that counts nothing (no session, not matching) pays one
 * load of pt_cseg and no usable-size lookup. */
static inline void pt_on_alloc(void *p) {
  struct pt_slot *s = pt_tls_slot;
  if (PT_LIKELY(s != NULL))
    pt_count_alloc(s, pt_usable(p));
  else if (__atomic_load_n(&pt_cseg, __ATOMIC_RELAXED))
    pt_slow_alloc(pt_usable(p));
}

static inline void pt_on_free(size_t n) {
  struct pt_slot *s = pt_tls_slot;
  if (PT_LIKELY(s != NULL))
    pt_count_free(s, n);
  else
    pt_slow_free(n);
}

/* ---- the malloc family ---- */
static void *pt_boot_malloc(size_t n) {
  pt_ensure_hooks();
  if (pt_real.malloc == pt_boot_malloc) return pt_pool_alloc(n, 16); /* dlsym itself is allocating */
  return pt_real.malloc(n);
}

static void pt_boot_free(void *p) {
  pt_ensure_hooks();
  if (pt_real.free != pt_boot_free) pt_real.free(p);
  /* else: cannot happen for a non-pool pointer; leaking beats crashing */
}

/* libperftop-nocount.so (-DPT_NO_MALLOC, for --no-alloc runs) stops here: the program's malloc family stays the next
 * allocator's, untouched, and only the signal, timer, exec and control parts are interposed. */
#ifndef PT_NO_MALLOC

/* malloc and free are written so that their common path makes no call except the (tail) call to the real
 * allocator: every rarer path (publishing, a thread's first allocation, an mmapped chunk, a pool pointer, an
 * allocator other than glibc, a process that counts nothing) leaves through a tail call to a noinline helper, so the
 * compiler saves no register and builds no frame on the way. The common path is: one TLS load (pt_tls_fast: this
 * thread counts, and sizes come from glibc's header), the header word, its mmapped bit, then three adds for malloc
 * and two for free, the last one's overflow flag being the only test (17 and 15 instructions; bench/README.md). */
__attribute__((noinline)) static void *pt_alloc_publish(struct pt_slot *s, void *p) {
  pt_publish(s);
  return p;
}

/* Anything but a counted, non-mmapped glibc chunk: sizes from pt_usable (the header formula with the mmapped case,
 * or the real malloc_usable_size, a call). A process that counts nothing (no session, or --alloc did not match it)
 * ends here on every call: that test comes first, in a function small enough to need no frame. */
__attribute__((noinline)) static void *pt_alloc_count(void *p) {
  if (p && !pt_in_pool(p)) pt_on_alloc(p);
  return p;
}

__attribute__((noinline)) static void *pt_alloc_other(void *p) {
  if (PT_LIKELY(!__atomic_load_n(&pt_cseg, __ATOMIC_RELAXED))) return p;
  return pt_alloc_count(p);
}

__attribute__((noinline)) static void pt_free_publish(struct pt_slot *s, void *p) {
  pt_publish(s);
  pt_real.free(p);
}

__attribute__((noinline)) static void pt_free_count(void *p) {
  pt_on_free(pt_usable(p));
  pt_real.free(p);
}

__attribute__((noinline)) static void pt_free_other(void *p) {
  if (PT_UNLIKELY(pt_in_pool(p))) return; /* a pool block never reaches the real allocator */
  if (__atomic_load_n(&pt_cseg, __ATOMIC_RELAXED)) return pt_free_count(p);
  pt_real.free(p);
}

PT_EXPORT void *malloc(size_t n) {
  void *p = pt_real.malloc(n);
  struct pt_slot *s = pt_tls_fast;
  if (PT_UNLIKELY(p == NULL || s == NULL)) return pt_alloc_other(p);
  size_t head = ((const size_t *)p)[-1];
  if (PT_UNLIKELY(head & PT_CHUNK_MMAPPED)) return pt_alloc_other(p);
  if (PT_UNLIKELY(pt_count_alloc_fast(s, pt_chunk_usable(head)))) return pt_alloc_publish(s, p);
  return p;
}

PT_EXPORT void free(void *p) {
  if (PT_UNLIKELY(p == NULL)) return;
  /* Count first, then tail-call the real free (free cannot fail). */
  struct pt_slot *s = pt_tls_fast;
  if (PT_UNLIKELY(s == NULL)) return pt_free_other(p);
  size_t head = ((const size_t *)p)[-1];
  if (PT_UNLIKELY(head & PT_CHUNK_MMAPPED)) return pt_free_other(p);
  if (PT_UNLIKELY(pt_count_free_fast(s, pt_chunk_usable(head)))) return pt_free_publish(s, p);
  pt_real.free(p);
}

PT_EXPORT void *calloc(size_t nmemb, size_t size) {
  if (PT_UNLIKELY(!pt_real.calloc)) {
    pt_ensure_hooks();
    if (!pt_real.calloc) {
      size_t total;
      if (__builtin_mul_overflow(nmemb, size, &total)) {
        errno = ENOMEM;
        return NULL;
      }
      return pt_pool_alloc(total, 16);
    }
  }
  void *p = pt_real.calloc(nmemb, size);
  if (PT_LIKELY(p != NULL)) pt_on_alloc(p);
  return p;
}

/* Counted as a free of the old block plus an allocation of the new one, so live bytes stay exact. */
PT_EXPORT void *realloc(void *p, size_t n) {
  if (PT_UNLIKELY(pt_in_pool(p))) {
    void *q = malloc(n);
    if (q) {
      size_t old = pt_pool_size(p);
      memcpy(q, p, old < n ? old : n);
    }
    return q;
  }
  if (PT_UNLIKELY(!pt_real.realloc)) {
    pt_ensure_hooks();
    if (!pt_real.realloc) return p ? NULL : pt_pool_alloc(n, 16);
  }
  size_t old = p ? pt_usable(p) : 0;
  void *q = pt_real.realloc(p, n);
  if (q) {
    if (p) pt_on_free(old);
    pt_on_alloc(q);
  } else if (p && n == 0) {
    pt_on_free(old); /* glibc and tcmalloc free the block and return NULL */
  }
  return q;
}

/* Implemented here rather than forwarded: glibc's reallocarray would call glibc's realloc even when tcmalloc owns
 * the block. */
PT_EXPORT void *reallocarray(void *p, size_t nmemb, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(nmemb, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, total);
}

PT_EXPORT int posix_memalign(void **out, size_t align, size_t n) {
  if (PT_UNLIKELY(!pt_real.posix_memalign)) {
    pt_ensure_hooks();
    if (!pt_real.posix_memalign) {
      if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
      void *p = pt_pool_alloc(n, align);
      if (!p) return ENOMEM;
      *out = p;
      return 0;
    }
  }
  int r = pt_real.posix_memalign(out, align, n);
  if (r == 0 && *out) pt_on_alloc(*out);
  return r;
}

static void *pt_aligned_fallback(size_t align, size_t n) {
  void *p = NULL;
  int r = posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
  if (r) {
    errno = r;
    return NULL;
  }
  return p; /* already counted by posix_memalign */
}

PT_EXPORT void *memalign(size_t align, size_t n) {
  pt_ensure_hooks();
  if (!pt_real.memalign) return pt_aligned_fallback(align, n);
  void *p = pt_real.memalign(align, n);
  if (p) pt_on_alloc(p);
  return p;
}

PT_EXPORT void *aligned_alloc(size_t align, size_t n) {
  pt_ensure_hooks();
  if (!pt_real.aligned_alloc) return pt_aligned_fallback(align, n);
  void *p = pt_real.aligned_alloc(align, n);
  if (p) pt_on_alloc(p);
  return p;
}

PT_EXPORT void *valloc(size_t n) {
  pt_ensure_hooks();
  if (!pt_real.valloc) return pt_aligned_fallback((size_t)sysconf(_SC_PAGESIZE), n);
  void *p = pt_real.valloc(n);
  if (p) pt_on_alloc(p);
  return p;
}

PT_EXPORT void *pvalloc(size_t n) {
  pt_ensure_hooks();
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (!pt_real.pvalloc) return pt_aligned_fallback(page, n ? (n + page - 1) & ~(page - 1) : page);
  void *p = pt_real.pvalloc(n);
  if (p) pt_on_alloc(p);
  return p;
}

/* Interposed only so that a pool pointer handed to the program never reaches the real allocator. */
PT_EXPORT size_t malloc_usable_size(void *p) {
  if (p == NULL) return 0;
  if (pt_in_pool(p)) return pt_pool_size(p);
  pt_ensure_hooks();
  return pt_usable(p);
}

#endif /* PT_NO_MALLOC */
