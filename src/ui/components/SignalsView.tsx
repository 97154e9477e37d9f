// Issue 5's signals view for the selected process: dispositions by kernel name, blocked-per-thread, pending,
// what changed since the previous snapshot, recent disposition events, and the process's hazards.
import { Box } from 'ink';
import type { ProcessInfo, SnapshotEvent } from '../../model/snapshot.js';
import { blockedText, dispositionLines, inheritedDispositions, pendingText, signalSummary, type SignalMark } from '../signalsModel.js';
import type { Role } from '../theme.js';
import { Line, type Seg } from '../themeContext.js';

const LABEL = 10;

/** Flow tokens into lines of `width`, each line after the first indented under the label. */
function flow(label: string, tokens: Seg[], width: number): Seg[][] {
  const lines: Seg[][] = [];
  let cur: Seg[] = [{ text: label.padEnd(LABEL), role: 'header' }];
  let used = LABEL;
  if (tokens.length === 0) return [[...cur, { text: '—', role: 'dim' }]];
  for (const t of tokens) {
    if (used > LABEL && used + t.text.length + 1 > width) {
      lines.push(cur);
      cur = [{ text: ' '.repeat(LABEL), role: 'text' }];
      used = LABEL;
    }
    if (used > LABEL) {
      cur.push({ text: ' ', role: 'text' });
      used++;
    }
    cur.push(t);
    used += t.text.length;
  }
  lines.push(cur);
  return lines;
}

/** Split text at spaces into pieces of at most `width` columns (a longer word is cut by the line itself). */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) out.push(cur);
  return out;
}

const markSeg = (m: SignalMark, role: Role): Seg => ({ text: m.changed ? `${m.name}*` : m.name, role: m.changed ? 'changed' : role });

export function signalViewLines(p: ProcessInfo | undefined, prev: ProcessInfo | undefined,
  events: readonly SnapshotEvent[], width: number, processes: readonly ProcessInfo[] = []): Seg[][] {
  if (!p) return [[{ text: 'No process selected.', role: 'dim' }]];
  const s = signalSummary(p, prev);
  const lines: Seg[][] = [];
  lines.push([
    { text: `${p.pid} ${p.comm}`, role: 'title' },
    { text: p.threads.length ? `  ${p.threads.length} thread${p.threads.length === 1 ? '' : 's'}` : '', role: 'dim' },
    { text: '   ↑↓ other process  * changed since last tick', role: 'dim' },
  ]);
  lines.push(...flow('caught', s.caught.map((m) => markSeg(m, 'accent')), width));
  lines.push(...flow('ignored', s.ignored.map((m) => markSeg(m, 'text')), width));
  lines.push(...flow('pending', s.pending.map((e) => ({ text: pendingText(e), role: 'warn' as Role })), width));
  if (s.blocked.length === 0) lines.push(...flow('blocked', [], width));
  s.blocked.forEach((b, i) => {
    lines.push([
      { text: (i === 0 ? 'blocked' : '').padEnd(LABEL), role: 'header' },
      { text: b.name, role: b.changed ? 'changed' : 'text' },
      { text: `  ${blockedText(b)}`, role: 'dim' },
    ]);
  });
  if (s.dropped.length) lines.push(...flow('changed', s.dropped.map((d) => ({ text: d, role: 'changed' as Role })), width));
  const disp = dispositionLines(events, p.pid, 8);
  lines.push([{ text: 'recent sigaction / timer / exec calls', role: 'header' }, { text: '  newest first', role: 'dim' }]);
  const inherited = disp.length ? null : inheritedDispositions(events, processes, p.pid, 8);
  if (inherited) {
    lines.push([{ text: `  none by this process: inherited across fork from ${inherited.from.pid} ${inherited.from.comm}`, role: 'dim' }]);
    for (const d of inherited.lines) lines.push([{ text: `  ${d}`, role: 'text' }]);
  } else if (!disp.length) {
    lines.push([{ text: '  none seen (recorded by the shim when the app calls sigaction/signal)', role: 'dim' }]);
  }
  for (const d of disp) lines.push([{ text: `  ${d}`, role: 'text' }]);
  if (p.hazards.length) {
    lines.push([{ text: 'hazards', role: 'header' }]);
    for (const h of p.hazards) {
      const role: Role = h.severity === 'fatal' ? 'fatal' : h.severity === 'warn' ? 'warn' : 'info';
      const head = `  ${h.severity.toUpperCase()} ${h.id}: `;
      if (head.length + h.message.length <= width) lines.push([{ text: head, role }, { text: h.message, role: 'text' }]);
      else {
        lines.push([{ text: head, role }]);
        for (const part of wrapWords(h.message, width - 4)) lines.push([{ text: `    ${part}`, role: 'text' }]);
      }
      if (h.fix) {
        wrapWords(h.fix, width - 9).forEach((part, i) =>
          lines.push([{ text: i === 0 ? '    fix: ' : '         ', role: 'accent' }, { text: part, role: 'text' }]));
      }
    }
  }
  return lines;
}

export function SignalsView({ lines, top, height, width }: { lines: Seg[][]; top: number; height: number; width: number }) {
  const room = Math.max(0, height);
  const more = lines.length - top > room;
  const shown = lines.slice(top, top + (more ? room - 1 : room));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((l, i) => (
        <Line key={i} segs={l} width={width} />
      ))}
      {more && room > 0 ? <Line segs={[{ text: `  … ${lines.length - top - shown.length} more lines (PgDn)`, role: 'dim' }]} width={width} /> : null}
    </Box>
  );
}
