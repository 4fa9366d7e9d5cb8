import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isStrippedHeader, sanitizeRequestHeaders, STRIPPED_REQUEST_HEADERS, type SanitizeOptions } from '../../../src/proxy/index.ts';
import { code } from '../../support/error-code.ts';
import { strippedHeaderNames } from '../../support/stripped-header-names.ts';

const opts: SanitizeOptions = { client: { ip: '203.0.113.4', proto: 'https', host: 'airflow.example.com', port: 443 }, sessionCookieName: '__Host-airlock', stripAuthorization: false };

/** The rows of docs/proxy.md "### Headers removed by name". */
function docsRows(): string[][] {
  const md = readFileSync(new URL('../../../docs/proxy.md', import.meta.url), 'utf8');
  const start = md.indexOf('### Headers removed by name');
  assert.ok(start > 0, 'docs/proxy.md has the section');
  const lines = md.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| header |'));
  const rows: string[][] = [];
  for (const l of lines.slice(first + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(1, -1).split(' | ').map((c) => c.trim()));
  }
  return rows;
}

describe('the table of headers removed by name', () => {
  test('docs/proxy.md shows exactly this table (pattern, match, kind, set by, covered names), in order', () => {
    const docs = docsRows();
    const code = STRIPPED_REQUEST_HEADERS.map((e) => [`\`${e.pattern}\``, e.pattern.endsWith('*') ? 'prefix' : 'exact', e.kind, e.setBy, e.examples.join(', ')]);
    assert.deepEqual(docs, code);
  });

  test('is frozen, entries and their example lists too', () => {
    assert.ok(Object.isFrozen(STRIPPED_REQUEST_HEADERS));
    for (const e of STRIPPED_REQUEST_HEADERS) {
      assert.ok(Object.isFrozen(e), e.pattern);
      assert.ok(Object.isFrozen(e.examples), e.pattern);
    }
    assert.throws(() => (STRIPPED_REQUEST_HEADERS as unknown as unknown[]).push({}), TypeError);
  });

  test('patterns are tokens, unique, none covered by another; examples belong to prefixes and match their own', () => {
    const lower = STRIPPED_REQUEST_HEADERS.map((e) => e.pattern.toLowerCase());
    assert.equal(new Set(lower).size, lower.length, 'unique');
    for (const e of STRIPPED_REQUEST_HEADERS) {
      const prefix = e.pattern.endsWith('*');
      const stem = (prefix ? e.pattern.slice(0, -1) : e.pattern).toLowerCase();
      assert.match(stem, /^[!#$%&'*+.^`|~0-9a-z-]+$/, `${e.pattern}: a token without "_"`);
      if (!prefix) assert.deepEqual(e.examples, [], `${e.pattern}: exact names list no examples`);
      for (const x of e.examples) assert.ok(x.toLowerCase().startsWith(stem), `${x} is under ${e.pattern}`);
      for (const other of STRIPPED_REQUEST_HEADERS) {
        if (other === e || !other.pattern.endsWith('*')) continue;
        assert.ok(!stem.startsWith(other.pattern.slice(0, -1).toLowerCase()), `${e.pattern} is already covered by ${other.pattern}`);
      }
    }
  });

  test('the brief\'s names are all in it (URL rewrite, method override, other proxies\' identity, host)', () => {
    for (const n of [
      'X-Original-URI', 'X-Original-URL', 'X-Rewrite-URL', 'X-Envoy-Original-Path', 'X-Override-URL', 'X-Request-URI',
      'X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override',
      'Remote-User', 'X-Remote-User', 'X-Auth-Request-User', 'X-Auth-Request-Anything', 'X-Webauth-User', 'X-Webauth-Anything',
      'X-Forwarded-User', 'X-Forwarded-Email', 'X-Forwarded-Preferred-Username', 'X-Forwarded-Groups', 'X-Forwarded-Access-Token',
      'X-Auth-User', 'X-User', 'X-Email', 'X-Host', 'X-Forwarded-Server',
    ]) assert.ok(isStrippedHeader(n.toLowerCase()), n);
  });

  test('near misses are ordinary headers and pass', () => {
    const near = ['X-Hostname', 'X-Authorization', 'X-Users', 'X-Emails', 'Remote-Addr', 'X-Request-Id', 'X-Requested-With', 'X-CSRFToken', 'X-Forwarded', 'X-Airloc', 'X-Original', 'X-Goog-Api-Key', 'X-MS-Request-Id', 'Cf-Ray', 'Accept', 'A', 'X'];
    const raw = near.flatMap((n) => [n, 'ok']);
    const out = sanitizeRequestHeaders(raw, opts);
    for (const n of near) {
      assert.equal(isStrippedHeader(n.toLowerCase()), false, n);
      assert.equal(out[n.toLowerCase()], 'ok', n);
    }
  });

  for (const name of strippedHeaderNames()) {
    test(`${name}: removed in any case and "_" spelling; Connection may not name it`, () => {
      const spellings = [name, name.toUpperCase(), name.toLowerCase(), name.replace(/-/g, '_')];
      const raw = spellings.flatMap((s, i) => [s, `spoof-${i}`]);
      const out = sanitizeRequestHeaders([...raw, 'X-Keep', 'kept'], opts);
      for (const [k, v] of Object.entries(out)) {
        for (const one of Array.isArray(v) ? v : [v]) assert.doesNotMatch(one, /spoof-/, `${k} passed`);
      }
      assert.equal(out['x-keep'], 'kept');
      assert.equal(isStrippedHeader(name.toLowerCase()), true);
      assert.equal(code(() => sanitizeRequestHeaders(['Connection', `close, ${name}`], opts)), 'AIRLOCK_PROXY_BAD_HEADER');
    });
  }
});
