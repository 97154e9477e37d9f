// What one probe tick hands to the model: raw facts from /proc, no rates (the sampler derives those).
import type { ProfilerEnv } from './parse.js';

export interface RawThread {
  tid: number;
  comm: string;
  /** Kernel state letter from task/TID/stat. */
  state: string;
  /** utime + stime of this thread, clock ticks. */
  ticks: number;
  /** Hex masks from task/TID/status, as printed by the kernel. */
  sigBlk: string;
  sigPnd: string;
  /** Kernel function the thread sleeps in ("" when running or unknown). */
  wchan: string;
  /** Syscall the thread is blocked in (task/TID/syscall), "running", or null when not read or unreadable. */
  syscall: number | 'running' | null;
}

export interface RawProcess {
  pid: number;
  ppid: number;
  /** Depth below the root: the root is 0 (attach), or its children are 0 when the root is perftop's init. */
  depth: number;
  comm: string;
  /** Cached from before the leader exited: /proc/PID/cmdline reads empty afterwards (FIELD.md §5). */
  argv: string[];
  /** readlink of /proc/PID/exe, kept from before when it becomes unreadable; null if never read. */
  exe: string | null;
  /** The process's state: the leader's, or a live thread's when the leader has exited. */
  state: string;
  /** Leader is Z/X but another thread is alive: the process runs (FIELD.md §5). */
  leaderExited: boolean;
  /** Every task is Z/X: exited, not yet reaped. */
  zombie: boolean;
  /** A zombie's wait status (stat field 52): how it ended, even when its own parent (not perftop's init) reaps it. */
  exitStatus: number | null;
  /** utime + stime of the whole thread group, clock ticks. */
  ticks: number;
  starttime: number;
  /** VmRSS, from a live thread's status when the leader has exited; 0 for a zombie. */
  rssBytes: number;
  threadCount: number;
  /** Hex masks from /proc/PID/status. sigPnd is the leader's (per-thread) pending set; shdPnd process-wide. */
  sigPnd: string;
  shdPnd: string;
  sigBlk: string;
  sigIgn: string;
  sigCgt: string;
  /** Profiler variables from environ, read once per image. */
  env: ProfilerEnv;
  /** How many execs the probe has seen in this pid (comm or exe changed between ticks). */
  execs: number;
  threads: RawThread[];
}

export interface ProbeResult {
  /** Wall clock of the tick, ms since the epoch. */
  t: number;
  /** Monotonic clock of the tick, ms (for rates: wall time can jump). */
  mono: number;
  clkTck: number;
  pageSize: number;
  /** Tree order: parent before children, siblings by pid. */
  processes: RawProcess[];
  /** Pids that were reported before and are gone now (reaped, or pid reused by another process). Once each. */
  vanished: number[];
  /** Pids still alive that are no longer below the root (attach mode: an orphan adopted by pid 1). Once each. */
  detached: number[];
}

export interface Probe {
  tick(): ProbeResult;
  close(): void;
}
