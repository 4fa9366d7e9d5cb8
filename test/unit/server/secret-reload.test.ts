import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parseConfig, sameConfigValue, Secret, type AirlockConfig } from '../../../src/config/index.ts';
import { DagMetadataSources } from '../../../src/server/dag-metadata.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { buildRuntime } from '../../../src/server/runtime.ts';

/**
 * Issue #12 item 13: a reload decides "unchanged, reuse" by comparing secret VALUES (through a keyed hash),
 * not their redacted form (which names only where a secret came from) nor their length.
 */
function config(env: Record<string, string>, upstream = 'http://127.0.0.1:9'): AirlockConfig {
  const yaml = `public_url: https://airflow.example.com
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:CLIENT_SECRET}" }
environments:
  prod: { host: airflow.example.com, upstream: "${upstream}", airflow: 2 }
policy:
  dag_metadata:
    prod: { token: "\${env:DAG_TOKEN}", refresh: 1h }
`;
  return parseConfig(yaml, { source: 't.yaml', baseDir: '/tmp', env });
}

describe('Secret fingerprints', () => {
  test('equal values give equal fingerprints, different values (of the same length) different ones; the value never prints', () => {
    const a = new Secret('token-AAAA', 'env:A');
    assert.equal(a.fingerprint(), new Secret('token-AAAA', 'file:/elsewhere').fingerprint());
    assert.notEqual(a.fingerprint(), new Secret('token-BBBB', 'env:A').fingerprint());
    for (const shown of [String(a), JSON.stringify({ a }), inspect(a), JSON.stringify(a.fingerprint())]) assert.ok(!shown.includes('token-AAAA'), shown);
  });

  test('sameConfigValue compares secrets by value wherever they sit; plain values as before', () => {
    const idp = (secret: string, id = 'airlock') => ({ issuer: 'https://idp', client_id: id, client_secret: new Secret(secret, 'file:/run/secret') });
    assert.equal(JSON.stringify(idp('old-secret')), JSON.stringify(idp('new-secret')), 'the redacted forms cannot tell them apart');
    assert.equal(sameConfigValue(idp('old-secret'), idp('old-secret')), true);
    assert.equal(sameConfigValue(idp('old-secret'), idp('new-secret')), false);
    assert.equal(sameConfigValue(idp('old-secret'), idp('old-secret', 'other')), false);
    assert.equal(sameConfigValue(new Secret('x', 's'), new Secret('y', 's')), false, 'a Secret at the top level');
    assert.equal(sameConfigValue([new Secret('x', 's')], [new Secret('x', 's')]), true);
  });
});

describe('reload: the OIDC relying party', () => {
  test('is reused when nothing changed, and rebuilt when the client secret is rotated (same source, same length)', async () => {
    const first = buildRuntime(config({ CLIENT_SECRET: 'secret-0001', DAG_TOKEN: 't' }), 1);
    const same = buildRuntime(config({ CLIENT_SECRET: 'secret-0001', DAG_TOKEN: 't' }), 2, first);
    const rotated = buildRuntime(config({ CLIENT_SECRET: 'secret-0002', DAG_TOKEN: 't' }), 3, same);
    try {
      assert.equal(same.rp, first.rp, 'an unchanged idp section keeps the relying party (and its discovery)');
      assert.notEqual(rotated.rp, same.rp, 'a rotated client secret builds a new relying party');
    } finally {
      await Promise.all([first, same, rotated].map((rt) => rt.upstreams.close()));
    }
  });
});

describe('reload: DAG metadata sources', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ dags: [], total_entries: 0 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(ok(), what);
  };

  test('a rotated token of the same length restarts the source, which reads with the new token; an unchanged one does not', async () => {
    const sources = new DagMetadataSources();
    const log = createLogger({ level: 'silent' });
    try {
      sources.apply(config({ CLIENT_SECRET: 's', DAG_TOKEN: 'token-AAAA' }, url), log);
      await until('the first read uses the configured token', () => seen.includes('Bearer token-AAAA'));
      const reads = seen.length;
      sources.apply(config({ CLIENT_SECRET: 's', DAG_TOKEN: 'token-AAAA' }, url), log);
      sources.apply(config({ CLIENT_SECRET: 'rotated', DAG_TOKEN: 'token-AAAA' }, url), log);
      assert.equal(seen.length, reads, 'an unchanged metadata section keeps its source (no new read)');
      sources.apply(config({ CLIENT_SECRET: 's', DAG_TOKEN: 'token-BBBB' }, url), log);
      await until('after the rotation the DAG list is read with the new token', () => seen.includes('Bearer token-BBBB'));
      assert.ok(seen.slice(reads).every((a) => a === 'Bearer token-BBBB'), `no read with the old token after the rotation: ${seen.slice(reads).join(', ')}`);
    } finally {
      sources.stop();
    }
  });
});
