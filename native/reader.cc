// reader.cc — perftop's N-API reader (node-addon-api): copies a shim segment into plain JS objects, and sends
// signals without hitting a recycled pid.
//
// Segments are hostile input: another program (or a crashed writer) may leave garbage, a short file, or a header
// whose offsets point outside the file. Every field is checked against the file size before anything past the header
// is touched; anything wrong returns an error string for that file, never a crash. The mapping is read-only and is
// removed before returning. The writer never truncates its file (perftop only unlinks it), so a size checked with
// fstat stays valid while mapped.
//
// Consistency: thread slots plus the folded total are copied between two equal, even reads of fold_seq (a thread
// that exits mid-copy is counted once); timers under timer_seq; each history record under its own sequence number.
// Exports:
//   readSegment(file, pid, gen) -> object | string (the error)
//   pidfdSendSignal(pid, sig[, startTicks]) -> undefined, throws Error{code, errno}
//   tgkill(tgid, tid, sig) -> undefined, throws Error{code, errno}
//   controlRead(file, pid) -> object | string; controlRequest(file, pid, cmd, arg) -> seq | string
//     (control files: struct pt_ctl in perftop_segment.h, the only mapping this addon opens writable)
#include <napi.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "perftop_segment.h"

namespace {

template <typename T>
T Load(const T* p) {
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

std::string Fmt(const char* fmt, unsigned long long a = 0, unsigned long long b = 0) {
  char buf[256];
  snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

struct Counters {
  uint64_t allocs = 0, frees = 0, allocBytes = 0, freeBytes = 0;
  int64_t peak = 0;
};

// One thread's counters. The owner changes the biases of live_c and frees_c only inside seq (perftop_segment.h);
// if it stays odd (the owner stopped mid-change), the last copy is used: off by at most one bias change, which is
// PT_PEAK_BATCH-sized, never garbage.
void ReadSlot(const pt_slot* s, Counters* c) {
  for (int attempt = 0; attempt < 64; attempt++) {
    const uint32_t seq = Load(&s->seq);
    // live_c before alloc_bytes: the owner adds to alloc_bytes first, so freed bytes never come out too low.
    const uint64_t liveC = Load(&s->live_c);
    c->allocBytes = Load(&s->alloc_bytes);
    c->allocs = Load(&s->allocs);
    const uint64_t freesC = Load(&s->frees_c);
    const uint64_t liveBias = Load(&s->live_bias);
    const uint64_t freesBias = Load(&s->frees_bias);
    c->peak = Load(&s->peak);
    c->frees = pt_unbias(freesC, freesBias);
    c->freeBytes = c->allocBytes - pt_unbias(liveC, liveBias);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!(seq & 1) && Load(&s->seq) == seq) return;
  }
}

struct ThreadCopy {
  int32_t tid;
  Counters c;
};

struct HistCopy {
  uint64_t seq, t;
  int32_t tid;
  uint16_t kind, signo;
  uint32_t flags;
  std::string oldDisp, newDisp, caller, detail;
};

const char* KindName(unsigned k) {
  switch (k) {
    case PT_K_SIGACTION: return "sigaction";
    case PT_K_SIGNAL: return "signal";
    case PT_K_SIGSET: return "sigset";
    case PT_K_SETITIMER: return "setitimer";
    case PT_K_TIMER_CREATE: return "timer_create";
    case PT_K_ALARM: return "alarm";
    case PT_K_EXEC: return "exec";
    case PT_K_TIMER_SETTIME: return "timer_settime";
    default: return nullptr;
  }
}

// A fixed-size field the writer NUL-terminates; a garbage one is cut at its size.
std::string Bounded(const char* p, size_t cap) { return std::string(p, strnlen(p, cap)); }

class Mapping {
 public:
  ~Mapping() {
    if (addr_ != MAP_FAILED && addr_ != nullptr) munmap(addr_, size_);
    if (fd_ >= 0) close(fd_);
  }
  // Returns an empty string on success, else the reason.
  std::string Open(const std::string& file) {
    fd_ = open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) return std::string("open: ") + strerror(errno);
    struct stat st;
    if (fstat(fd_, &st) != 0) return std::string("fstat: ") + strerror(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    if (st.st_uid != geteuid()) return Fmt("owned by uid %llu, not by us", st.st_uid);
    if ((uint64_t)st.st_size < sizeof(pt_header))
      return Fmt("truncated: %llu bytes, the header alone needs %llu", (unsigned long long)st.st_size,
                 sizeof(pt_header));
    if ((uint64_t)st.st_size > PT_MAX_SEGMENT) return Fmt("too large: %llu bytes", (unsigned long long)st.st_size);
    size_ = (size_t)st.st_size;
    addr_ = mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (addr_ == MAP_FAILED) return std::string("mmap: ") + strerror(errno);
    return "";
  }
  const char* base() const { return static_cast<const char*>(addr_); }
  size_t size() const { return size_; }
  // Still the file Open mapped, at the size it had then? A segment keeps its size for life; one that was truncated
  // (or unlinked, and maybe recreated under the same name) must be mapped afresh, or a read could fault.
  bool StillValid() const {
    struct stat st;
    return fstat(fd_, &st) == 0 && st.st_nlink > 0 && (uint64_t)st.st_size == size_;
  }

 private:
  int fd_ = -1;
  void* addr_ = MAP_FAILED;
  size_t size_ = 0;
};

// Range [off, off + count*size) inside [lo, total)?
bool InRange(uint64_t off, uint64_t count, uint64_t size, uint64_t lo, uint64_t total) {
  if (off < lo || off > total) return false;
  if (size != 0 && count > (total - off) / size) return false;
  return true;
}

std::string Validate(const pt_header* h, size_t fileSize, int64_t pid, int64_t gen) {
  uint64_t magic = Load(&h->magic);
  if (magic == 0) return "not initialised (magic is 0)";
  if (magic != PT_MAGIC) return Fmt("bad magic 0x%llx", magic);
  if (h->version != PT_VERSION) return Fmt("unsupported version %llu (reader knows %llu)", h->version, PT_VERSION);
  if (h->header_size != sizeof(pt_header))
    return Fmt("header size %llu, expected %llu", h->header_size, sizeof(pt_header));
  if (h->total_size != fileSize)
    return Fmt("truncated or padded: file has %llu bytes, header says %llu", fileSize, h->total_size);
  if (h->slot_size != sizeof(pt_slot)) return Fmt("slot size %llu, expected %llu", h->slot_size, sizeof(pt_slot));
  if (h->hist_rec_size != sizeof(pt_hist_rec))
    return Fmt("history record size %llu, expected %llu", h->hist_rec_size, sizeof(pt_hist_rec));
  if (h->slot_count == 0 || h->slot_count > 65536) return Fmt("slot count %llu out of range", h->slot_count);
  if (h->hist_count == 0 || h->hist_count > 65536) return Fmt("history count %llu out of range", h->hist_count);
  if (h->slots_offset % 64 || h->hist_offset % 64) return "misaligned section offset";
  if (!InRange(h->slots_offset, h->slot_count, h->slot_size, sizeof(pt_header), fileSize))
    return Fmt("slots [%llu, +%llu) outside the file", h->slots_offset, (uint64_t)h->slot_count * h->slot_size);
  if (!InRange(h->hist_offset, h->hist_count, h->hist_rec_size, sizeof(pt_header), fileSize))
    return Fmt("history [%llu, +%llu) outside the file", h->hist_offset,
               (uint64_t)h->hist_count * h->hist_rec_size);
  uint64_t slotsEnd = h->slots_offset + (uint64_t)h->slot_count * h->slot_size;
  uint64_t histEnd = h->hist_offset + (uint64_t)h->hist_count * h->hist_rec_size;
  if (h->slots_offset < histEnd && h->hist_offset < slotsEnd) return "slots and history overlap";
  if (h->pid <= 0 || h->pid != pid) return Fmt("header pid %llu does not match the file name's %llu", h->pid, pid);
  if ((int64_t)h->gen != gen) return Fmt("header gen %llu does not match the file name's %llu", h->gen, gen);
  if (h->timers.cpu_count > PT_CPU_TIMERS) return Fmt("cpu timer count %llu out of range", h->timers.cpu_count);
  return "";
}

Napi::Object CountersObject(Napi::Env env, const Counters& c) {
  Napi::Object o = Napi::Object::New(env);
  int64_t live = (int64_t)(c.allocBytes - c.freeBytes);
  if (live < 0 || c.freeBytes > c.allocBytes) live = 0;
  int64_t peak = c.peak > live ? c.peak : live;
  o.Set("allocs", (double)c.allocs);
  o.Set("frees", (double)c.frees);
  o.Set("allocBytes", (double)c.allocBytes);
  o.Set("freeBytes", (double)c.freeBytes);
  o.Set("liveBytes", (double)live);
  o.Set("peakBytes", (double)(peak < 0 ? 0 : peak));
  return o;
}

Napi::Array FlagNames(Napi::Env env, uint32_t flags) {
  static const struct {
    uint32_t bit;
    const char* name;
  } kFlags[] = {{SA_NOCLDSTOP, "SA_NOCLDSTOP"}, {SA_NOCLDWAIT, "SA_NOCLDWAIT"}, {SA_SIGINFO, "SA_SIGINFO"},
                {SA_ONSTACK, "SA_ONSTACK"},     {SA_RESTART, "SA_RESTART"},     {SA_NODEFER, "SA_NODEFER"},
                {(uint32_t)SA_RESETHAND, "SA_RESETHAND"}};
  Napi::Array a = Napi::Array::New(env);
  uint32_t n = 0, known = 0;
  for (const auto& f : kFlags) {
    known |= f.bit;
    if (flags & f.bit) a.Set(n++, f.name);
  }
  if (flags & ~known) a.Set(n++, Fmt("0x%llx", flags & ~known));
  return a;
}

const int kRetries = 2000;

// Segments stay mapped between reads (perftop reads each one every tick): a read is then one fstat and the copy,
// instead of open, fstat, mmap, page faults, munmap and close. RetainSegments drops the ones a reader no longer
// lists; a mapping that failed validation is never kept.
std::unordered_map<std::string, std::unique_ptr<Mapping>> g_mapped;

// The kept mapping of file, or a new one; nullptr and *err set when the file cannot be mapped.
Mapping* MappingFor(const std::string& file, std::string* err) {
  auto it = g_mapped.find(file);
  if (it != g_mapped.end()) {
    if (it->second->StillValid()) return it->second.get();
    g_mapped.erase(it);
  }
  auto m = std::make_unique<Mapping>();
  *err = m->Open(file);
  if (!err->empty()) return nullptr;
  Mapping* raw = m.get();
  g_mapped[file] = std::move(m);
  return raw;
}

// retainSegments(prefix, files): unmaps every kept segment whose path starts with prefix and is not in files.
Napi::Value RetainSegments(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray())
    throw Napi::TypeError::New(env, "retainSegments(prefix: string, files: string[])");
  std::string prefix = info[0].As<Napi::String>();
  Napi::Array files = info[1].As<Napi::Array>();
  std::unordered_set<std::string> keep;
  for (uint32_t i = 0; i < files.Length(); i++) {
    Napi::Value v = files.Get(i);
    if (v.IsString()) keep.insert(v.As<Napi::String>());
  }
  for (auto it = g_mapped.begin(); it != g_mapped.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0 && !keep.count(it->first))
      it = g_mapped.erase(it);
    else
      ++it;
  }
  return env.Undefined();
}

