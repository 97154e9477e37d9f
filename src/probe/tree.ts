// Pure decisions the probe makes about what it read: tree order, and whether a process with a dead leader lives.

/**
 * Depth-first, parent before children, siblings by pid. `childrenOf` gives a pid's children (the union over all
 * of its tasks: a thread can be the parent). With includeRoot false the root is not listed and its children are
 * depth 0 (run mode: the root is perftop's init, its children are the app and adopted orphans).
 */
export function treeOrder(
  rootPid: number,
  includeRoot: boolean,
  childrenOf: (pid: number) => number[],
): Array<{ pid: number; depth: number; ppid: number }> {
  const out: Array<{ pid: number; depth: number; ppid: number }> = [];
  const seen = new Set<number>([rootPid]);
  const visit = (pid: number, ppid: number, depth: number): void => {
    out.push({ pid, depth, ppid });
    for (const c of [...childrenOf(pid)].sort((a, b) => a - b)) {
      if (seen.has(c)) continue; // a pid listed twice (racy children files) or a cycle from pid reuse
      seen.add(c);
      visit(c, pid, depth + 1);
    }
  };
  if (includeRoot) {
    visit(rootPid, 0, 0);
  } else {
    for (const c of [...childrenOf(rootPid)].sort((a, b) => a - b)) {
      if (seen.has(c)) continue;
      seen.add(c);
      visit(c, rootPid, 0);
    }
  }
  return out;
}

/** Children by parent from a full scan's (pid, ppid) pairs: the fallback when children files are missing. */
export function childrenFromPpids(pairs: Iterable<{ pid: number; ppid: number }>): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const { pid, ppid } of pairs) {
    const list = m.get(ppid);
    if (list) list.push(pid);
    else m.set(ppid, [pid]);
  }
  return m;
}

export interface Liveness {
  leaderExited: boolean;
  zombie: boolean;
  /** A task to read live facts from (VmRSS, state): the leader, or the first live thread; null for a zombie. */
  liveTid: number | null;
}

const dead = (state: string): boolean => state === 'Z' || state === 'X' || state === 'x';

/**
 * "State Z", "maps empty" or "exe unreadable" never mean exited on their own: a leader that called pthread_exit()
 * is Z while its workers run (FIELD.md §5). Only when every task is Z/X has the process exited.
 */
export function classifyLiveness(pid: number, leaderState: string, tasks: Array<{ tid: number; state: string }>): Liveness {
  if (!dead(leaderState)) return { leaderExited: false, zombie: false, liveTid: pid };
  const live = tasks.find((t) => t.tid !== pid && !dead(t.state));
  if (live) return { leaderExited: true, zombie: false, liveTid: live.tid };
  return { leaderExited: false, zombie: true, liveTid: null };
}
