/*
 * shim_control.c — the shim's control thread and profiling scope: CPU profiles and heap dumps on request, without a
 * signal to the app and without a profiler preloaded into the whole tree.
 *
 *  - Control file: every image with PERFTOP_SESSION and PERFTOP_CTL_DIR (perftop's 0700 session directory) creates
 *    $PERFTOP_CTL_DIR/perftop-<session>-<pid>-<gen>.ctl (layout and protocol: struct pt_ctl in perftop_segment.h;
 *    without PERFTOP_CTL_DIR there is no control and no profiling) and a control thread named `perftop-ctl`, created
 *    with every signal blocked (so it never takes one of the app's signals), that FUTEX_WAITs on req_seq.
 *  - CPU profile: the thread dlopen()s libprofiler.so.0 and calls ProfilerStart(file) / ProfilerStop() (FIELD.md
 *    "Building blocks": works late in a running process). No CPUPROFILE in the environment, no preload: children
 *    never inherit the profiler through the environment (seed 000).
 *  - Heap dump: HeapProfilerDump() through dlsym(RTLD_DEFAULT) when libtcmalloc is in the process; if the heap
 *    profiler is not running, it is started first (prefix <out>/<comm>.<pid>).
 *  - From start (PERFTOP_PROFILE_CPU / PERFTOP_PROFILE_HEAP = glob, PERFTOP_OUT = dir): the constructor starts
 *    the profiler when this image's comm or basename(argv[0]) matches. The heap profiler needs libtcmalloc in the
 *    image: perftop preloads it for a matching root, and the exec wrappers add it to LD_PRELOAD (after the shim)
 *    for a matching exec target and remove it for any other (PERFTOP_TCMALLOC names the file).
 *  - --alloc=MATCH (PERFTOP_ALLOC_MATCH): the exec wrappers preload libperftop-nocount.so (no malloc family) for a
 *    target the glob does not select, and libperftop.so for one it does, so an image that counts nothing pays
 *    nothing in malloc. For a #! script the interpreter is what the new image sees as argv[0], and is matched.
 *  - Exec: an image with a CPU profile stops it first (the file is complete instead of 0 bytes) and any armed
 *    ITIMER_PROF is disarmed, so the new image cannot die of SIGPROF before it installs a handler (seed 000).
 *  - Fork child (same image): it gets its own control file and thread. A heap profile is restarted at once in the
 *    child handler (HeapProfilerStop + HeapProfilerStart(<out>/<comm>.<childpid>)), so the child's exit dump cannot
 *    overwrite the parent's file (seed 001). A CPU profile's inherited file descriptor is pointed at /dev/null
 *    first (so nothing the child flushes reaches the parent's file), then the child's control thread restarts it
 *    under the child's own name.
 *  - Last thread: the control thread is the process's too, so when every other thread has ended (the leader left
 *    with pthread_exit, FIELD.md §5) it calls exit(0) itself, as glibc would have for the last thread. Only a
 *    leader's pthread_exit (seen by the wrapper below) makes that possible, so until then the thread sleeps on its
 *    futex with no timeout: no periodic wake-up in any process of the tree.
 * File names: <comm>.<pid>.<NNNN>.cpu.prof with NNNN the first free number from 0001 (4 digits, as gperftools
 * numbers heap dumps: <comm>.<pid>.<NNNN>.heap).
 */
#include "shim_internal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PT_LIBPROFILER "libprofiler.so.0"
#define PT_CTL_POLL_MS 10 /* after the leader's pthread_exit: how often to check for being the last thread */

static struct pt_ctl *pt_ctl;
static int pt_leader_left; /* the leader called pthread_exit: the control thread may become the last one */
static void (*pt_real_pthread_exit)(void *);
static int pt_ctl_on;           /* this image has a session: control file + thread */
static char pt_ctl_dir[256];    /* PERFTOP_CTL_DIR: perftop's private session directory */
static char pt_ctl_session[80];
static char pt_out[PT_CTL_PATH / 2]; /* PERFTOP_OUT */
static char pt_cpu_glob[128], pt_heap_glob[128];
static char pt_alloc_glob[128]; /* PERFTOP_ALLOC_MATCH: the exec wrappers preload the count-free build elsewhere */
static char pt_self[512];       /* this shim's own file, as the loader found it (the exec wrappers put it back) */
static char pt_tcmalloc[256];   /* PERFTOP_TCMALLOC: the libtcmalloc path the exec wrappers add/remove */
static int pt_child_restart_cpu; /* set in a fork child: the control thread restarts the CPU profile */

/* Resolved once (never from a fork child handler, where dlsym would take the loader lock). */
static struct {
  int (*start)(const char *);
  void (*stop)(void);
} pt_prof;
static struct {
  void (*start)(const char *);
  void (*stop)(void);
  void (*dump)(const char *);
  int (*running)(void);
} pt_heap;

