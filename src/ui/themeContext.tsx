// Components take styles from the theme by role; this is the only path from a Theme to Ink props.
import { createContext, useContext, type ReactNode } from 'react';
import { Text } from 'ink';
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

/** Cut or pad segments to exactly `width` columns, so no line ever wraps (frame height stays exact). */
export function fitSegs(segs: readonly Seg[], width: number, padRole: Role = 'text'): Seg[] {
  const out: Seg[] = [];
  let used = 0;
  for (const s of segs) {
    if (used >= width) break;
    const room = width - used;
    const chars = [...s.text];
    if (chars.length <= room) {
      out.push(s);
      used += chars.length;
    } else {
      out.push({ text: room > 1 ? chars.slice(0, room - 1).join('') + '…' : chars.slice(0, room).join(''), role: s.role });
      used = width;
    }
  }
  if (used < width) out.push({ text: ' '.repeat(width - used), role: padRole });
  return out;
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
