import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, cidrNetworkText, parseCidr, parseIp } from '../../../src/config/index.ts';
import { compileTrustedProxies } from '../../../src/proxy/index.ts';

test('parses IPv4, IPv6 and IPv4-mapped IPv6', () => {
  assert.equal(parseIp('10.1.2.3')?.text, '10.1.2.3');
  assert.equal(parseIp('::ffff:10.1.2.3')?.text, '10.1.2.3');
  assert.equal(parseIp('::FFFF:0a01:0203')?.text, '10.1.2.3');
  assert.equal(parseIp('2001:DB8::1')?.text, '2001:db8::1');
  assert.equal(parseIp('fe80::1%eth0')?.text, 'fe80::1');
  assert.equal(parseIp('::')?.value, 0n);
  assert.equal(parseIp('1:2:3:4:5:6:7:8')?.value, 0x00010002000300040005000600070008n);
  assert.equal(parseIp('::1.2.3.4')?.value, 0x01020304n);
});

test('refuses what is not an address', () => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', ':::', 'unknown', '1.2.3.4:80']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('CIDR matching: IPv4, IPv6, and IPv4 CIDRs match IPv4-mapped peers', () => {
  const v4 = parseCidr('10.0.0.0/8')!;
  assert.ok(cidrContains(v4, parseIp('10.255.0.1')!));
  assert.ok(cidrContains(v4, parseIp('::ffff:10.9.9.9')!));
  assert.ok(!cidrContains(v4, parseIp('11.0.0.1')!));
  assert.ok(!cidrContains(v4, parseIp('::a00:1')!), 'IPv4-compatible (not mapped) is IPv6');
  const v6 = parseCidr('fd00::/8')!;
  assert.ok(cidrContains(v6, parseIp('fd12:3456::1')!));
  assert.ok(!cidrContains(v6, parseIp('fe80::1')!));
  const host = parseCidr('192.0.2.7')!;
  assert.ok(cidrContains(host, parseIp('192.0.2.7')!));
  assert.ok(!cidrContains(host, parseIp('192.0.2.8')!));
  const all4 = parseCidr('0.0.0.0/0')!;
  assert.ok(cidrContains(all4, parseIp('8.8.8.8')!));
  assert.ok(!cidrContains(all4, parseIp('2001:db8::1')!), '0.0.0.0/0 is every IPv4 address only');
  assert.ok(cidrContains(parseCidr('::/0')!, parseIp('8.8.8.8')!));
  assert.ok(cidrContains(parseCidr('::ffff:192.168.0.0/112')!, parseIp('192.168.3.4')!));
});

test('refuses invalid CIDRs and ones with host bits set (TypeError at compile)', () => {
  for (const bad of ['10.0.0.1/8', '10.0.0.0/33', 'fd00::/129', 'fd00::1/8', '10.0.0.0/', '10.0.0.0/08', 'nope', 'fe80::1%eth0/64']) {
    assert.equal(parseCidr(bad), undefined, bad);
    assert.throws(() => compileTrustedProxies([bad]), TypeError);
  }
  assert.equal(compileTrustedProxies(['10.0.0.0/8', ' fd00::/8 ']).cidrs.length, 2);
});

test('cidrNetworkText names the block a CIDR with host bits set lies in; anything else is undefined', () => {
  const blocks: Array<[string, string]> = [
    ['10.0.0.1/8', '10.0.0.0/8'],
    ['192.168.1.77/24', '192.168.1.0/24'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['fd00:1:2:3::9/48', 'fd00:1:2::/48'],
    ['::ffff:10.0.0.1/120', '::ffff:a00:0/120'],
    ['1:0:0:1:0:0:0:1/64', '1:0:0:1::/64'],
  ];
  for (const [input, block] of blocks) assert.equal(cidrNetworkText(input), block, input);
  for (const notOne of ['10.0.0.0/8', '10.0.0.1', 'nope/8', '10.0.0.1/33', '10.0.0.1/08', 'fe80::1%eth0/64']) assert.equal(cidrNetworkText(notOne), undefined, notOne);
  // what it returns is a valid block the proxy accepts
  for (const bad of ['10.0.0.1/8', '2001:db8::1/32', '::ffff:10.0.0.1/120']) assert.ok(parseCidr(cidrNetworkText(bad)!), bad);
});
