/**
 * deploy/systemd/airlock.service (docs/deployment.md "Single host with systemd"): the hardening the docs promise,
 * read from the parsed unit, and `systemd-analyze verify` accepting it without a single warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const unitPath = join(root, 'deploy', 'systemd', 'airlock.service');

/** [Section] Key=Value lines; a key may repeat (kept in order). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(\w+)\]$/.exec(line);
    if (head) {
      section = new Map();
      out.set(head[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(section && eq > 0, `unit line outside a section or without "=": ${line}`);
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

const unit = parseUnit(readFileSync(unitPath, 'utf8'));
const service = unit.get('Service')!;
const value = (key: string) => {
  const v = service.get(key);
  assert.ok(v, `[Service] ${key} is set`);
  return v.at(-1)!;
};

test('the service runs the gateway with the config file and reloads with SIGHUP', () => {
  assert.match(value('ExecStart'), /\bairlock\.js serve --config \/etc\/airlock\/airlock\.yaml$/);
  assert.equal(value('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(value('Restart'), 'on-failure');
  assert.equal(unit.get('Install')!.get('WantedBy')![0], 'multi-user.target');
});

test('hardening: a dynamic user, read-only system, no new privileges, writable store directory only', () => {
  assert.equal(value('DynamicUser'), 'yes');
  assert.equal(value('ProtectSystem'), 'strict');
  assert.equal(value('NoNewPrivileges'), 'yes');
  assert.equal(value('ProtectHome'), 'yes');
  assert.equal(value('PrivateTmp'), 'yes');
  assert.equal(value('CapabilityBoundingSet'), '', 'no capabilities');
  assert.equal(value('StateDirectory'), 'airlock');
  assert.deepEqual(value('ReadWritePaths').split(/\s+/), ['/var/lib/airlock'], 'the SQLite store directory is the one writable path');
  assert.equal(value('WorkingDirectory'), '/var/lib/airlock');
  assert.equal(value('UMask'), '0077');
});

test('systemd-analyze verify accepts the unit without a warning', () => {
  const r = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
  assert.notEqual(r.error?.message.includes('ENOENT'), true, 'systemd-analyze is installed (Debian package systemd)');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no warnings (unknown keys and bad values are only warnings)');
});
