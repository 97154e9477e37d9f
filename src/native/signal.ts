// Sending a signal to a process (pidfd: a pid that was recycled is never hit) or to one thread (tgkill, which also
// checks that the thread belongs to the thread group). Returns a result instead of throwing, for the UI.
import { readFileSync } from 'node:fs';
import { parseStat } from '../probe/parse.js';
import { signalName } from '../probe/signals.js';
import { loadAddon } from './addon.js';

export interface SignalTarget {
  pid: number;
  /** A thread of pid: the signal goes to that thread only. */
  tid?: number;
  /** The start time (clock ticks, /proc/<pid>/stat field 22) perftop saw; a pid with another start time is refused. */
  startTicks?: number;
}

export function sendSignal(target: SignalTarget, sig: number): { ok: boolean; message: string } {
  const name = signalName(sig);
  try {
    const addon = loadAddon();
    if (target.tid !== undefined) {
      // tgkill has no pidfd form: check the thread group is still the one perftop saw, just before sending.
      if (target.startTicks !== undefined && startOf(target.pid) !== target.startTicks)
        return { ok: false, message: `could not send ${name}: ${target.pid} is no longer the process perftop showed` };
      addon.tgkill(target.pid, target.tid, sig);
      return { ok: true, message: `sent ${name} to thread ${target.tid} of ${target.pid}` };
    }
    addon.pidfdSendSignal(target.pid, sig, target.startTicks);
    return { ok: true, message: `sent ${name} to ${target.pid}` };
  } catch (err) {
    return { ok: false, message: `could not send ${name}: ${(err as Error).message}` };
  }
}

function startOf(pid: number): number | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.starttime ?? null;
  } catch {
    return null;
  }
}
