// Finds the command before anything is drawn, so a typo fails in one line with the shell's statuses (127 not found,
// 126 found but not executable) instead of a blank TUI. Follows execvp's rules: a name with '/' is a path (relative
// to cwd), otherwise each PATH entry is tried in order, an empty entry meaning the current directory.
import { accessSync, constants, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

export type Resolved = { ok: true; path: string } | { ok: false; exitCode: 126 | 127; message: string };

function check(path: string): 'ok' | 'missing' | 'denied' | 'directory' {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'directory';
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'denied';
  }
}

export function resolveCommand(cmd: string, PATH: string | undefined = process.env.PATH, cwd = process.cwd()): Resolved {
  const fail = (exitCode: 126 | 127, why: string): Resolved => ({ ok: false, exitCode, message: `${cmd}: ${why}` });
  if (cmd === '') return fail(127, 'command not found');
  if (cmd.includes('/')) {
    const path = resolvePath(cwd, cmd);
    const r = check(path);
    if (r === 'ok') return { ok: true, path };
    if (r === 'directory') return fail(126, 'is a directory'); // as bash says
    return r === 'missing' ? fail(127, 'no such file or directory') : fail(126, 'permission denied');
  }
  let denied = false;
  for (const dir of (PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const path = resolvePath(cwd, dir === '' ? '.' : dir, cmd);
    const r = check(path);
    if (r === 'ok') return { ok: true, path };
    if (r === 'denied' || r === 'directory') denied = true;
  }
  // execvp, too, reports EACCES when it found the name only in places it could not execute
  return denied ? fail(126, 'permission denied') : fail(127, 'command not found');
}