Napi::Value ReadSegment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "readSegment(file: string, pid: number, gen: number)");
  std::string file = info[0].As<Napi::String>();
  int64_t pid = info[1].As<Napi::Number>().Int64Value();
  int64_t gen = info[2].As<Napi::Number>().Int64Value();

  std::string err;
  Mapping* mp = MappingFor(file, &err);
  if (!mp) return Napi::String::New(env, err);
  const Mapping& m = *mp;
  const pt_header* h = reinterpret_cast<const pt_header*>(m.base());
  err = Validate(h, m.size(), pid, gen);
  if (!err.empty()) {
    g_mapped.erase(file);
    return Napi::String::New(env, err);
  }

  const pt_slot* slots = reinterpret_cast<const pt_slot*>(m.base() + h->slots_offset);
  const uint32_t slotCount = h->slot_count;

  // Slots + folded total under fold_seq.
  Counters total;
  std::vector<ThreadCopy> threads;
  int64_t headerPeak = 0;
  bool stable = false;
  for (int attempt = 0; attempt < kRetries && !stable; attempt++) {
    if (attempt > 16) sched_yield();
    uint32_t s1 = Load(&h->fold_seq);
    if (s1 & 1) continue;
    threads.clear();
    total = Counters();
    total.allocs = Load(&h->folded.allocs);
    total.frees = Load(&h->folded.frees);
    total.allocBytes = Load(&h->folded.alloc_bytes);
    total.freeBytes = Load(&h->folded.free_bytes);
    headerPeak = Load(&h->peak);
    for (uint32_t i = 0; i < slotCount; i++) {
      const pt_slot* s = &slots[i];
      ThreadCopy t;
      t.tid = Load(&s->tid);
      if (t.tid <= 0) continue;  // free, or being claimed
      ReadSlot(s, &t.c);
      total.allocs += t.c.allocs;
      total.frees += t.c.frees;
      total.allocBytes += t.c.allocBytes;
      total.freeBytes += t.c.freeBytes;
      threads.push_back(t);
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    stable = Load(&h->fold_seq) == s1;
  }
  if (!stable) return Napi::String::New(env, "fold sequence never settled (writer stuck mid-fold?)");
  total.peak = headerPeak;
  // Nothing folded and one slot: every allocation of the process went through that thread, so its exact peak is
  // the process's too (the header's is published in PT_PEAK_BATCH steps: 0 for a process that never held 16 KiB).
  if (threads.size() == 1 && total.allocs == threads[0].c.allocs && total.frees == threads[0].c.frees &&
      threads[0].c.peak > total.peak)
    total.peak = threads[0].c.peak;

  // Timers under timer_seq.
  pt_timer_state timers;
  stable = false;
  for (int attempt = 0; attempt < kRetries && !stable; attempt++) {
    if (attempt > 16) sched_yield();
    uint32_t s1 = Load(&h->timer_seq);
    if (s1 & 1) continue;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    memcpy(&timers, &h->timers, sizeof timers);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    stable = Load(&h->timer_seq) == s1;
  }
  if (!stable) return Napi::String::New(env, "timer sequence never settled");
  if (timers.cpu_count > PT_CPU_TIMERS || timers.clock_count > PT_CPU_TIMERS)
    return Napi::String::New(env, "timer count out of range");

  // History: records [next - count, next), in order, stopping at the first one still being written so that a
  // consumer that remembers the last seq never skips a record.
  const pt_hist_rec* ring = reinterpret_cast<const pt_hist_rec*>(m.base() + h->hist_offset);
  const uint64_t histCount = h->hist_count;
  uint64_t next = Load(&h->hist_next);
  uint64_t first = next > histCount ? next - histCount : 0;
  std::vector<HistCopy> hist;
  for (uint64_t i = first; i < next; i++) {
    const pt_hist_rec* r = &ring[i % histCount];
    uint64_t s1 = Load(&r->seq);
    if (s1 == 2 * i + 1 || s1 < 2 * i + 1) break;  // being written (or claimed, not started)
    if (s1 != 2 * i + 2) continue;                 // already overwritten by a newer lap
    pt_hist_rec copy;
    memcpy(&copy, r, sizeof copy);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (Load(&r->seq) != s1) continue;
    if (!KindName(copy.kind)) return Napi::String::New(env, Fmt("history record %llu has bad kind %llu", i, copy.kind));
    if (copy.signo > 64) return Napi::String::New(env, Fmt("history record %llu has bad signal %llu", i, copy.signo));
    HistCopy c;
    c.seq = i + 1;
    c.t = copy.t_ms;
    c.tid = copy.tid;
    c.kind = copy.kind;
    c.signo = copy.signo;
    c.flags = copy.sa_flags;
    c.oldDisp = Bounded(copy.old_disp, sizeof copy.old_disp);
    c.newDisp = Bounded(copy.new_disp, sizeof copy.new_disp);
    c.caller = Bounded(copy.caller, sizeof copy.caller);
    c.detail = Bounded(copy.detail, sizeof copy.detail);
    hist.push_back(std::move(c));
  }

  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", (double)h->pid);
  out.Set("gen", (double)h->gen);
  out.Set("closed", Load(&h->closed) != 0);
  out.Set("execed", Load(&h->execed) != 0);
  out.Set("counting", Load(&h->counting) != 0);
  uint32_t exitStatus = Load(&h->exit_status);
  if (exitStatus & PT_EXIT_KNOWN) out.Set("exitStatus", (double)(exitStatus & 0xffff));
  else out.Set("exitStatus", env.Null());
  out.Set("comm", Bounded(h->comm, sizeof h->comm));
  out.Set("total", CountersObject(env, total));
  Napi::Array ta = Napi::Array::New(env, threads.size());
  for (size_t i = 0; i < threads.size(); i++) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("tid", (double)threads[i].tid);
    t.Set("counters", CountersObject(env, threads[i].c));
    ta.Set((uint32_t)i, t);
  }
  out.Set("threads", ta);
  Napi::Array ha = Napi::Array::New(env, hist.size());
  for (size_t i = 0; i < hist.size(); i++) {
    const HistCopy& c = hist[i];
    Napi::Object r = Napi::Object::New(env);
    r.Set("seq", (double)c.seq);
    r.Set("t", (double)c.t);
    r.Set("tid", (double)c.tid);
    r.Set("kind", KindName(c.kind));
    r.Set("signal", (double)c.signo);
    r.Set("old", c.oldDisp);
    r.Set("new", c.newDisp);
    r.Set("flags", FlagNames(env, c.flags));
    r.Set("caller", c.caller);
    if (!c.detail.empty()) r.Set("detail", c.detail);
    ha.Set((uint32_t)i, r);
  }
  out.Set("history", ha);
  auto itimer = [&](uint32_t armed, uint64_t us, const char* untilKey, uint64_t until) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("armed", armed != 0);
    o.Set("intervalUs", (double)us);
    if (until) o.Set(untilKey, (double)until);
    return o;
  };
  Napi::Object to = Napi::Object::New(env);
  to.Set("prof", itimer(timers.prof_armed, timers.prof_us, "untilCpuUs", timers.prof_until_cpu_us));
  to.Set("real", itimer(timers.real_armed, timers.real_us, "untilMs", timers.real_until_ms));
  to.Set("virtual", itimer(timers.virt_armed, timers.virt_us, "", 0));
  Napi::Array cs = Napi::Array::New(env, timers.cpu_count);
  for (uint32_t i = 0; i < timers.cpu_count; i++) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("signal", (double)timers.cpu_signals[i]);
    if (timers.cpu_until_cpu_us[i]) t.Set("untilCpuUs", (double)timers.cpu_until_cpu_us[i]);
    cs.Set(i, t);
  }
  to.Set("cpuTimers", cs);
  Napi::Array ks = Napi::Array::New(env, timers.clock_count);
  for (uint32_t i = 0; i < timers.clock_count; i++) ks.Set(i, (double)timers.clock_signals[i]);
  to.Set("clockTimerSignals", ks);
  out.Set("timers", to);
  return out;
}

