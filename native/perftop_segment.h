/*
 * perftop_segment.h — the one layout of a perftop shared-memory segment, included by the LD_PRELOAD shim (C,
 * writer) and the N-API reader (C++, reader). Nothing else may describe these bytes.
 *
 * File: $PERFTOP_SHM_DIR/perftop-<session>-<pid>-<gen> (default dir /dev/shm), created 0600 with
 * O_CREAT|O_EXCL|O_NOFOLLOW by the process it describes. <gen> is derived, not passed: each new image (process
 * start, fork child, exec) takes the first gen >= 0 whose file does not exist yet. A segment stays until perftop
 * removes it after the owner's exit, so an exec in the same pid always finds gen N taken and gets N+1.
 *
 * Layout: [pt_header][pad to slots_offset][slot_count x pt_slot][hist_count x pt_hist_rec]. Every offset, count and
 * record size is stored in the header so a reader can check them against the file size before touching anything.
 * The writer stores `magic` last (release), so a reader that sees the magic sees a complete header.
 *
 * Concurrency (the writer never locks on the malloc path):
 *  - A pt_slot is written only by its owning thread, with one plain (non-locked) add per counter. Two counters are
 *    kept biased so that the add's own overflow flag tells malloc and free when to take their slow path (no reload,
 *    no compare): live_c = live + live_bias overflows exactly when live exceeds the thread's bound `hi`, frees_c =
 *    frees + frees_bias every PT_FREE_CHECK frees. The owner changes a bias only in its slow path, inside `seq`
 *    (odd while it rebiases); a reader copies the slot between two equal, even reads of seq and subtracts the
 *    biases. The owner adds to alloc_bytes before live_c, so a reader that reads live_c first and alloc_bytes
 *    second gets freed bytes = alloc_bytes - live never below what had really been freed.
 *  - Folding a dead thread's slot into `folded` and freeing the slot happens under `fold_seq` (a seqlock: odd while
 *    folding). A reader copies `folded` plus every live slot between two equal, even reads of fold_seq; so an exiting
 *    thread is counted exactly once.
 *  - Timer state is guarded by `timer_seq` the same way.
 *  - History records are claimed with an atomic add on `hist_next`; record i (0-based) is complete when its `seq`
 *    equals 2*i+2 (odd 2*i+1 while being written). The ring keeps the last hist_count records.
 */
#ifndef PERFTOP_SEGMENT_H
#define PERFTOP_SEGMENT_H

#include <stdint.h>

#define PT_MAGIC 0x3147455350545250ULL /* "PRTPSEG1" little-endian */
#define PT_VERSION 5u
#define PT_SLOTS 256u                 /* thread slots per process; more live threads count into `folded` */
#define PT_HIST 128u                  /* history ring records */
#define PT_CPU_TIMERS 16u             /* armed CPU-clock POSIX timers remembered */
#define PT_PEAK_BATCH (16 * 1024)     /* a thread publishes its live-byte change once it moved this far */
#define PT_FREE_CHECK 256             /* frees between two checks for a drop to publish */
#define PT_MAX_SEGMENT (16u << 20)    /* readers refuse larger files */

/* A slot's tid is also its state: PT_SLOT_FREE, PT_SLOT_CLAIMING, or the owner's tid (> 0) while it is live. */
#define PT_SLOT_FREE 0
#define PT_SLOT_CLAIMING (-1)

/* History record kinds (index into the names the reader exports). */
enum pt_kind {
  PT_K_SIGACTION = 1,
  PT_K_SIGNAL = 2,
  PT_K_SIGSET = 3,
  PT_K_SETITIMER = 4,
  PT_K_TIMER_CREATE = 5,
  PT_K_ALARM = 6,
  PT_K_EXEC = 7,
  PT_K_TIMER_SETTIME = 8,
  PT_K_MAX = 8
};

/* Counters as the shim keeps them. Live bytes = alloc_bytes - free_bytes (may dip below 0 per thread when a thread
 * frees another thread's memory; the reader clamps). */
struct pt_counters {
  uint64_t allocs;
  uint64_t frees;
  uint64_t alloc_bytes;
  uint64_t free_bytes;
};

/* One thread's counters: two cache lines. The first holds all that malloc, free and the check every PT_FREE_CHECK
 * frees touch (a line the slow path also needs would be cold by then: that miss cost more than the check itself);
 * the second, what changes only when live rises above hi = min(peak, published + PT_PEAK_BATCH). The slow path
 * runs then (so the thread's peak is exact) and every PT_FREE_CHECK frees (to publish a drop of PT_PEAK_BATCH). */
