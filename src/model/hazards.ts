// Hazard rules (issue 5): pure functions over one process's facts plus what the shim recorded. Each rule returns
// at most one Hazard; evaluateHazards runs them all. Mechanisms are in FIELD.md (section numbers below).
import { parseSignal, signalDef, signalName } from '../probe/signals.js';
import type { ProfilerEnv } from '../probe/parse.js';
import type { HistoryRecord, TimerState } from '../native/types.js';
import type { Hazard } from './snapshot.js';

export interface HazardInput {
  pid: number;
  /** Signal numbers from SigCgt / SigIgn. */
  caught: ReadonlySet<number>;
  ignored: ReadonlySet<number>;
  env: ProfilerEnv;
  leaderExited: boolean;
  threads: ReadonlyArray<{ tid: number; comm: string; wchan: string; syscall: number | 'running' | null }>;
  /** Timers as the shim last saw them set in the current image; null without a segment (attach, static binary). */
  timers: TimerState | null;
  /** Shim history for this pid across its images, oldest first; null without a segment. */
  history: readonly HistoryRecord[] | null;
  /** Wall clock of the sample (ms): a one-shot ITIMER_REAL past its deadline has fired and disarmed itself. */
  now?: number;
  /** CPU time the process has used (user + system, us): a one-shot CPU-time timer past its deadline has fired. */
  cpuUs?: number;
}

/** ITIMER_REAL as the shim saw it set, less a one-shot (alarm) that has already fired. */
function realArmed(i: HazardInput): boolean {
  const real = i.timers?.real;
  if (!real?.armed) return false;
  return real.untilMs === undefined || i.now === undefined || i.now < real.untilMs;
}

/** A one-shot on the process's CPU time is disarmed once the process has used that much. */
const cpuPending = (i: HazardInput, untilCpuUs: number | undefined): boolean =>
  untilCpuUs === undefined || i.cpuUs === undefined || i.cpuUs < untilCpuUs;

/** ITIMER_PROF as the shim saw it set, less a one-shot that has already fired. */
function profArmed(i: HazardInput): boolean {
  const prof = i.timers?.prof;
  return !!prof?.armed && cpuPending(i, prof.untilCpuUs);
}

/** Signals of the armed CPU-time POSIX timers, less one-shots that have already fired. */
function cpuTimerSignals(i: HazardInput): number[] {
  return (i.timers?.cpuTimers ?? []).filter((t) => cpuPending(i, t.untilCpuUs)).map((t) => t.signal);
}

/** Signals of every armed POSIX timer, CPU clocks and the others. */
function posixTimerSignals(i: HazardInput): number[] {
  return [...cpuTimerSignals(i), ...(i.timers?.clockTimerSignals ?? [])];
}

/** Index of the newest exec this pid made (a failed one, a shell trying PATH entries, changed nothing), or -1.
 * Scanned from the end in place: the rules run for every process on every tick. */
function lastExecIndex(history: readonly HistoryRecord[] | null): number {
  const h = history ?? [];
  for (let k = h.length - 1; k >= 0; k--) if (h[k].kind === 'exec' && !/ \[failed\]$/.test(h[k].detail ?? '')) return k;
  return -1;
}

function lastExec(history: readonly HistoryRecord[] | null): HistoryRecord | undefined {
  const k = lastExecIndex(history);
  return k < 0 ? undefined : history![k];
}

const SIGABRT = 6;
const SIGALRM = 14;
const SIGVTALRM = 26;
const SIGPROF = 27;

const atDefault = (i: HazardInput, n: number): boolean => !i.caught.has(n) && !i.ignored.has(n);
const defaultKills = (n: number): boolean => {
  const a = signalDef(n)?.action;
  return a === 'terminate' || a === 'core';
};

