import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { localBus, SessionManager } from '../../../src/session/index.ts';
import { harness, type Harness } from './setup.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

test('SessionManager.setMfa updates the stored identity and every worker drops its cached copy', async () => {
  const bus = localBus();
  const config = () => ({ idle_timeout: 3_600_000, absolute_timeout: 7_200_000, cache_ttl: 600_000 });
  const a = new SessionManager({ store: h.store, config, bus });
  const b = new SessionManager({ store: h.store, config, bus }); // another worker on the same bus
  try {
    const { id } = await a.create({ kind: 'person', sub: 'sub-mfa', username: 'mfa', email: undefined, name: undefined, groups: ['g'], roles: [], mfa: { method: 'none' }, authTime: 1000 });
    assert.equal((await b.get(id))?.identity.mfa.method, 'none'); // b caches it (cache_ttl 10 min)
    const updated = await a.setMfa(id, { method: 'webauthn', at: 12345, credentialId: 'cred-1' });
    assert.deepEqual(updated?.identity.mfa, { method: 'webauthn', at: 12345, credentialId: 'cred-1' });
    assert.deepEqual((await b.get(id))?.identity.mfa, { method: 'webauthn', at: 12345, credentialId: 'cred-1' }, 'b re-read the store');
    assert.equal((await b.get(id))?.identity.authTime, 1000, 'the rest of the identity is kept');
    await a.revoke(id, 'test');
    assert.equal(await a.setMfa(id, { method: 'webauthn', at: 1 }), undefined, 'a revoked session is not updated');
    await assert.rejects(a.setMfa(id, { method: 'bogus' } as never), TypeError);
  } finally {
    a.close();
    b.close();
    await bus.close();
  }
});
