import { z } from 'zod';
import {
  broadcastAddress,
  contains,
  firstHostAddress,
  formatCidr,
  isIpv4,
  networkAddress,
  parseCidr,
  type Cidr,
} from '../net/ipv4.js';
import { notUnicastSubnet, overlaps, RESERVED_INTERFACE_NAMES } from '../net/special.js';
import { reservedName, rawName, type Draft } from './draft.js';
import { cidr, cidr6, interfaceName, ipv4, ipv6 } from './fields.js';
import type { Fail, Path } from './problems.js';

export const segmentSchema = z
  .strictObject({
    name: interfaceName.describe('The host-side interface name of this segment, e.g. "ens192".'),
    subnet: cidr.describe('The segment\'s IPv4 network, e.g. "192.168.1.0/24"; its hosts\' addresses lie inside it.'),
    gateway: ipv4
      .optional()
      .describe("Default route of every host on the segment; proxy ARP needs it. Default: the subnet's first address."),
    subnet6: cidr6.optional().describe("The segment's IPv6 network, for hosts with an address6 (dual stack)."),
    gateway6: ipv6.optional().describe('IPv6 default route of its hosts. Default: the first address of subnet6.'),
  })
  .meta({ title: 'Segment' });

/** The valid segments by name, with their gateway. */
export type Segments = Map<string, { subnet: Cidr; gateway: string }>;

/** Segment names are unique, subnets are networks of unicast space that leave room and overlap none. */
export function checkSegments(s: Draft, fail: Fail): Segments {
  const segmentNames = s.raw.segments.map(rawName);
  const segments: Segments = new Map();
  segmentNames.forEach((name, i) => {
    if (name !== undefined && segmentNames.indexOf(name) < i)
      fail(['segments', i, 'name'], `duplicate segment name "${name}"`);
  });
  s.segments.forEach((seg, i) => {
    if (!seg) return;
    const subnet = parseCidr(seg.subnet);
    if (!subnet) return;
    const network = networkAddress(subnet);
    if (network !== subnet.address) {
      fail(['segments', i, 'subnet'], `${seg.subnet} has host bits set; the network is ${network}/${subnet.prefix}`);
    }
    if (subnet.prefix > 30) fail(['segments', i, 'subnet'], `/${subnet.prefix} leaves no room for a gateway and hosts`);
    const special = notUnicastSubnet({ address: network, prefix: subnet.prefix });
    if (special) fail(['segments', i, 'subnet'], `${seg.subnet} ${special}`);
    for (const [other, { subnet: taken }] of segments) {
      if (overlaps(taken, subnet))
        fail(['segments', i, 'subnet'], `${seg.subnet} overlaps segment ${other} (${formatCidr(taken)})`);
    }
    if (RESERVED_INTERFACE_NAMES.includes(seg.name)) fail(['segments', i, 'name'], reservedName(seg.name));
    if (seg.gateway !== undefined) checkUsable(subnet, seg.gateway, ['segments', i, 'gateway'], fail);
    if (special || segments.has(seg.name)) return;
    segments.set(seg.name, { subnet, gateway: seg.gateway ?? firstHostAddress(subnet) });
  });
  return segments;
}

/** An address a host or gateway can take on a subnet: inside it, neither its network nor its broadcast address. */
export function checkUsable(subnet: Cidr, address: string, path: Path, fail: Fail, segmentName?: string): void {
  if (!isIpv4(address)) return;
  const where = segmentName ? `segment ${segmentName} (${formatCidr(subnet)})` : formatCidr(subnet);
  if (!contains(subnet, address)) fail(path, `${address} is outside ${where}`);
  else if (address === networkAddress(subnet)) fail(path, `${address} is the network address of ${where}`);
  else if (address === broadcastAddress(subnet)) fail(path, `${address} is the broadcast address of ${where}`);
}