/* ---- small helpers (no stdio, no allocation) ---- */

static long pt_futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts) {
  return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/* State fields under the state seqlock. */
static void pt_state_begin(void) { __atomic_add_fetch(&pt_ctl->state_seq, 1, __ATOMIC_ACQ_REL); }
static void pt_state_end(void) { __atomic_add_fetch(&pt_ctl->state_seq, 1, __ATOMIC_RELEASE); }

static void pt_set_cpu(int on, const char *file, const char *msg) {
  if (!pt_ctl) return;
  pt_state_begin();
  pt_ctl->cpu_on = (uint32_t)on;
  if (file) pt_copy(pt_ctl->cpu_file, sizeof pt_ctl->cpu_file, file);
  if (msg) pt_copy(pt_ctl->state_msg, sizeof pt_ctl->state_msg, msg);
  pt_state_end();
}

static void pt_set_heap(int on, const char *prefix, const char *msg) {
  if (!pt_ctl) return;
  pt_state_begin();
  pt_ctl->heap_on = (uint32_t)on;
  pt_ctl->tcmalloc = pt_heap.dump != NULL;
  if (prefix) pt_copy(pt_ctl->heap_prefix, sizeof pt_ctl->heap_prefix, prefix);
  if (msg) pt_copy(pt_ctl->state_msg, sizeof pt_ctl->state_msg, msg);
  pt_state_end();
}

/* The process's comm: the leader's (/proc/self is the thread group), not the calling thread's (prctl would name the
 * control thread). */
static void pt_proc_comm(char comm[17]) {
  memset(comm, 0, 17);
  int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, comm, 16) : -1;
  if (fd >= 0) close(fd);
  if (n <= 0) {
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    return;
  }
  comm[n] = 0;
  if (n > 0 && comm[n - 1] == '\n') comm[n - 1] = 0;
}

