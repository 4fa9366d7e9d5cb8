import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeHeaderValue } from '../../../src/proxy/index.ts';

test('visible ASCII passes unchanged; the rest is percent-encoded', () => {
  assert.equal(encodeHeaderValue('eyJhbGc.e30.sig-_'), 'eyJhbGc.e30.sig-_');
  assert.equal(encodeHeaderValue('Admin,User'), 'Admin,User');
  assert.equal(encodeHeaderValue('a\r\nX-Evil: 1'), 'a%0D%0AX-Evil:%201');
  assert.equal(encodeHeaderValue('100%'), '100%25');
  assert.equal(encodeHeaderValue('José'), 'Jos%C3%A9');
  assert.equal(encodeHeaderValue('\0\x7f'), '%00%7F');
  assert.throws(() => encodeHeaderValue(5 as unknown as string), TypeError);
});

test('property: output is always visible ASCII and decodes back to the input', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      const e = encodeHeaderValue(s);
      assert.match(e, /^[\x21-\x7e]*$/);
      assert.equal(decodeURIComponent(e), s);
    }),
    { numRuns: 300 },
  );
});
