import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError, formatProblems, parseConfig, summarizeConfig, type ConfigProblem } from '../../../src/config/index.ts';
import { Secret } from '../../../src/config/secret.ts';
import { tlsFixture, type TlsFixture } from '../../support/tls-fixtures.ts';
import { tempDir } from './fixtures.ts';

const HEAD = `public_url: https://airflow.example.com
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:S}" }
roles: { airflow-admins: Admin }
environments:
`;

/** Parses HEAD + environment lines with the TLS fixtures (and `extra` files) in the config's folder. */
function parseWith(envLines: string, extra: Record<string, string> = {}) {
  const t = tempDir();
  try {
    for (const f of ['ca.pem', 'client.pem', 'client.key', 'other-client.key', 'upstream.pem'] satisfies TlsFixture[]) t.write(f, tlsFixture(f));
    for (const [name, text] of Object.entries(extra)) t.write(name, text);
    return parseConfig(HEAD + envLines, { source: 'test.yaml', baseDir: t.dir, env: { S: 'x' } });
  } finally {
    t.cleanup();
  }
}

/** The problems of a load that must fail with a ConfigError. */
function problemsOf(load: () => unknown): ConfigProblem[] {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

const problems = (envLines: string, extra?: Record<string, string>): ConfigProblem[] => problemsOf(() => parseWith(envLines, extra));

const at = (list: ConfigProblem[], path: string, message: RegExp) => {
  const p = list.find((x) => x.path === path);
  assert.ok(p, `no problem at ${path}; got:\n${formatProblems(list)}`);
  assert.match(p.message, message, path);
};

describe('environments.<name>.tls', () => {
  test('a private CA, a client certificate and a server name load; the key is a Secret that never prints', () => {
    const cfg = parseWith(`  prod:
    host: airflow.example.com
    upstream: https://airflow-prod:8443
    airflow: 2
    tls:
      ca: \${file:ca.pem}
      client_cert: \${file:client.pem}
      client_key: \${file:client.key}
      server_name: airflow.internal
`);
    const tls = cfg.environments.prod!.tls!;
    // ${file:} references drop the file's trailing newline
    assert.equal(tls.ca, tlsFixture('ca.pem').trimEnd());
    assert.equal(tls.client_cert, tlsFixture('client.pem').trimEnd());
    assert.ok(tls.client_key instanceof Secret);
    assert.equal(tls.client_key.reveal(), tlsFixture('client.key').trimEnd());
    assert.equal(tls.server_name, 'airflow.internal');
    const keyBody = tlsFixture('client.key').split('\n')[1]!;
    for (const shown of [JSON.stringify(cfg), inspect(cfg, { depth: 10 }), summarizeConfig(cfg, 'test.yaml')]) assert.ok(!shown.includes(keyBody), 'no key material');
    const summary = summarizeConfig(cfg, 'test.yaml');
    assert.match(summary, /tls: ca 1 certificate, first CN=Airlock Test CA; client certificate 1 certificate, first CN=airlock-gateway \(key from file:.*client\.key\); server_name airflow\.internal/);
  });

  test('without tls an https upstream uses the public CAs (tls stays unset)', () => {
    const cfg = parseWith('  prod: { host: airflow.example.com, upstream: "https://airflow.example.net", airflow: 3 }\n');
    assert.equal(cfg.environments.prod!.tls, undefined);
    assert.match(summarizeConfig(cfg, 'test.yaml'), /-> https:\/\/airflow\.example\.net \(Airflow 3\)$/m);
  });

  test('hostile and broken TLS settings are all refused at once, each at its path', () => {
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const list = problems(
      `  plain: { host: a.example.com, upstream: "http://airflow-a:8080", airflow: 2, tls: { ca: "\${file:ca.pem}" } }
  nokey: { host: b.example.com, upstream: "https://airflow-b", airflow: 2, tls: { client_cert: "\${file:client.pem}" } }
  inline: { host: c.example.com, upstream: "https://airflow-c", airflow: 2, tls: { client_cert: "\${file:client.pem}", client_key: "-----BEGIN PRIVATE KEY-----" } }
  notpem: { host: d.example.com, upstream: "https://airflow-d", airflow: 2, tls: { ca: "\${file:garbage.pem}" } }
  badcert: { host: e.example.com, upstream: "https://airflow-e", airflow: 2, tls: { ca: "\${file:corrupt.pem}" } }
  mismatch: { host: f.example.com, upstream: "https://airflow-f", airflow: 2, tls: { client_cert: "\${file:client.pem}", client_key: "\${file:other-client.key}" } }
  encrypted: { host: g.example.com, upstream: "https://airflow-g", airflow: 2, tls: { client_cert: "\${file:client.pem}", client_key: "\${file:encrypted.key}" } }
  notakey: { host: h.example.com, upstream: "https://airflow-h", airflow: 2, tls: { client_cert: "\${file:client.pem}", client_key: "\${file:upstream.pem}" } }
  sni: { host: i.example.com, upstream: "https://airflow-i", airflow: 2, tls: { server_name: "bad name/" } }
  skip: { host: j.example.com, upstream: "https://airflow-j", airflow: 2, tls: { insecure_skip_verify: true } }
  onlykey: { host: k.example.com, upstream: "https://airflow-k", airflow: 2, tls: { client_key: "\${file:client.key}" } }
`,
      {
        'garbage.pem': 'not a certificate at all\n',
        'corrupt.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        'encrypted.key': encrypted,
      },
    );
    at(list, 'environments.plain.tls', /only to an https:\/\/ upstream/);
    at(list, 'environments.nokey.tls.client_key', /required with client_cert/);
    at(list, 'environments.inline.tls.client_key', /secret reference/);
    at(list, 'environments.notpem.tls.ca', /at least one PEM certificate/);
    at(list, 'environments.badcert.tls.ca', /certificate 1 of 1 is not a valid X\.509 certificate/);
    at(list, 'environments.mismatch.tls.client_key', /does not belong to the certificate/);
    at(list, 'environments.encrypted.tls.client_key', /encrypted private key/);
    at(list, 'environments.notakey.tls.client_key', /not a PEM private key/);
    at(list, 'environments.sni.tls.server_name', /DNS name/);
    at(list, 'environments.skip.tls.insecure_skip_verify', /unknown/i);
    at(list, 'environments.onlykey.tls.client_cert', /required with client_key/);
    assert.equal(list.length, 11, formatProblems(list));
    const material = [tlsFixture('other-client.key').split('\n')[1]!, tlsFixture('client.pem').split('\n')[1]!, encrypted.split('\n')[1]!, 'not a certificate at all', 'AAAA'];
    for (const p of list) for (const m of material) assert.ok(!p.message.includes(m) && !(p.hint ?? '').includes(m), `no file content echoed: ${p.message}`);
  });
});

describe('environments.<name>.upstream is an origin', () => {
  test('a path in the upstream URL is refused at load (it used to pass check-config and fail at start), with the path_prefix hint', () => {
    const list = problems('  prod: { host: a.example.com, upstream: "http://airflow:8080/airflow", airflow: 2 }\n');
    at(list, 'environments.prod.upstream', /must be an origin such as "http:\/\/airflow:8080" without a path.*path_prefix/);
    assert.equal(list.length, 1, formatProblems(list));
  });

  test('a trailing slash is still an origin', () => {
    const cfg = parseWith('  prod: { host: a.example.com, upstream: "http://airflow:8080/", airflow: 2 }\n');
    assert.equal(cfg.environments.prod!.upstream, 'http://airflow:8080/');
  });
});

describe('listen_tls (Airlock serving https itself)', () => {
  const LISTEN = `public_url: https://airflow.example.com
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:S}" }
environments:
  prod: { host: airflow.example.com, upstream: "http://airflow-prod:8080", airflow: 2 }
`;
  const load = (extra: string, publicUrl?: string) => {
    const t = tempDir();
    try {
      for (const f of ['upstream.pem', 'upstream.key', 'client.key'] satisfies TlsFixture[]) t.write(f, tlsFixture(f));
      const text = (publicUrl ? LISTEN.replace('https://airflow.example.com', publicUrl) : LISTEN) + extra;
      return parseConfig(text, { source: 'test.yaml', baseDir: t.dir, env: { S: 'x' } });
    } finally {
      t.cleanup();
    }
  };
  const refused = (extra: string, publicUrl?: string): ConfigProblem[] => problemsOf(() => load(extra, publicUrl));

  test('a certificate and its key load; the key is a Secret', () => {
    const cfg = load('listen_tls: { cert: "${file:upstream.pem}", key: "${file:upstream.key}" }\n');
    assert.match(cfg.listen_tls!.cert, /^-----BEGIN CERTIFICATE-----/);
    assert.ok(cfg.listen_tls!.key instanceof Secret);
    assert.ok(!JSON.stringify(cfg).includes(tlsFixture('upstream.key').split('\n')[1]!));
  });

  test('refused: a key that is not the certificate\'s, an inline key, a missing key, http public_url with listen_tls', () => {
    at(refused('listen_tls: { cert: "${file:upstream.pem}", key: "${file:client.key}" }\n'), 'listen_tls.key', /does not belong to the certificate/);
    at(refused('listen_tls: { cert: "${file:upstream.pem}", key: "-----BEGIN PRIVATE KEY-----" }\n'), 'listen_tls.key', /secret reference/);
    at(refused('listen_tls: { cert: "${file:upstream.pem}" }\n'), 'listen_tls.key', /./);
    at(refused('listen_tls: { cert: "${file:upstream.pem}", key: "${file:upstream.key}" }\n', 'http://localhost:8080'), 'public_url', /must be https:\/\/ when Airlock serves TLS itself/);
  });
});
