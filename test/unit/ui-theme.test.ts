import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtinThemes, loadTheme, ROLES } from '../../src/ui/theme.js';

test('built-in themes load and define every role', () => {
  assert.deepEqual(builtinThemes(), ['default', 'light', 'mono']);
  for (const name of builtinThemes()) {
    const t = loadTheme(name, {});
    assert.equal(t.name, name);
    for (const r of ROLES) assert.ok(t.roles[r], `${name}.${r}`);
  }
  assert.equal(loadTheme(undefined, {}).name, 'default');
  assert.equal(loadTheme('default', {}).roles.warn.color, '#ffaf00'); // palette reference resolved
});

test('NO_COLOR forces mono whatever was asked; an empty NO_COLOR does not', () => {
  const t = loadTheme('light', { NO_COLOR: '1' });
  assert.equal(t.name, 'mono');
  assert.equal(t.appColors, false);
  for (const r of ROLES) {
    assert.equal(t.roles[r].color, undefined);
    assert.equal(t.roles[r].backgroundColor, undefined);
  }
  assert.equal(loadTheme('light', { NO_COLOR: '' }).name, 'light');
});

test('custom theme files are validated with one-line errors', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ui-theme-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = JSON.parse(JSON.stringify({ name: 'mine', palette: { a: '#112233' }, roles: Object.fromEntries(ROLES.map((r) => [r, { fg: 'a' }])) }));
  const write = (name: string, doc: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return f;
  };
  assert.equal(loadTheme(write('ok.json', base), {}).roles.fatal.color, '#112233');
  const bad: Array<[unknown, RegExp]> = [
    ['{ not json', /not valid JSON/],
    [{ ...base, palette: { a: 'chartreuse-ish' } }, /palette "a"/],
    [{ ...base, roles: { ...base.roles, warn: { fg: 'nope' } } }, /role "warn".fg: "nope"/],
    [{ ...base, roles: { ...base.roles, warn: undefined } }, /role "warn" is missing/],
    [{ ...base, roles: { ...base.roles, shiny: {} } }, /unknown role "shiny"/],
    [{ ...base, roles: { ...base.roles, dim: { bold: 'yes' } } }, /role "dim".bold must be true or false/],
    [[1, 2], /must be a JSON object/],
  ];
  bad.forEach(([doc, re], i) => {
    assert.throws(() => loadTheme(write(`bad${i}.json`, doc), {}), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
  });
  assert.throws(() => loadTheme('nosuchtheme', {}), /no such theme \(built in: default, light, mono/);
  assert.throws(() => loadTheme(path.join(dir, 'missing.json'), {}), /cannot read .*ENOENT/);
});
