// The few /proc facts ending a tree needs: who is below a pid, and whether a pid is still the same live process.
// A pid is identified by (pid, start time) so a signal never reaches a process that reused a dead one's pid.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcId {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks after boot). */
  start: string;
}

/** State letter and start time from a /proc/PID/stat line; the comm field may contain spaces and ')'. */
export function parseStatStateStart(stat: string): { state: string; start: string } | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19]
  if (fields.length < 20) return null;
  return { state: fields[0], start: fields[19] };
}

function readStat(pid: number): { state: string; start: string } | null {
  try {
    return parseStatStateStart(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

export function procId(pid: number): ProcId | null {
  const s = readStat(pid);
  return s ? { pid, start: s.start } : null;
}

/** Alive means: same process (start time) and not a zombie waiting to be reaped. */
export function isAlive(id: ProcId): boolean {
  const s = readStat(id.pid);
  return s !== null && s.start === id.start && s.state !== 'Z' && s.state !== 'X';
}

/** Every descendant of root (not root itself), parents before children, via task/<tid>/children. */
export function descendants(root: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>([root]);
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let text = '';
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
      } catch {
        continue;
      }
      for (const word of text.split(' ')) {
        const child = Number(word);
        if (!Number.isInteger(child) || child <= 0 || seen.has(child)) continue;
        seen.add(child);
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}
