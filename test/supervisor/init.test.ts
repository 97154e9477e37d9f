// native/out/perftop-init against real processes: clean signal state for the app, orphan reaping, status
// passthrough, exec failures, and endTree leaving nothing alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INIT_PATH } from '../../src/supervisor/paths.js';
import { descendants, isAlive, procId, type ProcId } from '../../src/supervisor/procTree.js';
import { exitCodeOf } from '../../src/supervisor/status.js';
import { EXAMPLES, FIXTURES, sigLines, startTree, waitFor, within } from './helpers.js';

const ZERO = '0000000000000000';

test('control: without init, the app inherits ignored signals and the mask (the wrapper works)', () => {
  const r = spawnSync(`${FIXTURES}with_sigs`, [`${FIXTURES}print_sigs`], { encoding: 'utf8', timeout: 5000 });
  const s = sigLines(r.stdout);
  assert.equal(s.SigIgn, '0000000000001800', 'SIGPIPE and SIGUSR2 ignored');
  assert.equal(s.SigBlk, '0000000000000200', 'SIGUSR1 blocked');
});

test('init resets every disposition and the mask, even when its own parent left them set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perftop-inittest-'));
  try {
    const r = spawnSync(
      `${FIXTURES}with_sigs`,
      [INIT_PATH, '--status', join(dir, 'st'), '--', `${FIXTURES}print_sigs`],
      { encoding: 'utf8', timeout: 5000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const s = sigLines(r.stdout);
    assert.deepEqual(s, { SigPnd: ZERO, SigBlk: ZERO, SigIgn: ZERO, SigCgt: ZERO });
    const lines = readFileSync(join(dir, 'st'), 'utf8').split('\n');
    assert.match(lines[0], /^start \d+$/);
    assert.match(lines[1], /^exit \d+ 0$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('launch (PTY): the app sees clean signal state although perftop\'s node ignores SIGPIPE', async (t) => {
  const { tree, output } = startTree(t, { command: `${FIXTURES}print_sigs`, args: [], mode: 'pty' });
  assert.equal(await within(tree.done, 5000, 'print_sigs'), 0);
  const s = sigLines(output().replace(/\r/g, ''));
  assert.deepEqual(s, { SigPnd: ZERO, SigBlk: ZERO, SigIgn: ZERO, SigCgt: ZERO });
  assert.deepEqual(tree.appExit(), { code: 0 });
});

test('orphans are reaped by init and their exits recorded', async (t) => {
  const { tree, output } = startTree(t, { command: `${FIXTURES}orphan`, args: ['300', '7'], mode: 'pty' });
  const gc = Number((await waitFor('grandchild line', () => /grandchild (\d+)/.exec(output())))[1]);
  const appExit = await within(new Promise((r) => tree.onAppExit(r)), 5000, 'app exit');
  assert.deepEqual(appExit, { code: 0 });
  assert.equal(await within(tree.done, 5000, 'init'), 0, 'init exits with the app status, after the orphan');
  assert.deepEqual(tree.exitOf(gc), { code: 7 }, 'the grandchild was reparented to init and reaped there');
  const lines = readFileSync(tree.statusPath, 'utf8').trim().split('\n');
  // start, the app, the grandchild (the app reaps its own child)
  assert.deepEqual(lines.slice(0, 2), [`start ${tree.appPid()}`, `exit ${tree.appPid()} 0`]);
  assert.equal(lines.length, 3, lines.join('|'));
  assert.equal(lines.at(-1), `exit ${gc} ${7 << 8}`, 'the orphan outlives the app');
});

test('exit status passthrough: a code', async (t) => {
  const { tree } = startTree(t, { command: `${FIXTURES}tree3x4`, args: ['0.3'], mode: 'pty' });
  assert.equal(await within(tree.done, 5000, 'tree3x4'), 3);
  assert.deepEqual(tree.appExit(), { code: 3 });
  const lines = readFileSync(tree.statusPath, 'utf8').trim().split('\n');
  assert.deepEqual(lines, [`start ${tree.appPid()}`, `exit ${tree.appPid()} ${3 << 8}`], 'the raw wait status');
});

test('exit status passthrough: a signal becomes 128+N', async (t) => {
  const { tree } = startTree(t, { command: '/bin/sh', args: ['-c', 'kill -USR1 $$'], mode: 'pty' });
  assert.equal(await within(tree.done, 5000, 'sh'), 138);
  assert.deepEqual(tree.appExit(), { signal: 'SIGUSR1' });
  assert.equal(exitCodeOf(tree.appExit()!), 138);
});

test('pipe mode (--json): same status passthrough, no PTY', async (t) => {
  const { tree } = startTree(t, { command: '/bin/sh', args: ['-c', 'exit 5'], mode: 'pipe' });
  assert.equal(await within(tree.done, 5000, 'sh'), 5);
  assert.deepEqual(tree.appExit(), { code: 5 });
  assert.ok(tree.appPid()! > 0);
});

test('command not found: one line from init, status 127', async (t) => {
  const { tree, output } = startTree(t, { command: 'perftop-no-such-command', args: [], mode: 'pty' });
  assert.equal(await within(tree.done, 5000, 'init'), 127);
  assert.match(output(), /^perftop: perftop-no-such-command: command not found\r?\n$/);
  assert.deepEqual(tree.appExit(), { code: 127 });
});

test('init forwards SIGTERM to the app\'s process group', async (t) => {
  const { tree, output } = startTree(t, { command: `${FIXTURES}sigdemo`, args: ['8'], mode: 'pty' });
  await waitFor('sigdemo ready', () => output().includes('ready'));
  process.kill(tree.initPid, 'SIGTERM');
  assert.equal(await within(tree.done, 5000, 'sigdemo'), 0, 'sigdemo catches TERM and exits 0');
});

function aliveOf(ids: ProcId[]): number[] {
  return ids.filter(isAlive).map((i) => i.pid);
}

test('endTree ends a whole running tree (TERM is enough for forktree)', async (t) => {
  const { tree } = startTree(t, { command: `${EXAMPLES}forktree`, args: ['--seconds', '20'], mode: 'pty' });
  // root, 2 workers, the helper shell and its sleep
  const pids = await waitFor('forktree tree', () => {
    const d = descendants(tree.initPid);
    return d.length >= 5 ? d : null;
  });
  const ids = pids.map(procId).filter((x): x is ProcId => x !== null);
  const started = Date.now();
  await within(tree.endTree([tree.appPid()!]), 8000, 'endTree');
  assert.ok(Date.now() - started < 2500, 'no KILL was needed');
  assert.deepEqual(aliveOf(ids), []);
  assert.equal(await tree.done, 0, 'forktree shut down cleanly');
  assert.equal(procId(tree.initPid), null, 'init is gone too');
});

test('endTree KILLs what ignores TERM after the grace period', async (t) => {
  const { tree } = startTree(t, {
    command: '/bin/sh',
    args: ['-c', "trap '' TERM; sleep 9 & sleep 9 & wait"],
    mode: 'pty',
  });
  const pids = await waitFor('sh and two sleeps', () => {
    const d = descendants(tree.initPid);
    return d.length >= 3 ? d : null;
  });
  const ids = pids.map(procId).filter((x): x is ProcId => x !== null);
  const started = Date.now();
  await within(tree.endTree(pids), 9000, 'endTree');
  const took = Date.now() - started;
  assert.ok(took >= 2900 && took < 6000, `took ${took} ms`);
  assert.deepEqual(aliveOf(ids), []);
  assert.equal(await tree.done, 137, 'the app died of SIGKILL');
  assert.deepEqual(tree.appExit(), { signal: 'SIGKILL' });
});

test('Ctrl-C typed into the PTY reaches the app: its group is the terminal\'s foreground', async (t) => {
  const { tree, output } = startTree(t, { command: `${EXAMPLES}forktree`, args: ['--seconds', '20'], mode: 'pty' });
  await waitFor('forktree banner', () => output().includes('helper sh pid'));
  tree.write('\x03');
  assert.equal(await within(tree.done, 8000, 'forktree after ^C'), 0);
  assert.match(output(), /stopped cleanly/);
});

test('LD_PRELOAD reaches the app but not init itself', async (t) => {
  const lib = ['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/aarch64-linux-gnu/libdl.so.2'].find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
  if (!lib) return t.skip('no libdl.so.2 to preload');
  const { tree, output } = startTree(t, {
    command: '/bin/sh',
    args: ['-c', 'echo "P=$LD_PRELOAD"; grep -c libdl /proc/$$/maps; sleep 5'],
    env: { ...process.env, LD_PRELOAD: lib },
    mode: 'pty',
  });
  await waitFor('app output', () => /P=.*\r?\n\d+/.test(output()));
  assert.match(output(), new RegExp(`P=${lib}\\r?\\n[1-9]`));
  const initEnv = readFileSync(`/proc/${tree.initPid}/environ`, 'latin1').split('\0');
  assert.ok(!initEnv.some((e) => e.startsWith('LD_PRELOAD=')), 'init runs without the preload');
  assert.ok(!readFileSync(`/proc/${tree.initPid}/maps`, 'latin1').includes('libdl'), 'nor is it mapped in init');
  await tree.endTree();
});

test('pause() holds the PTY stream back until resume()', async (t) => {
  const { tree, output } = startTree(t, {
    command: '/bin/sh',
    args: ['-c', 'echo first; sleep 0.3; echo second; sleep 1; echo third'],
    mode: 'pty',
  });
  await waitFor('first line', () => output().includes('first'));
  tree.pause();
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(!output().includes('second'), 'nothing delivered while paused');
  tree.resume();
  await waitFor('second line after resume', () => output().includes('second'));
  tree.pause();
  assert.equal(await within(tree.done, 5000, 'sh'), 0);
  assert.match(output(), /third/, "the app's exit releases a paused stream: its last output is not lost");
});
