// Profile file names (DESIGN.md "Profile files (contract)"), pure:
//   <comm>.<pid>.<NNNN>.heap       gperftools heap dumps; NNNN counts from 0001 per heap-profiler start (gperftools'
//                                  own numbering, 4 digits)
//   <comm>.<pid>.<NNNN>.cpu.prof   gperftools CPU profiles; NNNN = the first free number from 0001 (chosen by the
//                                  shim the same way, so both kinds count alike)
//   <comm>.<pid>.perf.data         perf record (one per process; a second record replaces it)
// comm is made file-name safe the way the shim does it: [A-Za-z0-9._+-] kept, anything else '_'.

export type ProfileKind = 'heap' | 'cpu' | 'perf';

export interface ProfileName {
  comm: string;
  pid: number;
  n: number | null;
  kind: ProfileKind;
}

const NAME = /^(.+)\.([1-9]\d{0,9})\.(?:(\d{4,})\.(heap|cpu\.prof)|(perf\.data))$/;

export function parseProfileName(name: string): ProfileName | null {
  const m = NAME.exec(name);
  if (!m) return null;
  if (m[5]) return { comm: m[1], pid: Number(m[2]), n: null, kind: 'perf' };
  return { comm: m[1], pid: Number(m[2]), n: Number(m[3]), kind: m[4] === 'heap' ? 'heap' : 'cpu' };
}

export function safeComm(comm: string): string {
  const s = comm.replace(/[^A-Za-z0-9._+-]/g, '_');
  return s === '' || s === '.' ? 'proc' : s;
}

export function perfDataName(comm: string, pid: number): string {
  return `${safeComm(comm)}.${pid}.perf.data`;
}

/** ./perftop-YYYYmmdd-HHMMSS (local time) */
export function defaultOutName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `perftop-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The newest heap dump for a prefix "<dir>/<comm>.<pid>" among file names in dir: the highest NNNN. */
export function newestHeapDump(names: readonly string[], prefixBase: string): string | null {
  let best: { n: number; name: string } | null = null;
  for (const name of names) {
    if (!name.startsWith(`${prefixBase}.`)) continue;
    const m = /^\.(\d{4,})\.heap$/.exec(name.slice(prefixBase.length));
    if (!m) continue;
    const n = Number(m[1]);
    if (!best || n > best.n) best = { n, name };
  }
  return best?.name ?? null;
}

/** Control files: perftop-<session>-<pid>-<gen>.ctl (native/perftop_segment.h). */
const CTL = /^perftop-([A-Za-z0-9_]+)-([1-9]\d{0,9})-(\d{1,9})\.ctl$/;

export interface ControlName {
  session: string;
  pid: number;
  gen: number;
}

export function parseControlName(name: string): ControlName | null {
  const m = CTL.exec(name);
  return m ? { session: m[1], pid: Number(m[2]), gen: Number(m[3]) } : null;
}
