import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { translateOidcError } from '../../../src/identity/translate-error.ts';

/**
 * openid-client v6 errors are built here with the library's own classes and the shapes its sources give them
 * (oauth4webapi's ResponseBodyError / WWWAuthenticateChallengeError, openid-client's ClientError wrapping an
 * OperationProcessingError); the gateway tests in test/integration/identity produce the same errors for real.
 */
const ACCESS_TOKEN = 'at-0123456789abcdefghijklmnopqrstuv';
/** openid-client's ClientError as its errorHandler builds it: `new ClientError(message, { cause, code })` (the .d.ts omits the options). */
const ClientError = oidc.ClientError as unknown as new (message: string, options: { code: string; cause: unknown }) => oidc.ClientError;
const clientError = (code: string, cause: unknown) => new ClientError('wrapped', { code, cause: Object.assign(new Error('inner'), { code, cause }) });

describe('translateOidcError', () => {
  test('an OAuth error body (invalid_client, invalid_grant) is IdP refused with the error; the description goes to the log only', () => {
    for (const error of ['invalid_client', 'invalid_grant']) {
      const err = new oidc.ResponseBodyError('server responded with an error in the response body', {
        cause: { error, error_description: 'client authentication failed' },
        response: new Response(null, { status: 401 }),
      });
      const e = translateOidcError(err, 'token');
      assert.equal(e.code, 'AIRLOCK_IDENTITY_IDP_ERROR');
      assert.equal(e.status, 401);
      assert.deepEqual(e.details, { idp_error: error });
      assert.match(e.publicMessage, new RegExp(error));
      assert.doesNotMatch(e.publicMessage, /client authentication failed/);
      assert.match(e.message, /client authentication failed/);
    }
  });

  test('a WWW-Authenticate challenge is IdP refused with its error', () => {
    const err = new oidc.WWWAuthenticateChallengeError('challenge', {
      cause: [{ scheme: 'bearer', parameters: { error: 'invalid_token', error_description: 'expired' } }],
      response: new Response(null, { status: 401 }),
    });
    const e = translateOidcError(err, 'userinfo');
    assert.equal(e.code, 'AIRLOCK_IDENTITY_IDP_ERROR');
    assert.equal(e.details?.idp_error, 'invalid_token');
  });

  test('a hostile error value is cut to a safe token', () => {
    const err = new oidc.ResponseBodyError('x', { cause: { error: '<script>alert(1)</script>\r\nX: y' }, response: new Response(null, { status: 400 }) });
    assert.equal(translateOidcError(err, 'token').details?.idp_error, 'scriptalert1scriptXy');
  });

  test('5xx, timeouts and network failures are IdP unavailable (503)', () => {
    const status = translateOidcError(new ClientError('unexpected HTTP response status code', { code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', cause: new Response(null, { status: 503 }) }), 'token');
    assert.equal(status.code, 'AIRLOCK_IDENTITY_IDP_UNAVAILABLE');
    assert.equal(status.status, 503);
    assert.deepEqual(status.details, { reason: 'status', idp_status: 503 });
    const timeout = translateOidcError(new ClientError('operation timed out', { code: 'OAUTH_TIMEOUT', cause: new DOMException('timeout', 'TimeoutError') }), 'token');
    assert.deepEqual(timeout.details, { reason: 'timeout' });
    const net = translateOidcError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }), 'userinfo');
    assert.deepEqual(net.details, { reason: 'unreachable' });
  });

  test('ID token failures name the claim or check', () => {
    const claim = (c: string) => translateOidcError(clientError('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: c, claims: { sub: 'a' } }), 'token');
    for (const c of ['iss', 'aud', 'nonce', 'azp']) {
      const e = claim(c);
      assert.equal(e.code, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
      assert.equal(e.details?.check, c);
    }
    assert.equal(translateOidcError(clientError('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', { claim: 'exp', claims: {} }), 'token').details?.check, 'exp');
    assert.equal(translateOidcError(clientError('OAUTH_INVALID_RESPONSE', { claims: { iss: 'i', sub: 's', aud: 'a', exp: 1, iat: 1 } }), 'token').details?.check, 'nonce');
  });

  test('a cause carrying the token response never reaches the AirlockError (message or cause chain)', () => {
    const err = clientError('OAUTH_INVALID_RESPONSE', { body: { access_token: ACCESS_TOKEN, id_token: 'eyJ.eyJ.sig' } });
    const e = translateOidcError(err, 'token');
    assert.equal(e.details?.check, 'token_response');
    const seen: string[] = [e.message, JSON.stringify(e)];
    for (let c: unknown = e.cause; c; c = (c as { cause?: unknown }).cause) seen.push(String((c as Error).message), JSON.stringify(c), Object.keys(c as object).join());
    assert.ok(!seen.join('\n').includes(ACCESS_TOKEN), 'the access token is gone');
    assert.ok(!seen.join('\n').includes('eyJ.eyJ.sig'));
  });

  test('userinfo sub mismatch is USERINFO_MISMATCH; an authorization-stage parse error is LOGIN_STATE_INVALID', () => {
    assert.equal(translateOidcError(clientError('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', { attribute: 'sub' }), 'userinfo').code, 'AIRLOCK_IDENTITY_USERINFO_MISMATCH');
    assert.equal(translateOidcError(clientError('OAUTH_PARSE_ERROR', {}), 'authorization').code, 'AIRLOCK_IDENTITY_LOGIN_STATE_INVALID');
  });
});
