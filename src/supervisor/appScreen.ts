// The app's terminal, emulated by @xterm/headless: the PTY's bytes go in, styled rows come out for the UI's pane.
// Kept free of React; the UI reads it only through the AppScreen interface.
import xtermHeadless from '@xterm/headless';
import type { IBufferCell } from '@xterm/headless';
import type { AppScreen, ScreenLine, ScreenRun } from '../model/session.js';

const { Terminal } = xtermHeadless;

// xterm's default 16-colour palette, so palette indices map to the colours the user's terminal most likely uses.
const ANSI16 = [
  '#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5',
  '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff',
];

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Palette index (0..255) to "#rrggbb": 16 system colours, the 6×6×6 cube, then 24 greys (xterm's formulas). */
export function paletteHex(index: number): string {
  if (index < 16) return ANSI16[index] ?? '#ffffff';
  if (index < 232) {
    const i = index - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `#${hex2(level(Math.floor(i / 36)))}${hex2(level(Math.floor(i / 6) % 6))}${hex2(level(i % 6))}`;
  }
  const g = 8 + (index - 232) * 10;
  return `#${hex2(g)}${hex2(g)}${hex2(g)}`;
}

function rgbHex(value: number): string {
  return `#${value.toString(16).padStart(6, '0')}`;
}

function cellFg(cell: IBufferCell): string | undefined {
  if (cell.isFgDefault()) return undefined;
  return cell.isFgRGB() ? rgbHex(cell.getFgColor()) : paletteHex(cell.getFgColor());
}

function cellBg(cell: IBufferCell): string | undefined {
  if (cell.isBgDefault()) return undefined;
  return cell.isBgRGB() ? rgbHex(cell.getBgColor()) : paletteHex(cell.getBgColor());
}

type Style = Omit<ScreenRun, 'text'>;

function cellStyle(cell: IBufferCell): Style {
  const s: Style = {};
  const fg = cellFg(cell);
  const bg = cellBg(cell);
  if (fg) s.fg = fg;
  if (bg) s.bg = bg;
  if (cell.isBold()) s.bold = true;
  if (cell.isDim()) s.dim = true;
  if (cell.isItalic()) s.italic = true;
  if (cell.isUnderline()) s.underline = true;
  if (cell.isInverse()) s.inverse = true;
  return s;
}

function sameStyle(a: Style, b: Style): boolean {
  return a.fg === b.fg && a.bg === b.bg && !!a.bold === !!b.bold && !!a.dim === !!b.dim &&
    !!a.italic === !!b.italic && !!a.underline === !!b.underline && !!a.inverse === !!b.inverse;
}

function isPlain(s: Style): boolean {
  return !s.fg && !s.bg && !s.inverse && !s.underline;
}

export interface WritableAppScreen extends AppScreen {
  /** Feed PTY output; `done` runs once xterm has parsed it (use it to resume a paused PTY). */
  write(data: string, done?: () => void): void;
  /** Bytes handed to write() and not parsed yet: the caller pauses the PTY when this grows. */
  pendingBytes(): number;
  /** Called after resize() changed the grid: the caller resizes the PTY to match (the app gets SIGWINCH). */
  onResize(listener: (cols: number, rows: number) => void): () => void;
  dispose(): void;
}

export function createAppScreen(cols: number, rows: number): WritableAppScreen {
  // logLevel off: xterm reports bytes it cannot parse (binary output, ESC + a non-ASCII byte) with console.error,
  // which Ink's patched console prints above the frame: garbage belongs inside the pane, not over perftop.
  const term = new Terminal({ cols: Math.max(1, cols), rows: Math.max(1, rows), scrollback: 0, allowProposedApi: true, logLevel: 'off' });
  const listeners = new Set<() => void>();
  const resizeListeners = new Set<(cols: number, rows: number) => void>();
  let pending = 0;
  let disposed = false;

  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const sub = term.onWriteParsed(notify);

  function lines(): ScreenLine[] {
    const buf = term.buffer.active;
    const out: ScreenLine[] = [];
    const cell = buf.getNullCell();
    for (let y = 0; y < term.rows; y++) {
      const line = buf.getLine(buf.viewportY + y);
      const runs: ScreenRun[] = [];
      if (line) {
        let text = '';
        let style: Style = {};
        for (let x = 0; x < term.cols; x++) {
          if (!line.getCell(x, cell)) break;
          if (cell.getWidth() === 0) continue; // second half of a wide character
          const st = cellStyle(cell);
          const ch = cell.getChars() || ' ';
          if (text && !sameStyle(st, style)) {
            runs.push({ text, ...style });
            text = '';
          }
          if (!text) style = st;
          text += ch;
        }
        // Unstyled trailing blanks carry nothing; drop them so the pane can pad as it likes.
        if (text) {
          if (isPlain(style)) text = text.replace(/ +$/, '');
          if (text) runs.push({ text, ...style });
        }
      }
      out.push(runs);
    }
    return out;
  }

  return {
    get cols() {
      return term.cols;
    },
    get rows() {
      return term.rows;
    },
    lines,
    resize(c: number, r: number) {
      if (disposed) return;
      c = Math.max(1, Math.floor(c));
      r = Math.max(1, Math.floor(r));
      if (c === term.cols && r === term.rows) return;
      term.resize(c, r);
      for (const l of [...resizeListeners]) l(c, r);
      notify();
    },
    onChange(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    write(data: string, done?: () => void) {
      if (disposed) return;
      const n = Buffer.byteLength(data);
      pending += n;
      term.write(data, () => {
        pending -= n;
        done?.();
      });
    },
    pendingBytes: () => pending,
    onResize(listener: (cols: number, rows: number) => void) {
      resizeListeners.add(listener);
      return () => resizeListeners.delete(listener);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      listeners.clear();
      resizeListeners.clear();
      sub.dispose();
      term.dispose();
    },
  };
}
