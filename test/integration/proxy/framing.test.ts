import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';
import { rawRequest } from './support/raw.ts';

interface Case {
  readonly name: string;
  readonly bytes: string;
  /** Expected code with Node's default parser, and with insecureHTTPParser + requireHostHeader: false. */
  readonly strict: string | null;
  readonly lenient: string;
}

const CASES: Case[] = [
  { name: 'duplicate Content-Length, equal values', bytes: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', strict: 'AIRLOCK_PROXY_MALFORMED_REQUEST', lenient: 'AIRLOCK_PROXY_MALFORMED_REQUEST' },
  { name: 'duplicate Content-Length, different values', bytes: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx', strict: 'AIRLOCK_PROXY_MALFORMED_REQUEST', lenient: 'AIRLOCK_PROXY_MALFORMED_REQUEST' },
  { name: 'Content-Length with Transfer-Encoding', bytes: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', strict: 'AIRLOCK_PROXY_MALFORMED_REQUEST', lenient: 'AIRLOCK_PROXY_CL_TE' },
  { name: 'Transfer-Encoding: gzip, chunked', bytes: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', strict: 'AIRLOCK_PROXY_BAD_TRANSFER_ENCODING', lenient: 'AIRLOCK_PROXY_BAD_TRANSFER_ENCODING' },
  { name: 'Transfer-Encoding twice', bytes: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', strict: 'AIRLOCK_PROXY_MALFORMED_REQUEST', lenient: 'AIRLOCK_PROXY_BAD_TRANSFER_ENCODING' },
  { name: 'duplicate Host', bytes: 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n', strict: 'AIRLOCK_PROXY_DUPLICATE_HOST', lenient: 'AIRLOCK_PROXY_DUPLICATE_HOST' },
  { name: 'missing Host (HTTP/1.1)', bytes: 'GET / HTTP/1.1\r\n\r\n', strict: null, lenient: 'AIRLOCK_PROXY_MISSING_HOST' },
  { name: 'missing Host (HTTP/1.0)', bytes: 'GET / HTTP/1.0\r\n\r\n', strict: 'AIRLOCK_PROXY_MISSING_HOST', lenient: 'AIRLOCK_PROXY_MISSING_HOST' },
  { name: 'Host not configured', bytes: 'GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n', strict: 'AIRLOCK_PROXY_UNKNOWN_HOST', lenient: 'AIRLOCK_PROXY_UNKNOWN_HOST' },
  { name: 'Host with a trailing dot', bytes: 'GET / HTTP/1.1\r\nHost: 127.0.0.1.\r\n\r\n', strict: 'AIRLOCK_PROXY_BAD_HOST', lenient: 'AIRLOCK_PROXY_BAD_HOST' },
  { name: 'Host with userinfo', bytes: 'GET / HTTP/1.1\r\nHost: a@127.0.0.1\r\n\r\n', strict: 'AIRLOCK_PROXY_BAD_HOST', lenient: 'AIRLOCK_PROXY_BAD_HOST' },
  { name: 'garbage request line', bytes: 'HELLO\x01 WORLD\r\n\r\n', strict: 'AIRLOCK_PROXY_MALFORMED_REQUEST', lenient: 'AIRLOCK_PROXY_MALFORMED_REQUEST' },
  { name: 'bad chunk size', bytes: 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', strict: 'AIRLOCK_PROXY_MALFORMED_REQUEST', lenient: 'AIRLOCK_PROXY_MALFORMED_REQUEST' },
];

const STATUS: Record<string, number> = { AIRLOCK_PROXY_UNKNOWN_HOST: 421 };

for (const mode of ['strict', 'lenient'] as const) {
  describe(`framing refusals over raw sockets (${mode === 'strict' ? "Node's default parser" : 'insecureHTTPParser, requireHostHeader: false'})`, () => {
    let up: RecordingUpstream;
    let gw: Gateway;
    before(async () => {
      up = await startRecordingUpstream();
      gw = await startGateway({
        environments: oneEnv(up.url),
        ...(mode === 'lenient' ? { serverOptions: { insecureHTTPParser: true, requireHostHeader: false } } : {}),
      });
    });
    after(async () => {
      await gw.close();
      await up.close();
    });

    for (const c of CASES) {
      test(c.name, async () => {
        const res = await rawRequest(gw.port, c.bytes);
        const code = c[mode];
        assert.equal(res.status, code ? (STATUS[code] ?? 400) : 400);
        if (code) {
          const body = JSON.parse(res.body) as { error: string; message: string };
          assert.equal(body.error, code);
          assert.doesNotMatch(res.body, /\bat |Error:|HPE_|node:/, 'no stack trace or parser internals');
        }
        assert.equal(up.received.length, 0, 'nothing reached the upstream');
      });
    }

    test('oversized headers are answered 431', async () => {
      const res = await rawRequest(gw.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assert.equal(res.status, 431);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_HEADERS_TOO_LARGE');
    });

    test('a well-framed request still passes', async () => {
      const res = await rawRequest(gw.port, 'POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
      assert.equal(res.status, 200);
      assert.equal(up.received.at(-1)!.body.toString(), 'abc');
      up.received.length = 0;
    });
  });
}
