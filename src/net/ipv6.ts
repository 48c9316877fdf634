import { Address6 } from 'ip-address';

/** An IPv6 network: its address in canonical (compressed, lower-case) form and prefix length. */
export interface Cidr6 {
  address: string;
  prefix: number;
}

const ipv6Text = /^[0-9A-Fa-f:.]+$/;

/** True for an IPv6 address without prefix or zone. */
export function isIpv6(text: string): boolean {
  return text.includes(':') && ipv6Text.test(text) && Address6.isValid(text);
}

/** The canonical form of an IPv6 address (what `ip` prints). */
export function canonical6(address: string): string {
  return new Address6(address).correctForm();
}

/** Parses "addr/len"; undefined when invalid. */
export function parseCidr6(text: string): Cidr6 | undefined {
  const [address = '', prefixText, ...rest] = text.split('/');
  if (rest.length > 0 || prefixText === undefined || !/^\d{1,3}$/.test(prefixText) || !isIpv6(address))
    return undefined;
  const prefix = Number(prefixText);
  return prefix <= 128 ? { address: canonical6(address), prefix } : undefined;
}

export const formatCidr6 = (cidr: Cidr6) => `${cidr.address}/${cidr.prefix}`;

/** The network address of a prefix (host bits cleared). */
export function networkAddress6(cidr: Cidr6): string {
  return new Address6(formatCidr6(cidr)).startAddress().correctForm();
}

/** The first address after the network address: a segment's default gateway. */
export function firstHostAddress6(cidr: Cidr6): string {
  return Address6.fromBigInt(new Address6(formatCidr6(cidr)).startAddress().bigInt() + 1n).correctForm();
}

export function contains6(subnet: Cidr6, address: string): boolean {
  return new Address6(address).isInSubnet(new Address6(formatCidr6(subnet)));
}

/** Why an address cannot be a routed unicast address: unspecified, loopback, link-local, multicast, v4-mapped. */
export function notUnicast6(address: string): string | undefined {
  const a = new Address6(address);
  if (a.bigInt() === 0n) return 'the unspecified address (::)';
  if (a.isLoopback()) return 'the loopback address (::1)';
  if (a.isLinkLocal() || a.isInSubnet(new Address6('fe80::/10'))) return 'link-local (fe80::/10)';
  if (a.isMulticast()) return 'multicast (ff00::/8)';
  if (a.isInSubnet(new Address6('::ffff:0:0/96'))) return 'an IPv4-mapped address (::ffff:0:0/96)';
  return undefined;
}

/** Why a prefix cannot hold routed unicast addresses: it overlaps one of the ranges above. */
export function notUnicastSubnet6(subnet: Cidr6): string | undefined {
  for (const [range, why] of SPECIAL6) {
    const special = parseCidr6(range)!;
    if (contains6(special, subnet.address) || contains6(subnet, special.address)) return `overlaps ${why} (${range})`;
  }
  return undefined;
}

const SPECIAL6: [string, string][] = [
  ['::/127', 'the unspecified and loopback addresses'],
  ['::ffff:0:0/96', 'IPv4-mapped addresses'],
  ['fe80::/10', 'link-local addresses'],
  ['ff00::/8', 'multicast'],
];

/**
 * The link-local address the kernel derives from a MAC (modified EUI-64): ee:ee:ee:ee:ee:ee gives
 * fe80::ecee:eeff:feee:eeee, the gateway of every Calico workload on IPv6.
 */
export function linkLocalFromMac(mac: string): string {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  const eui = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((eui[i]! << 8) | eui[i + 1]!).toString(16));
  return canonical6(`fe80::${groups.join(':')}`);
}
