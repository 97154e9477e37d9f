// The files view with a session that reports: the list with sizes, the selected file's top entries, ↑↓ choose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proc, renderApp, snapshot, tick, TestSession, KEY } from '../component/harness.js';

test('files view: dump files, the newest one\'s report below, ↑ selects an older file and shows its report', async (t) => {
  const s = new TestSession({ first: snapshot(1, [proc({ pid: 1 })]) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('4');
  assert.match(r.frame(), /They go to \/tmp\/out-dir\//);
  s.push(snapshot(2, [proc({ pid: 1 })], [
    { t: Date.now(), pid: 1, kind: 'dump', file: '/o/app.1.0001.heap', size: 2048 },
    { t: Date.now(), pid: 1, kind: 'dump', file: '/o/app.1.0001.cpu.prof', size: 6382 },
  ]));
  await tick();
  await tick();
  const frame = r.frame();
  assert.match(frame, /app\.1\.0001\.heap\s+2\.0K\s+1/);
  assert.match(frame, /top of \/o\/app\.1\.0001\.cpu\.prof/);
  assert.match(frame, /97\.0%\s+burn_cpu \(\/o\/app\.1\.0001\.cpu\.prof\)/);
  await r.press(KEY.up);
  await tick();
  assert.match(r.frame(), /top of \/o\/app\.1\.0001\.heap/);
  assert.deepEqual(s.reportsAsked, ['/o/app.1.0001.cpu.prof', '/o/app.1.0001.heap']);
});