const char* ErrnoName(int e) {
  switch (e) {
    case ESRCH: return "ESRCH";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    default: return "EUNKNOWN";
  }
}

[[noreturn]] void ThrowErrno(Napi::Env env, const std::string& what, int e, const char* why = nullptr) {
  Napi::Error err = Napi::Error::New(env, what + ": " + (why ? why : strerror(e)) + " (" + ErrnoName(e) + ")");
  err.Set("code", ErrnoName(e));
  err.Set("errno", (double)e);
  throw err;
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks), read after the last ')' since comm may hold anything.
bool StartTicks(int pid, unsigned long long* out) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  char* p = strrchr(buf, ')');
  if (!p) return false;
  // After ") " come fields 3.. ; start time is field 22, i.e. the 20th after the ')'.
  int field = 2;
  for (char* q = p + 1; *q; q++) {
    if (*q == ' ') {
      field++;
      if (field == 22) return sscanf(q + 1, "%llu", out) == 1;
    }
  }
  return false;
}

Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "pidfdSendSignal(pid: number, sig: number[, startTicks: number])");
  int pid = info[0].As<Napi::Number>().Int32Value();
  int sig = info[1].As<Napi::Number>().Int32Value();
  std::string what = "pidfd_send_signal(" + std::to_string(pid) + ", " + std::to_string(sig) + ")";
  if (pid <= 0) ThrowErrno(env, what, EINVAL, "pid must be positive");
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) ThrowErrno(env, "pidfd_open(" + std::to_string(pid) + ")", errno);
  // The pidfd now pins this process; if the caller knows the start time it saw, check it is still the same one.
  if (info.Length() >= 3 && info[2].IsNumber()) {
    unsigned long long want = (unsigned long long)info[2].As<Napi::Number>().Int64Value(), got = 0;
    if (!StartTicks(pid, &got) || got != want) {
      close(fd);
      ThrowErrno(env, what, ESRCH, "the pid now belongs to another process (start time changed)");
    }
  }
  int r = (int)syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0);
  int e = errno;
  close(fd);
  if (r != 0) ThrowErrno(env, what, e);
  return env.Undefined();
}

