// One cleanup path: a perftop process that is told to stop by a signal still ends its app's tree and removes its
// session directory. Runs a real node child that launches a real tree, then SIGTERMs that child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAlive, procId, type ProcId } from '../../src/supervisor/procTree.js';
import { waitFor, within } from './helpers.js';

const SUPERVISOR = fileURLToPath(new URL('../../src/supervisor/index.ts', import.meta.url));
const FORKTREE = fileURLToPath(new URL('../../examples/out/forktree', import.meta.url));

const SCRIPT = `
import { createSessionDir, exitOnSignals, launch, sessionId } from ${JSON.stringify(SUPERVISOR)};
const s = createSessionDir(sessionId());
const tree = launch({ command: ${JSON.stringify(FORKTREE)}, args: ['--seconds', '20'], env: process.env,
  mode: 'pipe', sessionDir: s.dir });
exitOnSignals(() => tree.endTree());
const t = setInterval(() => {
  const app = tree.appPid();
  if (app) { clearInterval(t); process.stdout.write(JSON.stringify({ dir: s.dir, init: tree.initPid, app }) + '\\n'); }
}, 20);
`;

test('SIGTERM to perftop: the tree is ended and the session dir removed (exit 143)', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let info: { dir: string; init: number; app: number } | null = null;
  const ids: ProcId[] = [];
  t.after(() => {
    // if the test failed midway: end whatever is still ours, by pid
    for (const id of ids) if (isAlive(id)) process.kill(id.pid, 'SIGKILL');
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  info = await waitFor('child ready', () => (out.includes('\n') ? JSON.parse(out) : null), 10000);
  for (const pid of [info!.init, info!.app]) {
    const id = procId(pid);
    if (id) ids.push(id);
  }
  assert.ok(existsSync(info!.dir));
  child.kill('SIGTERM');
  assert.equal(await within(exited, 10000, 'perftop child exit'), 143);
  assert.ok(!existsSync(info!.dir), 'session dir removed');
  assert.deepEqual(ids.filter(isAlive).map((i) => i.pid), [], 'init and the app are gone');
});
