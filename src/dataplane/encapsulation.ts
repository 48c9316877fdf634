import type { Host, Topology, Workload } from '../topology/topology.js';
import { bridge, ip, sysctl, type Op, type Section } from './ops.js';

/** The MTU of a segment where nothing says otherwise (Ethernet). */
export const ETHERNET_MTU = 1500;

/** Calico's tunnel devices and what each costs of a packet. */
export const TUNNELS = {
  ipip: { device: 'tunl0', overhead: 20, header: 'an outer IPv4 header (protocol 4)' },
  vxlan: {
    device: 'vxlan.calico',
    overhead: 50,
    header: 'outer IPv4, UDP to port 4789 and a VXLAN header with VNI 4096',
    vni: 4096,
    port: 4789,
  },
} as const;

export type Tunnel = keyof typeof TUNNELS;

/** Pure: whether traffic from host `from` to workload `to` is encapsulated (and how, as its pool says), or routed as it is. */
export function tunnelTo(topology: Topology, from: Host, to: Workload): Tunnel | undefined {
  if (to.encapsulation === 'direct') return undefined;
  if (to.crossSubnet && from.segment === hostsByName(topology).get(to.host)!.segment) return undefined;
  return to.encapsulation;
}

/** A topology's hosts by name, made once: planning asks for them per pair of hosts and workloads. */
const hostIndexes = new WeakMap<Topology, Map<string, Host>>();
function hostsByName(topology: Topology): Map<string, Host> {
  let index = hostIndexes.get(topology);
  if (!index) hostIndexes.set(topology, (index = new Map(topology.hosts.map((h) => [h.name, h]))));
  return index;
}

/**
 * Pure: the tunnel between two hosts, when either sends workload traffic to the other through
 * it; their tunnel addresses (the source of what a host itself sends into it) then reach each
 * other through it too.
 */
export function tunnelBetween(topology: Topology, a: Host, b: Host): Tunnel | undefined {
  const ways = [
    ...b.workloads.map((w) => tunnelTo(topology, a, w)),
    ...a.workloads.map((w) => tunnelTo(topology, b, w)),
  ];
  return ways.find((t) => t !== undefined);
}

/** Pure: the MTU of workload links: the uplink's, less what the tunnel adds (any packet may take it). */
export function workloadMtu(topology: Topology, uplinkMtu: number = ETHERNET_MTU): number {
  return topology.encapsulation === 'direct' ? uplinkMtu : uplinkMtu - TUNNELS[topology.encapsulation].overhead;
}

/**
 * Pure: a host's VTEP MAC, derived from its segment address (unique in the lab): locally
 * administered, unicast, readable (66:ca:c0:a8:01:0a is 192.168.1.10). Felix picks a random one.
 */
export function vtepMac(host: Host): string {
  const octets = host.address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['66', 'ca', ...octets].join(':');
}

/** Pure: the tunnel device of a host, or nothing with "direct". */
// eslint-disable-next-line max-lines-per-function -- a list of operations with the comment that teaches them, for both tunnel kinds; split, it would read worse
export function tunnelSection(topology: Topology, host: Host, uplinkMtu: number = ETHERNET_MTU): Section[] {
  const mode = topology.encapsulation;
  if (mode === 'direct') return [];
  const mtu = String(workloadMtu(topology, uplinkMtu));
  const address = `${host.tunnelAddress!}/32`;
  const tunnelled = topology.workloads.filter((w) => w.encapsulation !== 'direct');
  const where = tunnelled.every((w) => w.crossSubnet)
    ? 'to hosts of other segments'
    : tunnelled.length < topology.workloads.length || tunnelled.some((w) => w.crossSubnet)
      ? 'of the pools that say so'
      : 'to the other hosts';
  if (mode === 'ipip') {
    return [
      {
        comment:
          `IPIP: workload traffic ${where} travels inside an outer IPv4 header (protocol 4) through tunl0,\n` +
          `the kernel's catch-all IPIP device. Its address ${host.tunnelAddress} (from the host's block) is the source of\n` +
          `what the host itself sends into the tunnel; its MTU, ${mtu}, leaves room for the 20-byte outer header.`,
        ops: [
          ip(host.name, 'addr', 'add', address, 'dev', 'tunl0'),
          ip(host.name, 'link', 'set', 'dev', 'tunl0', 'mtu', mtu, 'up'),
        ],
      },
      noReversePathFilter(host, 'tunl0'),
    ];
  }
  const { device, vni, port } = TUNNELS.vxlan;
  return [
    {
      comment:
        `VXLAN: workload traffic ${where} travels as Ethernet frames inside UDP to port ${port} (VNI ${vni}),\n` +
        `through ${device}, whose VTEP address ${host.tunnelAddress} and MAC ${vtepMac(host)} the other hosts know\n` +
        `(no learning: every peer is programmed, as Felix does). Its MTU, ${mtu}, leaves room for the 50 bytes it adds.`,
      ops: [
        ip(
          host.name,
          'link',
          'add',
          'name',
          device,
          'address',
          vtepMac(host),
          'mtu',
          mtu,
          'type',
          'vxlan',
          'id',
          String(vni),
          'local',
          host.address,
          'dev',
          host.segment.name,
          'dstport',
          String(port),
          'nolearning',
        ),
        ip(host.name, 'addr', 'add', address, 'dev', device),
        ip(host.name, 'link', 'set', 'dev', device, 'up'),
      ],
    },
    noReversePathFilter(host, device),
  ];
}

