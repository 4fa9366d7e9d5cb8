import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatProblems, parseConfig } from '../../../src/config/index.ts';
import { buildRuntime } from '../../../src/server/runtime.ts';
import { webauthnFor } from '../../../src/webauthn/index.ts';
import { tlsFixture } from '../../support/tls-fixtures.ts';

const head = (publicUrl = 'https://airflow.example.com') => `public_url: ${publicUrl}
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:S}" }
roles: { airflow-admins: Admin }
`;
const env = (line = '{ host: airflow.example.com, upstream: "http://airflow-prod:8080", airflow: 2 }') => `environments:\n  prod: ${line}\n`;

/**
 * Edge configs, accepted and refused. The invariant: what `airlock check-config` accepts (parseConfig), `airlock
 * serve` can build (buildRuntime + the WebAuthn section); what it refuses is refused with a YAML path. Each of
 * these once passed the schema and failed only at start, or sits next to one that did.
 */
const CASES: Array<{ name: string; yaml: string; refusedAt?: string }> = [
  { name: 'trusted proxies: IPv4 and IPv6 blocks', yaml: head() + env() + 'trusted_proxies: ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::ffff:10.0.0.0/104", "2001:db8::/32"]\n' },
  { name: 'trusted proxy with host bits set (IPv4)', yaml: head() + env() + 'trusted_proxies: ["10.0.0.1/8"]\n', refusedAt: 'trusted_proxies[0]' },
  { name: 'trusted proxy with host bits set (IPv6)', yaml: head() + env() + 'trusted_proxies: ["2001:db8::1/32"]\n', refusedAt: 'trusted_proxies[0]' },
  { name: 'trusted proxy with an embedded IPv4 tail and host bits', yaml: head() + env() + 'trusted_proxies: ["::ffff:10.0.0.1/120"]\n', refusedAt: 'trusted_proxies[0]' },
  { name: 'webauthn.rp_id a parent domain of public_url', yaml: head() + env() + 'webauthn: { rp_id: example.com }\n' },
  { name: 'webauthn.rp_id of another site', yaml: head() + env() + 'webauthn: { rp_id: evil.com }\n', refusedAt: 'webauthn.rp_id' },
  { name: 'webauthn.rp_id a suffix that is not a parent domain', yaml: head() + env() + 'webauthn: { rp_id: ample.com }\n', refusedAt: 'webauthn.rp_id' },
  { name: 'upstream with a path', yaml: head() + env('{ host: airflow.example.com, upstream: "http://airflow-prod:8080/airflow", airflow: 2 }'), refusedAt: 'environments.prod.upstream' },
  { name: 'https upstream with a private CA', yaml: head() + env(`{ host: airflow.example.com, upstream: "https://airflow-prod:8443", airflow: 2, tls: { ca: ${JSON.stringify(tlsFixture('ca.pem'))} } }`) },
  { name: 'tls on an http upstream', yaml: head() + env(`{ host: airflow.example.com, upstream: "http://airflow-prod:8080", airflow: 2, tls: { ca: ${JSON.stringify(tlsFixture('ca.pem'))} } }`), refusedAt: 'environments.prod.tls' },
  { name: 'path prefix environments on localhost', yaml: head('http://localhost:8080') + 'environments:\n  a: { path_prefix: /a, upstream: "http://127.0.0.1:8081", airflow: 2 }\n  b: { path_prefix: /b, upstream: "http://127.0.0.1:8082", airflow: 3 }\n' },
];

describe('a config that check-config accepts can be served', () => {
  for (const c of CASES) {
    test(`${c.name}: ${c.refusedAt ? `refused at ${c.refusedAt}` : 'loads and builds'}`, async () => {
      let cfg;
      try {
        cfg = parseConfig(c.yaml, { source: 't.yaml', baseDir: '/tmp', env: { S: 'x' } });
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.ok(c.refusedAt, `refused, but expected to load:\n${formatProblems(err.problems)}`);
        assert.ok(err.problems.some((p) => p.path === c.refusedAt), `no problem at ${c.refusedAt}:\n${formatProblems(err.problems)}`);
        return;
      }
      assert.equal(c.refusedAt, undefined, `loaded, but expected a problem at ${c.refusedAt}`);
      const rt = buildRuntime(cfg, 1);
      try {
        assert.ok(webauthnFor(cfg).rpId);
        assert.ok(rt.upstreams.get(Object.keys(cfg.environments)[0]!));
      } finally {
        await rt.upstreams.close();
      }
    });
  }
});
