// Every key, generated from the bindings table (keys.ts), so help and behaviour cannot disagree.
import { Box } from 'ink';
import { helpEntries } from '../keys.js';
import { Line } from '../themeContext.js';

/** `top`: the first entry shown, when the help is taller than the screen (↑↓ scroll it, App.tsx). */
export function HelpOverlay({ width, height, top = 0 }: { width: number; height: number; top?: number }) {
  if (height <= 0) return null;
  const entries = helpEntries();
  const keyW = Math.min(30, Math.max(...entries.map((e) => e.keys.join(' ').length)) + 2);
  const room = Math.max(0, height - 2);
  const first = Math.max(0, Math.min(top, entries.length - room));
  const body = entries.slice(first, first + room);
  const more = entries.length > room;
  const hint = more ? `   ↑↓ more (${first + body.length}/${entries.length}) · any other key closes` : '   any key closes this help';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Line segs={[{ text: 'Keys', role: 'header' }, { text: hint, role: 'dim' }]} width={width} />
      {height > 1 ? <Line segs={[{ text: '', role: 'text' }]} width={width} /> : null}
      {body.map((e, i) => (
        <Line key={i} width={width} segs={[{ text: `  ${e.keys.join(' ')}`.padEnd(keyW + 2), role: 'key' }, { text: e.what, role: 'text' }]} />
      ))}
    </Box>
  );
}