/* comm as a file-name part: [A-Za-z0-9._+-], anything else '_'. */
static void pt_safe_comm(char out[17]) {
  char comm[17];
  pt_proc_comm(comm);
  size_t i = 0;
  for (; comm[i] && i < 16; i++) {
    char c = comm[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
             c == '+' || c == '-';
    out[i] = ok ? c : '_';
  }
  out[i] = 0;
  if (i == 0 || (i == 1 && out[0] == '.')) pt_copy(out, 17, "proc");
}

/* <dir>/<comm>.<pid> */
static int pt_prefix(char *out, size_t cap, const char *dir) {
  char comm[17];
  pt_safe_comm(comm);
  struct pt_buf b = {out, cap, 0};
  pt_puts(&b, dir);
  pt_puts(&b, "/");
  pt_puts(&b, comm);
  pt_puts(&b, ".");
  pt_putu(&b, (unsigned long long)getpid());
  return b.len + 1 < cap;
}

/* <prefix>.<NNNN>.<suffix>: 4 digits, as gperftools numbers its heap dumps. 0 when it does not fit. */
static int pt_numbered(char *out, size_t cap, const char *prefix, unsigned n, const char *suffix) {
  struct pt_buf b = {out, cap, 0};
  pt_puts(&b, prefix);
  pt_puts(&b, n < 1000 ? (n < 100 ? (n < 10 ? ".000" : ".00") : ".0") : ".");
  pt_putu(&b, n);
  pt_puts(&b, ".");
  pt_puts(&b, suffix);
  return b.len + 1 < cap;
}

/* <dir>/<comm>.<pid>.<NNNN>.<suffix>, the first NNNN >= 0001 whose file does not exist. */
static int pt_next_name(char *out, size_t cap, const char *dir, const char *suffix) {
  char prefix[PT_CTL_PATH];
  if (!pt_prefix(prefix, sizeof prefix, dir)) return 0;
  for (unsigned n = 1; n <= 9999; n++) {
    if (!pt_numbered(out, cap, prefix, n, suffix)) return 0;
    if (access(out, F_OK) != 0 && errno == ENOENT) return 1;
  }
  return 0;
}

/* The heap profiler's prefix was fixed when it started (a fork child's, in the fork handler, before the child
 * named itself): the dump just written is given the process's name as it is now, so one pid's files carry one
 * name (<comm>.<pid>.<NNNN>.heap, like its CPU profiles). `prefix` becomes the name the dump now has. Dumps that
 * gperftools writes on its own (every HEAP_PROFILE_ALLOCATION_INTERVAL, at stop) keep the starting name. */
static void pt_name_dump(char *prefix, size_t cap) {
  char now[PT_CTL_PATH], dir[PT_CTL_PATH], from[PT_CTL_PATH], to[PT_CTL_PATH];
  pt_copy(dir, sizeof dir, prefix);
  char *slash = strrchr(dir, '/');
  if (!slash) return;
  *slash = 0;
  if (!pt_prefix(now, sizeof now, dir) || strcmp(now, prefix) == 0) return;
  unsigned last = 0;
  for (unsigned n = 1; n <= 9999 && pt_numbered(from, sizeof from, prefix, n, "heap") && access(from, F_OK) == 0; n++) last = n;
  if (!last || !pt_numbered(from, sizeof from, prefix, last, "heap") || !pt_numbered(to, sizeof to, now, last, "heap")) return;
  if (access(to, F_OK) == 0 || rename(from, to) != 0) return;
  pt_copy(prefix, cap, now);
}

static int pt_glob_match(const char *glob, const char *name) {
  if (!glob[0] || !name || !name[0]) return 0;
  struct pt_guard g;
  pt_guard_enter(&g);
  int ok = fnmatch(glob, name, 0) == 0;
  pt_guard_leave(&g);
  return ok;
}

static const char *pt_base(const char *path) {
  const char *s = path ? strrchr(path, '/') : NULL;
  return s ? s + 1 : path;
}

/* comm (as the kernel sets it from the exec'd file name: basename, 15 bytes) or basename(argv[0]), where argv0 is
 * what the new image will see (pt_exec_argv0). */
static int pt_target_matches(const char *glob, const char *path, const char *argv0) {
  char comm[16];
  pt_copy(comm, sizeof comm, pt_base(path));
  return pt_glob_match(glob, comm) || pt_glob_match(glob, pt_base(argv0));
}

/* The argv[0] the new image's constructor will see: for a "#!" script the kernel puts the interpreter there, as the
 * #! line names it (so `--alloc='python*'` matches ./tool.py); otherwise argv[0] as given. A name without '/' is
 * looked up in PATH as execvp does. open/read/close only: this may run in a vfork child. */
static const char *pt_exec_argv0(const char *path, const char *argv0, char *buf, size_t cap) {
  if (!path || !*path || cap < 4) return argv0;
  int fd = -1;
  if (strchr(path, '/')) {
    fd = open(path, O_RDONLY | O_CLOEXEC);
  } else {
    const char *dirs = getenv("PATH");
    if (!dirs) dirs = "/bin:/usr/bin";
    char full[512];
    for (const char *d = dirs; fd < 0 && *d;) {
      const char *e = strchr(d, ':');
      size_t dl = e ? (size_t)(e - d) : strlen(d);
      struct pt_buf b = {full, sizeof full, 0};
      if (dl) {
        memcpy(full, d, dl < sizeof full - 1 ? dl : sizeof full - 1);
        b.len = dl < sizeof full - 1 ? dl : sizeof full - 1;
        full[b.len] = 0;
        pt_puts(&b, "/");
      }
      pt_puts(&b, path);
      if (b.len + 1 < sizeof full && access(full, X_OK) == 0) fd = open(full, O_RDONLY | O_CLOEXEC);
      d = e ? e + 1 : d + dl;
    }
  }
  if (fd < 0) return argv0;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 3 || buf[0] != '#' || buf[1] != '!') return argv0;
  buf[n] = 0;
  char *s = buf + 2;
  while (*s == ' ' || *s == '\t') s++;
  char *e = s;
  while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r') e++;
  if (e == s || (!*e && (size_t)n == cap - 1)) return argv0; /* no interpreter, or a line longer than we read */
  *e = 0;
  return s;
}

static int pt_self_matches(const char *glob, const char *argv0) {
  char comm[17] = {0};
  prctl(PR_GET_NAME, comm, 0, 0, 0);
  return pt_glob_match(glob, comm) || pt_glob_match(glob, pt_base(argv0));
}

/* ---- profiler libraries ---- */
static int pt_load_profiler(char *err, size_t cap) {
  if (pt_prof.start) return 1;
  /* libprofiler's constructor starts a profile of its own into $CPUPROFILE the moment it loads: the user's file
   * would be overwritten and ours never started. */
  const char *theirs = getenv("CPUPROFILE");
  if (theirs && *theirs && !dlopen(PT_LIBPROFILER, RTLD_NOW | RTLD_NOLOAD)) {
    struct pt_buf b = {err, cap, 0};
    pt_puts(&b, "CPUPROFILE is set in this process (");
    pt_puts(&b, theirs);
    pt_puts(&b, "): libprofiler would profile into that file instead; unset it in the app's environment");
    return 0;
  }
  void *h = dlopen(PT_LIBPROFILER, RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    struct pt_buf b = {err, cap, 0};
    pt_puts(&b, "cannot load " PT_LIBPROFILER " (apt-get install libgoogle-perftools4): ");
    const char *e = dlerror();
    pt_puts(&b, e ? e : "?");
    return 0;
  }
  void (*stop)(void) = (void (*)(void))dlsym(h, "ProfilerStop");
  int (*start)(const char *) = (int (*)(const char *))dlsym(h, "ProfilerStart");
  if (!start || !stop) {
    pt_copy(err, cap, PT_LIBPROFILER " has no ProfilerStart/ProfilerStop");
    return 0;
  }
  pt_prof.stop = stop;
  __atomic_store_n(&pt_prof.start, start, __ATOMIC_RELEASE);
  return 1;
}

