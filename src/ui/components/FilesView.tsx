// Profile files announced by `dump` events (d, p, P, and from-start profiles written at exit), with the selected
// file's top entries (google-pprof --text / perf report --stdio) below the list. ↑↓ select a file here.
import { Box } from 'ink';
import { cell, humanBytes } from '../format.js';
import type { DumpFile } from '../store.js';
import { Line } from '../themeContext.js';

export interface FilesViewProps {
  files: readonly DumpFile[];
  height: number;
  width: number;
  /** Index into files of the selected one (clamped here). */
  selected?: number;
  /** The selected file's report lines; null while it loads. */
  report?: readonly string[] | null;
  /** Where files go (--out), shown when there are none yet. */
  outDir?: string;
}

function baseName(f: string): string {
  const i = f.lastIndexOf('/');
  return i >= 0 ? f.slice(i + 1) : f;
}

export function FilesView({ files, height, width, selected = files.length - 1, report, outDir }: FilesViewProps) {
  if (height <= 0) return null;
  if (files.length === 0) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Line segs={[{ text: 'No profile files yet.', role: 'text' }]} width={width} />
        {height > 1 ? <Line segs={[{ text: 'Heap dumps (d), CPU profiles (p) and perf records (P) will be listed here.', role: 'dim' }]} width={width} /> : null}
        {height > 2 && outDir ? <Line segs={[{ text: `They go to ${outDir}/ (--out).`, role: 'dim' }]} width={width} /> : null}
      </Box>
    );
  }
  const sel = Math.max(0, Math.min(selected, files.length - 1));
  const nameW = Math.max(10, width - 24);
  // The list takes up to half the view when a report is shown; the selected file stays visible.
  const listRows = Math.max(1, Math.min(files.length, report === undefined ? height - 1 : Math.floor((height - 1) / 2)));
  const first = Math.max(0, Math.min(sel - listRows + 1, files.length - listRows));
  const shown = files.slice(first, first + listRows);
  const reportRows = Math.max(0, height - 1 - shown.length);
  const chosen = files[sel];
  const body = report === null ? ['running the report…'] : (report ?? []);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: `${cell('FILE', nameW)} ${'SIZE'.padStart(7)} ${'PID'.padStart(8)}`, role: 'columns' }]} width={width} override="columns" />
      {shown.map((f, i) => (
        <Line key={first + i} width={width} override={first + i === sel && report !== undefined ? 'selected' : undefined} segs={[
          { text: `${cell(baseName(f.file), nameW)} `, role: 'text' },
          { text: (f.size === undefined ? '?' : humanBytes(f.size)).padStart(7), role: 'accent' },
          { text: ` ${String(f.pid).padStart(8)}`, role: 'dim' },
        ]} />
      ))}
      {report !== undefined && reportRows > 0 ? (
        <>
          <Line segs={[{ text: `top of ${chosen.file}`, role: 'header' }]} width={width} />
          {body.slice(0, reportRows - 1).map((l, i) => (
            <Line key={`r${i}`} segs={[{ text: l, role: i === 0 ? 'dim' : 'text' }]} width={width} />
          ))}
        </>
      ) : null}
    </Box>
  );
}
