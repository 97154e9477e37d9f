// What several test folders need alike: the repository root, the native builds a test runs against, and a bounded
// wait for a condition. (npm test builds everything first; these make a single test file runnable on its own.)
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { TestContext } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4';

const built = new Set<string>();

/** make is incremental, so every test file's before hook may call this: the shim and init, the given fixture
 * directories (relative to the root), and the reader addon when it is missing. */
export function buildNative(fixtureDirs: string[]): void {
  const key = fixtureDirs.join('\0');
  if (built.has(key)) return;
  execFileSync('make', ['-s', '-C', join(ROOT, 'native'), 'out/libperftop.so', 'out/perftop-init'], { stdio: 'inherit' });
  for (const d of fixtureDirs) execFileSync('make', ['-s', '-C', join(ROOT, d)], { stdio: 'inherit' });
  if (!existsSync(join(ROOT, 'native/build/Release/perftop_reader.node')))
    execFileSync('npx', ['node-gyp', 'rebuild', '--directory=native'], { cwd: ROOT, stdio: 'inherit' });
  built.add(key);
}

/** Polls `fn` until it returns something truthy; throws "timed out waiting for <what>" after timeoutMs. */
export async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 5000, stepMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

/** Spawns a child the test owns: `exit` resolves with its status, and t.after SIGKILLs it by its own pid if it is
 * still running (a failed assertion must not leave it behind). */
export function spawnOwned(t: TestContext, file: string, args: string[], opts: SpawnOptions): { child: ChildProcess; exit: Promise<ExitStatus> } {
  const child = spawn(file, args, opts);
  let exited = false;
  const exit = new Promise<ExitStatus>((res) =>
    child.on('exit', (code, signal) => {
      exited = true;
      res({ code, signal });
    }),
  );
  t.after(() => {
    if (!exited && child.pid) process.kill(child.pid, 'SIGKILL');
  });
  return { child, exit };
}
