import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_RESULTS, parseFilter, parsePaging } from '../../../src/scim/index.ts';

const code = (e: any) => `${e.code}/${e.details?.scimType}`;

describe('SCIM filters: the one form the IdPs send, nothing guessed', () => {
  test('attr eq "value" for Users and Groups; names and eq are case-insensitive; the value is a JSON string', () => {
    assert.deepEqual(parseFilter('userName eq "carol@example.com"', 'Users'), { attr: 'userName', value: 'carol@example.com' });
    assert.deepEqual(parseFilter('USERNAME EQ "x"', 'Users'), { attr: 'userName', value: 'x' });
    assert.deepEqual(parseFilter('externalId eq "00u1"', 'Users'), { attr: 'externalId', value: '00u1' });
    assert.deepEqual(parseFilter('id eq "1"', 'Groups'), { attr: 'id', value: '1' });
    assert.deepEqual(parseFilter('displayName eq "data \\"eng\\""', 'Groups'), { attr: 'displayName', value: 'data "eng"' });
    assert.deepEqual(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"', 'Users'), { attr: 'userName', value: 'a' });
    assert.equal(parseFilter(null, 'Users'), undefined);
  });

  test('other operators, logic, attributes and trailing text are invalidFilter (400)', () => {
    for (const f of [
      'userName co "a"',
      'userName sw "a"',
      'userName pr',
      'userName ne "a"',
      'userName eq "a" or userName eq "b"',
      'userName eq "a" and active eq true',
      'userName eq "a" or 1=1',
      "userName eq 'a' or '1'='1'",
      'userName eq "a"; drop table scim_users; --',
      'not (userName eq "a")',
      'emails[type eq "work"].value eq "a"',
      'displayName eq "a"', // a Groups attribute on Users
      'userName eq a',
      'userName eq 1',
      'userName eq',
      '',
      `userName eq "${'x'.repeat(2000)}"`,
    ]) {
      assert.throws(() => parseFilter(f, 'Users'), (e: any) => code(e) === 'AIRLOCK_SCIM_INVALID_FILTER/invalidFilter' && e.status === 400, f.slice(0, 80));
    }
    assert.throws(() => parseFilter('userName eq "a"', 'Groups'), (e: any) => e.code === 'AIRLOCK_SCIM_INVALID_FILTER');
  });

  test('injection-looking text inside the quotes is just a value', () => {
    assert.deepEqual(parseFilter('userName eq "a\\" or \\"1\\"=\\"1"', 'Users'), { attr: 'userName', value: 'a" or "1"="1' });
    assert.deepEqual(parseFilter(`userName eq "x'; drop table users; --"`, 'Users'), { attr: 'userName', value: "x'; drop table users; --" });
  });
});

describe('SCIM paging', () => {
  const p = (q: string) => parsePaging(new URLSearchParams(q));
  test('defaults, 1-based startIndex, count capped at MAX_RESULTS (1e9 too), negatives clamped', () => {
    assert.deepEqual(p(''), { offset: 0, startIndex: 1, count: MAX_RESULTS });
    assert.deepEqual(p('startIndex=11&count=5'), { offset: 10, startIndex: 11, count: 5 });
    assert.deepEqual(p('count=1e9'), { offset: 0, startIndex: 1, count: MAX_RESULTS });
    assert.deepEqual(p('count=1000000000'), { offset: 0, startIndex: 1, count: MAX_RESULTS });
    assert.deepEqual(p('startIndex=0&count=-3'), { offset: 0, startIndex: 1, count: 0 });
  });
  test('a count or startIndex that is not a number, or given twice, is invalidValue', () => {
    for (const q of ['count=abc', 'startIndex=1x', 'count=NaN', 'count=Infinity', 'count=1&count=2', 'count=']) {
      assert.throws(() => p(q), (e: any) => code(e) === 'AIRLOCK_SCIM_INVALID_VALUE/invalidValue', q);
    }
  });
});
