import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateToken, readCredential } from '../../../src/tokens/index.ts';

const { token } = generateToken('service');
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln';
const req = (headers: [string, string][], url = '/api/v1/dags') => ({ rawHeaders: headers.flat(), url });
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'none';
};

describe('reading credentials', () => {
  test('Bearer alk_ is a token, Bearer <JWS> a JWT, anything else "other"; no header: none', () => {
    assert.deepEqual(readCredential(req([['Authorization', `Bearer ${token}`]])), { kind: 'token', value: token });
    assert.deepEqual(readCredential(req([['authorization', `bearer   ${token}`]])), { kind: 'token', value: token });
    assert.deepEqual(readCredential(req([['Authorization', `Bearer ${JWT}`]])), { kind: 'jwt', value: JWT });
    assert.deepEqual(readCredential(req([['Authorization', 'Bearer q3em6rDrNk3aQcdc235WQdaYJup8SC5YW1s3hXHVNaM']])), { kind: 'other', scheme: 'bearer' });
    assert.deepEqual(readCredential(req([['Authorization', `Basic ${Buffer.from('admin:admin').toString('base64')}`]])), { kind: 'other', scheme: 'basic' });
    assert.equal(readCredential(req([['Accept', 'application/json']])), undefined);
  });

  test('a token in the query string (plain or percent-encoded) or any access_token parameter is refused', () => {
    assert.equal(code(() => readCredential(req([], `/api/v1/dags?token=${token}`))), 'AIRLOCK_TOKEN_IN_URL');
    assert.equal(code(() => readCredential(req([], `/api/v1/dags?x=1&api_key=${encodeURIComponent(token).replace(/_/g, '%5F')}`))), 'AIRLOCK_TOKEN_IN_URL');
    assert.equal(code(() => readCredential(req([], `/api/v1/dags/${token}`))), 'AIRLOCK_TOKEN_IN_URL');
    assert.equal(code(() => readCredential(req([], '/api/v1/dags?access_token=abc'))), 'AIRLOCK_TOKEN_IN_URL');
    assert.equal(code(() => readCredential(req([], '/api/v1/dags?Access_Token=abc'))), 'AIRLOCK_TOKEN_IN_URL');
    assert.equal(code(() => readCredential(req([], '/api/v1/dags?dag_id_pattern=alk_etl'))), 'none', 'a DAG id that merely starts with alk_ is fine');
  });

  test('a token in a cookie, as a Basic password or user, or with another scheme is refused', () => {
    assert.equal(code(() => readCredential(req([['Cookie', `session=x; airlock_token=${token}`]]))), 'AIRLOCK_TOKEN_IN_COOKIE');
    assert.equal(code(() => readCredential(req([['Authorization', `Basic ${Buffer.from(`ci:${token}`).toString('base64')}`]]))), 'AIRLOCK_TOKEN_IN_BASIC');
    assert.equal(code(() => readCredential(req([['Authorization', `Basic ${Buffer.from(`${token}:`).toString('base64')}`]]))), 'AIRLOCK_TOKEN_IN_BASIC');
    assert.equal(code(() => readCredential(req([['Authorization', `Token ${token}`]]))), 'AIRLOCK_TOKEN_IN_BASIC');
  });

  test('two Authorization headers are ambiguous', () => {
    assert.equal(code(() => readCredential(req([['Authorization', `Bearer ${token}`], ['authorization', 'Bearer other']]))), 'AIRLOCK_TOKEN_AMBIGUOUS');
  });
});
