// Themes: a raw palette plus semantic roles. Components ask for a role ("warn"), never a colour, so a theme file
// (built in or the user's) is the only place colours live. Custom JSON is validated here, once, at load.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROLES = [
  'text', 'title', 'header', 'columns', 'selected', 'accent', 'key', 'ok', 'info', 'warn', 'fatal', 'dim',
  'changed', 'border', 'spark', 'tabActive', 'tab',
] as const;
export type Role = (typeof ROLES)[number];

/** What a role resolves to: Ink <Text> props, colours already resolved through the palette. */
export interface RoleStyle {
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dimColor?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface Theme {
  name: string;
  /** Whether the app pane keeps the app's own colours (mono drops them: NO_COLOR means no colour at all). */
  appColors: boolean;
  roles: Record<Role, RoleStyle>;
}

// Ink colours through chalk, which knows these names; anything else must be "#rrggbb".
const NAMED = new Set([
  'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray', 'grey',
  'blackBright', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright',
  'whiteBright',
]);
const HEX = /^#[0-9a-fA-F]{6}$/;
const FLAGS = ['bold', 'dim', 'italic', 'underline', 'inverse'] as const;
const ROLE_KEYS = new Set<string>(['fg', 'bg', ...FLAGS]);

export const THEMES_DIR = fileURLToPath(new URL('../../themes/', import.meta.url));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate a parsed theme document; throws Error("<what is wrong>") naming the offending key. */
export function parseTheme(doc: unknown, fallbackName: string): Theme {
  if (!isObject(doc)) throw new Error('must be a JSON object');
  const name = doc.name === undefined ? fallbackName : doc.name;
  if (typeof name !== 'string' || !name) throw new Error('"name" must be a non-empty string');
  const palette = doc.palette ?? {};
  if (!isObject(palette)) throw new Error('"palette" must be an object of name: "#rrggbb"');
  for (const [k, v] of Object.entries(palette)) {
    if (typeof v !== 'string' || !(HEX.test(v) || NAMED.has(v))) {
      throw new Error(`palette "${k}" must be "#rrggbb" or a terminal colour name, not ${JSON.stringify(v)}`);
    }
  }
  const colour = (role: string, key: string, v: unknown): string => {
    if (typeof v !== 'string') throw new Error(`role "${role}".${key} must be a string`);
    const p = (palette as Record<string, string>)[v];
    if (p !== undefined) return p;
    if (HEX.test(v) || NAMED.has(v)) return v;
    throw new Error(`role "${role}".${key}: "${v}" is neither a palette entry nor a colour`);
  };
  if (!isObject(doc.roles)) throw new Error('"roles" must be an object');
  const rolesIn = doc.roles;
  const unknown = Object.keys(rolesIn).filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new Error(`unknown role "${unknown[0]}" (roles: ${ROLES.join(', ')})`);
  const roles = {} as Record<Role, RoleStyle>;
  for (const role of ROLES) {
    const r = rolesIn[role];
    if (r === undefined) throw new Error(`role "${role}" is missing`);
    if (!isObject(r)) throw new Error(`role "${role}" must be an object`);
    const bad = Object.keys(r).find((k) => !ROLE_KEYS.has(k));
    if (bad) throw new Error(`role "${role}": unknown key "${bad}" (fg, bg, ${FLAGS.join(', ')})`);
    const s: RoleStyle = {};
    if (r.fg !== undefined) s.color = colour(role, 'fg', r.fg);
    if (r.bg !== undefined) s.backgroundColor = colour(role, 'bg', r.bg);
    for (const f of FLAGS) {
      if (r[f] === undefined) continue;
      if (typeof r[f] !== 'boolean') throw new Error(`role "${role}".${f} must be true or false`);
      if (r[f]) {
        if (f === 'dim') s.dimColor = true;
        else s[f] = true;
      }
    }
    roles[role] = s;
  }
  const appColors = doc.appColors === undefined ? true : doc.appColors;
  if (typeof appColors !== 'boolean') throw new Error('"appColors" must be true or false');
  return { name, appColors, roles };
}

function readThemeFile(file: string, label: string): Theme {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`theme ${label}: cannot read ${file}${code ? ` (${code})` : ''}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`theme ${label}: ${file} is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return parseTheme(doc, path.basename(file, '.json'));
  } catch (e) {
    throw new Error(`theme ${label}: ${(e as Error).message}`);
  }
}

/**
 * A theme by name (a file in themes/) or by path (anything with a "/" or ending in .json). NO_COLOR (set and
 * non-empty, per no-color.org) forces mono whatever was asked. Throws an Error with a one-line message.
 */
export function loadTheme(nameOrPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Theme {
  if (env.NO_COLOR) return readThemeFile(path.join(THEMES_DIR, 'mono.json'), 'mono');
  const want = nameOrPath ?? 'default';
  if (want.includes('/') || want.endsWith('.json')) return readThemeFile(path.resolve(want), want);
  if (!/^[A-Za-z0-9_-]+$/.test(want)) throw new Error(`theme ${want}: not a theme name or a path`);
  const file = path.join(THEMES_DIR, `${want}.json`);
  try {
    return readThemeFile(file, want);
  } catch (e) {
    if ((e as Error).message.includes('cannot read')) {
      throw new Error(`theme ${want}: no such theme (built in: ${builtinThemes().join(', ')}; or give a path)`);
    }
    throw e;
  }
}

export function builtinThemes(): string[] {
  try {
    return readdirSync(THEMES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return ['default', 'light', 'mono'];
  }
}
