import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterBus, hashSessionId, localBus, newSessionId, type RevocationMessage } from '../../../src/session/index.ts';
import { parseRevocationMessage } from '../../../src/session/bus/message.ts';

const h = () => hashSessionId(newSessionId());

test('localBus delivers to every subscriber synchronously; unsubscribe and close stop delivery', async () => {
  const bus = localBus();
  const a: RevocationMessage[] = [];
  const b: RevocationMessage[] = [];
  const offA = bus.subscribe((m) => a.push(m));
  bus.subscribe((m) => b.push(m));
  const msg: RevocationMessage = { type: 'revoke', idHashes: [h()] };
  bus.publish(msg);
  assert.deepEqual(a, [msg]);
  assert.deepEqual(b, [msg]);
  offA();
  bus.publish({ type: 'flush' });
  assert.equal(a.length, 1);
  assert.equal(b.length, 2);
  await bus.close();
  bus.publish({ type: 'flush' });
  assert.equal(b.length, 2);
});

test('publishing a malformed message is a TypeError', () => {
  const bus = localBus();
  assert.throws(() => bus.publish({ type: 'revoke', idHashes: ['not-a-hash'] }), TypeError);
  assert.throws(() => bus.publish({ type: 'nuke' } as never), TypeError);
  assert.throws(() => bus.subscribe('x' as never), TypeError);
});

test('hostile bus payloads are dropped, not half-applied', () => {
  const good = h();
  assert.deepEqual(parseRevocationMessage({ type: 'revoke', idHashes: [good] }), { type: 'revoke', idHashes: [good] });
  assert.deepEqual(parseRevocationMessage({ type: 'flush' }), { type: 'flush' });
  for (const bad of [
    null,
    'flush',
    42,
    [],
    {},
    { type: 'flush', extra: 1 },
    { type: 'revoke' },
    { type: 'revoke', idHashes: good },
    { type: 'revoke', idHashes: [good, 'x'] },
    { type: 'revoke', idHashes: [good, 7] },
    { type: 'revoke', idHashes: [`${good}x`] },
    { type: 'revoke', idHashes: [good], sub: 'extra field' },
    { type: 'revoke', idHashes: new Array(10_001).fill(good) },
    { type: '__proto__', idHashes: [good] },
  ]) {
    assert.equal(parseRevocationMessage(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
  }
});

test('a listener that throws does not stop the others (the error still surfaces)', () => {
  const bus = localBus();
  const seen: RevocationMessage[] = [];
  bus.subscribe(() => {
    throw new Error('listener bug');
  });
  bus.subscribe((m) => seen.push(m));
  assert.throws(() => bus.publish({ type: 'flush' }), /listener bug/);
  assert.equal(seen.length, 1);
});

test('clusterBus outside a cluster worker is a TypeError', () => {
  assert.throws(() => clusterBus(), TypeError);
});
