// sendSignal on real children: pidfd for processes (a changed start time is refused), tgkill for threads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { before, test, type TestContext } from 'node:test';
import { loadAddon, sendSignal } from '../../src/native/index.js';
import { buildAll, runFixture, sandbox } from './helpers.js';

before(buildAll);

function sleeper(t: TestContext) {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  let done = false;
  const exit = once(child, 'exit').then(([code, signal]) => {
    done = true;
    return { code, signal };
  });
  t.after(() => {
    if (!done) process.kill(child.pid!, 'SIGKILL');
  });
  return { pid: child.pid!, exit };
}

function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

test('pidfdSendSignal reaches a live child; a wrong start time is refused; a reaped pid gives ESRCH', async (t) => {
  const c = sleeper(t);
  const wrong = sendSignal({ pid: c.pid, startTicks: startTicks(c.pid) + 1 }, 15);
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /could not send SIGTERM: .*start time changed.*\(ESRCH\)/);
  const res = sendSignal({ pid: c.pid, startTicks: startTicks(c.pid) }, 15);
  assert.deepEqual(res, { ok: true, message: `sent SIGTERM to ${c.pid}` });
  assert.deepEqual(await c.exit, { code: null, signal: 'SIGTERM' });
  const gone = sendSignal({ pid: c.pid }, 15);
  assert.equal(gone.ok, false);
  assert.match(gone.message, /pidfd_open\(\d+\): No such process \(ESRCH\)/);
  assert.throws(() => loadAddon().pidfdSendSignal(c.pid, 15), (e: NodeJS.ErrnoException) => e.code === 'ESRCH');
});

test('tgkill signals one thread of the group and refuses a tid of another group', async (t) => {
  const box = sandbox(t);
  const run = await runFixture(t, box, ['pairs', '10']);
  const other = sleeper(t);
  const wrong = sendSignal({ pid: run.pid, tid: other.pid }, 10);
  assert.equal(wrong.ok, false);
  assert.match(wrong.message, /tgkill\(\d+, \d+, 10\): No such process \(ESRCH\)/);
  const res = sendSignal({ pid: run.pid, tid: run.fields.t2 }, 10);
  assert.deepEqual(res, { ok: true, message: `sent SIGUSR1 to thread ${run.fields.t2} of ${run.pid}` });
  // no handler for SIGUSR1 in this mode: the default action ends the whole process
  assert.deepEqual(await run.finish(), { code: null, signal: 'SIGUSR1' });
});
