// --out DIR: where profiles go. Default ./perftop-YYYYmmdd-HHMMSS/ (the time perftop started), created 0700 the
// first time something is written there and never before: a run that profiles nothing leaves no directory.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultOutName } from './names.js';

export class OutDir {
  /** Absolute path (the shim needs absolute file names: the app may chdir). */
  readonly path: string;
  private made = false;
  /** This run made the directory (not a user's existing --out). */
  private created = false;
  private keep = false;

  constructor(out: string | null, startedAt: Date = new Date(), cwd: string = process.cwd()) {
    this.path = resolve(cwd, out ?? defaultOutName(startedAt));
  }

  /** Creates the directory (0700) if needed; returns its path or throws with a one-line reason. An existing
   * directory (a user's --out) keeps its mode. `keep`: the shim will write there on its own (--profile-* from
   * start), so releaseIfEmpty must never take it away. */
  ensure(keep = false): string {
    if (keep) this.keep = true;
    if (this.made) return this.path;
    if (!existsSync(this.path)) {
      try {
        mkdirs(this.path);
        this.created = true;
        chmodSync(this.path, 0o700); // mkdir's mode passes through the umask
      } catch (err) {
        throw new Error(`cannot create ${this.path}: ${(err as Error).message}`);
      }
    }
    if (!statSync(this.path).isDirectory()) throw new Error(`${this.path} is not a directory`);
    // The profilers write there from inside the app, where a failure is silent: say it here, in one line.
    try {
      accessSync(this.path, constants.W_OK | constants.X_OK);
    } catch {
      throw new Error(`${this.path} is not writable`);
    }
    this.made = true;
    return this.path;
  }

  /** Removes the directory again if this run created it and nothing has been written there (a failed request). */
  releaseIfEmpty(): void {
    if (!this.created || this.keep) return;
    try {
      rmdirSync(this.path); // fails, as it should, when anything is inside
      this.created = false;
      this.made = false;
    } catch {
      // not empty, or already gone: keep it
    }
  }

  get exists(): boolean {
    return this.made;
  }
}

/** mkdir -p, one level at a time (0700). Node 20's mkdirSync({recursive}) never returns for a path under /proc. */
function mkdirs(path: string): void {
  const parent = dirname(path);
  if (parent !== path && !existsSync(parent)) mkdirs(parent);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
