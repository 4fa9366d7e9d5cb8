import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionCache, type CacheEntry } from '../../../src/session/cache.ts';

const entry = (n: number): CacheEntry => ({ record: { idHash: `h${n}` } as CacheEntry['record'], fetchedAt: n, writtenAt: n });

test('bounded: the least recently used entry goes first', () => {
  const c = new SessionCache(8);
  for (let i = 1; i <= 8; i++) c.set(`k${i}`, entry(i));
  assert.equal(c.get('k1')?.fetchedAt, 1); // the oldest, used: moved to the newest end
  c.set('k9', entry(9));
  assert.equal(c.size, 8);
  assert.equal(c.get('k2'), undefined, 'k2 was the least recently used');
  assert.equal(c.get('k1')?.fetchedAt, 1);
});

test('an entry among the newest half is not moved on use, and is never the one dropped', () => {
  const c = new SessionCache(8);
  for (let i = 1; i <= 8; i++) c.set(`k${i}`, entry(i));
  for (let i = 0; i < 1000; i++) c.get('k8'); // a busy session: no move per request
  for (let i = 9; i <= 12; i++) c.set(`k${i}`, entry(i)); // four more: k1..k4 go
  assert.deepEqual([1, 2, 3, 4].map((i) => c.get(`k${i}`)), [undefined, undefined, undefined, undefined]);
  assert.equal(c.get('k8')?.fetchedAt, 8);
});

test('random use: whatever is dropped went unused for at least maxEntries/2 insertions or moves', () => {
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (const max of [1, 2, 3, 5, 16, 64]) {
    const c = new SessionCache(max);
    const present = new Set<string>();
    const lastUse = new Map<string, number>(); // op count at the key's last set or hit
    let ops = 0;
    for (let i = 0; i < 5000; i++) {
      const k = `k${rnd(max * 3)}`;
      if (rnd(2) === 0) {
        c.set(k, entry(i));
        present.add(k);
      } else if (c.get(k) === undefined) {
        assert.ok(!present.has(k) || ops - lastUse.get(k)! >= Math.max(1, max >> 1), `max ${max}: ${k} dropped ${ops - lastUse.get(k)!} ops after its last use`);
        present.delete(k);
        continue;
      }
      lastUse.set(k, ++ops);
      if (c.size > max) assert.fail('over the bound');
      // keys the cache dropped silently on set: learn them lazily on the next get
    }
  }
});

test('maxEntries must be a positive integer', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new SessionCache(bad), TypeError);
});
