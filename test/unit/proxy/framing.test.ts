import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { checkFraming, declaresBody, refuseBody } from '../../../src/proxy/index.ts';

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

test('checkFraming refuses a body on GET and HEAD (any Transfer-Encoding, a Content-Length other than 0); declaresBody/refuseBody', () => {
  const withMethod = (method: string, raw: string[]) => {
    const m = message(raw);
    m.method = method;
    return m;
  };
  const codeOf = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return undefined;
  };
  for (const method of ['GET', 'HEAD']) {
    assert.equal(codeOf(() => checkFraming(withMethod(method, ['Host', 'a', 'Content-Length', '5']))), 'AIRLOCK_PROXY_UNEXPECTED_BODY', method);
    assert.equal(codeOf(() => checkFraming(withMethod(method, ['Host', 'a', 'Transfer-Encoding', 'chunked']))), 'AIRLOCK_PROXY_UNEXPECTED_BODY', method);
    assert.equal(codeOf(() => checkFraming(withMethod(method, ['Host', 'a', 'Content-Length', '0']))), undefined, method);
    assert.equal(codeOf(() => checkFraming(withMethod(method, ['Host', 'a', 'Content-Length', '000']))), undefined, method);
    assert.equal(codeOf(() => checkFraming(withMethod(method, ['Host', 'a']))), undefined, method);
  }
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) assert.equal(codeOf(() => checkFraming(withMethod(method, ['Host', 'a', 'Content-Length', '5']))), undefined, method);
  // the framing refusals keep their precedence over the body rule
  assert.equal(codeOf(() => checkFraming(withMethod('GET', ['Host', 'a', 'Content-Length', '5', 'Transfer-Encoding', 'chunked']))), 'AIRLOCK_PROXY_CL_TE');
  const del = (headers: Record<string, string>) => {
    const m = withMethod('DELETE', []);
    m.headers = headers;
    return m;
  };
  assert.equal(declaresBody(del({ 'content-length': '0' })), false);
  assert.equal(declaresBody(del({})), false);
  assert.equal(declaresBody(del({ 'content-length': '2' })), true);
  assert.equal(declaresBody(del({ 'transfer-encoding': 'chunked' })), true);
  assert.equal(codeOf(() => refuseBody(del({ 'content-length': '2' }))), 'AIRLOCK_PROXY_UNEXPECTED_BODY');
  assert.equal(codeOf(() => refuseBody(del({ 'content-length': '0' }))), undefined);
});
