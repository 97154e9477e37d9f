// Allocation counters per process (and per thread when expanded), with sparklines of rate and live bytes.
import { memo } from 'react';
import { Box } from 'ink';
import type { AllocCounters } from '../../model/snapshot.js';
import { cell, humanBytes, humanCount, sparkline } from '../format.js';
import type { AllocSeries } from '../store.js';
import type { Row } from '../treeRows.js';
import type { TableProps } from './ProcessTable.js';
import { Line, type Seg } from '../themeContext.js';

export type AllocSort = 'tree' | 'live' | 'rate';

interface Cols {
  frees: boolean;
  spark: number;
  name: number;
}

function columns(width: number): Cols {
  const frees = width >= 96;
  const spark = width >= 130 ? 16 : width >= 110 ? 12 : 8;
  const fixed = 2 + 8 + 8 + (frees ? 8 : 0) + 7 + 7 + 7 + 8 + (spark + 1) * 2;
  return { frees, spark, name: Math.max(6, width - fixed) };
}

export function allocHeader(width: number): string {
  const c = columns(width);
  return `  ${'PID'.padStart(7)} ${cell('NAME', c.name)}${'ALLOCS'.padStart(8)}${c.frees ? 'FREES'.padStart(8) : ''}${'TOTAL'.padStart(7)}${'LIVE'.padStart(7)}${'PEAK'.padStart(7)}${'ALLOC/S'.padStart(8)} ${cell('rate', c.spark)} ${cell('live', c.spark)}`;
}

function numbers(a: AllocCounters, c: Cols): string {
  return `${humanCount(a.allocs).padStart(8)}${c.frees ? humanCount(a.frees).padStart(8) : ''}${humanBytes(a.allocBytes).padStart(7)}${humanBytes(a.liveBytes).padStart(7)}${humanBytes(a.peakBytes).padStart(7)}${humanCount(a.allocsPerSec).padStart(8)}`;
}

export function allocSegs(row: Row, width: number, series: AllocSeries | undefined): Seg[] {
  const c = columns(width);
  const thread = row.kind === 'thread' ? row.thread : undefined;
  const id = thread ? thread.tid : row.proc.pid;
  const name = thread ? `${row.prefix}${thread.comm}` : `${row.prefix}${row.proc.comm}`;
  const exited = row.proc.exited !== null;
  const segs: Seg[] = [
    { text: '  ', role: 'text' },
    { text: `${cell(String(id), 7, 'right')} `, role: thread ? 'dim' : exited ? 'dim' : 'text' },
    { text: cell(name, c.name), role: exited ? 'dim' : 'text' },
  ];
  const alloc = thread ? thread.alloc : row.proc.alloc;
  if (!alloc) {
    // Never zeros for an uncounted process: zeros would claim it allocates nothing.
    const note = row.proc.allocNote?.replace(/^not counted:?\s*/i, '');
    const text = thread && row.proc.alloc ? 'no per-thread counts' : `not counted${note && !thread ? `: ${note}` : ''}`;
    segs.push({ text: `  ${text}`, role: 'dim' });
    return segs;
  }
  segs.push({ text: numbers(alloc, c), role: exited ? 'dim' : 'text' });
  segs.push({ text: ` ${sparkline(series?.rate ?? [], c.spark)}`, role: 'spark' });
  segs.push({ text: ` ${sparkline(series?.live ?? [], c.spark)}`, role: 'accent' });
  return segs;
}

const AllocRow = memo(function AllocRow(p: { row: Row; width: number; selected: boolean; series: AllocSeries | undefined; version: number }) {
  return <Line segs={allocSegs(p.row, p.width, p.series)} width={p.width} override={p.selected ? 'selected' : undefined} />;
});

/** The process table's props, plus each row's allocation history. */
export interface AllocTableProps extends TableProps {
  series: (pid: number, tid?: number) => AllocSeries | undefined;
  version: number;
}

export function AllocTable({ rows, selected, top, height, width, series, version, filter }: AllocTableProps) {
  const body = Math.max(0, height - 1);
  const visible = rows.slice(top, top + body);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: allocHeader(width), role: 'columns' }]} width={width} override="columns" />
      {visible.length === 0 && body > 0 ? <Line segs={[{ text: filter ? `  no process matches /${filter}` : '  no processes yet', role: 'dim' }]} width={width} /> : null}
      {visible.map((r, i) => (
        <AllocRow
          key={r.key}
          row={r}
          width={width}
          selected={top + i === selected}
          series={r.kind === 'thread' ? series(r.proc.pid, r.thread.tid) : series(r.proc.pid)}
          version={version}
        />
      ))}
    </Box>
  );
}
