// The signal menu (issue 5): each signal with what it would do to the target, filterable; y/n before one that
// ends or stops it. Decisions come from signalMenuModel; this only draws.
import { useRef } from 'react';
import { Box } from 'ink';
import { describeEffect, needsConfirmation, type MenuItem } from '../signalMenuModel.js';
import type { Role } from '../theme.js';
import { scrollTop } from '../treeRows.js';
import { Line, type Seg } from '../themeContext.js';

export interface MenuState {
  pid: number;
  tid?: number;
  comm: string;
  query: string;
  index: number;
  confirm: MenuItem | null;
}

function effectRole(item: MenuItem): Role {
  if (item.disposition === 'caught') return 'accent';
  if (item.disposition === 'ignored') return 'dim';
  return needsConfirmation(item) ? 'warn' : 'text';
}

export function SignalMenu({ state, items, width, height }: { state: MenuState; items: readonly MenuItem[]; width: number; height: number }) {
  const topRef = useRef(0);
  if (height <= 0) return null;
  const target = state.tid !== undefined ? `thread ${state.tid} of ${state.pid} ${state.comm}` : `${state.pid} ${state.comm}`;
  const head: Seg[][] = [
    [{ text: 'Send a signal to ', role: 'header' }, { text: target, role: 'title' }],
    [{ text: 'filter: ', role: 'key' }, { text: `${state.query}▏`, role: 'text' }, { text: '   type a name or number · ↑↓ · Enter sends · Esc closes', role: 'dim' }],
  ];
  const foot: Seg[][] = state.confirm
    ? [[{ text: `Send ${state.confirm.name} to ${target}? ${describeEffect(state.confirm)}.  y/n`, role: 'warn' }]]
    : [];
  const listH = Math.max(0, height - head.length - foot.length);
  const top = scrollTop(state.index, topRef.current, listH, items.length);
  topRef.current = top;
  const visible = items.slice(top, top + listH);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {head.slice(0, height).map((l, i) => <Line key={`h${i}`} segs={l} width={width} />)}
      {visible.length === 0 && listH > 0 ? <Line segs={[{ text: '  no signal matches', role: 'dim' }]} width={width} /> : null}
      {visible.map((item, i) => (
        <Line
          key={item.num}
          width={width}
          override={top + i === state.index ? 'selected' : undefined}
          segs={[
            { text: `${String(item.num).padStart(4)} `, role: 'dim' },
            { text: item.name.padEnd(13), role: 'text' },
            { text: describeEffect(item), role: effectRole(item) },
          ]}
        />
      ))}
      {height > head.length ? foot.map((l, i) => <Line key={`f${i}`} segs={l} width={width} />) : null}
    </Box>
  );
}
