// Components take styles from the theme by role; this is the only path from a Theme to Ink props.
import { createContext, useContext, type ReactNode } from 'react';
import { Text } from 'ink';
import stringWidth from 'string-width';
import type { Role, RoleStyle, Theme } from './theme.js';

export const ThemeContext = createContext<Theme | null>(null);

export function useTheme(): Theme {
  const t = useContext(ThemeContext);
  if (!t) throw new Error('ThemeContext missing: render inside <ThemeContext value={theme}>');
  return t;
}

export function useRole(role: Role): RoleStyle {
  return useTheme().roles[role];
}

/** A piece of text in a role. */
export function T({ role, children }: { role: Role; children?: ReactNode }) {
  const style = useRole(role);
  return <Text {...style}>{children}</Text>;
}

/** A run of text with a role, the unit rows are built from. */
export interface Seg {
  text: string;
  role: Role;
}

/** Control characters (C0, DEL, C1) as '?', as ps and htop show them: a process name, argv or thread name is the
 * app's (or, attached, anybody's) text and must never reach the terminal as an escape sequence or a line break. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const PLAIN = /^[\x20-\x7e]*$/;

/** At most `cols` terminal columns of `text` (CJK and emoji take 2, combining marks 0; a wide character that would
 * straddle the edge is left out), and the columns taken. Printable ASCII, nearly every row, takes the short way. */
function take(text: string, cols: number): { text: string; w: number } {
  if (PLAIN.test(text)) return text.length <= cols ? { text, w: text.length } : { text: text.slice(0, cols), w: cols };
  let out = '';
  let w = 0;
  for (const { segment } of graphemes.segment(text)) {
    const gw = stringWidth(segment);
    if (w + gw > cols) break;
    out += segment;
    w += gw;
  }
  return { text: out, w };
}

/** Cut or pad runs of text to exactly `width` terminal columns, so no line ever wraps (frame height stays exact):
 * control characters shown as '?', wide characters counted as 2, the cut marked with '…'. `pad` makes the filler. */
export function fitRuns<S extends { text: string }>(runs: readonly S[], width: number, pad: (text: string) => S): S[] {
  const out: S[] = [];
  let used = 0;
  for (const s of runs) {
    if (used >= width) break;
    const room = width - used;
    const text = PLAIN.test(s.text) ? s.text : printable(s.text);
    const whole = take(text, room);
    if (whole.text.length === text.length) {
      out.push(text === s.text ? s : { ...s, text });
      used += whole.w;
      continue;
    }
    // Cut to room - 1 columns and an ellipsis.
    const cut = room > 1 ? take(text, room - 1) : whole;
    out.push({ ...s, text: room > 1 ? `${cut.text}…` : cut.text });
    used += cut.w + (room > 1 ? 1 : 0);
    break;
  }
  if (used < width) out.push(pad(' '.repeat(width - used)));
  return out;
}

/** fitRuns for segments; the filler takes padRole. */
export function fitSegs(segs: readonly Seg[], width: number, padRole: Role = 'text'): Seg[] {
  return fitRuns(segs, width, (text) => ({ text, role: padRole }));
}

/** One screen line of segments, exactly `width` wide; `override` restyles the whole line (selection). */
export function Line({ segs, width, override }: { segs: readonly Seg[]; width: number; override?: Role }) {
  const theme = useTheme();
  const fitted = fitSegs(segs, width, override ?? 'text');
  return (
    <Text wrap="truncate">
      {fitted.map((s, i) => (
        <Text key={i} {...theme.roles[override ?? s.role]}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
