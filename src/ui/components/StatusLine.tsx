// Bottom line: the filter being typed, the last action's result, or the latest event.
import type { SnapshotEvent } from '../../model/snapshot.js';
import { exitText } from '../format.js';
import { dispositionText } from '../signalsModel.js';
import type { Role } from '../theme.js';
import { Line, type Seg } from '../themeContext.js';

export interface Status {
  text: string;
  role: Role;
}

export function eventText(e: SnapshotEvent): string {
  const who = `${e.pid}${e.comm ? ` ${e.comm}` : ''}`;
  switch (e.kind) {
    case 'spawn': return `spawn ${who}`;
    case 'exec': return `exec ${who}${e.argv ? `: ${e.argv.join(' ')}` : ''}`;
    case 'exit': return `exit ${who}${e.exit ? ` (${exitText(e.exit)})` : ''}`;
    case 'disposition': return `${who}: ${dispositionText(e)}`;
    case 'hazard': return `${e.severity ?? 'warn'} ${who}: ${e.message ?? e.hazard ?? ''}`;
    case 'dump': return `dump ${who}: ${e.file ?? '?'}${e.size !== undefined ? ` (${e.size} bytes)` : ''}`;
    case 'signal': return `${e.signal ?? 'signal'} → ${who}${e.message ? `: ${e.message}` : ''}`;
    case 'error': return `error ${who}: ${e.message ?? ''}`;
    default: return `${e.kind} ${who}`;
  }
}

export function StatusLine({ width, filterEditing, filter, status, lastEvent }: {
  width: number; filterEditing: boolean; filter: string; status: Status | null; lastEvent: SnapshotEvent | undefined;
}) {
  let segs: Seg[];
  if (filterEditing) {
    segs = [{ text: 'filter: ', role: 'key' }, { text: `${filter}▏`, role: 'text' }, { text: '  Enter keeps  Esc clears', role: 'dim' }];
  } else if (status) {
    segs = [{ text: status.text, role: status.role }];
  } else if (lastEvent) {
    const role: Role = lastEvent.kind === 'error' || lastEvent.severity === 'fatal' ? 'fatal' : lastEvent.kind === 'hazard' ? 'warn' : 'dim';
    segs = [{ text: eventText(lastEvent), role }];
  } else {
    segs = [{ text: 'press ? for help', role: 'dim' }];
  }
  return <Line segs={segs} width={width} />;
}