Napi::Value Tgkill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "tgkill(tgid: number, tid: number, sig: number)");
  int tgid = info[0].As<Napi::Number>().Int32Value();
  int tid = info[1].As<Napi::Number>().Int32Value();
  int sig = info[2].As<Napi::Number>().Int32Value();
  std::string what = "tgkill(" + std::to_string(tgid) + ", " + std::to_string(tid) + ", " + std::to_string(sig) + ")";
  if (tgid <= 0 || tid <= 0) ThrowErrno(env, what, EINVAL, "tgid and tid must be positive");
  if (syscall(SYS_tgkill, tgid, tid, sig) != 0) ThrowErrno(env, what, errno);
  return env.Undefined();
}

// ---- control files (struct pt_ctl): the one writable mapping, opened per call and unmapped before returning ----
// Same distrust as segments: regular file, ours, exact size, magic, version, pid from the file name.
class CtlMapping {
 public:
  ~CtlMapping() {
    if (addr_ != MAP_FAILED && addr_ != nullptr) munmap(addr_, sizeof(pt_ctl));
    if (fd_ >= 0) close(fd_);
  }
  std::string Open(const std::string& file, int64_t pid, bool writable) {
    fd_ = open(file.c_str(), (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) return std::string("open: ") + strerror(errno);
    struct stat st;
    if (fstat(fd_, &st) != 0) return std::string("fstat: ") + strerror(errno);
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    if (st.st_uid != geteuid()) return Fmt("owned by uid %llu, not by us", st.st_uid);
    if ((uint64_t)st.st_size != sizeof(pt_ctl))
      return Fmt("control file has %llu bytes, expected %llu", (unsigned long long)st.st_size, sizeof(pt_ctl));
    addr_ = mmap(nullptr, sizeof(pt_ctl), writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd_, 0);
    if (addr_ == MAP_FAILED) return std::string("mmap: ") + strerror(errno);
    pt_ctl* c = ctl();
    uint64_t magic = Load(&c->magic);
    if (magic == 0) return "not initialised (magic is 0)";
    if (magic != PT_CTL_MAGIC) return Fmt("bad magic 0x%llx", magic);
    if (c->version != PT_CTL_VERSION) return Fmt("unsupported control version %llu", c->version);
    if (c->size != sizeof(pt_ctl)) return "control size mismatch";
    if (c->pid != pid) return Fmt("control pid %llu does not match the file name's %llu", c->pid, pid);
    return "";
  }
  pt_ctl* ctl() const { return static_cast<pt_ctl*>(addr_); }

 private:
  int fd_ = -1;
  void* addr_ = MAP_FAILED;
};

// controlRead(file, pid) -> {gen, comm, reqSeq, ackSeq, ackStatus, ackMsg, ackFile, cpuOn, heapOn, tcmalloc,
//                            cpuFile, heapPrefix, stateMsg} | string
Napi::Value ControlRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "controlRead(file: string, pid: number)");
  CtlMapping m;
  std::string err = m.Open(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int64Value(), false);
  if (!err.empty()) return Napi::String::New(env, err);
  const pt_ctl* c = m.ctl();
  pt_ctl copy;
  bool stable = false;
  for (int attempt = 0; attempt < kRetries && !stable; attempt++) {
    if (attempt > 16) sched_yield();
    uint32_t s1 = Load(&c->state_seq);
    if (s1 & 1) continue;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    memcpy(&copy, c, sizeof copy);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    stable = Load(&c->state_seq) == s1;
  }
  if (!stable) return Napi::String::New(env, "control state never settled");
  // The ack fields are complete once ack_seq is stored (release): read ack_seq first, then its fields.
  uint32_t ackSeq = Load(&c->ack_seq);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  Napi::Object o = Napi::Object::New(env);
  o.Set("gen", (double)copy.gen);
  o.Set("comm", Bounded(copy.comm, sizeof copy.comm));
  o.Set("reqSeq", (double)Load(&c->req_seq));
  o.Set("ackSeq", (double)ackSeq);
  o.Set("ackStatus", (double)Load(&c->ack_status));
  o.Set("ackMsg", Bounded(c->ack_msg, sizeof c->ack_msg));
  o.Set("ackFile", Bounded(c->ack_file, sizeof c->ack_file));
  o.Set("cpuOn", copy.cpu_on != 0);
  o.Set("heapOn", copy.heap_on != 0);
  o.Set("tcmalloc", copy.tcmalloc != 0);
  o.Set("cpuFile", Bounded(copy.cpu_file, sizeof copy.cpu_file));
  o.Set("heapPrefix", Bounded(copy.heap_prefix, sizeof copy.heap_prefix));
  o.Set("stateMsg", Bounded(copy.state_msg, sizeof copy.state_msg));
  return o;
}

