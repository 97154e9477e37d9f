// Small pure formatters shared by the views: units, times, exit text, fixed-width cells, sparklines.
import type { ExitInfo } from '../model/snapshot.js';

const UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** htop-like: 0B, 512B, 1.5K, 12K, 980M, 1.2G. Always at most 5 characters. */
export function humanBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  let i = 0;
  let v = n;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)}B`;
  return `${v < 9.95 ? v.toFixed(1) : Math.round(v)}${UNITS[i]}`;
}

/** Counts: 999, 1.2k, 45k, 3.4M, 1.1G. */
export function humanCount(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const abs = Math.abs(n);
  if (abs < 1000) return `${Math.round(n)}`;
  const units = ['k', 'M', 'G', 'T'];
  let v = abs;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${n < 0 ? '-' : ''}${v < 9.95 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

export function pct(n: number): string {
  if (!Number.isFinite(n)) return '?';
  return n >= 99.95 ? Math.round(n).toString() : n.toFixed(1);
}

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (x: number) => x.toString().padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

/** "exited 3" / "killed by SIGTERM" / "exited" as a shell would say it. */
export function exitText(e: ExitInfo): string {
  if (e.signal) return `killed by ${e.signal}`;
  if (e.code !== undefined) return `exited ${e.code}`;
  return 'exited';
}

/** Pad or cut to exactly `w` columns (text here is ASCII or single-width box glyphs). */
export function cell(text: string, w: number, align: 'left' | 'right' = 'left'): string {
  if (w <= 0) return '';
  if (text.length > w) return w === 1 ? text.slice(0, 1) : `${text.slice(0, w - 1)}…`;
  return align === 'right' ? text.padStart(w) : text.padEnd(w);
}

const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` values as bars scaled to their own max; missing history is blank, all-zero is ▁. */
export function sparkline(values: readonly number[], width: number): string {
  const tail = values.slice(-width);
  const max = Math.max(0, ...tail);
  const bars = tail.map((v) => (max <= 0 || !(v > 0) ? BARS[0] : BARS[Math.min(7, Math.floor((v / max) * 7.999))]));
  return bars.join('').padStart(width);
}