static void pt_resolve_heap(void) {
  if (pt_heap.dump) return;
  pt_heap.start = (void (*)(const char *))dlsym(RTLD_DEFAULT, "HeapProfilerStart");
  pt_heap.stop = (void (*)(void))dlsym(RTLD_DEFAULT, "HeapProfilerStop");
  pt_heap.running = (int (*)(void))dlsym(RTLD_DEFAULT, "IsHeapProfilerRunning");
  void (*dump)(const char *) = (void (*)(const char *))dlsym(RTLD_DEFAULT, "HeapProfilerDump");
  if (pt_heap.start && pt_heap.stop && pt_heap.running) pt_heap.dump = dump;
}

/* Start a CPU profile into <dir>/<comm>.<pid>.<NNNN>.cpu.prof; returns 1 and the file, or 0 and why not. */
static int pt_cpu_start(const char *dir, char *file, size_t fcap, char *err, size_t ecap) {
  if (pt_ctl && pt_ctl->cpu_on) {
    pt_copy(err, ecap, "a CPU profile is already running");
    return 0;
  }
  if (!dir[0] || dir[0] != '/') {
    pt_copy(err, ecap, "the output directory must be an absolute path");
    return 0;
  }
  if (!pt_load_profiler(err, ecap)) return 0;
  if (!pt_next_name(file, fcap, dir, "cpu.prof")) {
    pt_copy(err, ecap, "no free file name in the output directory");
    return 0;
  }
  if (!pt_prof.start(file)) {
    struct pt_buf b = {err, ecap, 0};
    pt_puts(&b, "ProfilerStart failed for ");
    pt_puts(&b, file);
    return 0;
  }
  pt_set_cpu(1, file, "");
  return 1;
}

static void pt_cpu_stop(void) {
  if (!pt_ctl || !pt_ctl->cpu_on || !pt_prof.stop) return;
  pt_prof.stop();
  pt_set_cpu(0, NULL, NULL);
}

/* A CPU profile ends with the memory map of the process, which pprof needs to name anything: libprofiler reads
 * /proc/self/maps, and that is empty once the leader has exited (FIELD.md §5), so the profile would hold bare
 * addresses. We end it ourselves (we are the last thread) and append the map as a live thread sees it. */
static void pt_cpu_stop_leaderless(void) {
  if (!pt_ctl || !pt_ctl->cpu_on || !pt_prof.stop) return;
  char file[PT_CTL_PATH];
  pt_copy(file, sizeof file, pt_ctl->cpu_file);
  pt_cpu_stop();
  int in = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
  int out = file[0] ? open(file, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
  char buf[4096];
  ssize_t n;
  while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, (size_t)n) != n) break;
  if (in >= 0) close(in);
  if (out >= 0) close(out);
}

static int pt_heap_start(const char *dir, char *prefix, size_t cap, char *err, size_t ecap) {
  pt_resolve_heap();
  if (!pt_heap.dump) {
    pt_copy(err, ecap, "libtcmalloc is not loaded in this process");
    return 0;
  }
  if (!dir[0] || dir[0] != '/' || !pt_prefix(prefix, cap, dir)) {
    pt_copy(err, ecap, "the output directory must be an absolute path");
    return 0;
  }
  pt_heap.start(prefix);
  pt_set_heap(1, prefix, "");
  return 1;
}

/* ---- commands ---- */
static void pt_ack(uint32_t seq, int status, const char *msg, const char *file) {
  pt_copy(pt_ctl->ack_msg, sizeof pt_ctl->ack_msg, msg);
  pt_copy(pt_ctl->ack_file, sizeof pt_ctl->ack_file, file);
  __atomic_store_n(&pt_ctl->ack_status, status, __ATOMIC_RELAXED);
  __atomic_store_n(&pt_ctl->ack_seq, seq, __ATOMIC_RELEASE);
}

