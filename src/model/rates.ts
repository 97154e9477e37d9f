// Rates from counter deltas over real elapsed time. Pure.

/** CPU % from clock-tick deltas: 100 = one CPU busy the whole time (a process can exceed 100 with threads). */
export function cpuPercent(prevTicks: number | undefined, ticks: number, elapsedMs: number, clkTck: number): number {
  if (prevTicks === undefined || elapsedMs <= 0 || ticks < prevTicks) return 0;
  const pct = ((ticks - prevTicks) / clkTck / (elapsedMs / 1000)) * 100;
  return Math.round(pct * 10) / 10;
}

/** Events per second from a monotonically growing counter; 0 on the first sample or when the counter restarted. */
export function perSecond(prev: number | undefined, now: number, elapsedMs: number): number {
  if (prev === undefined || elapsedMs <= 0 || now < prev) return 0;
  return Math.round(((now - prev) / (elapsedMs / 1000)) * 10) / 10;
}