struct pt_slot {
  int32_t tid;  /* PT_SLOT_FREE, PT_SLOT_CLAIMING or the owner's tid */
  uint32_t seq; /* odd while the owner changes the biases */
  uint64_t allocs;
  uint64_t alloc_bytes;
  uint64_t live_c;     /* live + live_bias (mod 2^64); live = alloc_bytes - bytes this thread freed, may be < 0 */
  uint64_t frees_c;    /* frees + frees_bias (mod 2^64) */
  uint64_t live_bias;  /* INT64_MAX - hi */
  uint64_t frees_bias; /* INT64_MAX - the frees count of the next check */
  int64_t published;   /* live when this thread last added to pt_header.live_published */
  /* second line */
  int64_t peak; /* highest live of this thread, exact */
  uint64_t reserved[7];
} __attribute__((aligned(64)));

/* The biased counters, decoded the same way by the writer and the reader. A counter whose bias is
 * pt_bias_bound(b) overflows (signed) on the add that takes its value above b; the bound of a bias is the same
 * subtraction. */
static inline uint64_t pt_bias_bound(uint64_t x) { return (uint64_t)INT64_MAX - x; }
static inline uint64_t pt_unbias(uint64_t counter, uint64_t bias) { return counter - bias; }

struct pt_timer_state {
  uint32_t prof_armed, real_armed, virt_armed, cpu_count;
  uint64_t prof_us, real_us, virt_us; /* interval (or the one-shot value when the interval is 0) */
  uint64_t real_until_ms; /* a one-shot ITIMER_REAL/alarm: when it fires (CLOCK_REALTIME ms); 0 when periodic */
  /* A one-shot on this process's CPU time (user + system): the process CPU time, in us, at which it fires. The
   * reader compares it with /proc/PID/stat. 0 when periodic, or when on another clock (a thread's CPU time). */
  uint64_t prof_until_cpu_us;
  int32_t cpu_signals[PT_CPU_TIMERS];
  uint64_t cpu_until_cpu_us[PT_CPU_TIMERS]; /* the same for cpu_signals[i] */
  uint32_t clock_count;                     /* armed POSIX timers on other clocks (wall, monotonic, boot) */
  int32_t clock_signals[PT_CPU_TIMERS];     /* their signals: a handler for one makes poll() return EINTR too */
};

#define PT_STR_DISP 64
#define PT_STR_CALLER 96
#define PT_STR_DETAIL 160

struct pt_hist_rec {
  uint64_t seq;  /* 2*i+1 while record i is written, 2*i+2 when complete */
  uint64_t t_ms; /* CLOCK_REALTIME, ms */
  int32_t tid;
  uint16_t kind; /* enum pt_kind */
  uint16_t signo;
  uint32_t sa_flags; /* raw flags of the new disposition (SA_RESTORER masked out) */
  uint32_t reserved;
  char old_disp[PT_STR_DISP];
  char new_disp[PT_STR_DISP];
  char caller[PT_STR_CALLER];
  char detail[PT_STR_DETAIL];
} __attribute__((aligned(64)));

struct pt_header {
  uint64_t magic; /* PT_MAGIC, stored last by the writer */
  uint32_t version;
  uint32_t header_size; /* sizeof(struct pt_header) */
  uint64_t total_size;  /* == file size */
  uint32_t slot_count;
  uint32_t slot_size; /* sizeof(struct pt_slot) */
  uint64_t slots_offset;
  uint32_t hist_count;
  uint32_t hist_rec_size; /* sizeof(struct pt_hist_rec) */
  uint64_t hist_offset;
  int32_t pid;
  uint32_t gen;
  uint64_t start_ms;
  uint32_t closed; /* 1: the owner ran its exit destructor */
  uint32_t fold_seq;
  struct pt_counters folded; /* exited threads, threads past PT_SLOTS, frees after a thread's slot was folded */
  int64_t live_published;    /* process live bytes as published by threads (batched, atomic add) */
  int64_t peak;              /* highest live_published seen: the process peak, to within PT_PEAK_BATCH per thread */
  uint64_t hist_next;        /* records ever claimed */
  uint32_t timer_seq;
  uint32_t execed; /* 1 from just before a successful exec: the image that writes here is gone (0 again if it failed) */
  struct pt_timer_state timers;
  char comm[16];
  /* How the image ended through exit() or a return from main: PT_EXIT_KNOWN | the wait status (code << 8); 0 until
   * then. A parent that reaps the process itself leaves perftop no other way to learn the code. */
  uint32_t exit_status;
  /* 1: this image counts allocations (slots and totals are its own). 0: the segment holds only the image's history,
   * timers, exec flag and exit status (--no-alloc, not selected by --alloc=MATCH): perftop shows "not counted". */
  uint32_t counting;
} __attribute__((aligned(64)));