static void pt_run(uint32_t seq) {
  uint32_t cmd = __atomic_load_n(&pt_ctl->req_cmd, __ATOMIC_ACQUIRE);
  char arg[PT_CTL_PATH], file[PT_CTL_PATH], err[PT_CTL_MSG];
  memcpy(arg, pt_ctl->req_arg, sizeof arg);
  arg[sizeof arg - 1] = 0;
  file[0] = err[0] = 0;
  switch (cmd) {
    case PT_CMD_CPU_START:
      if (pt_cpu_start(arg, file, sizeof file, err, sizeof err))
        pt_ack(seq, PT_ACK_OK, "", file);
      else
        pt_ack(seq, pt_prof.start ? PT_ACK_FAIL : PT_ACK_UNAVAILABLE, err, "");
      return;
    case PT_CMD_CPU_STOP:
      if (!pt_ctl->cpu_on) {
        pt_ack(seq, PT_ACK_FAIL, "no CPU profile is running", "");
        return;
      }
      pt_copy(file, sizeof file, pt_ctl->cpu_file);
      pt_cpu_stop();
      pt_ack(seq, PT_ACK_OK, "", file);
      return;
    case PT_CMD_HEAP_DUMP: {
      pt_resolve_heap();
      if (!pt_heap.dump) {
        pt_ack(seq, PT_ACK_UNAVAILABLE, "libtcmalloc is not loaded in this process", "");
        return;
      }
      const char *note = "";
      if (!pt_heap.running()) {
        if (!pt_heap_start(arg, file, sizeof file, err, sizeof err)) {
          pt_ack(seq, PT_ACK_FAIL, err, "");
          return;
        }
        note = "started";
      } else {
        pt_copy(file, sizeof file, pt_ctl->heap_on ? pt_ctl->heap_prefix : "");
      }
      pt_heap.dump("perftop");
      if (file[0]) pt_name_dump(file, sizeof file);
      pt_ack(seq, PT_ACK_OK, note, file);
      return;
    }
    default:
      pt_ack(seq, PT_ACK_FAIL, "unknown command", "");
  }
}

/* /proc/self/stat of the leader: alone when 1 thread is left, or 2 with a zombie leader (it left first).
 * *leader_gone is set when the leader is a zombie: only then can the others end before us. */
/* Are we the last thread? Also says whether the leader is a zombie and, then, the status it left with (stat
 * field 52, the wait status its exit set): the process should end with that, as it would without us. */
static int pt_last_thread(int *leader_gone, int *leader_status) {
  char buf[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ') return 0;
  char state = p[2];
  *leader_gone = state == 'Z';
  /* num_threads is field 20, exit_code field 52; field 3 (state) is the first after ") ". */
  long threads = 0, code = 0;
  int field = 3;
  for (p += 2; *p; p++) {
    if (*p != ' ') continue;
    field++;
    if (field == 20) threads = strtol(p + 1, NULL, 10);
    if (field == 52) code = strtol(p + 1, NULL, 10);
  }
  *leader_status = (int)((code >> 8) & 0xff);
  return threads == 1 || (threads == 2 && state == 'Z');
}

/* Set by pt_start_thread once the creator has its own name back: until then /proc/self/comm (the leader's, when
 * the leader created us) reads "perftop-ctl", and nothing here may take it for the process's name. */
static int pt_creator_named;

static void *pt_ctl_main(void *unused) {
  prctl(PR_SET_NAME, "perftop-ctl", 0, 0, 0);
  for (int i = 0; i < 100000 && !__atomic_load_n(&pt_creator_named, __ATOMIC_ACQUIRE); i++) sched_yield();
  pt_thread_uncounted();
  if (pt_child_restart_cpu) {
    pt_child_restart_cpu = 0;
    if (pt_prof.stop) pt_prof.stop(); /* its inherited fd points at /dev/null now */
    char file[PT_CTL_PATH], err[PT_CTL_MSG];
    pt_set_cpu(0, NULL, NULL);
    if (!pt_cpu_start(pt_out, file, sizeof file, err, sizeof err)) pt_set_cpu(0, NULL, err);
  }
  uint32_t handled = __atomic_load_n(&pt_ctl->ack_seq, __ATOMIC_ACQUIRE);
  int leader_gone = 0;
  for (;;) {
    uint32_t seq = __atomic_load_n(&pt_ctl->req_seq, __ATOMIC_ACQUIRE);
    if (seq != handled) {
      pt_run(seq);
      handled = seq;
      continue;
    }
    /* Once the leader has left through pthread_exit (FIELD.md §5; the wrapper wakes us), check every
     * PT_CTL_POLL_MS whether we are the last thread, so the process ends about when its last own thread does, as
     * it would without us. A leader can also leave without the wrapper (a raw SYS_exit): so check once a second
     * regardless, or such a process would live on in this thread forever. */
    int left = __atomic_load_n(&pt_leader_left, __ATOMIC_ACQUIRE);
    struct timespec ts = left ? (struct timespec){0, PT_CTL_POLL_MS * 1000000L} : (struct timespec){1, 0};
    pt_futex(&pt_ctl->req_seq, FUTEX_WAIT, seq, &ts);
    if (__atomic_load_n(&pt_ctl->req_seq, __ATOMIC_ACQUIRE) != seq) continue;
    int status = 0;
    if (pt_last_thread(&leader_gone, &status)) {
      if (leader_gone) pt_cpu_stop_leaderless();
      exit(status);
    }
  }
  return NULL;
}

static void pt_start_thread(void) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 512 * 1024);
  /* The new thread inherits this mask: every signal blocked, for its whole life. */
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_t t;
  struct pt_guard g;
  pt_guard_enter(&g);
  /* A new thread is born with its creator's comm, and perftop hides the control thread from the app's thread list
   * by name: so the creator carries the name across the clone, and the thread never exists under the app's name
   * (naming it afterwards left a window as long as the thread's first scheduling, which under load is long). */
  char name[17] = {0};
  prctl(PR_GET_NAME, name, 0, 0, 0);
  __atomic_store_n(&pt_creator_named, 0, __ATOMIC_RELAXED);
  prctl(PR_SET_NAME, "perftop-ctl", 0, 0, 0);
  int created = pthread_create(&t, &attr, pt_ctl_main, NULL) == 0;
  prctl(PR_SET_NAME, name, 0, 0, 0);
  if (created) __atomic_store_n(&pt_creator_named, 1, __ATOMIC_RELEASE);
  pt_guard_leave(&g);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
}

