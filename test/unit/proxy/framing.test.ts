import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { checkFraming } from '../../../src/proxy/index.ts';

/** A real IncomingMessage carrying the given raw headers (what Node's parser would have produced). */
function message(raw: string[]): IncomingMessage {
  const m = new IncomingMessage(new Socket());
  m.rawHeaders = raw;
  return m;
}

function code(raw: string[]): string | undefined {
  try {
    checkFraming(message(raw));
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

test('checkFraming refuses ambiguous framing from rawHeaders', () => {
  assert.equal(code(['Host', 'a']), undefined);
  assert.equal(code(['Host', 'a', 'Content-Length', '3']), undefined);
  assert.equal(code(['Host', 'a', 'Transfer-Encoding', 'Chunked']), undefined);
  assert.equal(code([]), 'AIRLOCK_PROXY_MISSING_HOST');
  assert.equal(code(['Host', 'a', 'host', 'a']), 'AIRLOCK_PROXY_DUPLICATE_HOST');
  assert.equal(code(['Host', 'a', 'Content-Length', '1', 'content-length', '1']), 'AIRLOCK_PROXY_DUPLICATE_CONTENT_LENGTH');
  assert.equal(code(['Host', 'a', 'Content-Length', '1', 'Transfer-Encoding', 'chunked']), 'AIRLOCK_PROXY_CL_TE');
  assert.equal(code(['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']), 'AIRLOCK_PROXY_BAD_TRANSFER_ENCODING');
  assert.equal(code(['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked']), 'AIRLOCK_PROXY_BAD_TRANSFER_ENCODING');
  assert.equal(code(['Host', 'a', 'Transfer-Encoding', 'identity']), 'AIRLOCK_PROXY_BAD_TRANSFER_ENCODING');
});
