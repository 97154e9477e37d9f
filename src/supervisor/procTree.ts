// The few /proc facts ending a tree needs: who is below a pid, and whether a pid is still the same live process.
// A pid is identified by (pid, start time) so a signal never reaches a process that reused a dead one's pid.
import { readdirSync, readFileSync } from 'node:fs';
import { parseChildren, parseStat, type StatFields } from '../probe/parse.js';

export interface ProcId {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks after boot). */
  start: number;
}

function readStat(pid: number): StatFields | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

export function procId(pid: number): ProcId | null {
  const s = readStat(pid);
  return s ? { pid, start: s.starttime } : null;
}

/** Alive means: same process (start time) and not a zombie waiting to be reaped. */
export function isAlive(id: ProcId): boolean {
  const s = readStat(id.pid);
  return s !== null && s.starttime === id.start && s.state !== 'Z' && s.state !== 'X';
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
      for (const child of parseChildren(text)) {
        if (seen.has(child)) continue;
        seen.add(child);
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}
