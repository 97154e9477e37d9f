// Key bindings as data. One parser turns a raw stdin sequence into a KeyEvent (keeping the raw bytes so input
// mode can forward them untouched); components ask `matches(Command.X, key)` instead of comparing characters.
// DESIGN.md "Keys" is the contract; the help overlay is generated from BINDINGS so the two cannot drift.

export interface KeyEvent {
  /** 'up' 'down' 'left' 'right' 'pageup' 'pagedown' 'home' 'end' 'return' 'escape' 'tab' 'backtab' 'backspace'
   *  'delete' 'insert' 'f1'..'f12', or the character itself for printable keys (and for Ctrl-letter: 'a'..'z'). */
  name: string;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
  /** Printable text the key types ('' for control keys). */
  text: string;
  /** The bytes as they arrived. */
  raw: string;
}

const CSI_TILDE: Record<string, string> = {
  '1': 'home', '2': 'insert', '3': 'delete', '4': 'end', '5': 'pageup', '6': 'pagedown', '7': 'home', '8': 'end',
  '11': 'f1', '12': 'f2', '13': 'f3', '14': 'f4', '15': 'f5', '17': 'f6', '18': 'f7', '19': 'f8', '20': 'f9',
  '21': 'f10', '23': 'f11', '24': 'f12',
};
const CSI_LETTER: Record<string, string> = {
  A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'backtab', P: 'f1', Q: 'f2', R: 'f3', S: 'f4',
};

function ev(name: string, raw: string, mods: Partial<KeyEvent> = {}): KeyEvent {
  return { name, ctrl: false, meta: false, shift: false, text: '', raw, ...mods };
}

/** xterm modifier parameter: 1 + (shift 1 | alt 2 | ctrl 4). */
function modifiers(param: string | undefined): Partial<KeyEvent> {
  const m = Number(param ?? '1') - 1;
  if (!(m > 0)) return {};
  return { shift: !!(m & 1), meta: !!(m & 2), ctrl: !!(m & 4) };
}

/**
 * Splits one stdin chunk into single keys. Ink 6.6 hands its input listeners whole chunks, and a terminal (or
 * tmux send-keys, or a fast typist over SSH) often delivers several keys in one read: "\x1b[B\r" is Down, Enter.
 * Recognised: CSI sequences (ESC [ params final), SS3 (ESC O x), the Linux console's ESC [ [ x, ESC + one char
 * (Alt), a lone ESC, and single characters (a surrogate pair stays whole).
 */
export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    const c = chunk[i];
    if (c !== '\x1b') {
      const code = chunk.codePointAt(i)!;
      const len = code > 0xffff ? 2 : 1;
      keys.push(chunk.slice(i, i + len));
      i += len;
      continue;
    }
    const next = chunk[i + 1];
    if (next === undefined) {
      keys.push(c);
      i += 1;
    } else if (next === '[') {
      let j = i + 2;
      if (chunk[j] === '[') j += 2; // ESC [ [ A..E
      else {
        while (j < chunk.length && !(chunk.charCodeAt(j) >= 0x40 && chunk.charCodeAt(j) <= 0x7e)) j++;
        j += 1;
      }
      keys.push(chunk.slice(i, j));
      i = j;
    } else if (next === 'O' && i + 2 < chunk.length) {
      keys.push(chunk.slice(i, i + 3));
      i += 3;
    } else if (next === '\x1b') {
      keys.push(c);
      i += 1;
    } else {
      keys.push(chunk.slice(i, i + 2));
      i += 2;
    }
  }
  return keys;
}

