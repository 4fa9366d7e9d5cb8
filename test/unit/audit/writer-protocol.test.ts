import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { buildEvent, canonicalJson, type AuditEventInput } from '../../../src/audit/index.ts';
import { decodeLine, encodeLine } from '../../../src/audit/writer/protocol.ts';

const NOW = 1_750_000_000_123;
const actor = { kind: 'person' as const, sub: 'sub-alice', username: 'alice', email: 'alice@example.com', session_id: 'sess-a', credential_id: 'cred-1' };
const read: AuditEventInput = {
  type: 'request',
  request_id: 'req-1',
  actor,
  env: 'prod',
  method: 'GET',
  path: '/api/v1/dags/finance_daily',
  resource: 'DAGs',
  action: 'read',
  dag_ids: ['finance_daily'],
  decision: 'allow',
  reasons: ['role_grants'],
  status: 200,
  upstream_status: 200,
  latency_ms: 1.23456,
  client_ip: '10.0.0.7',
  user_agent: 'curl/8',
};

/** What the writer thread makes of a line: the same event (and canonical body) the inline path makes of the input. */
function throughLine(input: AuditEventInput) {
  const lines = [encodeLine(input, NOW), encodeLine({ type: 'request', request_id: 'other' }, NOW)].join('\n');
  const end = lines.indexOf('\n');
  const { now, input: decoded } = decodeLine(lines, 0, end);
  assert.equal(now, NOW);
  const a = buildEvent(input, NOW);
  const b = buildEvent(decoded, NOW);
  return { a: { ...a, id: 'x' }, b: { ...b, id: 'x' } };
}

describe('writer line protocol (request thread -> audit writer thread)', () => {
  test('a read event survives the compact tuple: same event, same canonical body as the inline path', () => {
    const { a, b } = throughLine(read);
    assert.deepEqual(b, a);
    assert.equal(canonicalJson(b), canonicalJson(a));
    const withRun = throughLine({ ...read, run_id: 'manual__2025', detail: { upgrade: 'websocket' }, time: NOW - 5 });
    assert.deepEqual(withRun.b, withRun.a);
    const bare = throughLine({ type: 'login.failed', decision: 'deny', reasons: [], status: 400 });
    assert.deepEqual(bare.b, bare.a);
  });

  test('hostile client strings (tabs, newlines, control characters, lone surrogates, quotes) cannot break the framing', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string(), (ua, path, user) => {
        const { a, b } = throughLine({ ...read, user_agent: ua, path, actor: { ...actor, username: user } });
        assert.deepEqual(b, a);
        assert.equal(canonicalJson(b), canonicalJson(a));
      }),
      { numRuns: 300 },
    );
    const lone = throughLine({ ...read, user_agent: '\ud800x\udfff', path: '/a"b\\c' });
    assert.deepEqual(lone.b, lone.a);
    const line = encodeLine({ ...read, user_agent: 'a\tb\nc\r\u2028' }, NOW);
    assert.equal(line.split('\n').length, 1, 'no raw newline inside a line');
    assert.equal(line.split('\t').length, 3, 'exactly two framing tabs');
  });

  test('an input with members outside the tuple goes as a whole object and keeps them', () => {
    const odd = { ...read, extra_fact: 'kept' } as AuditEventInput;
    const line = encodeLine(odd, NOW);
    assert.match(line, /^\d+\t\t\{/);
    const { a, b } = throughLine(odd);
    assert.deepEqual(b, a);
    assert.equal((b as Record<string, unknown>).extra_fact, 'kept');
  });

  test('non-finite numbers are refused on the request thread (TypeError), as the inline path refuses them', () => {
    for (const bad of [{ latency_ms: Number.NaN }, { status: Number.POSITIVE_INFINITY }, { upstream_status: Number.NaN }, { time: Number.NaN }]) {
      assert.throws(() => encodeLine({ ...read, ...bad }, NOW), TypeError);
    }
    // the whole-object form cannot check them there: a null that JSON made of one is refused by the writer
    const line = encodeLine({ ...read, latency_ms: Number.NaN, extra_fact: 1 } as AuditEventInput, NOW);
    assert.throws(() => decodeLine(line, 0, line.length), TypeError);
  });

  test('a malformed line is an error, not a guess', () => {
    for (const bad of ['', '123', '123\t{}', 'x\t\t[1', '1\t\t{"a":']) assert.throws(() => decodeLine(bad, 0, bad.length));
  });
});
