import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { buildEvent, canonicalJson, GENESIS_HASH, linkHash, parseTimeFilter, formatRecords, type AuditRecord } from '../../../src/audit/index.ts';

describe('canonicalJson', () => {
  test('sorts keys at every level, drops undefined members, no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });
  test('is stable under key order and round-trips through JSON.parse (export/import re-canonicalizes)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalJson(v);
        assert.equal(canonicalJson(JSON.parse(c)), c);
      }),
      { numRuns: 200 },
    );
  });
  test('the JSON.stringify fast path (keys already sorted) gives exactly the sorted-key encoding', () => {
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : reference(x))).join(',')}]`;
      if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
      }
      return JSON.stringify(v);
    };
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const sortedCopy = JSON.parse(reference(v)); // insertion order = sorted order: the fast path
        assert.equal(canonicalJson(v), reference(v));
        assert.equal(canonicalJson(sortedCopy), reference(v));
      }),
      { numRuns: 300 },
    );
    // array-index keys are enumerated first by JavaScript, so they must not take the fast path
    assert.equal(canonicalJson({ '10': 1, '9': 2, a: 3 }), '{"10":1,"9":2,"a":3}');
    assert.equal(canonicalJson({ b: [undefined, 1], a: { y: undefined, x: '\u2028' } }), '{"a":{"x":"\u2028"},"b":[null,1]}');
  });
  test('buildEvent holds members in canonical order (the fast path)', () => {
    const e = buildEvent({ type: 'request', user_agent: 'ua', actor: { username: 'u', sub: 's', kind: 'person' }, env: 'prod', decision: 'allow', detail: { z: 1, a: 'x' } }, 1_700_000_000_000);
    const keys = (o: object) => Object.keys(o);
    assert.deepEqual(keys(e), [...keys(e)].sort());
    assert.deepEqual(keys(e.actor!), ['kind', 'sub', 'username']);
    assert.deepEqual(keys(e.detail!), ['a', 'z']);
    assert.equal(canonicalJson(e), JSON.stringify(e));
  });
  test('refuses what JSON cannot carry faithfully (TypeError)', () => {
    for (const bad of [NaN, Infinity, 1n, () => 1, Symbol('s'), new Date(0), new Map()]) assert.throws(() => canonicalJson({ x: bad }), TypeError);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.throws(() => canonicalJson(deep), TypeError);
  });
});

describe('linkHash', () => {
  test('covers previous hash, position and body', () => {
    const h = linkHash(GENESIS_HASH, 1, '{}');
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.notEqual(linkHash(GENESIS_HASH, 2, '{}'), h);
    assert.notEqual(linkHash('1'.repeat(64), 1, '{}'), h);
    assert.notEqual(linkHash(GENESIS_HASH, 1, '{ }'), h);
    assert.equal(linkHash(GENESIS_HASH, 1, '{}'), h);
  });
});

describe('buildEvent', () => {
  test('fills v, id and time; unknown types are programmer errors', () => {
    const e = buildEvent({ type: 'login' }, 5);
    assert.equal(e.v, 1);
    assert.equal(e.time, 5);
    assert.match(e.id, /^[0-9a-f-]{36}$/);
    assert.throws(() => buildEvent({ type: 'nope' as never }, 1), TypeError);
  });
  test('hostile values: control characters replaced, lengths bounded, nested detail refused', () => {
    const e = buildEvent({ type: 'request', user_agent: `\u001b]0;pwn\u0007${'a'.repeat(5000)}`, method: 'POST\r\nX: y', dag_ids: Array.from({ length: 500 }, (_, i) => `d${i}`) }, 1);
    assert.doesNotMatch(e.user_agent!, /[\u0000-\u001f]/);
    assert.ok(e.user_agent!.length <= 513);
    assert.doesNotMatch(e.method!, /[\r\n]/);
    assert.equal(e.dag_ids!.length, 100);
    assert.throws(() => buildEvent({ type: 'request', detail: { x: { y: 1 } as never } }, 1), TypeError);
    assert.throws(() => buildEvent({ type: 'request', latency_ms: NaN }, 1), TypeError);
  });
});

describe('parseTimeFilter', () => {
  const now = Date.UTC(2025, 5, 12, 12);
  test('durations back from now and ISO dates', () => {
    assert.equal(parseTimeFilter('24h', now, '--since'), now - 86_400_000);
    assert.equal(parseTimeFilter('1h30m', now, '--since'), now - 5_400_000);
    assert.equal(parseTimeFilter('2025-06-10', now, '--since'), Date.UTC(2025, 5, 10));
    assert.equal(parseTimeFilter('2025-06-10T09:30:00Z', now, '--since'), Date.UTC(2025, 5, 10, 9, 30));
  });
  test('anything else is AIRLOCK_AUDIT_BAD_FILTER naming the flag', () => {
    for (const bad of ['last tuesday', '24', '', '2025-13-45', "1' or '1'='1", '10 h']) {
      assert.throws(() => parseTimeFilter(bad, now, '--until'), (e: any) => e.code === 'AIRLOCK_AUDIT_BAD_FILTER' && e.status === 400 && /--until/.test(e.publicMessage), bad);
    }
  });
});

describe('formatRecords', () => {
  const rec = (over: Record<string, unknown>): AuditRecord => ({ seq: 1, prevHash: GENESIS_HASH, hash: 'a'.repeat(64), event: { v: 1, id: 'i', time: 0, type: 'request', ...over } as never });
  test('csv neutralizes spreadsheet formulas and quotes separators', () => {
    const csv = formatRecords([rec({ actor: { kind: 'person', sub: 's', username: '=HYPERLINK("http://evil")' }, path: '/a,b', reasons: ['x"y'] })], 'csv');
    const line = csv.split('\r\n')[1]!;
    assert.ok(line.includes(`"'=HYPERLINK(""http://evil"")"`), line);
    assert.ok(line.includes('"/a,b"'));
    assert.ok(line.includes('"x""y"'));
  });
  test('table output carries no terminal escapes', () => {
    const t = formatRecords([rec({ actor: { kind: 'person', sub: 's', username: 'a\u001b[2Jb' } })], 'table');
    assert.doesNotMatch(t, /\u001b/);
    assert.match(t, /a\?\[2Jb/);
  });
  test('json is an array of {seq, hash, event}', () => {
    assert.deepEqual(JSON.parse(formatRecords([rec({})], 'json')), [{ seq: 1, hash: 'a'.repeat(64), event: { v: 1, id: 'i', time: 0, type: 'request' } }]);
  });
});