/** FIELD.md §1: an armed profiling timer whose signal has its default action kills the process at expiry. */
export function profTimerDefault(i: HazardInput): Hazard | null {
  const fix =
    'Install the SIGPROF handler before arming the timer; preload libprofiler only into the processes that need it ' +
    '(--profile-cpu=MATCH); never exec with ITIMER_PROF armed.';
  if (profArmed(i) && atDefault(i, SIGPROF)) {
    return {
      id: 'prof-timer-default',
      severity: 'fatal',
      message: `ITIMER_PROF is armed but SIGPROF is at its default action: the next expiry kills it ("Profiling timer expired", 155)`,
      fix,
    };
  }
  for (const n of cpuTimerSignals(i)) {
    if (atDefault(i, n) && defaultKills(n)) {
      return {
        id: 'prof-timer-default',
        severity: 'fatal',
        message: `a CPU-time POSIX timer signals ${signalName(n)}, which is at its default action: expiry kills the process`,
        fix,
      };
    }
  }
  // The exec record is written by the image that called exec (it lives in the previous gen's segment). An armed
  // ITIMER_PROF carried across it, with SIGPROF still at its default here, means the race is on.
  const exec = lastExec(i.history);
  if (exec && carriesArmedProfTimer(exec) && atDefault(i, SIGPROF)) {
    return {
      id: 'prof-timer-default',
      severity: 'fatal',
      message: `exec of ${(exec.detail ?? 'a new image').replace(/ \[.*$/, '')} carried an armed ITIMER_PROF while SIGPROF is at its default action`,
      fix,
    };
  }
  return null;
}

