// MATCH for --profile-cpu / --profile-heap (and --alloc): a glob against the process name (comm) or the basename
// of argv[0], with fnmatch(3)'s rules without flags (*, ?, [...], [!...], backslash escapes), the same test the
// shim makes with fnmatch for descendants. perftop makes it itself only for the root, before the root exists.

/** fnmatch(glob, name, 0) for the subset above. Pure. */
export function globMatch(glob: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += escape(glob[++i]);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`${re}$`, 's').test(name);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** The kernel's comm for an exec of `path`: its basename, cut to 15 bytes. */
export function commOf(path: string): string {
  return Buffer.from(basename(path)).subarray(0, 15).toString();
}

/** Does MATCH select a process that execs `path` with argv[0] `argv0`? */
export function matchesImage(glob: string, path: string, argv0: string): boolean {
  return globMatch(glob, commOf(path)) || globMatch(glob, basename(argv0));
}
