// Entry point of the TUI: mounts <App> with Ink on the alternate screen and resolves once the user quit (the
// session's tree is gone), Ink unmounted and the terminal is back as it was.
import { render } from 'ink';
import type { Session } from '../model/session.js';
import { App } from './components/App.js';
import type { Theme } from './theme.js';

export interface TuiOptions {
  theme: Theme;
  exitWithApp: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

const ALT_ON = '\x1b[?1049h\x1b[H';
const ALT_OFF = '\x1b[?1049l';

export async function runTui(session: Session, opts: TuiOptions): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  // The alternate screen keeps the user's scrollback intact and gives it back on exit.
  const alt = !!stdout.isTTY;
  if (alt) stdout.write(ALT_ON);
  // A SIGTERM/INT/HUP from outside ends perftop through process.exit (after the tree is ended), not through the
  // finally below: the terminal must get its main screen back on that path too.
  const leaveAlt = () => stdout.write(ALT_OFF);
  if (alt) process.once('exit', leaveAlt);
  const instance = render(<App session={session} theme={opts.theme} exitWithApp={opts.exitWithApp} ownsScreen={alt} />, {
    stdout,
    stdin,
    exitOnCtrlC: false, // Ctrl-C is ours: quit outside input mode, the app's in it
    // Only changed lines are rewritten. ink is pinned to 6.6.0: 6.7 and 6.8 rewind one row too few per update
    // (every redraw lands a row lower; reproduced in tmux), and 7+ needs Node 22.
    incrementalRendering: true,
    patchConsole: true,
    maxFps: 30,
  });
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    if (alt) {
      process.off('exit', leaveAlt);
      stdout.write(ALT_OFF);
    }
  }
}
