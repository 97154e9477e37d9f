// The process tree: one memoised line per visible row (only the visible window is rendered).
import { memo } from 'react';
import { Box } from 'ink';
import type { Hazard, ProcessInfo } from '../../model/snapshot.js';
import { cell, exitText, humanBytes, pct } from '../format.js';
import type { Row } from '../treeRows.js';
import type { Role } from '../theme.js';
import { Line, type Seg } from '../themeContext.js';

const FIXED = 30; // marker 2, pid 7, state, cpu 5, rss 6, threads 4, separators

export function worstHazard(hs: readonly Hazard[]): Hazard | undefined {
  const rank = { fatal: 3, warn: 2, info: 1 } as const;
  return [...hs].sort((a, b) => rank[b.severity] - rank[a.severity])[0];
}

const SEVERITY_ROLE: Record<Hazard['severity'], Role> = { fatal: 'fatal', warn: 'warn', info: 'info' };

function marker(p: ProcessInfo): Seg {
  const h = worstHazard(p.hazards);
  if (!h) return { text: '  ', role: 'text' };
  return { text: h.severity === 'info' ? 'i ' : h.severity === 'fatal' ? '!!' : '! ', role: SEVERITY_ROLE[h.severity] };
}

export function procSegs(row: Row, width: number): Seg[] {
  const p = row.proc;
  const nameW = Math.max(1, width - FIXED);
  if (row.kind === 'thread') {
    const t = row.thread;
    const base = t.state === 'Z' || t.state === 'X' ? 'dim' : 'text';
    return [
      { text: '  ', role: 'text' },
      { text: cell(String(t.tid), 7, 'right'), role: 'dim' },
      { text: ` ${cell(t.state, 1)} ${cell(pct(t.cpu), 5, 'right')} ${cell('', 6)} ${cell('', 4)} `, role: base },
      { text: row.prefix, role: 'border' },
      { text: t.comm, role: base },
      { text: t.wchan ? `  ${t.wchan}` : '', role: 'dim' },
    ];
  }
  const exited = p.exited !== null;
  const base: Role = exited ? 'dim' : row.match ? 'text' : 'dim';
  const segs: Seg[] = [
    marker(p),
    { text: cell(String(p.pid), 7, 'right'), role: base },
    // A zombie nobody has reaped yet is still there, as ps shows it (Z); X once it is gone.
    { text: ` ${cell(exited && p.state !== 'Z' ? 'X' : p.state, 1)} ${cell(exited ? '' : pct(p.cpu), 5, 'right')} ${cell(exited ? '' : humanBytes(p.rss), 6, 'right')} ${cell(exited ? '' : String(p.threadCount), 4, 'right')} `, role: base },
    { text: row.prefix, role: 'border' },
    { text: p.comm, role: exited ? 'dim' : 'text' },
  ];
  const args = p.argv.slice(1).join(' ');
  if (args) segs.push({ text: ` ${args}`, role: 'dim' });
  if (exited) segs.push({ text: ` (${exitText(p.exited!)})`, role: 'dim' });
  if (p.leaderExited) segs.push({ text: ' [leader exited]', role: 'warn' });
  const h = worstHazard(p.hazards);
  if (h) segs.push({ text: ` ${h.id}`, role: SEVERITY_ROLE[h.severity] });
  // Keep flags visible: if the argv would push them out, cut the argv first.
  const total = segs.reduce((n, s) => n + s.text.length, 0);
  const over = total - (FIXED + nameW);
  if (over > 0 && args) {
    const a = segs.findIndex((s) => s.text === ` ${args}`);
    const keep = Math.max(0, args.length - over - 1);
    segs[a] = { text: keep > 0 ? ` ${args.slice(0, keep)}…` : '', role: 'dim' };
  }
  return segs;
}

export const PROCESS_COLUMNS = `${'PID'.padStart(9)} S  CPU%    RSS  THR COMMAND`;

const ProcRow = memo(function ProcRow({ row, width, selected }: { row: Row; width: number; selected: boolean }) {
  return <Line segs={procSegs(row, width)} width={width} override={selected ? 'selected' : undefined} />;
});

export interface TableProps {
  rows: readonly Row[];
  selected: number;
  top: number;
  height: number;
  width: number;
  /** The / filter, when one is set: an empty table then says nothing matched it. */
  filter?: string;
}

export function ProcessTable({ rows, selected, top, height, width, filter }: TableProps) {
  const body = Math.max(0, height - 1);
  const visible = rows.slice(top, top + body);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: PROCESS_COLUMNS, role: 'columns' }]} width={width} override="columns" />
      {visible.length === 0 && body > 0 ? <Line segs={[{ text: filter ? `  no process matches /${filter}` : '  no processes yet', role: 'dim' }]} width={width} /> : null}
      {visible.map((r, i) => (
        <ProcRow key={r.key} row={r} width={width} selected={top + i === selected} />
      ))}
    </Box>
  );
}
