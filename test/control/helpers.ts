// Shared by test/control/*.test.ts: build what the tests run (shim, addon, fixtures, dist for bin/perftop), start
// a fixture with the shim preloaded in a private segment directory, a temporary --out directory; everything is
// removed (and every child ended by its own pid) in t.after, also when a test fails.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { shimPath } from '../../src/native/shimPath.js';
import { buildNative, ROOT, spawnOwned, TCMALLOC, until } from '../shared.js';

export { ROOT, TCMALLOC, until };

export const fixture = (name: string) => join(ROOT, 'test/fixtures/out', name);
export const SHIM = shimPath();

export function buildAll(): void {
  buildNative(['test/fixtures']);
}

export interface Box {
  session: string;
  shm: string;
  out: string;
}

/** A session id in perftop's form, a private segment directory and an --out directory (both not under the
 * names the leftover check looks for), removed after the test. */
export function box(t: TestContext): Box {
  const shm = mkdtempSync(join(tmpdir(), 'ptctl-shm-'));
  const out = mkdtempSync(join(tmpdir(), 'ptctl-out-'));
  t.after(() => {
    rmSync(shm, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });
  return { session: `${process.pid}x${randomBytes(3).toString('hex')}`, shm, out };
}

export interface Started {
  child: ChildProcess;
  pid: number;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a fixture with the shim (and `preload` after it) and waits for its "ready" line. */
export function start(t: TestContext, b: Box, name: string, args: string[], opts: { preload?: string[]; env?: Record<string, string> } = {}): Promise<Started> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LD_PRELOAD: [SHIM, ...(opts.preload ?? [])].join(':'),
    PERFTOP_SESSION: b.session,
    PERFTOP_SHM_DIR: b.shm,
    PERFTOP_CTL_DIR: b.shm,
    PERFTOP_OUT: b.out,
    ...opts.env,
  };
  const { child, exit } = spawnOwned(t, fixture(name), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready: ${out}`)), 10_000);
    const poll = setInterval(() => {
      if (/^ready /m.test(out)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, output: () => out, exit });
      }
    }, 10);
    void exit.then(() => {
      clearInterval(poll);
      clearTimeout(timer);
      if (!/^ready /m.test(out)) reject(new Error(`${name} exited early: ${out}`));
    });
  });
}


export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Can `perf record` run here at all (installed, matching the kernel, allowed by perf_event_paranoid)? */
export function perfUsable(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'ptctl-perf-'));
  try {
    execFileSync('perf', ['record', '-o', join(dir, 'probe.data'), '--', 'true'], { stdio: 'pipe', timeout: 20_000 });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return (e.stderr?.toString().trim().split('\n').pop() ?? e.message).slice(0, 200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
