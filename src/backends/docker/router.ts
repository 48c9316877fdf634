import { Address4 } from 'ip-address';
import { FABRIC, ip, sysctl, type Section } from '../../dataplane/ops.js';
import type { UplinkMac } from '../../dataplane/host-plan.js';
import { segmentRouting } from '../../dataplane/segment-routing.js';
import { InfraError } from '../../errors.js';
import { broadcastAddress, formatCidr, networkAddress } from '../../net/ipv4.js';
import type { Segment, Topology } from '../../topology/topology.js';

/** Pure: whether the lab needs a router between its segments (several of them, and routing on). */
export function needsRouter(topology: Topology): boolean {
  return segmentRouting(topology).length > 0;
}

/**
 * Pure: the address Docker's own gateway takes on a segment's network. Docker puts it on the
 * bridge, in the machine. Where the lab has a router, the segment's gateway is the router's, so
 * Docker's moves to the highest address nothing of the lab uses (the machine routes nothing of
 * the lab: the networks are internal).
 */
export function dockerGateway(topology: Topology, segment: Segment): string {
  if (!needsRouter(topology)) return segment.gateway;
  const taken = new Set([
    segment.gateway,
    ...topology.hosts.filter((h) => h.segment === segment).map((h) => h.address),
  ]);
  const first = new Address4(networkAddress(segment.subnet)).bigInt() + 1n;
  for (let a = new Address4(broadcastAddress(segment.subnet)).bigInt() - 1n; a >= first; a--) {
    const address = Address4.fromBigInt(a).correctForm();
    if (!taken.has(address)) return address;
  }
  throw new InfraError(
    `segment ${segment.name}: ${formatCidr(segment.subnet)} has no address left for Docker's own gateway ` +
      `(the lab's router holds ${segment.gateway}, the hosts the rest): give it a larger subnet`,
  );
}

/**
 * Pure: what the router's own links need, on the interfaces Docker attached it with (found by
 * their MAC once it runs, as `interfaceOf` says). They exist before anything is set in the
 * container, so they keep the machine's reverse-path filter unless told (the fabric's setting
 * for new links comes too late for them). Docker's networks are IPv4 here: IPv6 is off in the
 * container until turned on, and without DAD, which would hold forwarding back about 2 s.
 */
export function routerLinks(
  topology: Topology,
  interfaceOf: (segment: Segment) => string,
  uplinkMac?: UplinkMac,
): Section[] {
  const noFilter: Section = {
    comment: 'No reverse-path filter on the links Docker attached either.',
    ops: topology.segments.map((s) => sysctl(FABRIC, `net/ipv4/conf/${interfaceOf(s)}/rp_filter`, 0)),
  };
  const segments = topology.segments.filter((s) => s.subnet6);
  if (segments.length === 0) return [noFilter];
  const devices = segments.map(interfaceOf);
  return [
    noFilter,
    {
      comment: `IPv6 gateways: ${segments.map((s) => `${s.gateway6} on ${s.name}`).join(', ')}.`,
      ops: [
        // Every link without DAD before any gets IPv6: turning "all" on turns each link on at once.
        ...['all', 'default', ...devices].map((conf) =>
          sysctl(FABRIC, `net/ipv6/conf/${conf}/accept_dad`, 0, { early: true }),
        ),
        ...['all', 'default', ...devices].map((conf) =>
          sysctl(FABRIC, `net/ipv6/conf/${conf}/disable_ipv6`, 0, { early: true }),
        ),
        ...segments.map((s, i) =>
          ip(FABRIC, 'addr', 'add', `${s.gateway6!}/${s.subnet6!.prefix}`, 'dev', devices[i]!, 'nodad'),
        ),
        // Where segments carry no neighbour discovery (overlays), the hosts are known by their MACs.
        ...(uplinkMac ? staticNeighbours(topology, segments, devices, uplinkMac) : []),
      ],
    },
  ];
}

function staticNeighbours(topology: Topology, segments: Segment[], devices: string[], uplinkMac: UplinkMac) {
  return segments.flatMap((s, i) =>
    topology.hosts
      .filter((h) => h.segment === s && h.address6)
      .map((h) =>
        ip(
          FABRIC,
          'neigh',
          'replace',
          h.address6!,
          'lladdr',
          uplinkMac(h.address),
          'dev',
          devices[i]!,
          'nud',
          'permanent',
        ),
      ),
  );
}

/**
 * Pure: what runs in the router container, once Docker has put it on every segment at its
 * gateway (and its links are set: routerLinks). Throws, before anything is built, where a segment leaves Docker's gateway no address.
 */
export function routerPlan(topology: Topology): { title: string; sections: Section[] } | undefined {
  if (!needsRouter(topology)) return undefined;
  const gateways = topology.segments
    .map((s) => `${s.gateway} on ${s.name} (Docker's own: ${dockerGateway(topology, s)})`)
    .join(', ');
  const v6 = topology.segments.filter((s) => s.gateway6).map((s) => `${s.gateway6} on ${s.name}`);
  const gateways6 =
    v6.length > 0 ? `; IPv6 gateways ${v6.join(', ')}, on the interfaces Docker attached, found once it runs` : '';
  return {
    title: `router (a container on every segment's network: ${gateways}${gateways6})`,
    sections: segmentRouting(topology),
  };
}
