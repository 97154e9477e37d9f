// Shared by test/native/*.test.ts: build the shim, the addon and the fixtures once; run a fixture with the shim
// preloaded in a private segment directory; clean up (child killed by its own pid, directory removed) in t.after.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { shimPath } from '../../src/native/shimPath.js';
import { buildNative, ROOT, spawnOwned, TCMALLOC } from '../shared.js';

export { ROOT, TCMALLOC };

export const FIXTURE = join(ROOT, 'test/native/out/alloc_fixture');
export const DLSYM_ALLOC = join(ROOT, 'test/native/out/libdlsymalloc.so');
export const SHIM = shimPath();

/** make is incremental, so calling this from every test file's before hook costs little. */
export function buildAll(): void {
  buildNative(['test/native']);
}

export interface Sandbox {
  session: string;
  dir: string;
}

/** A fresh session id in perftop's form (<our pid>x<hex>) and a private segment directory, removed after the test. */
export function sandbox(t: TestContext): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'ptshm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { session: `${process.pid}x${randomBytes(3).toString('hex')}`, dir };
}

export interface Running {
  child: ChildProcess;
  pid: number;
  /** key=value pairs of the fixture's "ready" line. */
  fields: Record<string, number>;
  stderr: () => string;
  /** Close stdin and wait for the exit status. */
  finish(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunOptions {
  preload?: string[];
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Start the fixture with the shim preloaded and wait for its "ready" line. The child is killed (by its pid) after
 * the test if it is still running. */
export function runFixture(t: TestContext, box: Sandbox, args: string[], opts: RunOptions = {}): Promise<Running> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  env.LD_PRELOAD = (opts.preload ?? [SHIM]).join(':');
  env.PERFTOP_SESSION = box.session;
  env.PERFTOP_SHM_DIR = box.dir;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const { child, exit } = spawnOwned(t, FIXTURE, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fixture ${args.join(' ')} not ready; stderr: ${err}`)), opts.timeoutMs ?? 20000);
    exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`fixture ${args.join(' ')} exited early (${code ?? signal}); stderr: ${err}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^ready ?(.*)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const fields: Record<string, number> = {};
      for (const kv of m[1].trim().split(/\s+/).filter(Boolean)) {
        const [k, v] = kv.split('=');
        fields[k] = Number(v);
      }
      resolve({
        child,
        pid: child.pid!,
        fields,
        stderr: () => err,
        finish: () => {
          child.stdin!.end();
          return exit;
        },
      });
    });
  });
}

export function within(actual: number, expected: number, fraction: number): boolean {
  return Math.abs(actual - expected) <= expected * fraction;
}
