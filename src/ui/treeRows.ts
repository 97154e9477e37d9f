// The visible rows of the process table, derived from one snapshot: tree glyphs, expanded threads, filter.
// Pure; the views and the key handler both use it so "row N" means the same thing everywhere.
import type { ProcessInfo, Snapshot, ThreadInfo } from '../model/snapshot.js';

export type Row =
  | { kind: 'proc'; key: string; proc: ProcessInfo; prefix: string; match: boolean }
  | { kind: 'thread'; key: string; proc: ProcessInfo; thread: ThreadInfo; prefix: string; match: boolean };

export const procKey = (pid: number) => `p${pid}`;
export const threadKey = (pid: number, tid: number) => `t${pid}.${tid}`;

/** Does the filter text match this process (name, any argv word, or pid prefix)? Case-insensitive. */
export function matchesFilter(p: ProcessInfo, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  if (/^\d+$/.test(f) && String(p.pid).startsWith(f)) return true;
  if (p.comm.toLowerCase().includes(f)) return true;
  return p.argv.some((a) => a.toLowerCase().includes(f));
}

/**
 * Tree prefixes ("│ ├─", "  └─") for processes given in tree order with depths. A process is the last of its
 * siblings when no later process at the same depth appears before one shallower than it.
 */
export function treePrefixes(procs: readonly ProcessInfo[]): string[] {
  const last: boolean[] = new Array(procs.length);
  const seen: boolean[] = [];
  for (let i = procs.length - 1; i >= 0; i--) {
    const d = procs[i].depth;
    last[i] = !seen[d];
    seen[d] = true;
    seen.length = d + 1; // deeper entries belonged to later subtrees
  }
  const cont: boolean[] = [];
  return procs.map((p, i) => {
    const d = p.depth;
    cont[d] = !last[i];
    if (d === 0) return '';
    let s = '';
    for (let k = 1; k < d; k++) s += cont[k] ? '│ ' : '  ';
    return s + (last[i] ? '└─' : '├─');
  });
}

/** Filtered processes keep their ancestors so the tree still reads; `match` marks the ones that matched. */
function filtered(procs: readonly ProcessInfo[], filter: string): Array<{ proc: ProcessInfo; match: boolean }> {
  if (!filter.trim()) return procs.map((proc) => ({ proc, match: true }));
  const keep = new Set<number>();
  const matched = new Set<number>();
  const stack: number[] = []; // indices of the current ancestry, by depth
  procs.forEach((p, i) => {
    stack.length = p.depth;
    if (matchesFilter(p, filter)) {
      matched.add(i);
      keep.add(i);
      for (const a of stack) keep.add(a);
    }
    stack[p.depth] = i;
  });
  const out: Array<{ proc: ProcessInfo; match: boolean }> = [];
  procs.forEach((proc, i) => {
    if (keep.has(i)) out.push({ proc, match: matched.has(i) });
  });
  return out;
}

export function buildRows(snapshot: Snapshot | null, expanded: ReadonlySet<number>, filter = ''): Row[] {
  if (!snapshot) return [];
  const list = filtered(snapshot.processes, filter);
  const prefixes = treePrefixes(list.map((x) => x.proc));
  const rows: Row[] = [];
  list.forEach(({ proc, match }, i) => {
    rows.push({ kind: 'proc', key: procKey(proc.pid), proc, prefix: prefixes[i], match });
    if (!expanded.has(proc.pid)) return;
    const base = prefixes[i].replace(/├─$/, '│ ').replace(/└─$/, '  ');
    proc.threads.forEach((thread, j) => {
      const glyph = j === proc.threads.length - 1 ? '└╴' : '├╴';
      rows.push({ kind: 'thread', key: threadKey(proc.pid, thread.tid), proc, thread, prefix: base + glyph, match });
    });
  });
  return rows;
}

/** Rows ordered by a numeric key (descending), threads kept under their expanded process and ordered the same way
 * among themselves. */
export function sortRows(rows: readonly Row[], key: (x: ProcessInfo | ThreadInfo) => number): Row[] {
  const groups: Array<{ proc: Row; threads: Array<Extract<Row, { kind: 'thread' }>> }> = [];
  for (const r of rows) {
    if (r.kind === 'proc') groups.push({ proc: { ...r, prefix: '' }, threads: [] });
    else groups[groups.length - 1]?.threads.push(r);
  }
  groups.sort((a, b) => key(b.proc.proc) - key(a.proc.proc) || a.proc.proc.pid - b.proc.proc.pid);
  return groups.flatMap(({ proc, threads }) => {
    const sorted = [...threads].sort((a, b) => key(b.thread) - key(a.thread) || a.thread.tid - b.thread.tid);
    return [proc, ...sorted.map((t, j) => ({ ...t, prefix: j === sorted.length - 1 ? '└╴' : '├╴' }))];
  });
}

/** First visible row so that `selected` stays in a window of `height` rows, moving as little as possible. */
export function scrollTop(selected: number, top: number, height: number, total: number): number {
  if (height <= 0 || total <= height) return 0;
  let t = Math.min(Math.max(0, top), total - height);
  if (selected < t) t = selected;
  else if (selected >= t + height) t = selected - height + 1;
  return Math.max(0, Math.min(t, total - height));
}
