// Profile files announced by `dump` events.
import { Box } from 'ink';
import { cell, humanBytes } from '../format.js';
import type { DumpFile } from '../store.js';
import { Line } from '../themeContext.js';

export function FilesView({ files, height, width }: { files: readonly DumpFile[]; height: number; width: number }) {
  if (height <= 0) return null;
  if (files.length === 0) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Line segs={[{ text: 'No profile files yet.', role: 'text' }]} width={width} />
        {height > 1 ? <Line segs={[{ text: 'Heap dumps (d), CPU profiles (p) and perf records (P) will be listed here.', role: 'dim' }]} width={width} /> : null}
      </Box>
    );
  }
  const nameW = Math.max(10, width - 24);
  const shown = files.slice(-(height - 1));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: `${cell('FILE', nameW)} ${'SIZE'.padStart(7)} ${'PID'.padStart(8)}`, role: 'columns' }]} width={width} override="columns" />
      {shown.map((f, i) => (
        <Line key={i} width={width} segs={[
          { text: `${cell(f.file, nameW)} `, role: 'text' },
          { text: (f.size === undefined ? '?' : humanBytes(f.size)).padStart(7), role: 'accent' },
          { text: ` ${String(f.pid).padStart(8)}`, role: 'dim' },
        ]} />
      ))}
    </Box>
  );
}
