// Plain data the native reader hands to the model. Counter values arrive as JS numbers (exact below 2^53, which
// a process will not reach in bytes or calls within a session).

import type { AllocCounters } from '../model/snapshot.js';

/** The Snapshot's counters as the shim keeps them; the rate is the model's (it needs two reads). liveBytes is
 * allocBytes - freeBytes as the shim counted them (never negative). */
export type RawCounters = Omit<AllocCounters, 'allocsPerSec'>;

/** One record of the shim's history ring: a disposition or timer change, or an exec, with who asked. */
export interface HistoryRecord {
  /** Monotonic per segment; the model keeps the last seen seq to emit each record once. */
  seq: number;
  /** Wall clock, ms since the epoch. */
  t: number;
  tid: number;
  kind: 'sigaction' | 'signal' | 'sigset' | 'setitimer' | 'timer_create' | 'timer_settime' | 'alarm' | 'exec';
  /** Signal number, 0 when not about a signal (setitimer(ITIMER_REAL) still names SIGALRM: 14). */
  signal: number;
  /** "SIG_DFL" | "SIG_IGN" | "handler <symbol or 0xaddr>" | for timers "armed 10ms" / "disarmed". */
  old: string;
  new: string;
  /** sa_flags as names, e.g. ["SA_RESTART","SA_SIGINFO"]. */
  flags: string[];
  /** The caller's symbol as dladdr resolves it ("main", "ProfilerInit", "0x4011d6 (app)"). */
  caller: string;
  /** For kind 'exec': the path exec'd (plus " [ITIMER_PROF armed…]" when the seed-000 hazard applies). For timers:
   * "ITIMER_PROF" | "ITIMER_REAL" | "ITIMER_VIRTUAL" | clock name (timer_settime is recorded for CPU clocks only). */
  detail?: string;
}

export interface TimerState {
  /** Interval timers as last set through the shim (the kernel offers no way to read another process's). */
  /** untilCpuUs: a one-shot fires once the process has used this much CPU time (user + system, us), then disarms. */
  prof: { armed: boolean; intervalUs: number; untilCpuUs?: number };
  /** untilMs: a one-shot timer (alarm, or setitimer with no interval) fires then and disarms itself. */
  real: { armed: boolean; intervalUs: number; untilMs?: number };
  virtual: { armed: boolean; intervalUs: number };
  /** POSIX timers created on a CPU-time clock and armed: their signal, and untilCpuUs as for prof when the timer is
   * a one-shot on the process's own CPU clock. */
  cpuTimers: Array<{ signal: number; untilCpuUs?: number }>;
  /** Signals of armed POSIX timers on the other clocks (wall, monotonic, boot). */
  clockTimerSignals: number[];
}

export interface SegmentData {
  pid: number;
  /** Bumped at each exec in the same pid: a new image gets a new segment. */
  gen: number;
  file: string;
  /** Whole-process totals: live threads plus the folded totals of exited threads. */
  total: RawCounters;
  threads: Array<{ tid: number; counters: RawCounters }>;
  history: HistoryRecord[];
  timers: TimerState;
  /** The owner process has marked the segment final (clean exit ran its destructor). */
  closed: boolean;
  /** The image that wrote it has exec'd: a newer gen, or no segment (the new image counts nothing), describes the
   * process now. */
  execed: boolean;
  /** The image's comm when it created the segment. */
  comm: string;
  /** The wait status of an exit through exit() or main's return, written by the shim; null before (or for a death
   * by signal, which runs no code). */
  exitStatus: number | null;
  /** This image counts allocations. False: the segment carries only history, timers, exec and exit records (the
   * image was not selected by --alloc=MATCH, or --no-alloc): its counters are not to be shown. */
  counting: boolean;
}

export interface SegmentError {
  file: string;
  message: string;
}

export interface ReadResult {
  segments: SegmentData[];
  errors: SegmentError[];
}
