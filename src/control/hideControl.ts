// The shim's control thread belongs to perftop, not to the app: it is left out of what the sampler sees (thread
// lists and counts), so the app's tree looks as it would without perftop. Pure over one probe result.
import type { Probe, ProbeResult } from '../probe/types.js';

/** prctl name of the shim's control thread (native/shim_control.c). */
export const CONTROL_THREAD = 'perftop-ctl';

export function withoutControlThreads(r: ProbeResult): ProbeResult {
  for (const p of r.processes) {
    const kept = p.threads.filter((t) => t.comm !== CONTROL_THREAD);
    if (kept.length === p.threads.length) continue;
    p.threadCount = Math.max(kept.length, p.threadCount - (p.threads.length - kept.length));
    p.threads = kept;
  }
  return r;
}

/** A probe whose results never show control threads; `before` runs first on each tick (profiling refresh). */
export function hideControlThreads(probe: Probe, before?: () => void): Probe {
  return {
    tick() {
      before?.();
      return withoutControlThreads(probe.tick());
    },
    close: () => probe.close(),
  };
}