/** One key from one raw sequence (see splitKeys). */
export function parseKey(raw: string): KeyEvent {
  if (raw === '\r' || raw === '\n') return ev('return', raw);
  if (raw === '\t') return ev('tab', raw);
  if (raw === '\x7f' || raw === '\b') return ev('backspace', raw);
  if (raw === '\x1b' || raw === '\x1b\x1b') return ev('escape', raw);
  if (raw === ' ') return ev(' ', raw, { text: ' ' });
  let m = /^\x1b\[\[([A-E])$/.exec(raw); // Linux console F1..F5
  if (m) return ev(`f${m[1].charCodeAt(0) - 64}`, raw);
  m = /^\x1b\[(\d+)(?:;(\d+))?~$/.exec(raw);
  if (m && CSI_TILDE[m[1]]) return ev(CSI_TILDE[m[1]], raw, modifiers(m[2]));
  m = /^\x1b\[(?:1;)?(\d+)?([A-HPQRSZ])$/.exec(raw);
  if (m && CSI_LETTER[m[2]]) return ev(CSI_LETTER[m[2]], raw, { ...modifiers(m[1]), ...(m[2] === 'Z' ? { shift: true } : {}) });
  m = /^\x1bO([A-HPQRS])$/.exec(raw);
  if (m && CSI_LETTER[m[1]]) return ev(CSI_LETTER[m[1]], raw);
  if (raw.length === 1) {
    const c = raw.charCodeAt(0);
    if (c >= 1 && c <= 26) return ev(String.fromCharCode(c + 96), raw, { ctrl: true });
    if (c === 0) return ev(' ', raw, { ctrl: true });
    if (c >= 27 && c <= 31) return ev('\\]^_'.charAt(c - 28) || '[', raw, { ctrl: true });
  }
  if (raw.length === 2 && raw[0] === '\x1b') {
    const inner = parseKey(raw[1]);
    return { ...inner, meta: true, text: '', raw };
  }
  if (raw.startsWith('\x1b')) return ev('unknown', raw);
  // Printable (possibly a paste of several characters: the text is kept whole).
  const shift = raw.length === 1 && raw !== raw.toLowerCase();
  return ev(raw, raw, { text: raw, shift });
}

export enum Command {
  Up = 'up', Down = 'down', PageUp = 'pageUp', PageDown = 'pageDown', Home = 'home', End = 'end',
  Expand = 'expand', Collapse = 'collapse',
  NextView = 'nextView', PrevView = 'prevView', ViewProcesses = 'viewProcesses', ViewSignals = 'viewSignals',
  ViewAllocations = 'viewAllocations', ViewFiles = 'viewFiles',
  Filter = 'filter', Help = 'help', Sort = 'sort',
  HeapDump = 'heapDump', CpuProfile = 'cpuProfile', PerfRecord = 'perfRecord',
  SignalMenu = 'signalMenu', InputMode = 'inputMode', LeaveInput = 'leaveInput', Quit = 'quit',
  Cancel = 'cancel', Accept = 'accept', Yes = 'yes', No = 'no', Erase = 'erase',
}

export interface KeyMatcher {
  name: string;
  ctrl?: boolean;
}

/** Global and modal bindings. `ctrl` unset means "without Ctrl". */
export const BINDINGS: Record<Command, KeyMatcher[]> = {
  // DESIGN.md lists `k` both for moving up and for the signal menu; htop's habit (k = kill) wins, and a mis-hit
  // only opens a menu that Esc closes.
  [Command.Up]: [{ name: 'up' }],
  [Command.Down]: [{ name: 'down' }, { name: 'j' }],
  [Command.PageUp]: [{ name: 'pageup' }],
  [Command.PageDown]: [{ name: 'pagedown' }],
  [Command.Home]: [{ name: 'home' }],
  [Command.End]: [{ name: 'end' }],
  [Command.Expand]: [{ name: 'return' }, { name: 'right' }],
  [Command.Collapse]: [{ name: 'left' }],
  [Command.NextView]: [{ name: 'tab' }],
  [Command.PrevView]: [{ name: 'backtab' }],
  [Command.ViewProcesses]: [{ name: '1' }],
  [Command.ViewSignals]: [{ name: '2' }],
  [Command.ViewAllocations]: [{ name: '3' }],
  [Command.ViewFiles]: [{ name: '4' }],
  [Command.Filter]: [{ name: '/' }],
  [Command.Help]: [{ name: '?' }, { name: 'f1' }],
  [Command.Sort]: [{ name: 'o' }],
  [Command.HeapDump]: [{ name: 'd' }],
  [Command.CpuProfile]: [{ name: 'p' }],
  [Command.PerfRecord]: [{ name: 'P' }],
  [Command.SignalMenu]: [{ name: 's' }, { name: 'k' }, { name: 'f9' }],
  [Command.InputMode]: [{ name: 'i' }],
  [Command.LeaveInput]: [{ name: ']', ctrl: true }],
  [Command.Quit]: [{ name: 'q' }, { name: 'f10' }, { name: 'c', ctrl: true }],
  [Command.Cancel]: [{ name: 'escape' }],
  [Command.Accept]: [{ name: 'return' }],
  [Command.Yes]: [{ name: 'y' }, { name: 'Y' }],
  [Command.No]: [{ name: 'n' }, { name: 'N' }, { name: 'escape' }],
  [Command.Erase]: [{ name: 'backspace' }],
};

export function matches(command: Command, key: KeyEvent): boolean {
  return BINDINGS[command].some((m) => m.name === key.name && !!m.ctrl === key.ctrl && !key.meta);
}

const LABELS: Record<string, string> = {
  up: '↑', down: '↓', left: '←', right: '→', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home', end: 'End',
  return: 'Enter', escape: 'Esc', tab: 'Tab', backtab: 'S-Tab', backspace: 'Bksp',
};

export function keyLabel(m: KeyMatcher): string {
  const base = LABELS[m.name] ?? (/^f\d+$/.test(m.name) ? m.name.toUpperCase() : m.name);
  return m.ctrl ? `Ctrl-${base}` : base;
}

export interface HelpEntry {
  keys: string[];
  what: string;
}

/** The help overlay's content, in reading order; every global command appears once. */
export const HELP: Array<{ commands: Command[]; what: string }> = [
  { commands: [Command.Up, Command.Down, Command.PageUp, Command.PageDown, Command.Home, Command.End], what: 'move' },
  { commands: [Command.Expand], what: 'expand a process into its threads' },
  { commands: [Command.Collapse], what: 'collapse' },
  { commands: [Command.NextView, Command.PrevView, Command.ViewProcesses, Command.ViewSignals, Command.ViewAllocations, Command.ViewFiles],
    what: 'views: 1 processes, 2 signals, 3 allocations, 4 files' },
  { commands: [Command.Filter], what: 'filter by name, argv or pid (Esc clears)' },
  { commands: [Command.Sort], what: 'sort allocations: tree, live bytes, rate' },
  { commands: [Command.SignalMenu], what: 'signal menu (shows the disposition first)' },
  { commands: [Command.HeapDump], what: 'heap dump of the selected process' },
  { commands: [Command.CpuProfile], what: 'start/stop CPU profile (gperftools)' },
  { commands: [Command.PerfRecord], what: 'start/stop perf record' },
  { commands: [Command.InputMode], what: 'type into the app' },
  { commands: [Command.LeaveInput], what: 'leave typing mode' },
  { commands: [Command.Help], what: 'this help (any key closes)' },
  { commands: [Command.Quit], what: "quit (ends the app's tree: TERM, then KILL after 3 s)" },
];

export function helpEntries(): HelpEntry[] {
  return HELP.map((h) => ({ keys: h.commands.flatMap((c) => BINDINGS[c].map(keyLabel)), what: h.what }));
}