#define PT_EXIT_KNOWN 0x10000u

#define PT_SLOTS_OFFSET 4096u
#define PT_HIST_OFFSET (PT_SLOTS_OFFSET + PT_SLOTS * (uint32_t)sizeof(struct pt_slot))
#define PT_TOTAL_SIZE (PT_HIST_OFFSET + PT_HIST * (uint32_t)sizeof(struct pt_hist_rec))

#ifdef __cplusplus
static_assert(sizeof(struct pt_slot) == 128, "a slot is two cache lines");
static_assert(sizeof(struct pt_header) <= PT_SLOTS_OFFSET, "header fits before the slots");
#else
_Static_assert(sizeof(struct pt_slot) == 128, "a slot is two cache lines");
_Static_assert(sizeof(struct pt_header) <= PT_SLOTS_OFFSET, "header fits before the slots");
#endif

/*
 * ---- Control file (shim_control.c writes state, perftop writes requests) ----
 *
 * The segment above is mapped read-only by the reader; requests go through a separate, tiny file so the reader's
 * mapping of the counters never becomes writable: $PERFTOP_CTL_DIR/perftop-<session>-<pid>-<gen>.ctl, where
 * PERFTOP_CTL_DIR is perftop's private 0700 session directory (/tmp/perftop-<session>/, removed with the session;
 * no PERFTOP_CTL_DIR, no control file and no control thread). Created 0600 with O_CREAT|O_EXCL|O_NOFOLLOW by every
 * image that has PERFTOP_SESSION (whatever --alloc matches), gen = first free number as for segments. `magic` is
 * stored last.
 *
 * Protocol (one request at a time; perftop is the only writer of req_*):
 *  - perftop checks ack_seq == req_seq (idle), writes req_cmd and req_arg, then stores req_seq + 1 (release) and
 *    FUTEX_WAKEs req_seq. The shim's control thread (`perftop-ctl`, every signal blocked) FUTEX_WAITs on req_seq.
 *  - The thread runs the command, fills ack_status/ack_msg/ack_file, then stores ack_seq = req_seq (release).
 *    perftop polls ack_seq (no blocking call in Node's thread).
 *  - State (cpu/heap on, files) is written under state_seq (a seqlock: odd while writing).
 */
#define PT_CTL_MAGIC 0x314C544350545250ULL /* "PRTPCTL1" little-endian */
#define PT_CTL_VERSION 1u
#define PT_CTL_PATH 512
#define PT_CTL_MSG 256

enum pt_ctl_cmd {
  PT_CMD_NONE = 0,
  PT_CMD_CPU_START = 1, /* req_arg: output directory; the shim names the file <comm>.<pid>.<NNNN>.cpu.prof */
  PT_CMD_CPU_STOP = 2,
  PT_CMD_HEAP_DUMP = 3, /* req_arg: output directory (used when the heap profiler is not running yet) */
  PT_CMD_MAX = 3
};

/* ack_status values */
#define PT_ACK_OK 0
#define PT_ACK_FAIL 1
#define PT_ACK_UNAVAILABLE 2 /* the library the command needs is not in the process */

struct pt_ctl {
  uint64_t magic; /* PT_CTL_MAGIC, stored last */
  uint32_t version;
  uint32_t size; /* sizeof(struct pt_ctl) == file size */
  int32_t pid;
  uint32_t gen;
  uint32_t req_seq; /* futex word */
  uint32_t req_cmd; /* enum pt_ctl_cmd */
  uint32_t ack_seq;
  int32_t ack_status;
  char req_arg[PT_CTL_PATH];
  char ack_msg[PT_CTL_MSG];
  char ack_file[PT_CTL_PATH]; /* CPU: the profile file; heap: the dump prefix (files are <prefix>.NNNN.heap) */
  uint32_t state_seq;
  uint32_t cpu_on;
  uint32_t heap_on;
  uint32_t tcmalloc; /* HeapProfilerStart resolves in this process */
  char cpu_file[PT_CTL_PATH];
  char heap_prefix[PT_CTL_PATH];
  char state_msg[PT_CTL_MSG]; /* why a from-start profile is off, or "" */
  char comm[16];
} __attribute__((aligned(64)));

#endif
