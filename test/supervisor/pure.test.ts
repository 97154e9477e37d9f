// The supervisor's pure parts and small fs edges: status-file parsing, wait statuses, the shim environment,
// session ids and directories, command lookup, /proc stat fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeOf, exitInfoFromWaitStatus, parseStatusLines, StatusFile } from '../../src/supervisor/status.js';
import { shimEnv } from '../../src/supervisor/env.js';
import { collectStaleSessionDirs, createSessionDir, sessionId, SESSION_ID_RE } from '../../src/supervisor/session.js';
import { resolveCommand } from '../../src/supervisor/resolve.js';

test('collectStaleSessionDirs: only dirs of dead perftops, only real dirs named like a session', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ptstale-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const n of ['perftop-111xabcdef', 'perftop-222xabcdef', 'perftop-notasession', 'other-333xabcdef']) {
    mkdirSync(join(root, n));
    writeFileSync(join(root, n, 'init.status'), 'start 1\n');
  }
  writeFileSync(join(root, 'perftop-444xabcdef'), 'a file, not a session dir');
  const removed = collectStaleSessionDirs(root, (pid) => pid === 222);
  assert.deepEqual(removed, [join(root, 'perftop-111xabcdef')]);
  assert.deepEqual(readdirSync(root).sort(), ['other-333xabcdef', 'perftop-222xabcdef', 'perftop-444xabcdef', 'perftop-notasession']);
});

test('parseStatusLines: start, exits, a partial last line, garbage', () => {
  const p = parseStatusLines('start 4242\nexit 4243 0\nexit 4242 768\nbogus line\nexit 42');
  assert.equal(p.app, 4242);
  assert.deepEqual(p.exits, [{ pid: 4243, wstatus: 0 }, { pid: 4242, wstatus: 768 }]);
  assert.equal(p.rest, 'exit 42');
  assert.deepEqual(p.bad, ['bogus line']);
  assert.deepEqual(parseStatusLines(''), { app: null, exits: [], rest: '', bad: [] });
  assert.equal(parseStatusLines('start 1').app, null, 'no newline yet: not a line');
});

test('exitInfoFromWaitStatus: codes, signals (core bit ignored), stops', () => {
  assert.deepEqual(exitInfoFromWaitStatus(0), { code: 0 });
  assert.deepEqual(exitInfoFromWaitStatus(3 << 8), { code: 3 });
  assert.deepEqual(exitInfoFromWaitStatus(255 << 8), { code: 255 });
  assert.deepEqual(exitInfoFromWaitStatus(9), { signal: 'SIGKILL' });
  assert.deepEqual(exitInfoFromWaitStatus(0x80 | 11), { signal: 'SIGSEGV' }, 'core dumped');
  assert.deepEqual(exitInfoFromWaitStatus(27), { signal: 'SIGPROF' });
  assert.deepEqual(exitInfoFromWaitStatus(34), { signal: 'SIGRTMIN+2' }, 'kernel real-time names');
  assert.deepEqual(exitInfoFromWaitStatus((19 << 8) | 0x7f), {}, 'stopped is not an exit');
});

test('exitCodeOf: shell-style statuses', () => {
  assert.equal(exitCodeOf({ code: 0 }), 0);
  assert.equal(exitCodeOf({ code: 3 }), 3);
  assert.equal(exitCodeOf({ signal: 'SIGTERM' }), 143);
  assert.equal(exitCodeOf({ signal: 'SIGPROF' }), 155, 'FIELD.md §1: Profiling timer expired');
  assert.equal(exitCodeOf({}), 1);
});

test('StatusFile reads incrementally and keeps a half-written line for later', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perftop-statustest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'init.status');
  const f = new StatusFile(path);
  t.after(() => f.close());
  assert.equal(f.refresh(), false, 'missing file is not an error');
  writeFileSync(path, 'start 10\nexit 11 25');
  assert.equal(f.refresh(), true);
  assert.equal(f.appPid(), 10);
  assert.equal(f.exitOf(11), undefined, 'the half line is not read as status 25');
  appendFileSync(path, '6\nexit 10 0\n');
  assert.equal(f.refresh(), true);
  assert.deepEqual(f.exitOf(11), { code: 1 }, '256 = exit 1');
  assert.deepEqual(f.exitOf(10), { code: 0 });
  assert.equal(f.refresh(), false, 'nothing new');
  appendFileSync(path, 'exit 11 15\n');
  f.refresh();
  assert.deepEqual(f.exitOf(11), { signal: 'SIGTERM' }, 'a reused pid: the newest line wins');
});

