import { z } from 'zod';
import { broadcastAddress, contains, formatCidr, isIpv4, networkAddress, parseCidr, type Cidr } from '../net/ipv4.js';
import {
  LINK_LOCAL,
  notUnicast,
  notUnicastMac,
  notUnicastSubnet,
  overlaps,
  RESERVED_INTERFACE_NAMES,
} from '../net/special.js';
import { rawList, rawName, record, reservedName, type Draft, type DraftHost } from './draft.js';
import { addressWithOptionalPrefix, interfaceName, ipv4, ipv6, mac, nodeName } from './fields.js';
import type { Fail, Path } from './problems.js';
import { checkUsable, type Segments } from './segments.js';

export const workloadSchema = z
  .strictObject({
    name: nodeName.describe(
      'The workload\'s name, e.g. "ns0"; unique among hosts and workloads, as steps refer to it.',
    ),
    address: addressWithOptionalPrefix
      .optional()
      .describe(
        '"10.20.1.2" (a /32, as Calico assigns) or "10.20.1.2/24" (the seed\'s lab variant); may be left out for an IPv6-only workload.',
      ),
    interface: interfaceName.default('eth0').describe('The interface inside the workload.'),
    hostInterface: interfaceName
      .optional()
      .describe('The host end of the veth. Default: "cali" + 11 hex chars derived from lab, host and workload.'),
    hostMac: z
      .union([mac, z.literal('kernel')])
      .default('ee:ee:ee:ee:ee:ee')
      .describe('MAC of the host end; "kernel" keeps the random one the kernel assigns.'),
    proxyDelay: z
      .union([z.number().int().min(0), z.literal('kernel')])
      .default(0)
      .describe('neigh/<if>/proxy_delay in 1/100 s; "kernel" leaves the kernel default (80: up to 0.8 s).'),
    address6: ipv6.optional().describe("The workload's IPv6 address (a /128), beside its IPv4 one or instead of it."),
  })
  .meta({ title: 'Workload' });

export const hostSchema = z
  .strictObject({
    name: nodeName.describe('The host\'s name, e.g. "host0"; unique among hosts and workloads, as steps refer to it.'),
    segment: z.string().optional().describe('Segment name; may be left out when the scenario has one segment.'),
    address: ipv4.describe("The host's address on its segment, without prefix (the segment's prefix applies)."),
    tunnelAddress: ipv4
      .optional()
      .describe(
        "With an encapsulation: the host's own address on its tunnel device (IPIP's tunl0, the VXLAN VTEP). Default: the first address of the host's block (bgp.block), as Calico's IPAM gives it.",
      ),
    address6: ipv6
      .optional()
      .describe("The host's IPv6 address on its segment (the segment's subnet6 prefix applies)."),
    workloads: z
      .array(workloadSchema)
      .default([])
      .describe("Its workloads: network namespaces wired to the host by a veth pair, as Calico's pods."),
  })
  .meta({ title: 'Host' });

/** A host without its workloads, which are parsed one by one. */
export const hostHead = hostSchema.extend({ workloads: z.array(z.unknown()).default([]) });

type Claim = (address: string, owner: string, path: Path) => void;

/** Node names as written are unique: a duplicate is found even where its element is otherwise broken. */
export function checkNodeNames(s: Draft, fail: Fail): void {
  const seen = new Set<string>();
  const uniqueNode = (name: string | undefined, path: Path) => {
    if (name === undefined) return;
    if (seen.has(name)) fail([...path, 'name'], `duplicate node name "${name}"`);
    seen.add(name);
  };
  s.raw.hosts.forEach((host, h) => {
    uniqueNode(rawName(host), ['hosts', h]);
    rawList(record(host).workloads).forEach((w, i) => uniqueNode(rawName(w), ['hosts', h, 'workloads', i]));
  });
}

