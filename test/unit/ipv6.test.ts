import { describe, expect, it } from 'vitest';
import {
  canonical6,
  contains6,
  firstHostAddress6,
  isIpv6,
  linkLocalFromMac,
  notUnicast6,
  parseCidr6,
} from '../../src/net/ipv6.js';

describe('IPv6 addresses', () => {
  it("gives the link-local address the kernel derives from a MAC (EUI-64): Calico's gateway from ee:ee:ee:ee:ee:ee", () => {
    expect(linkLocalFromMac('ee:ee:ee:ee:ee:ee')).toBe('fe80::ecee:eeff:feee:eeee');
    expect(linkLocalFromMac('02:42:c0:a8:01:20')).toBe('fe80::42:c0ff:fea8:120');
  });

  it('parses, canonicalises and contains', () => {
    expect(isIpv6('FD00:0:0::1')).toBe(true);
    expect(isIpv6('10.0.0.1')).toBe(false);
    expect(isIpv6('fd00::1/64')).toBe(false);
    expect(canonical6('FD00:0:0:0::0001')).toBe('fd00::1');
    expect(parseCidr6('fd00:192:168:1::/64')).toEqual({ address: 'fd00:192:168:1::', prefix: 64 });
    expect(parseCidr6('fd00::/129')).toBeUndefined();
    expect(firstHostAddress6(parseCidr6('fd00:192:168:1::/64')!)).toBe('fd00:192:168:1::1');
    expect(contains6(parseCidr6('fd00:192:168:1::/64')!, 'fd00:192:168:1::32')).toBe(true);
    expect(contains6(parseCidr6('fd00:192:168:1::/64')!, 'fd00:10:20:1::2')).toBe(false);
  });

  it('names what cannot be a routed unicast address', () => {
    expect(['::', '::1', 'fe80::1', 'ff02::1', '::ffff:10.0.0.1', 'fd00::2'].map(notUnicast6)).toEqual([
      'the unspecified address (::)',
      'the loopback address (::1)',
      'link-local (fe80::/10)',
      'multicast (ff00::/8)',
      'an IPv4-mapped address (::ffff:0:0/96)',
      undefined,
    ]);
  });
});
