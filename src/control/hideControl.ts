// The shim's control thread belongs to perftop, not to the app: it is left out of what the sampler sees (thread
// lists and counts), so the app's tree looks as it would without perftop. Pure over one probe result.
import type { Probe, ProbeResult } from '../probe/types.js';
import { commOf } from './match.js';

/** prctl name of the shim's control thread (native/shim_control.c). */
export const CONTROL_THREAD = 'perftop-ctl';

/** Leaves the control threads out. While the shim creates its control thread, the creating thread carries the
 * control thread's name for a moment (so the new thread is never seen under the app's name): a leader seen in
 * that moment keeps the process's name from `names` (the last tick's), else its argv[0]'s basename. `names` is
 * refilled with this tick's names. */
export function withoutControlThreads(r: ProbeResult, names: Map<number, string> = new Map()): ProbeResult {
  const seen = new Map<number, string>();
  for (const p of r.processes) {
    if (p.comm === CONTROL_THREAD) p.comm = names.get(p.pid) ?? commFromArgv(p.argv) ?? p.comm;
    seen.set(p.pid, p.comm);
    // The leader (tid = pid) is never the control thread, whatever it is named this instant.
    const kept = p.threads.filter((t) => t.comm !== CONTROL_THREAD || t.tid === p.pid);
    for (const t of kept) if (t.tid === p.pid && t.comm === CONTROL_THREAD) t.comm = p.comm;
    // A leader gone with only the control thread left is a process in the middle of its exit (exit_group reaps the
    // leader first), or one whose last own thread just ended: not a main thread that pthread_exit()ed.
    if (p.leaderExited && kept.every((t) => t.tid === p.pid || t.state === 'Z')) p.leaderExited = false;
    if (kept.length === p.threads.length) continue;
    p.threadCount = Math.max(kept.length, p.threadCount - (p.threads.length - kept.length));
    p.threads = kept;
  }
  names.clear();
  for (const [pid, comm] of seen) names.set(pid, comm);
  return r;
}

function commFromArgv(argv: string[]): string | undefined {
  return argv[0] ? commOf(argv[0]) || undefined : undefined;
}

/** A probe whose results never show control threads; `before` runs first on each tick (profiling refresh). */
export function hideControlThreads(probe: Probe, before?: () => void): Probe {
  const names = new Map<number, string>();
  return {
    tick() {
      before?.();
      return withoutControlThreads(probe.tick(), names);
    },
    close: () => probe.close(),
  };
}