static struct pt_ctl *pt_create_ctl(void) {
  unsigned gen;
  void *m = pt_map_new_file(pt_ctl_dir, pt_ctl_session, ".ctl", sizeof(struct pt_ctl), &gen);
  if (!m) return NULL;
  struct pt_ctl *c = m;
  c->version = PT_CTL_VERSION;
  c->size = sizeof(struct pt_ctl);
  c->pid = getpid();
  c->gen = gen;
  prctl(PR_GET_NAME, c->comm, 0, 0, 0);
  __atomic_store_n(&c->magic, PT_CTL_MAGIC, __ATOMIC_RELEASE);
  return c;
}

static void pt_env_copy(char *dst, size_t cap, const char *name) {
  const char *v = getenv(name);
  if (v && strlen(v) < cap) pt_copy(dst, cap, v);
  else dst[0] = 0;
}

/* Constructor part (after the segment exists, so the profiler's sigaction/setitimer land in its history). */
/* The leader leaving with pthread_exit is the one way our control thread could outlive the app's own threads. */
PT_EXPORT void pthread_exit(void *ret) {
  if (!pt_real_pthread_exit) pt_real_pthread_exit = (void (*)(void *))dlsym(RTLD_NEXT, "pthread_exit");
  if (pt_ctl && syscall(SYS_gettid) == getpid()) {
    __atomic_store_n(&pt_leader_left, 1, __ATOMIC_RELEASE);
    pt_futex(&pt_ctl->req_seq, FUTEX_WAKE, 1, NULL);
  }
  pt_real_pthread_exit(ret);
  __builtin_unreachable();
}

void pt_ctl_init(const char *session, int argc, char **argv) {
  Dl_info self;
  if (dladdr((void *)pt_ctl_exec_env, &self) && self.dli_fname && self.dli_fname[0] == '/') pt_copy(pt_self, sizeof pt_self, self.dli_fname);
  if (!getenv("PERFTOP_NO_COUNT")) pt_env_copy(pt_alloc_glob, sizeof pt_alloc_glob, "PERFTOP_ALLOC_MATCH");
  const char *dir = getenv("PERFTOP_CTL_DIR");
  if (!dir || dir[0] != '/' || strlen(dir) >= sizeof pt_ctl_dir || strlen(session) >= sizeof pt_ctl_session) return;
  pt_copy(pt_ctl_dir, sizeof pt_ctl_dir, dir);
  pt_copy(pt_ctl_session, sizeof pt_ctl_session, session);
  pt_env_copy(pt_out, sizeof pt_out, "PERFTOP_OUT");
  pt_env_copy(pt_cpu_glob, sizeof pt_cpu_glob, "PERFTOP_PROFILE_CPU");
  pt_env_copy(pt_heap_glob, sizeof pt_heap_glob, "PERFTOP_PROFILE_HEAP");
  pt_env_copy(pt_tcmalloc, sizeof pt_tcmalloc, "PERFTOP_TCMALLOC");
  pt_real_pthread_exit = (void (*)(void *))dlsym(RTLD_NEXT, "pthread_exit");
  pt_ctl = pt_create_ctl();
  if (!pt_ctl) return;
  pt_ctl_on = 1;
  const char *argv0 = argc > 0 && argv ? argv[0] : NULL;
  char file[PT_CTL_PATH], err[PT_CTL_MSG];
  if (pt_heap_glob[0] && pt_self_matches(pt_heap_glob, argv0)) {
    if (!pt_heap_start(pt_out, file, sizeof file, err, sizeof err)) {
      struct pt_buf b = {file, sizeof file, 0};
      pt_puts(&b, "--profile-heap: ");
      pt_puts(&b, err);
      pt_set_heap(0, NULL, file);
    }
  } else {
    pt_resolve_heap();
    pt_set_heap(0, NULL, NULL);
  }
  if (pt_cpu_glob[0] && pt_self_matches(pt_cpu_glob, argv0)) {
    if (!pt_cpu_start(pt_out, file, sizeof file, err, sizeof err)) {
      struct pt_buf b = {file, sizeof file, 0};
      pt_puts(&b, "--profile-cpu: ");
      pt_puts(&b, err);
      pt_set_cpu(0, NULL, file);
    }
  }
  pt_start_thread();
}

