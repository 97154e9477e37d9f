// The real binary in tmux at 80×24: what a person sees and types. Each test owns a private tmux server and ends
// it (and anything of its run that survived) in t.after, even when an assertion failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tmux } from './tmux.js';
import { fixture, pidAlive } from './helpers.js';

function appPids(tmux: Tmux, name: string): number[] {
  return tmux.processes().filter((pid) => {
    try {
      return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith(name);
    } catch {
      return false;
    }
  });
}

test('the example tree: children pids and the app output on screen; q leaves nothing alive', async (t) => {
  const tmux = Tmux.open(t, ['./examples/out/forktree']);
  const screen = await tmux.waitFor(/forktree-w2[\s\S]*root tick/, 15_000);
  const pids = appPids(tmux, 'forktree');
  assert.ok(pids.length >= 3, `root and two workers running: ${pids}`);
  for (const pid of pids) assert.match(screen, new RegExp(`\\b${pid}\\b`), `pid ${pid} on screen`);
  const rows = screen.replace(/\n$/, '').split('\n');
  assert.equal(rows.length, 24);
  assert.equal(rows[23].trim(), '', 'the frame stays within rows - 1 (the last row is free)');
  const all = tmux.processes();
  await tmux.quit();
  for (const pid of all) assert.equal(pidAlive(pid), false, `pid ${pid} still alive after q`);
});

test('a narrower window: the whole new frame and nothing of the old one (tmux re-wraps the old lines)', async (t) => {
  const tmux = Tmux.open(t, ['./examples/out/forktree']);
  await tmux.waitFor(/forktree-w2[\s\S]*root tick/, 15_000);
  tmux.resize(60, 24);
  await new Promise((r) => setTimeout(r, 1500));
  const rows = tmux.screen().replace(/\n$/, '').split('\n');
  assert.match(rows[0], /^perftop \.\/examples/);
  assert.equal(rows.filter((l) => /── app/.test(l)).length, 1, rows.join('\n'));
  assert.equal(rows.filter((l) => /^─+\s*$/.test(l)).length, 0, `no wrapped tail of an old rule:\n${rows.join('\n')}`);
  await tmux.quit();
});

test('SIGTERM to perftop from outside: it exits 143 and gives the terminal its main screen back', async (t) => {
  const tmux = Tmux.open(t, [fixture('sigdemo'), '60']);
  await tmux.waitFor(/sigdemo \d+ ready/, 15_000);
  assert.equal(tmux.altScreen(), true);
  process.kill(tmux.perftopPid(), 'SIGTERM');
  await tmux.waitFor(/\[perftop exited 143\]/, 10_000);
  assert.equal(tmux.altScreen(), false, 'back on the main screen');
});

test('binary garbage from the app stays in its pane: no xterm parse errors over the screen', async (t) => {
  const tmux = Tmux.open(t, ['/bin/sh', '-c', 'head -c 300000 /bin/ls; echo; echo after-the-garbage; sleep 60']);
  await tmux.waitFor(/after-the-garbage/, 15_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(tmux.withHistory(), /Parsing error|xterm\.js/);
  assert.match(tmux.screen().split('\n')[0], /^perftop /, 'the frame is in place');
  await tmux.quit();
});

test('help lists the keys; Enter expands threads by name', async (t) => {
  const tmux = Tmux.open(t, [fixture('tree3x4'), '30']);
  await tmux.waitFor(/tree3x4[\s\S]*tree3x4[\s\S]*tree3x4[\s\S]*tree3x4/, 15_000);
  tmux.keys('?');
  const help = await tmux.waitFor(/signal menu/);
  for (const k of ['quit', 'filter', 'type into the app', 'heap dump', 'perf record', 'expand']) assert.match(help, new RegExp(k));
  tmux.keys('Escape');
  tmux.keys('Down', 'Enter');
  const expanded = await tmux.waitFor(/w1-1[\s\S]*w1-4/);
  assert.match(expanded, /w1-2/);
  await tmux.quit();
});

test('filter, signal menu shows SIGUSR1 caught by on_usr1, Enter delivers it to the app', async (t) => {
  const tmux = Tmux.open(t, [fixture('sigdemo'), '60']);
  await tmux.waitFor(/sigdemo \d+ ready/, 15_000);
  tmux.keys('/');
  tmux.type('sigdemo');
  tmux.keys('Enter');
  tmux.keys('s');
  tmux.type('USR1');
  const menu = await tmux.waitFor(/SIGUSR1.*caught by on_usr1/);
  assert.match(menu, /SIGUSR1/);
  tmux.keys('Enter');
  await tmux.waitFor(/got SIGUSR1/);
  await tmux.quit();
});

test('the app exits: perftop stays with its status until q, then exits with it', async (t) => {
  const tmux = Tmux.open(t, [fixture('tree3x4'), '0.5']);
  await tmux.waitFor(/exited 3/, 15_000);
  await tmux.quit(3);
});

test('i types into the app through the PTY; Ctrl-] returns to perftop keys', async (t) => {
  const tmux = Tmux.open(t, ['cat']);
  await tmux.waitFor(/running[\s\S]*cat/, 15_000);
  tmux.keys('i');
  await tmux.waitFor(/typing \(Ctrl-\] returns\)/);
  tmux.type('hello perftop');
  tmux.keys('Enter');
  await tmux.waitFor(/hello perftop\s*\n\s*hello perftop/); // the tty's echo, then cat's copy
  tmux.keys('C-]');
  await tmux.waitFor(/i to type/);
  await tmux.quit();
});

test('p twice profiles the selected process; the files view shows the file and pprof\'s top entry', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'ptout-'));
  const tmux = new Tmux(80, 24);
  t.after(async () => {
    await tmux.close(); // perftop first, so nothing writes into --out while it goes
    rmSync(out, { recursive: true, force: true });
  });
  tmux.start(['--out', out, fixture('busy'), '30']);
  await tmux.waitFor(/ready \d+/, 15_000);
  tmux.keys('p');
  await tmux.waitFor(/CPU profile (started|on)/i, 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  tmux.keys('p');
  await tmux.waitFor(/CPU profile [\d.]+ ?[KM]?B → /, 10_000);
  const files = readdirSync(out);
  assert.equal(files.length, 1);
  assert.match(files[0], /^busy\.\d+\.0001\.cpu\.prof$/);
  tmux.keys('4');
  await tmux.waitFor(/burn_cpu/, 15_000);
  await tmux.quit();
});

test('--exit-with-app: perftop leaves with the app, with its status, without a key', async (t) => {
  const tmux = Tmux.open(t, ['--exit-with-app', fixture('tree3x4'), '0.5']);
  await tmux.waitFor(/\[perftop exited 3\]/, 15_000);
});