/** Each host on a known segment at a usable address, and its workloads' addresses and interfaces. */
export function checkHosts(s: Draft, segments: Segments, claim: Claim, fail: Fail): void {
  const segmentNames = s.raw.segments.map(rawName);
  s.hosts.forEach((host, h) => {
    if (!host) return;
    const hostPath: Path = ['hosts', h];
    const segmentName = host.segment ?? (segmentNames.length === 1 ? segmentNames[0] : undefined);
    const segment = segmentName === undefined ? undefined : segments.get(segmentName);
    if (segmentName === undefined) {
      if (segmentNames.length > 1)
        fail([...hostPath, 'segment'], 'is required when the scenario has more than one segment');
    } else if (!segment) {
      if (!segmentNames.includes(segmentName)) fail([...hostPath, 'segment'], `unknown segment "${segmentName}"`);
    } else {
      checkUsable(segment.subnet, host.address, [...hostPath, 'address'], fail, segmentName);
    }
    if (isIpv4(host.address)) claim(host.address, `host ${host.name}`, [...hostPath, 'address']);
    checkWorkloads(host, hostPath, new Set(segmentName ? [segmentName] : []), { segments, claim, fail });
  });
}

/** A host's workloads: an address of some family, unique interface names, a unicast MAC on the host end. */
function checkWorkloads(
  host: DraftHost,
  hostPath: Path,
  hostInterfaces: Set<string>,
  { segments, claim, fail }: { segments: Segments; claim: Claim; fail: Fail },
): void {
  host.workloads.forEach((w, i) => {
    if (!w) return;
    const path: Path = [...hostPath, 'workloads', i];
    if (w.address === undefined && w.address6 === undefined)
      fail([...path, 'address'], 'is required, unless the workload has an address6 (IPv6 only)');
    const address = w.address === undefined ? undefined : parseCidr(w.address);
    if (address) {
      claim(address.address, `workload ${w.name}`, [...path, 'address']);
      checkWorkloadAddress(address, [...path, 'address'], segments, fail);
    }
    for (const field of ['interface', 'hostInterface'] as const) {
      const name = w[field];
      if (name !== undefined && RESERVED_INTERFACE_NAMES.includes(name)) fail([...path, field], reservedName(name));
    }
    const badMac = w.hostMac === 'kernel' ? undefined : notUnicastMac(w.hostMac);
    if (badMac) fail([...path, 'hostMac'], `${w.hostMac} ${badMac}; a veth needs a unicast MAC`);
    if (w.hostInterface === undefined || RESERVED_INTERFACE_NAMES.includes(w.hostInterface)) return;
    if (hostInterfaces.has(w.hostInterface)) {
      fail([...path, 'hostInterface'], `interface "${w.hostInterface}" already exists on host ${host.name}`);
    }
    hostInterfaces.add(w.hostInterface);
  });
}

/**
 * Workloads are reached by routing: their address is a unicast host address, and the on-link
 * prefix it comes with (the seed's /24) may not reach a segment, link-local space (the gateway
 * 169.254.1.1 must stay behind the default route) or special ranges.
 */
function checkWorkloadAddress(cidr: Cidr, path: Path, segments: Segments, fail: Fail): void {
  const { address, prefix } = cidr;
  const special = notUnicast(address);
  if (special) return fail(path, `${address} is ${special}`);
  if (contains(LINK_LOCAL, address)) {
    return fail(path, `${address} is link-local (169.254.0.0/16), where every workload's gateway 169.254.1.1 lives`);
  }
  const onLink = { address: networkAddress(cidr), prefix };
  if (prefix <= 30 && (address === onLink.address || address === broadcastAddress(cidr))) {
    return fail(
      path,
      `${formatCidr(cidr)} is the ${address === onLink.address ? 'network' : 'broadcast'} address of its own /${prefix}`,
    );
  }
  for (const [name, { subnet }] of segments) {
    if (contains(subnet, address))
      return fail(
        path,
        `${address} is inside segment ${name} (${formatCidr(subnet)}); workloads are routed, not bridged`,
      );
    if (overlaps(subnet, onLink))
      return fail(
        path,
        `${formatCidr(cidr)} puts segment ${name} (${formatCidr(subnet)}) on the workload's own link; use a longer prefix`,
      );
  }
  const beyond = notUnicastSubnet(onLink);
  if (prefix < 32 && beyond) fail(path, `${formatCidr(cidr)} ${beyond}; use a longer prefix`);
}
