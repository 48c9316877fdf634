import { contains, parseCidr, type Cidr } from './ipv4.js';

/** Address ranges that can never hold a lab's hosts or workloads, with the reason in words. */
const SPECIAL: { range: Cidr; why: string }[] = [
  { range: parseCidr('0.0.0.0/8')!, why: '"this network" (0.0.0.0/8), not a host address' },
  { range: parseCidr('127.0.0.0/8')!, why: 'loopback (127.0.0.0/8)' },
  { range: parseCidr('224.0.0.0/4')!, why: 'multicast (224.0.0.0/4)' },
  { range: parseCidr('240.0.0.0/4')!, why: 'reserved (240.0.0.0/4, with the broadcast address 255.255.255.255)' },
];

export const LINK_LOCAL = parseCidr('169.254.0.0/16')!;

/** Pure: why `address` cannot be a unicast host address, or undefined when it can. */
export function notUnicast(address: string): string | undefined {
  return SPECIAL.find((s) => contains(s.range, address))?.why;
}

/** Pure: whether two subnets share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.address) || contains(b, a.address);
}

/** Pure: why a subnet cannot be a segment, or undefined when it can. */
export function notUnicastSubnet(subnet: Cidr): string | undefined {
  const special = SPECIAL.find((s) => overlaps(s.range, subnet));
  if (special) return `overlaps ${special.why}`;
  if (overlaps(LINK_LOCAL, subnet))
    return "overlaps link-local 169.254.0.0/16, where every workload's gateway 169.254.1.1 lives";
  return undefined;
}

/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const IFNAME_MAX = 15;

/**
 * Interface names taken before a scenario names anything: the loopback and the sysctl folders of
 * every interface; the catch-all tunnel devices the kernel puts in every namespace once their
 * module is loaded (tunl0 for IPIP, and the others'); and Calico's VXLAN device, which testbed makes.
 */
export const RESERVED_INTERFACE_NAMES = [
  'lo',
  'all',
  'default',
  'tunl0',
  'gre0',
  'gretap0',
  'erspan0',
  'ip_vti0',
  'ip6_vti0',
  'sit0',
  'ip6tnl0',
  'ip6gre0',
  'vxlan.calico',
];

/** Pure: why a MAC cannot be a veth's own address (the kernel refuses multicast and all-zero ones). */
export function notUnicastMac(mac: string): string | undefined {
  if (/^(00:){5}00$/.test(mac)) return 'is all zeros';
  if (Number.parseInt(mac.slice(0, 2), 16) & 1) return 'is a multicast MAC (the first octet is odd)';
  return undefined;
}
