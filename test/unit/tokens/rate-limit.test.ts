import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBuckets } from '../../../src/tokens/index.ts';

test('a token bucket allows a burst, then the sustained rate, and says how long to wait', () => {
  const b = new TokenBuckets();
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) assert.equal(b.take('tok', t0, 2, 3), 0);
  assert.equal(b.take('tok', t0, 2, 3), 500, 'one request per 500 ms at 2/s');
  assert.equal(b.take('tok', t0 + 500, 2, 3), 0);
  assert.ok(b.take('tok', t0 + 500, 2, 3) > 0);
  assert.equal(b.take('other', t0, 2, 3), 0, 'buckets are per key');
  assert.equal(b.take('tok', t0 + 60_000, 2, 3), 0, 'refills up to the burst');
});

test('buckets are bounded: the least recently used is dropped', () => {
  const b = new TokenBuckets(2);
  b.take('a', 0, 1, 1);
  b.take('b', 0, 1, 1);
  b.take('a', 0, 1, 1);
  b.take('c', 0, 1, 1);
  assert.equal(b.size, 2);
  assert.equal(b.take('b', 0, 1, 1), 0, 'b was dropped and starts full');
});