/**
 * With a tunnel, a packet may come in on one link from a source the host routes out of another
 * (out of the tunnel from a workload reached directly, or the reverse): a strict reverse-path
 * filter, which namespaces take from the machine (Fedora's default), would drop it.
 */
function noReversePathFilter(host: Host, tunnel: string): Section {
  return {
    comment:
      'No reverse-path filter: through a tunnel, a packet may come in on another link than its source is routed out of.',
    ops: ['all', 'default', host.segment.name, tunnel].map((conf) =>
      sysctl(host.name, `net/ipv4/conf/${conf}/rp_filter`, 0),
    ),
  };
}

/** A route of a host to a workload of another host; `tunnel` when it goes through one. */
export interface PeerRoute {
  route: string[];
  tunnel?: Tunnel;
}

/** The way to a peer: through a tunnel, or directly on the segment. */
function viaTo(host: Host, peer: Host, tunnel: Tunnel | undefined): string[] {
  if (tunnel === 'ipip') return [peer.address, 'dev', TUNNELS.ipip.device, 'onlink'];
  if (tunnel === 'vxlan') return [peer.tunnelAddress!, 'dev', TUNNELS.vxlan.device, 'onlink'];
  return [peer.address, 'dev', host.segment.name];
}

/**
 * Pure: a host's routes to the workloads of other hosts: through the tunnel where their pool
 * says so, directly to those of its segment otherwise (the fabric routes the rest across).
 */
export function peerRoutes(topology: Topology, host: Host): PeerRoute[] {
  return topology.hosts
    .filter((peer) => peer !== host)
    .flatMap((peer) => {
      const sameSegment = peer.segment === host.segment;
      const workloads = peer.workloads.flatMap((w): PeerRoute[] => {
        const tunnel = tunnelTo(topology, host, w);
        if (!w.address || (!tunnel && !sameSegment)) return [];
        return [{ route: [w.address.address, 'via', ...viaTo(host, peer, tunnel)], ...(tunnel ? { tunnel } : {}) }];
      });
      // Through a tunnel also the peer's tunnel address: what a host sends into its tunnel comes from
      // its own, and the replies go back to it (Calico routes the whole block, which holds it).
      const tunnel = tunnelBetween(topology, host, peer);
      const tunnelEnd = tunnel ? [{ route: [peer.tunnelAddress!, 'via', ...viaTo(host, peer, tunnel)], tunnel }] : [];
      // Dual stack (direct only): the workloads' IPv6 addresses via the peer's.
      const v6 =
        sameSegment && host.address6 && peer.address6
          ? peer.workloads.flatMap((w) =>
              w.address6 ? [{ route: [w.address6, 'via', peer.address6!, 'dev', host.segment.name] }] : [],
            )
          : [];
      return [...workloads, ...tunnelEnd, ...v6];
    });
}

/** Pure: what a host must know of each VXLAN peer, as Felix programs it: the VTEP's MAC, and where that MAC lives. */
export function vtepEntries(topology: Topology, host: Host): Op[] {
  const { device } = TUNNELS.vxlan;
  return topology.hosts
    .filter((peer) => peer !== host && tunnelBetween(topology, host, peer) === 'vxlan')
    .flatMap((peer) => [
      ip(host.name, 'neigh', 'add', peer.tunnelAddress!, 'lladdr', vtepMac(peer), 'dev', device, 'nud', 'permanent'),
      bridge(host.name, 'fdb', 'append', vtepMac(peer), 'dev', device, 'dst', peer.address, 'self', 'permanent'),
    ]);
}