// controlRequest(file, pid, cmd, arg) -> the request's seq (ack_seq reaches it when done) | string (why not)
Napi::Value ControlRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsString())
    throw Napi::TypeError::New(env, "controlRequest(file: string, pid: number, cmd: number, arg: string)");
  uint32_t cmd = info[2].As<Napi::Number>().Uint32Value();
  std::string arg = info[3].As<Napi::String>();
  if (cmd == PT_CMD_NONE || cmd > PT_CMD_MAX) return Napi::String::New(env, Fmt("unknown command %llu", cmd));
  if (arg.size() >= PT_CTL_PATH) return Napi::String::New(env, "argument too long");
  CtlMapping m;
  std::string err = m.Open(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int64Value(), true);
  if (!err.empty()) return Napi::String::New(env, err);
  pt_ctl* c = m.ctl();
  uint32_t seq = Load(&c->req_seq);
  if (Load(&c->ack_seq) != seq) return Napi::String::New(env, "busy: the previous request is still running");
  memset(c->req_arg, 0, sizeof c->req_arg);
  memcpy(c->req_arg, arg.data(), arg.size());
  __atomic_store_n(&c->req_cmd, cmd, __ATOMIC_RELAXED);
  __atomic_store_n(&c->req_seq, seq + 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &c->req_seq, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  return Napi::Number::New(env, (double)(seq + 1));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("readSegment", Napi::Function::New(env, ReadSegment, "readSegment"));
  exports.Set("retainSegments", Napi::Function::New(env, RetainSegments, "retainSegments"));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal, "pidfdSendSignal"));
  exports.Set("tgkill", Napi::Function::New(env, Tgkill, "tgkill"));
  exports.Set("controlRead", Napi::Function::New(env, ControlRead, "controlRead"));
  exports.Set("controlRequest", Napi::Function::New(env, ControlRequest, "controlRequest"));
  exports.Set("segmentVersion", Napi::Number::New(env, PT_VERSION));
  exports.Set("peakBatch", Napi::Number::New(env, PT_PEAK_BATCH));
  exports.Set("freeCheck", Napi::Number::New(env, PT_FREE_CHECK));
  return exports;
}

}  // namespace

NODE_API_MODULE(perftop_reader, Init)
