// Pure parsers for /proc text. No I/O here: every function takes the file's contents, so each one is tested on
// text recorded from a real kernel (test/fixtures/proc/).

/** The fields of /proc/PID/stat (or task/TID/stat) the probe uses. Field numbers as in proc(5). */
export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks (for a process: the whole thread group's). */
  ticks: number;
  numThreads: number;
  /** Clock ticks after boot; with pid it identifies one process across pid reuse. */
  starttime: number;
  /** Resident pages (field 24); 0 once the leader has exited (FIELD.md §5). */
  rssPages: number;
  /** Field 52: the wait status a zombie left (what its parent's wait() will get); null on kernels before 3.5. */
  exitStatus: number | null;
}

/**
 * comm may contain spaces and parentheses ("(a) b)"), so it is everything between the first '(' and the LAST ')'.
 * Returns null for text that is not a stat line (empty read of a vanished task).
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state): field N is rest[N - 3].
  if (!Number.isInteger(pid) || rest.length < 22) return null;
  const f = (n: number): number => Number(rest[n - 3]);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: f(4),
    pgrp: f(5),
    ticks: f(14) + f(15),
    numThreads: f(20),
    starttime: f(22),
    rssPages: f(24),
    exitStatus: rest.length >= 50 ? f(52) : null,
  };
}

/** The fields of /proc/PID/status the probe uses. Masks stay hex text, as the kernel prints them. */
export interface StatusFields {
  name: string;
  /** The state letter ("S" of "S (sleeping)"). */
  state: string;
  tgid: number;
  pid: number;
  ppid: number;
  threads: number;
  /** VmRSS in bytes; null when the line is absent (kernel threads, a leader that exited, a zombie). */
  rssBytes: number | null;
  sigPnd: string;
  shdPnd: string;
  sigBlk: string;
  sigIgn: string;
  sigCgt: string;
}

const ZERO_MASK = '0000000000000000';

/** The value of one "Key:\tvalue" line, trimmed; undefined when the line is absent. Searching for the few keys the
 * probe uses costs a fraction of splitting all ~55 lines (this runs for every process and thread, every tick). */
function statusField(text: string, key: string): string | undefined {
  const head = `${key}:`;
  let at: number;
  if (text.startsWith(head)) at = 0;
  else {
    at = text.indexOf(`\n${head}`);
    if (at < 0) return undefined;
    at += 1;
  }
  const start = at + head.length;
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end).trim();
}

export function parseStatus(text: string): StatusFields {
  const num = (k: string): number => {
    const v = Number.parseInt(statusField(text, k) ?? '', 10);
    return Number.isFinite(v) ? v : 0;
  };
  const rss = statusField(text, 'VmRSS');
  const rssKb = rss === undefined ? NaN : Number.parseInt(rss, 10);
  return {
    name: statusField(text, 'Name') ?? '',
    state: (statusField(text, 'State') ?? '?').charAt(0),
    tgid: num('Tgid'),
    pid: num('Pid'),
    ppid: num('PPid'),
    threads: num('Threads'),
    rssBytes: Number.isFinite(rssKb) ? rssKb * 1024 : null,
    sigPnd: statusField(text, 'SigPnd') ?? ZERO_MASK,
    shdPnd: statusField(text, 'ShdPnd') ?? ZERO_MASK,
    sigBlk: statusField(text, 'SigBlk') ?? ZERO_MASK,
    sigIgn: statusField(text, 'SigIgn') ?? ZERO_MASK,
    sigCgt: statusField(text, 'SigCgt') ?? ZERO_MASK,
  };
}

/** NUL-separated argv; the trailing NUL does not make an empty last argument, an empty file gives []. */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** /proc/PID/task/TID/children: space-separated pids (with a trailing space). */
export function parseChildren(text: string): number[] {
  const out: number[] = [];
  for (const p of text.split(/\s+/)) if (p !== '') out.push(Number(p));
  return out.filter((n) => Number.isInteger(n) && n > 0);
}

/** The only environment variables perftop reads: the profilers' switches and the preload list. */
export const PROFILER_ENV_KEYS = ['HEAPPROFILESIGNAL', 'CPUPROFILESIGNAL', 'CPUPROFILE', 'HEAPPROFILE', 'LD_PRELOAD'] as const;
export type ProfilerEnvKey = (typeof PROFILER_ENV_KEYS)[number];
export type ProfilerEnv = Partial<Record<ProfilerEnvKey, string>>;

/**
 * Keeps only PROFILER_ENV_KEYS: the rest of a process's environment (tokens, passwords) is never held.
 * libprofiler sets the high bit of CPUPROFILE's first byte in environ (FIELD.md §1); that byte is kept as read.
 */
export function parseEnviron(text: string): ProfilerEnv {
  const out: ProfilerEnv = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    if ((PROFILER_ENV_KEYS as readonly string[]).includes(key)) out[key as ProfilerEnvKey] = entry.slice(eq + 1);
  }
  return out;
}

/**
 * First field of /proc/PID/task/TID/syscall: the syscall number the thread is blocked in, "running", or null for
 * text that is neither (empty read; "-1" means blocked but not in a syscall, e.g. a page fault).
 */
export function parseSyscall(text: string): number | 'running' | null {
  const first = text.trim().split(' ')[0] ?? '';
  if (first === 'running') return 'running';
  if (!/^-?\d+$/.test(first)) return null;
  const n = Number(first);
  return n >= 0 ? n : null;
}

/** wchan is "0" when the task is running or has no symbol; the probe reports "" then. */
export function parseWchan(text: string): string {
  const w = text.trim();
  return w === '0' ? '' : w;
}

/** AT_PAGESZ and AT_CLKTCK from /proc/self/auxv (64-bit little-endian pairs), so nothing is assumed. */
export function parseAuxv(buf: Uint8Array): { pageSize: number | null; clkTck: number | null } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pageSize: number | null = null;
  let clkTck: number | null = null;
  for (let off = 0; off + 16 <= buf.byteLength; off += 16) {
    const type = Number(view.getBigUint64(off, true));
    const value = Number(view.getBigUint64(off + 8, true));
    if (type === 0) break; // AT_NULL
    if (type === 6) pageSize = value; // AT_PAGESZ
    if (type === 17) clkTck = value; // AT_CLKTCK
  }
  return { pageSize, clkTck };
}