test('shimEnv: our shim first, the user\'s preloads kept, the shim\'s variables set', () => {
  const base = { PATH: '/bin', LD_PRELOAD: '/u/a.so /u/b.so:/opt/libperftop.so', PERFTOP_ALLOC_MATCH: 'outer*' };
  const env = shimEnv({ session: '1x00aabb', shimPath: '/opt/libperftop.so', allocMatch: 'work*' }, base);
  assert.equal(env.LD_PRELOAD, '/opt/libperftop.so:/u/a.so:/u/b.so');
  assert.equal(env.PERFTOP_SESSION, '1x00aabb');
  assert.equal(env.PERFTOP_SHM_DIR, '/dev/shm');
  assert.equal(env.PERFTOP_ALLOC_MATCH, 'work*');
  assert.equal(env.PATH, '/bin');
  assert.equal(base.LD_PRELOAD, '/u/a.so /u/b.so:/opt/libperftop.so', 'base untouched');

  const all = shimEnv({ session: 's', shimPath: '/x/libperftop.so', shmDir: '/tmp/shm' }, base);
  assert.equal(all.PERFTOP_ALLOC_MATCH, undefined, 'no match: count all, the outer run\'s match is dropped');
  assert.equal(all.PERFTOP_SHM_DIR, '/tmp/shm');

  assert.equal(shimEnv({ session: 's', shimPath: '/x.so' }, { PATH: '/bin' }).LD_PRELOAD, '/x.so');
  const none = shimEnv({ session: 's', shimPath: null }, { LD_PRELOAD: '/u/a.so' });
  assert.equal(none.LD_PRELOAD, '/u/a.so', 'no shim: the user\'s preload alone');
});

test('sessionId: <pid>x<6 hex>, different each time', () => {
  const a = sessionId();
  assert.match(a, /^\d+x[0-9a-f]{6}$/);
  assert.ok(a.startsWith(`${process.pid}x`));
  assert.ok(SESSION_ID_RE.test(sessionId(7)));
  const many = new Set(Array.from({ length: 50 }, () => sessionId()));
  assert.ok(many.size > 45);
});

test('createSessionDir: 0700, exclusive, removed once', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'perftop-sessiontest-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const id = sessionId();
  const s = createSessionDir(id, root);
  assert.equal(s.dir, join(root, `perftop-${id}`));
  assert.equal(statSync(s.dir).mode & 0o777, 0o700);
  assert.throws(() => createSessionDir(id, root), /EEXIST/);
  writeFileSync(join(s.dir, 'init.status'), 'start 1\n');
  s.remove();
  s.remove();
  assert.throws(() => statSync(s.dir), /ENOENT/);
  assert.throws(() => createSessionDir('../etc', root), /bad session id/);
});

test('resolveCommand: PATH lookup, paths, not found (127), permission denied (126)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perftop-resolvetest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'noexec'));
  writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'tool'), 0o755);
  writeFileSync(join(dir, 'noexec', 'tool'), '');
  writeFileSync(join(dir, 'noexec', 'plain'), '');
  chmodSync(join(dir, 'noexec', 'plain'), 0o644);
  chmodSync(join(dir, 'noexec', 'tool'), 0o644);

  assert.deepEqual(resolveCommand('tool', `${dir}/noexec:${dir}/bin`), { ok: true, path: `${dir}/bin/tool` });
  assert.deepEqual(resolveCommand('sh', '/nonexistent:/bin'), { ok: true, path: '/bin/sh' });
  assert.deepEqual(resolveCommand('tool', ':', join(dir, 'bin')), { ok: true, path: `${dir}/bin/tool` }, 'empty entry = cwd');
  assert.deepEqual(resolveCommand('./bin/tool', '', dir), { ok: true, path: `${dir}/bin/tool` });
  assert.deepEqual(resolveCommand('nope', `${dir}/bin`), { ok: false, exitCode: 127, message: 'nope: command not found' });
  assert.deepEqual(resolveCommand('plain', `${dir}/noexec`), { ok: false, exitCode: 126, message: 'plain: permission denied' });
  assert.deepEqual(resolveCommand('./noexec/plain', '', dir), { ok: false, exitCode: 126, message: './noexec/plain: permission denied' });
  assert.deepEqual(resolveCommand('./bin', '', dir), { ok: false, exitCode: 126, message: './bin: is a directory' });
  assert.deepEqual(resolveCommand('./missing', '', dir), { ok: false, exitCode: 127, message: './missing: no such file or directory' });
});

