// The one snapshot type. `--json` prints it as is and the TUI draws from it, so every field here is part of the
// contract in DESIGN.md: add fields freely, rename or remove them only on purpose.

export type ProcState = string; // kernel state letter: R S D T t Z X I ...

/** Exit as a shell reports it: a code, or the signal's kernel name. Both absent when nobody saw the status. */
export interface ExitInfo {
  code?: number;
  signal?: string;
}

/** Counters from the allocation shim. Absent (null) when the process is not counted; see `allocNote`. */
export interface AllocCounters {
  allocs: number;
  frees: number;
  allocBytes: number;
  freeBytes: number;
  liveBytes: number;
  peakBytes: number;
  allocsPerSec: number;
}

export interface SignalSets {
  caught: string[];
  ignored: string[];
  /** Process-wide pending (ShdPnd). Per-thread pending is on each thread. */
  pending: string[];
}

export interface ThreadInfo {
  tid: number;
  comm: string;
  state: ProcState;
  cpu: number;
  blocked: string[];
  pending: string[];
  wchan: string;
  alloc: AllocCounters | null;
}

export type Severity = 'fatal' | 'warn' | 'info';

export interface Hazard {
  id: string;
  severity: Severity;
  message: string;
  fix?: string;
}

export interface Profiling {
  cpu: 'off' | 'on';
  heap: 'off' | 'on';
  backend: 'gperftools' | 'perf' | null;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  argv: string[];
  state: ProcState;
  /** The thread-group leader has exited (pthread_exit) while other threads still run (FIELD.md §5). */
  leaderExited: boolean;
  exited: ExitInfo | null;
  cpu: number;
  rss: number;
  threadCount: number;
  signals: SignalSets;
  threads: ThreadInfo[];
  alloc: AllocCounters | null;
  /** Why `alloc` is null ("not counted: static binary", "--no-alloc", ...); absent when counted. */
  allocNote?: string;
  profiling: Profiling;
  hazards: Hazard[];
  /** Tree depth below the root (0 for the root and for orphans adopted by perftop's init). */
  depth: number;
  /** Start time in clock ticks after boot (/proc/PID/stat field 22): with pid, names one process for its life. */
  startTicks?: number;
}

export type EventKind = 'spawn' | 'exec' | 'exit' | 'disposition' | 'hazard' | 'dump' | 'error' | 'signal';

export interface SnapshotEvent {
  t: number;
  pid: number;
  kind: EventKind;
  tid?: number;
  comm?: string;
  argv?: string[];
  exit?: ExitInfo;
  /** disposition: the signal, what it became, and who asked. */
  signal?: string;
  action?: string;
  old?: string;
  caller?: string;
  hazard?: string;
  severity?: Severity;
  message?: string;
  file?: string;
  size?: number;
}

export interface Snapshot {
  seq: number;
  t: number;
  root: number;
  interval: number;
  processes: ProcessInfo[];
  /** Events since the previous snapshot. */
  events: SnapshotEvent[];
}

export const PROFILING_OFF: Profiling = Object.freeze({ cpu: 'off', heap: 'off', backend: null }) as Profiling;
