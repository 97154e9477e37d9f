// Every key, generated from the bindings table (keys.ts), so help and behaviour cannot disagree.
import { Box } from 'ink';
import { helpEntries } from '../keys.js';
import { Line } from '../themeContext.js';

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  if (height <= 0) return null;
  const entries = helpEntries();
  const keyW = Math.min(30, Math.max(...entries.map((e) => e.keys.join(' ').length)) + 2);
  const body = entries.slice(0, Math.max(0, height - 2));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: 'Keys', role: 'header' }, { text: '   any key closes this help', role: 'dim' }]} width={width} />
      {height > 1 ? <Line segs={[{ text: '', role: 'text' }]} width={width} /> : null}
      {body.map((e, i) => (
        <Line key={i} width={width} segs={[{ text: `  ${e.keys.join(' ')}`.padEnd(keyW + 2), role: 'key' }, { text: e.what, role: 'text' }]} />
      ))}
    </Box>
  );
}
