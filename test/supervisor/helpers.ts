// Shared by the supervisor tests: a session dir and launched trees that are always cleaned up, even when a test
// fails (every tree is ended by pid through endTree; the directory is removed).
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSessionDir, sessionId } from '../../src/supervisor/session.js';
import { launch, type LaunchOptions, type RunningTree } from '../../src/supervisor/launch.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/out/', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../examples/out/', import.meta.url));

export function startTree(
  t: TestContext,
  opts: Omit<LaunchOptions, 'sessionDir' | 'env'> & { env?: LaunchOptions['env'] },
): { tree: RunningTree; output: () => string } {
  const s = createSessionDir(sessionId());
  let tree: RunningTree | undefined;
  let exited = false;
  t.after(async () => {
    try {
      if (tree && !exited) await tree.endTree();
    } finally {
      s.remove();
    }
  });
  tree = launch({ env: process.env, ...opts, sessionDir: s.dir });
  void tree.done.then(() => {
    exited = true;
  });
  let out = '';
  tree.onOutput((d) => {
    out += d;
  });
  return { tree, output: () => out };
}

export { until as waitFor } from '../shared.js';

/** Resolves the promise or fails after ms, so a broken tree fails the test instead of hanging it. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}

export function sigLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^(Sig\w+):\s+([0-9a-f]+)\s*$/gm)) out[m[1]] = m[2];
  return out;
}