/* Point every descriptor open on `path` at /dev/null (raw syscalls: this runs in a fork child handler). */
static void pt_blind_fd(const char *path) {
  int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  int null = -1;
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, dfd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *d = (void *)(buf + off);
      off += d->reclen;
      if (d->name[0] < '0' || d->name[0] > '9') continue;
      int fd = (int)strtol(d->name, NULL, 10);
      if (fd == dfd) continue;
      char link[64], target[PT_CTL_PATH];
      struct pt_buf b = {link, sizeof link, 0};
      pt_puts(&b, "/proc/self/fd/");
      pt_puts(&b, d->name);
      ssize_t len = readlink(link, target, sizeof target - 1);
      if (len <= 0) continue;
      target[len] = 0;
      if (strcmp(target, path) != 0) continue;
      if (null < 0) null = open("/dev/null", O_WRONLY | O_CLOEXEC);
      if (null >= 0) dup3(null, fd, 0);
    }
  }
  if (null >= 0) close(null);
  close(dfd);
}

/* Fork child handler part: own control file and thread; own heap/CPU profile (see the file comment). */
void pt_ctl_child(void) {
  pt_leader_left = 0; /* the forking thread is the child's leader */
  if (!pt_ctl_on) return;
  struct pt_ctl *parent = pt_ctl;
  int cpu = parent && parent->cpu_on, heap = parent && parent->heap_on;
  char cpu_file[PT_CTL_PATH];
  pt_copy(cpu_file, sizeof cpu_file, parent ? parent->cpu_file : "");
  pt_ctl = pt_create_ctl();
  if (parent) munmap(parent, sizeof(struct pt_ctl)); /* the parent's; never written by the child */
  if (!pt_ctl) {
    pt_ctl_on = 0;
    return;
  }
  if (heap && pt_heap.dump) {
    char prefix[PT_CTL_PATH];
    pt_heap.stop();
    if (pt_out[0] && pt_prefix(prefix, sizeof prefix, pt_out)) {
      pt_heap.start(prefix);
      pt_set_heap(1, prefix, "");
    } else {
      pt_set_heap(0, NULL, "heap profile stopped in the fork child: no output directory");
    }
  } else {
    pt_set_heap(0, NULL, NULL);
  }
  if (cpu) {
    if (cpu_file[0]) pt_blind_fd(cpu_file);
    pt_set_cpu(1, cpu_file, "");
    pt_child_restart_cpu = 1;
  }
  pt_start_thread();
}

/* ---- exec ---- */
void pt_ctl_exec_prepare(struct pt_exec_save *save) {
  save->timer_saved = 0;
  /* Not in a vfork child (another pid sharing our memory, no fork handlers run): stopping there would stop the
   * parent's profiler; a vfork child has no interval timer of its own anyway. */
  if (pt_ctl && pt_ctl->pid != getpid()) return;
  if (pt_ctl && pt_ctl->cpu_on) pt_cpu_stop(); /* the profile is complete on disk before the image goes */
  /* Only a timer about to fire is the seed-000 race (profilers tick every few ms; the new image needs a few ms of
   * CPU to install a handler). One whose next expiry is a second or more of CPU away is the app's own business and
   * survives exec, as the kernel intends. */
  struct itimerval cur, off;
  if (getitimer(ITIMER_PROF, &cur) == 0 && (cur.it_value.tv_sec || cur.it_value.tv_usec) && cur.it_value.tv_sec < 1) {
    memset(&off, 0, sizeof off);
    if (pt_real.setitimer && pt_real.setitimer(ITIMER_PROF, &off, NULL) == 0) {
      save->timer = cur;
      save->timer_saved = 1;
      pt_hist_add(PT_K_SETITIMER, SIGPROF, "armed", "disarmed", 0, (void *)pt_ctl_exec_prepare,
                  "ITIMER_PROF (perftop: disarmed before exec)");
    }
  }
}

void pt_ctl_exec_failed(struct pt_exec_save *save) {
  if (save->timer_saved && pt_real.setitimer) pt_real.setitimer(ITIMER_PROF, &save->timer, NULL);
}