function carriesArmedProfTimer(r: HistoryRecord): boolean {
  // native/shim_signals.c notes it in detail: "<path> [ITIMER_PROF armed…]"; a shim that stops the timer would
  // record the timer's before/after in old/new instead ("armed 10ms" -> "disarmed").
  if (/\[ITIMER_PROF armed/.test(r.detail ?? '')) return true;
  const armed = (s: string): boolean => /\barmed\b/i.test(s) && !/\bdisarmed\b/i.test(s);
  return armed(r.new);
}

/** FIELD.md §1, prevented: perftop disarmed an ITIMER_PROF about to fire across this process's last exec (the
 * record just before the exec says so). Without perftop the new image would have died of SIGPROF before it could
 * install a handler: said on screen, since the app now survives what the user may be trying to reproduce. */
export function profTimerDisarmedAtExec(i: HazardInput): Hazard | null {
  const h = i.history ?? [];
  const at = lastExecIndex(h);
  if (at <= 0) return null;
  const before = h[at - 1];
  if (before.kind !== 'setitimer' || !/perftop: disarmed before exec/.test(before.detail ?? '')) return null;
  const what = (h[at].detail ?? 'a new image').replace(/ \[.*$/, '');
  return {
    id: 'prof-timer-exec-disarmed',
    severity: 'warn',
    message: `ITIMER_PROF was armed when it exec'd ${what}: perftop disarmed it, or SIGPROF at its default action would ` +
      `have killed the new image ("Profiling timer expired") before it installed a handler`,
    fix: 'Stop the profiler (ProfilerStop, setitimer(ITIMER_PROF, 0)) before exec; profile only the processes that ' +
      'need it (--profile-cpu=MATCH).',
  };
}

/** FIELD.md §2 (seed 001): processes of the tree that share one HEAPPROFILE prefix. gperftools numbers its dumps
 * from <prefix>.0001.heap in every process, so a forked child (and an exec'd one that loads tcmalloc) writes the
 * same names as its parent: the last writer wins. Returns pid -> the other pids, for processes with a partner. */
export function sharedHeapProfiles(procs: ReadonlyArray<{ pid: number; env: ProfilerEnv; zombie: boolean }>): Map<number, number[]> {
  const byPrefix = new Map<string, number[]>();
  for (const p of procs) {
    const v = p.env.HEAPPROFILE;
    if (!v || p.zombie) continue;
    byPrefix.set(v, [...(byPrefix.get(v) ?? []), p.pid]);
  }
  const out = new Map<number, number[]>();
  for (const pids of byPrefix.values()) {
    if (pids.length < 2) continue;
    for (const pid of pids) out.set(pid, pids.filter((x) => x !== pid));
  }
  return out;
}

export function heapProfileShared(i: HazardInput, others: readonly number[] | undefined): Hazard | null {
  if (!others?.length || !i.env.HEAPPROFILE) return null;
  const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', …' : '');
  return {
    id: 'heapprofile-shared',
    severity: 'warn',
    message: `HEAPPROFILE=${i.env.HEAPPROFILE} is shared with ${shown}: each process numbers its dumps from .0001, so they ` +
      'overwrite one another\'s files and the last writer wins',
    fix: 'Use --profile-heap=MATCH instead: perftop gives each process its own <comm>.<pid>.NNNN.heap.',
  };
}

/** Symbols of the handlers gperftools installs for its dump/toggle signals (or the caller that installs them). */
const PROFILER_CALLER = /HeapProfil|CpuProfiler|ProfileHandler|ProfilerStart|ProfilerInit|tcmalloc|perftools|MallocExtension|libprofiler/i;

/** FIELD.md §3: the dump/toggle signal only works while the profiler's own handler holds it. */
export function dumpSignalTaken(i: HazardInput): Hazard | null {
  for (const key of ['HEAPPROFILESIGNAL', 'CPUPROFILESIGNAL'] as const) {
    const text = i.env[key];
    if (text === undefined || text === '') continue;
    const n = parseSignal(text);
    if (n === undefined) continue;
    const name = signalName(n);
    const what = key === 'HEAPPROFILESIGNAL' ? 'heap dumps' : 'CPU profile toggles';
    if (i.ignored.has(n)) {
      return {
        id: 'dump-signal-taken',
        severity: 'warn',
        message: `${key}=${text} but ${name} is ignored: tcmalloc aborts at start ("Signal ${n} already in use") or ${what} never happen`,
        fix: `Do not leave ${name} ignored (SIG_IGN survives exec), or choose a free signal for ${key}.`,
      };
    }
    if (i.caught.has(n)) {
      const installs = (i.history ?? []).filter(
        (r) => r.signal === n && (r.kind === 'sigaction' || r.kind === 'signal' || r.kind === 'sigset') && /^handler\b/.test(r.new),
      );
      const last = installs[installs.length - 1];
      if (!last) {
        if (i.history !== null) continue; // the shim saw no install: it predates the shim's view, likely the profiler's own
        return {
          id: 'dump-signal-taken',
          severity: 'info',
          message: `${key}=${text}: ${name} is caught, but without the shim's history perftop cannot tell whether the profiler or the app installed the handler`,
          fix: 'Run under perftop (not attach) to see who installed it.',
        };
      }
      if (PROFILER_CALLER.test(last.caller) || PROFILER_CALLER.test(last.new)) continue;
      return {
        id: 'dump-signal-taken',
        severity: 'warn',
        message: `${key}=${text} but ${last.caller} installed its own ${name} handler: ${what} silently stop`,
        fix: `Choose a signal the app does not use for ${key}, or have ${last.caller} leave ${name} alone.`,
      };
    }
    if (defaultKills(n)) {
      return {
        id: 'dump-signal-taken',
        severity: 'warn',
        message: `${key}=${text} but ${name} is at its default action: sending it kills the process instead (profiler not loaded?)`,
        fix: `Preload the profiler library into this process, or do not send ${name}.`,
      };
    }
  }
  return null;
}

/** Kernel functions a thread sleeps in inside poll/epoll/select (this kernel says poll_schedule_timeout.constprop.0). */
const POLL_WCHAN = /^(do_sys_poll|ep_poll|do_epoll_wait|do_select|core_sys_select|poll_schedule_timeout)\b/;
/** x86_64: poll, ppoll, epoll_wait, epoll_pwait, epoll_pwait2, select, pselect6. */
const POLL_SYSCALLS = new Set([7, 271, 232, 281, 441, 23, 270]);

export function inPollLike(th: { wchan: string; syscall: number | 'running' | null }): boolean {
  return pollWchan(th.wchan) || (typeof th.syscall === 'number' && POLL_SYSCALLS.has(th.syscall));
}
function pollWchan(w: string): boolean {
  return w !== '' && POLL_WCHAN.test(w);
}

/** FIELD.md §4: poll() never restarts after a handler, whatever SA_RESTART says. */
export function eintrExposure(i: HazardInput): Hazard | null {
  const real = realArmed(i) && i.caught.has(SIGALRM);
  const prof = (profArmed(i) || !!i.env.CPUPROFILE) && i.caught.has(SIGPROF);
  const virt = !!i.timers?.virtual.armed && i.caught.has(SIGVTALRM);
  // A POSIX timer (async-profiler's ctimer on a CPU clock, seed 003, or the app's own on a wall clock) interrupts
  // the same way, whatever its signal.
  const posix = posixTimerSignals(i).find((n) => i.caught.has(n));
  if (!real && !prof && !virt && posix === undefined) return null;
  const parked = i.threads.filter(inPollLike);
  if (parked.length === 0) return null;
  const who = parked.map((t) => `${t.comm}/${t.tid}`).slice(0, 3).join(', ') + (parked.length > 3 ? ', …' : '');
  const what = real
    ? 'ITIMER_REAL (SIGALRM)'
    : prof
      ? 'ITIMER_PROF (SIGPROF)'
      : virt
        ? 'ITIMER_VIRTUAL (SIGVTALRM)'
        : `a POSIX timer (${signalName(posix!)})`;
  return {
    id: 'eintr-exposure',
    severity: 'warn',
    message: `${what} drives a handler while ${who} wait${parked.length === 1 ? 's' : ''} in poll/epoll/select: calls return EINTR`,
    fix: real
      ? 'Use P (perf record: no signal reaches the app), or unset CPUPROFILE_REALTIME; retry poll on EINTR.'
      : 'Use P (perf record: no signal reaches the app); retry poll/epoll_wait on EINTR.',
  };
}

/** FIELD.md §5. */
export function leaderExited(i: HazardInput): Hazard | null {
  if (!i.leaderExited) return null;
  return {
    id: 'leader-exited',
    severity: 'info',
    message: `the main thread exited; /proc/${i.pid}/maps and cmdline read empty, so tools that read them see nothing`,
    fix: `Read a live thread instead (/proc/${i.pid}/task/TID/maps); perf record -p still samples the live threads.`,
  };
}

/** Signals whose latest recorded disposition is a handler: what a process caught, as far as the shim saw it change
 * (for a process that died before any sample of its /proc status). */
export function caughtFromHistory(history: readonly HistoryRecord[]): Set<number> {
  const last = new Map<number, string>();
  for (const r of history) if (r.signal > 0 && (r.kind === 'sigaction' || r.kind === 'signal')) last.set(r.signal, r.new);
  return new Set([...last].filter(([, v]) => v.startsWith('handler')).map(([n]) => n));
}

/**
 * Why a process died of a signal, from what the shim last recorded (timers, dispositions, the exec that carried a
 * timer) and its last sample if there was one: the deaths FIELD.md §1 and §4 describe often come within
 * milliseconds of the cause, before any sample could raise the hazard while the process lived.
 */
export function explainDeath(exit: { code?: number; signal?: string }, i: HazardInput): Hazard | null {
  const n = exit.signal ? parseSignal(exit.signal) : undefined;
  if (n === undefined) return null;
  const t = i.timers;
  const exec = lastExec(i.history);
  const own: Array<[boolean, string]> = [
    [n === SIGPROF && (!!t?.prof.armed || (!!exec && carriesArmedProfTimer(exec))), 'ITIMER_PROF'],
    [n === SIGALRM && !!t?.real.armed, 'ITIMER_REAL (alarm)'],
    [n === SIGVTALRM && !!t?.virtual.armed, 'ITIMER_VIRTUAL'],
    [(t?.cpuTimers ?? []).some((c) => c.signal === n), 'a CPU-time POSIX timer'],
    [(t?.clockTimerSignals ?? []).includes(n), 'a POSIX timer'],
  ];
  const timer = own.find(([hit]) => hit)?.[1];
  if (timer) {
    return {
      id: 'killed-by-timer',
      severity: 'fatal',
      message: `died of ${exit.signal}${n === SIGPROF ? ' ("Profiling timer expired")' : ''}: ${timer} was armed and the signal was at its default action when it fired`,
      fix: 'Install the handler before arming the timer, never exec with a profiling timer armed, and profile only the processes that need it (--profile-cpu=MATCH).',
    };
  }
  if (n === SIGABRT) {
    const driving = [
      realArmed(i) && i.caught.has(SIGALRM) ? 'ITIMER_REAL (SIGALRM)' : null,
      (profArmed(i) || !!i.env.CPUPROFILE) && i.caught.has(SIGPROF) ? 'ITIMER_PROF (SIGPROF)' : null,
      posixTimerSignals(i).some((s) => i.caught.has(s)) ? 'a POSIX timer' : null,
    ].find((x) => x !== null);
    if (driving) {
      return {
        id: 'eintr-suspect',
        severity: 'warn',
        message: `aborted while ${driving} drove a signal handler: every such signal makes a blocked poll/epoll/select (and any call without SA_RESTART) return -1 with EINTR, which code that treats -1 as fatal turns into abort()`,
        fix: 'Retry on EINTR; profile with P (perf record: no signal reaches the app).',
      };
    }
  }
  return null;
}

export const HAZARD_RULES = [profTimerDefault, profTimerDisarmedAtExec, dumpSignalTaken, eintrExposure, leaderExited] as const;

export function evaluateHazards(i: HazardInput): Hazard[] {
  const out: Hazard[] = [];
  for (const rule of HAZARD_RULES) {
    const h = rule(i);
    if (h) out.push(h);
  }
  return out;
}
