import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditSchema } from '../../../src/config/schema/audit.ts';
import { Secret } from '../../../src/config/index.ts';

describe('audit config', () => {
  test('defaults', () => {
    const c = auditSchema.parse({});
    assert.equal(c.flush_interval, 1000);
    assert.equal(c.retention, 'forever');
    assert.equal(c.checkpoint_every, 1000);
    assert.deepEqual(c.sinks, []);
    assert.equal(c.writer, 'thread', 'read events are written off the request thread by default');
    assert.equal(auditSchema.parse({ writer: 'inline' }).writer, 'inline');
  });
  test('durations, sinks and secret headers', () => {
    const c = auditSchema.parse({
      retention: '90d',
      sinks: [{ type: 'stdout' }, { type: 'file', path: '/var/log/a.jsonl', keep: 3 }, { type: 'webhook', url: 'https://siem.example.com/in', headers: { Authorization: new Secret('Bearer x', 'test') } }],
    });
    assert.equal(c.retention, 90 * 86_400_000);
    assert.equal(c.sinks.length, 3);
    const wh = c.sinks[2]!;
    assert.equal(wh.type, 'webhook');
    if (wh.type === 'webhook') assert.equal(String(wh.headers.Authorization), '[redacted]');
  });
  test('refuses bad values with a path', () => {
    const bad: [unknown, string][] = [
      [{ retention: 30 }, 'retention'],
      [{ sinks: [{ type: 'syslog' }] }, 'sinks'],
      [{ sinks: [{ type: 'webhook', url: 'http://siem.example.com/in' }] }, 'sinks'],
      [{ sinks: [{ type: 'webhook', url: 'https://x.example.com', headers: { 'bad header': 'v' } }] }, 'sinks'],
      [{ sinks: [{ type: 'webhook', url: 'https://x.example.com', min_backoff: '1m', max_backoff: '1s' }] }, 'sinks'],
      [{ batch_size: 0 }, 'batch_size'],
      [{ writer: 'async' }, 'writer'],
      [{ writer: true }, 'writer'],
      [{ unknown_key: 1 }, ''],
    ];
    for (const [v, path] of bad) {
      const r = auditSchema.safeParse(v);
      assert.equal(r.success, false, JSON.stringify(v));
      if (path) assert.ok(r.error!.issues.some((i) => i.path[0] === path), JSON.stringify(r.error!.issues));
    }
  });
});
