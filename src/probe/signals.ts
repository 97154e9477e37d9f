// The one signal table: kernel numbers (x86_64/arm64 Linux), kernel names, default actions, and mask decoding.
// Real-time signals are named from the kernel's SIGRTMIN (32), not glibc's (34, after the two NPTL reserves), so
// that a name always matches the bit it came from in /proc/PID/status.

export type DefaultAction = 'terminate' | 'core' | 'ignore' | 'stop' | 'continue';

export interface SignalDef {
  num: number;
  name: string;
  action: DefaultAction;
}

const CLASSIC: Array<[string, DefaultAction]> = [
  ['SIGHUP', 'terminate'], ['SIGINT', 'terminate'], ['SIGQUIT', 'core'], ['SIGILL', 'core'],
  ['SIGTRAP', 'core'], ['SIGABRT', 'core'], ['SIGBUS', 'core'], ['SIGFPE', 'core'],
  ['SIGKILL', 'terminate'], ['SIGUSR1', 'terminate'], ['SIGSEGV', 'core'], ['SIGUSR2', 'terminate'],
  ['SIGPIPE', 'terminate'], ['SIGALRM', 'terminate'], ['SIGTERM', 'terminate'], ['SIGSTKFLT', 'terminate'],
  ['SIGCHLD', 'ignore'], ['SIGCONT', 'continue'], ['SIGSTOP', 'stop'], ['SIGTSTP', 'stop'],
  ['SIGTTIN', 'stop'], ['SIGTTOU', 'stop'], ['SIGURG', 'ignore'], ['SIGXCPU', 'core'],
  ['SIGXFSZ', 'core'], ['SIGVTALRM', 'terminate'], ['SIGPROF', 'terminate'], ['SIGWINCH', 'ignore'],
  ['SIGIO', 'terminate'], ['SIGPWR', 'terminate'], ['SIGSYS', 'core'],
];

export const SIGRTMIN_KERNEL = 32;
export const NSIG = 64;

export const SIGNALS: readonly SignalDef[] = Object.freeze([
  ...CLASSIC.map(([name, action], i) => ({ num: i + 1, name, action })),
  ...Array.from({ length: NSIG - SIGRTMIN_KERNEL + 1 }, (_, i) => ({
    num: SIGRTMIN_KERNEL + i,
    name: i === 0 ? 'SIGRTMIN' : `SIGRTMIN+${i}`,
    action: 'terminate' as DefaultAction,
  })),
]);

const BY_NUM = new Map(SIGNALS.map((s) => [s.num, s]));
const BY_NAME = new Map(SIGNALS.map((s) => [s.name, s]));
const ALIASES: Record<string, number> = { SIGIOT: 6, SIGPOLL: 29, SIGCLD: 17, SIGUNUSED: 31, SIGRTMAX: 64 };

export function signalName(num: number): string {
  return BY_NUM.get(num)?.name ?? `SIG${num}`;
}

export function signalDef(num: number): SignalDef | undefined {
  return BY_NUM.get(num);
}

/** Accepts "SIGUSR1", "usr1", "10", "RTMIN+3", "SIGRTMAX-2"; returns the number or undefined. */
export function parseSignal(text: string): number | undefined {
  const t = text.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n >= 1 && n <= NSIG ? n : undefined;
  }
  const name = t.startsWith('SIG') ? t : `SIG${t}`;
  const exact = BY_NAME.get(name)?.num ?? ALIASES[name];
  if (exact !== undefined) return exact;
  const rt = /^SIGRT(MIN|MAX)([+-])(\d+)$/.exec(name);
  if (!rt) return undefined;
  const base = rt[1] === 'MIN' ? SIGRTMIN_KERNEL : NSIG;
  const n = rt[2] === '+' ? base + Number(rt[3]) : base - Number(rt[3]);
  return n >= SIGRTMIN_KERNEL && n <= NSIG ? n : undefined;
}

/** Signal numbers set in a /proc status mask ("0000000000014a07": bit N-1 is signal N). */
export function maskNumbers(hex: string): number[] {
  const out: number[] = [];
  let mask: bigint;
  try {
    mask = BigInt(`0x${hex.trim() || '0'}`);
  } catch {
    return out;
  }
  for (let n = 1; n <= NSIG && mask !== 0n; n++, mask >>= 1n) if (mask & 1n) out.push(n);
  return out;
}

/** Kernel names of the signals set in a /proc status mask, in signal-number order. */
export function decodeMask(hex: string): string[] {
  return maskNumbers(hex).map(signalName);
}

/** Kernel signals 32 and 33 are glibc's own (SIGCANCEL, SIGSETXID): their handlers come with the first
 * pthread_create (perftop's control thread is one) and are no choice of the app's; a program cannot even name them
 * (its SIGRTMIN is 34). */
export const LIBC_INTERNAL_SIGNALS: ReadonlySet<number> = new Set([32, 33]);

/** The caught set as the app chose it: without glibc's internal handlers. */
export function decodeCaught(hex: string): string[] {
  return maskNumbers(hex).filter((n) => !LIBC_INTERNAL_SIGNALS.has(n)).map(signalName);
}

export function signalExitStatus(num: number): number {
  return 128 + num;
}

/** A wait(2) status as an exit: {code} or {signal}; {} for a stop/continue, which is no exit. */
export function exitFromWaitStatus(wstatus: number): { code?: number; signal?: string } {
  const low = wstatus & 0x7f;
  if (low === 0) return { code: (wstatus >> 8) & 0xff };
  if (low !== 0x7f) return { signal: signalName(low) };
  return {};
}
