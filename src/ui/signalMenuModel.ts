// The signal menu's decisions, without React: what each signal would do to the target (from the decoded
// disposition and the latest disposition event's handler name), whether sending it needs a y/n, and filtering.
import type { ProcessInfo, SnapshotEvent } from '../model/snapshot.js';
import { SIGNALS, type DefaultAction } from '../probe/signals.js';
import { handlerName, isDispositionAction } from './signalsModel.js';

export interface MenuTarget {
  pid: number;
  tid?: number;
}

export interface MenuItem {
  num: number;
  name: string;
  defaultAction: DefaultAction;
  disposition: 'caught' | 'ignored' | 'default';
  handler?: string;
  /** Threads of the target with the signal blocked, out of `threads`. */
  blockedIn: number;
  threads: number;
  threadTarget: boolean;
}

const DEFAULT_TEXT: Record<DefaultAction, string> = {
  terminate: 'default: terminate',
  core: 'default: core dump',
  ignore: 'default: ignore',
  stop: 'default: stop',
  continue: 'default: continue',
};

/** Latest handler name per signal from the event log (events oldest first). */
export function handlerNames(events: readonly SnapshotEvent[], pid: number): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of events) {
    if (e.kind !== 'disposition' || e.pid !== pid || !e.signal || !isDispositionAction(e.action)) continue;
    const h = handlerName(e.action);
    if (h) m.set(e.signal, h);
    else m.delete(e.signal);
  }
  return m;
}

export function menuItems(proc: ProcessInfo, tid: number | undefined, handlers: ReadonlyMap<string, string>): MenuItem[] {
  const caught = new Set(proc.signals.caught);
  const ignored = new Set(proc.signals.ignored);
  const thread = tid === undefined ? undefined : proc.threads.find((t) => t.tid === tid);
  const scope = thread ? [thread] : proc.threads;
  return SIGNALS.map((s) => {
    const disposition = caught.has(s.name) ? 'caught' : ignored.has(s.name) ? 'ignored' : 'default';
    return {
      num: s.num,
      name: s.name,
      defaultAction: s.action,
      disposition,
      handler: disposition === 'caught' ? handlers.get(s.name) : undefined,
      blockedIn: scope.filter((t) => t.blocked.includes(s.name)).length,
      threads: scope.length,
      threadTarget: !!thread,
    };
  });
}

/** What sending it will do: "caught by on_usr1", "ignored", "default: terminate; blocked in 3/5 threads". */
export function describeEffect(item: MenuItem): string {
  let text =
    item.disposition === 'caught'
      ? item.handler ? `caught by ${item.handler}` : 'caught'
      : item.disposition === 'ignored' ? 'ignored' : DEFAULT_TEXT[item.defaultAction];
  // SIGKILL and SIGSTOP cannot be blocked, whatever the mask says.
  if (item.blockedIn > 0 && item.num !== 9 && item.num !== 19) {
    if (item.threadTarget) text += '; blocked in this thread (stays pending)';
    else if (item.blockedIn >= item.threads) text += `; blocked in all ${item.threads} threads (stays pending)`;
    else text += `; blocked in ${item.blockedIn}/${item.threads} threads`;
  }
  return text;
}

/** Ask y/n before a signal whose effect is to end or stop the target: default action, not caught or ignored. */
export function needsConfirmation(item: MenuItem): boolean {
  return item.disposition === 'default' && (item.defaultAction === 'terminate' || item.defaultAction === 'core' ||
    item.defaultAction === 'stop');
}

/** Typing filters by number ("1" → 1, 10..19) or by name with or without SIG ("usr", "SIGRTMIN+3"). */
export function filterItems(items: readonly MenuItem[], query: string): MenuItem[] {
  const q = query.trim().toUpperCase();
  if (!q) return [...items];
  if (/^\d+$/.test(q)) return items.filter((i) => String(i.num).startsWith(q));
  const bare = q.startsWith('SIG') ? q.slice(3) : q;
  const exact = items.filter((i) => i.name.slice(3) === bare);
  const rest = items.filter((i) => i.name.slice(3) !== bare && i.name.slice(3).includes(bare));
  return [...exact, ...rest];
}