size_t pt_env_count(char *const envp[]) {
  size_t n = 0;
  while (envp && envp[n]) n++;
  return n;
}

static int pt_is_shim(const char *item) {
  return strcmp(pt_base(item), "libperftop.so") == 0 || strcmp(pt_base(item), "libperftop-nocount.so") == 0;
}

/* `dir_of`'s directory + `name` into out (the sibling build sits next to the one loaded). */
static int pt_sibling(char *out, size_t cap, const char *dir_of, const char *name) {
  size_t dl = (size_t)(pt_base(dir_of) - dir_of);
  if (dl + strlen(name) + 1 > cap) return 0;
  memcpy(out, dir_of, dl);
  out[dl] = 0;
  struct pt_buf o = {out, cap, dl};
  pt_puts(&o, name);
  return access(out, R_OK) == 0; /* a missing preload would lose the control and the history */
}

/* LD_PRELOAD for the exec target, while the target's environment still carries perftop's session:
 *  - perftop's shim stays in it, first: a command that sets its own LD_PRELOAD (`env LD_PRELOAD=libprofiler.so
 *    CPUPROFILE=… ./app`) would otherwise drop it, and with it the exec guard and the history (seed 000 again);
 *  - the count-free build when --alloc=MATCH does not select the target (its malloc is then not interposed), the
 *    counting one when it does;
 *  - libtcmalloc right after the shim when the target matches --profile-heap, removed otherwise.
 * Returns envp itself when nothing changes, else `vec` (cap >= count + 2) pointing into `buf`. */
char *const *pt_ctl_exec_env(const char *path, char *const argv[], char *const envp[], char **vec, size_t cap,
                             char *buf, size_t bufcap) {
  if (!envp || !pt_self[0]) return envp;
  size_t n = pt_env_count(envp), at = n;
  int session = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) at = i;
    if (strncmp(envp[i], "PERFTOP_SESSION=", 16) == 0) session = 1;
  }
  /* A child whose environment no longer names the session is not perftop's to follow: the app's choice. */
  if (!session || n + 2 > cap) return envp;
  int heap = pt_heap_glob[0] && pt_tcmalloc[0], scoped = pt_alloc_glob[0] != 0;
  char interp[256];
  const char *argv0 = heap || scoped ? pt_exec_argv0(path, argv ? argv[0] : NULL, interp, sizeof interp) : NULL;
  int want = heap && pt_target_matches(pt_heap_glob, path, argv0);
  const char *shim = !scoped ? pt_base(pt_self)
                     : pt_target_matches(pt_alloc_glob, path, argv0) ? "libperftop.so" : "libperftop-nocount.so";
  const char *list = at < n ? envp[at] + 11 : "";
  struct pt_buf b = {buf, bufcap, 0};
  pt_puts(&b, "LD_PRELOAD=");
  int first = 1, changed = 0, added = 0, have_shim = 0;
  char item[512];
  for (const char *p = list; *p;) { /* is perftop's shim in the list at all? */
    while (*p == ':' || *p == ' ') p++;
    size_t len = strcspn(p, ": ");
    if (len && len < sizeof item) {
      memcpy(item, p, len);
      item[len] = 0;
      if (pt_is_shim(item)) have_shim = 1;
    }
    p += len;
  }
  if (!have_shim) {
    if (!pt_sibling(item, sizeof item, pt_self, shim)) pt_copy(item, sizeof item, pt_self);
    pt_puts(&b, item);
    first = 0;
    changed = 1;
    if (want) {
      pt_puts(&b, ":");
      pt_puts(&b, pt_tcmalloc);
      added = 1;
    }
  }
  for (const char *p = list; *p;) {
    while (*p == ':' || *p == ' ') p++;
    if (!*p) break;
    size_t len = strcspn(p, ": ");
    if (len >= sizeof item) return envp;
    memcpy(item, p, len);
    item[len] = 0;
    p += len;
    if (heap && strcmp(item, pt_tcmalloc) == 0) {
      if (!want || added) {
        changed = 1;
        continue;
      }
      added = 1;
    }
    int is_shim = pt_is_shim(item);
    char other[512];
    if (is_shim && strcmp(pt_base(item), shim) != 0 && pt_sibling(other, sizeof other, item, shim)) {
      pt_copy(item, sizeof item, other);
      changed = 1;
    }
    if (!first) pt_puts(&b, ":");
    pt_puts(&b, item);
    first = 0;
    if (want && !added && is_shim) {
      pt_puts(&b, ":");
      pt_puts(&b, pt_tcmalloc);
      added = changed = 1;
    }
  }
  if (!changed || b.len + 1 >= bufcap) return envp;
  for (size_t i = 0; i < n; i++) vec[i] = i == at ? buf : envp[i];
  if (at == n) vec[n++] = buf;
  vec[n] = NULL;
  return vec;
}
