import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSessionId, hostFanout, newSessionId, type FanoutWorker, type RevocationMessage } from '../../../src/session/index.ts';

const msg = (): RevocationMessage => ({ type: 'revoke', idHashes: [hashSessionId(newSessionId())] });

/** Workers and upstream that record what the fan-out hands them. */
function host(ids: number[], withUpstream = true) {
  const inbox = new Map<number, RevocationMessage[]>(ids.map((id) => [id, []]));
  const live = new Set(ids);
  const notified: RevocationMessage[] = [];
  const warnings: string[] = [];
  const fanout = hostFanout({
    workers: () => [...live].map((id): FanoutWorker => ({ id, send: (m) => inbox.get(id)!.push(m) })),
    ...(withUpstream ? { upstream: { notify: (m: RevocationMessage) => notified.push(m) } } : {}),
    logger: { warn: (_o, s) => warnings.push(s) },
  });
  return { fanout, inbox, live, notified, warnings };
}

test('a worker\'s revocation goes to every sibling and once to the other hosts, never back to the sender', () => {
  const { fanout, inbox, notified } = host([1, 2, 3]);
  const m = msg();
  fanout.fromWorker(2, m);
  assert.deepEqual(inbox.get(1), [m]);
  assert.deepEqual(inbox.get(2), [], 'the sender applied it itself');
  assert.deepEqual(inbox.get(3), [m]);
  assert.deepEqual(notified, [m]);
});

test('a message from another host goes to every worker and is never sent back upstream (no loop)', () => {
  const { fanout, inbox, notified } = host([1, 2]);
  const m = msg();
  fanout.fromUpstream(m);
  fanout.fromUpstream({ type: 'flush' });
  assert.deepEqual(inbox.get(1), [m, { type: 'flush' }]);
  assert.deepEqual(inbox.get(2), [m, { type: 'flush' }]);
  assert.deepEqual(notified, []);
});

test('one host, three hosts chained through a shared upstream: every worker everywhere hears a revocation exactly once', () => {
  // the upstream is PostgreSQL: a NOTIFY reaches every other host's listener, not the sender's own
  const hosts = [host([1, 2]), host([1, 2]), host([1])];
  for (const [i, hst] of hosts.entries()) {
    hst.fanout = hostFanout({
      workers: () => [...hst.live].map((id): FanoutWorker => ({ id, send: (m) => hst.inbox.get(id)!.push(m) })),
      upstream: { notify: (m) => hosts.forEach((o, j) => j !== i && o.fanout.fromUpstream(m)) },
    });
  }
  const m = msg();
  hosts[0]!.fanout.fromWorker(1, m);
  assert.deepEqual(hosts[0]!.inbox.get(1), []);
  assert.deepEqual(hosts[0]!.inbox.get(2), [m]);
  assert.deepEqual(hosts[1]!.inbox.get(1), [m]);
  assert.deepEqual(hosts[1]!.inbox.get(2), [m]);
  assert.deepEqual(hosts[2]!.inbox.get(1), [m]);
});

test('without an upstream (SQLite, one host) revocations stay on the host', () => {
  const { fanout, inbox } = host([1, 2], false);
  const m = msg();
  fanout.fromWorker(1, m);
  assert.deepEqual(inbox.get(2), [m]);
});

test('a worker whose channel throws is skipped and logged; the others still hear it', () => {
  const got: RevocationMessage[] = [];
  const warnings: string[] = [];
  const notified: RevocationMessage[] = [];
  const fanout = hostFanout({
    workers: () => [
      { id: 1, send: () => { throw new Error('channel closed'); } },
      { id: 2, send: (m) => got.push(m) },
    ],
    upstream: { notify: (m) => notified.push(m) },
    logger: { warn: (_o, s) => warnings.push(s) },
  });
  const m = msg();
  fanout.fromWorker(3, m);
  assert.deepEqual(got, [m]);
  assert.deepEqual(notified, [m]);
  assert.equal(warnings.length, 1);
});

test('workers are read at each message: a restarted worker hears the next one', () => {
  const { fanout, inbox, live } = host([1, 2]);
  live.delete(2);
  const m1 = msg();
  fanout.fromUpstream(m1);
  live.add(2);
  const m2 = msg();
  fanout.fromUpstream(m2);
  assert.deepEqual(inbox.get(1), [m1, m2]);
  assert.deepEqual(inbox.get(2), [m2]);
});

test('bad options are TypeErrors', () => {
  assert.throws(() => hostFanout({} as never), TypeError);
  assert.throws(() => hostFanout({ workers: () => [], upstream: {} as never }), TypeError);
});
