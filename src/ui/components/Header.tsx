// Title, run state, elapsed time, interval, process count; then the view tabs and key hints.
import { memo, useEffect, useState } from 'react';
import { Box } from 'ink';
import type { ExitInfo } from '../../model/snapshot.js';
import { elapsed, exitText } from '../format.js';
import { Line, type Seg } from '../themeContext.js';

export type View = 'processes' | 'signals' | 'allocations' | 'files';
export const VIEWS: View[] = ['processes', 'signals', 'allocations', 'files'];

export interface HeaderProps {
  width: number;
  lines: number;
  title: string;
  startedAt: number;
  interval: number;
  attached: boolean;
  exit: ExitInfo | null;
  processes: number;
  view: View;
  filter: string;
  sort: string | null;
  inputMode: boolean;
  /** Time of the latest snapshot. At intervals of 1 s or less the clock advances with the snapshots, so the
   * header costs no frame of its own; slower intervals get a 1 s clock. */
  snapshotT?: number;
}

function useClock(enabled: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    t.unref?.();
    return () => clearInterval(t);
  }, [enabled]);
  return now;
}

export const Header = memo(function Header(p: HeaderProps) {
  const followSnapshots = p.interval <= 1 && p.snapshotT !== undefined && !p.exit;
  const clock = useClock(!followSnapshots);
  const now = followSnapshots ? Math.max(p.snapshotT!, clock) : clock;
  if (p.lines <= 0) return null;
  const state: Seg = p.exit
    ? { text: exitText(p.exit), role: p.exit.signal || p.exit.code ? 'warn' : 'dim' }
    : { text: p.attached ? 'attached' : 'running', role: 'ok' };
  const right: Seg[] = [
    state,
    { text: `  ${elapsed(now - p.startedAt)}  every ${p.interval}s  ${p.processes} proc${p.processes === 1 ? '' : 's'}`, role: 'text' },
  ];
  const rightLen = right.reduce((n, s) => n + s.text.length, 0);
  const titleRoom = Math.max(8, p.width - rightLen - 11);
  const title = p.title.length > titleRoom ? `${p.title.slice(0, titleRoom - 1)}…` : p.title;
  const gap = Math.max(1, p.width - 9 - title.length - rightLen);
  const first: Seg[] = [{ text: 'perftop ', role: 'header' }, { text: title, role: 'title' }, { text: ' '.repeat(gap), role: 'text' }, ...right];

  const hints: Seg[] = p.inputMode
    ? [{ text: 'TYPING  Ctrl-] returns', role: 'warn' }]
    : [{ text: '?', role: 'key' }, { text: ' help ', role: 'dim' }, { text: 's', role: 'key' }, { text: ' signal ', role: 'dim' },
       // Attached, there is no terminal of the app's to type into.
       ...(p.attached ? [] : ([{ text: 'i', role: 'key' }, { text: ' type ', role: 'dim' }] as Seg[])),
       { text: 'q', role: 'key' }, { text: ' quit', role: 'dim' }];
  // Narrow terminals keep at least "? help q quit": how to get out is never off screen.
  const fewHints: Seg[] = p.inputMode ? hints : [{ text: '?', role: 'key' }, { text: ' help ', role: 'dim' }, { text: 'q', role: 'key' }, { text: ' quit', role: 'dim' }];
  const tabsFor = (names: Record<View, string>): Seg[] => {
    const tabs: Seg[] = [];
    VIEWS.forEach((v, i) => {
      tabs.push({ text: names[v] ? ` ${i + 1} ${names[v]} ` : ` ${i + 1} `, role: v === p.view ? 'tabActive' : 'tab' });
      tabs.push({ text: ' ', role: 'text' });
    });
    if (p.filter) tabs.push({ text: `/${p.filter} `, role: 'accent' });
    if (p.sort) tabs.push({ text: `sort:${p.sort} `, role: 'accent' });
    return tabs;
  };
  const len = (segs: Seg[]) => segs.reduce((n, s) => n + s.text.length, 0);
  const full = tabsFor({ processes: 'processes', signals: 'signals', allocations: 'allocations', files: 'files' });
  const short = tabsFor({ processes: 'procs', signals: 'signals', allocations: 'allocs', files: 'files' });
  const digits = tabsFor({ processes: '', signals: '', allocations: '', files: '' });
  // The widest view names and hints that fit side by side.
  const choice = ([[full, hints], [short, hints], [short, fewHints], [digits, fewHints]] as const).find(([t, h]) => len(t) + len(h) < p.width);
  const second: Seg[] = choice
    ? [...choice[0], { text: ' '.repeat(p.width - len(choice[0]) - len(choice[1])), role: 'text' as const }, ...choice[1]]
    : digits;
  return (
    <Box flexDirection="column" width={p.width} height={p.lines}>
      <Line segs={first} width={p.width} />
      {p.lines > 1 ? <Line segs={second} width={p.width} /> : null}
    </Box>
  );
});
