import { formatCidr } from '../net/ipv4.js';
import { workloadAddresses, type Host, type Topology, type Workload } from '../topology/topology.js';
import { peerRoutes, TUNNELS, tunnelSection, vtepEntries, workloadMtu } from './encapsulation.js';
import { bgpPeers, birdConfig, type BirdPaths } from './bird.js';
import { segmentRouting } from './segment-routing.js';
import { file, ip, netns, run, sysctl, type HostPlan, type Op, type Section } from './ops.js';
import { formatCidr6 } from '../net/ipv6.js';

/** The gateway every Calico workload routes through; it exists on no interface. */
export const WORKLOAD_GATEWAY = '169.254.1.1';

/**
 * How a host's uplink arrives: `configure` — present under the segment's name but bare (the netns
 * backend plugs it in); `{ adopt: NAME }` — attached and addressed by the backend under NAME
 * (Docker's eth0), to be renamed after the segment.
 */
export type UplinkMode = 'configure' | { adopt: string };

export interface HostPlanOptions {
  uplink?: UplinkMode;
  /** Where each host's BIRD keeps its files (routing "bgp"). */
  birdPaths: (host: string) => BirdPaths;
  /** The uplink's MTU, where it is not 1500 (workload veths follow it, less any tunnel's overhead). */
  mtu?: number;
  /**
   * Where IPv6 neighbour discovery does not cross the segment (an overlay network carries no
   * multicast): the MAC of each host's uplink, so that every host knows its peers' statically.
   */
  uplinkMac?: UplinkMac;
}

/** The MAC of the endpoint at an IPv4 address of a segment (a host's uplink, the router's leg), known before it exists. */
export type UplinkMac = (address: string) => string;

/** Pure: the operations that turn a host with an uplink into a Calico node. */
export function planHosts(
  topology: Topology,
  { uplink = 'configure', birdPaths, mtu: uplinkMtu, uplinkMac }: HostPlanOptions,
): HostPlan[] {
  const mtu = topology.encapsulation === 'direct' ? uplinkMtu : workloadMtu(topology, uplinkMtu);
  const routing = (host: Host): Section[] => {
    if (topology.routing === 'static') return [staticRoutesSection(topology, host)];
    if (topology.routing === 'bgp') return [bgpSection(topology, host, birdPaths(host.name))];
    return [];
  };
  return topology.hosts.map((host) => ({
    host: host.name,
    title: `${host.name} (${host.address} on ${host.segment.name})`,
    sections: [
      uplink === 'configure'
        ? uplinkSection(topology, host, uplinkMac)
        : adoptedUplinkSection(topology, host, uplink.adopt, uplinkMac),
      ...tunnelSection(topology, host, uplinkMtu),
      ...host.workloads.map((w) =>
        workloadSection(w, mtu, topology.encapsulation === 'direct' ? "the uplink's MTU" : "the tunnel's MTU"),
      ),
      ...routing(host),
    ].filter((s) => s.ops.length > 0),
  }));
}

/** The command that starts a host's BIRD (it forks into the background once its config parses). */
export const birdCommand = (paths: BirdPaths) => ['bird', '-c', paths.config, '-s', paths.socket, '-P', paths.pid];

function bgpSection(topology: Topology, host: Host, paths: BirdPaths): Section {
  const folder = (path: string) => path.slice(0, path.lastIndexOf('/'));
  const peers = bgpPeers(topology, host).map(({ peer }) => peer.name);
  return {
    comment:
      `BGP: BIRD announces ${host.block ? `block ${formatCidr(host.block)}` : "this host's workloads"} and learns the ` +
      `others' (proto bird),\npeering with ${peers.join(', ') || 'nobody'} in AS ${topology.bgp.asn}.` +
      (host.address6 ? `\nIPv6: its workloads' /128s too, over sessions between the hosts' IPv6 addresses.` : ''),
    ops: [
      file(host.name, paths.config, birdConfig(topology, host, paths)),
      ...(folder(paths.socket) === folder(paths.config) ? [] : [run(host.name, 'mkdir', '-p', folder(paths.socket))]),
      run(host.name, ...birdCommand(paths)),
    ],
  };
}

function uplinkSection(topology: Topology, host: Host, uplinkMac: UplinkMac | undefined): Section {
  const { name: dev, subnet } = host.segment;
  return {
    comment:
      `Uplink ${dev} on segment ${formatCidr(subnet)}. The default route via the gateway matters:\n` +
      `proxy ARP answers only for destinations routed out of another interface.` +
      (host.address6
        ? `\nIPv6 beside it on ${formatCidr6(host.segment.subnet6!)}, without duplicate address detection (nothing to detect in a lab).`
        : ''),
    ops: [
      // Before the link is up: a host forwards only once its link-local address has passed DAD (about 2 s).
      ...(host.address6 ? [sysctl(host.name, `net/ipv6/conf/${dev}/accept_dad`, 0, { early: true })] : []),
      ip(host.name, 'link', 'set', 'dev', 'lo', 'up'),
      ip(host.name, 'addr', 'add', `${host.address}/${subnet.prefix}`, 'dev', dev),
      ip(host.name, 'link', 'set', 'dev', dev, 'up'),
      ip(host.name, 'route', 'add', ...defaultRoute(host)),
      sysctl(host.name, 'net/ipv4/ip_forward', 1),
      ...uplink6(topology, host, uplinkMac),
    ],
  };
}

/** A host's default route, via its segment's gateway. */
export const defaultRoute = (host: Host): string[] => [
  'default',
  'via',
  host.segment.gateway,
  'dev',
  host.segment.name,
];

/**
 * A dual-stack host's IPv6 address on its uplink and its IPv6 default route (none without
 * address6); where the segment carries no neighbour discovery, its peers as static neighbours.
 */
export function uplink6Parts(
  topology: Topology,
  host: Host,
  uplinkMac?: UplinkMac,
): { address: string[]; route: string[]; neighbours: string[][] } | undefined {
  if (!host.address6) return undefined;
  const { name: dev, subnet6, gateway6 } = host.segment;
  const peers = topology.hosts.filter((h) => h !== host && h.segment === host.segment && h.address6);
  // The router between segments holds each segment's IPv6 gateway, at the MAC its IPv4 gateway gives.
  const router = segmentRouting(topology).length > 0 ? [[gateway6!, host.segment.gateway]] : [];
  const known = [...peers.map((peer) => [peer.address6!, peer.address]), ...router];
  return {
    address: [`${host.address6}/${subnet6!.prefix}`, 'dev', dev, 'nodad'],
    route: ['default', 'via', gateway6!, 'dev', dev],
    neighbours: uplinkMac
      ? known.map(([address6, address]) => [address6!, 'lladdr', uplinkMac(address!), 'dev', dev, 'nud', 'permanent'])
      : [],
  };
}

/** A dual-stack host's IPv6 address, default route, forwarding, and any static neighbours. */
function uplink6(topology: Topology, host: Host, uplinkMac: UplinkMac | undefined): Op[] {
  const v6 = uplink6Parts(topology, host, uplinkMac);
  if (!v6) return [];
  return [
    ip(host.name, 'addr', 'add', ...v6.address),
    ip(host.name, 'route', 'add', ...v6.route),
    ...v6.neighbours.map((n) => ip(host.name, 'neigh', 'replace', ...n)),
    sysctl(host.name, 'net/ipv6/conf/all/forwarding', 1),
  ];
}

/** The host end of a workload's veth: the routes to the workload, and the IPv6 gateway address it carries. */
export function workloadHostSide(w: Workload): { routes: string[][]; address6?: string[] } {
  const veth = w.hostInterface;
  return {
    routes: [
      ...(w.address ? [[w.address.address, 'dev', veth, 'scope', 'link']] : []),
      ...(w.address6 ? [[w.address6, 'dev', veth]] : []),
    ],
    ...(w.address6 ? { address6: [`${w.gateway6!}/64`, 'dev', veth, 'nodad'] } : {}),
  };
}

function adoptedUplinkSection(
  topology: Topology,
  host: Host,
  current: string,
  uplinkMac: UplinkMac | undefined,
): Section {
  const { name: dev } = host.segment;
  // The backend may hand the host over with IPv6 off (Docker does on its IPv4 networks).
  // And without DAD, which would keep the host from forwarding IPv6 for about 2 s.
  const enable6 = host.address6
    ? [
        sysctl(host.name, `net/ipv6/conf/${current}/accept_dad`, 0, { early: true }),
        ...['all', 'default', current].map((conf) =>
          sysctl(host.name, `net/ipv6/conf/${conf}/disable_ipv6`, 0, { early: true }),
        ),
      ]
    : [];
  return {
    comment:
      `Uplink: the backend attached ${current} with ${host.address}; rename it ${dev} as on the seed's\n` +
      `hosts and route by default via the gateway (proxy ARP needs a route out of another interface).` +
      (host.address6
        ? `\nIPv6 beside it: the backend had turned it off; on again before any link, without duplicate\naddress detection (until DAD passes a host forwards no IPv6, about 2 s).`
        : ''),
    ops: [
      ...enable6,
      ip(host.name, 'link', 'set', 'dev', current, 'down'),
      ip(host.name, 'link', 'set', 'dev', current, 'name', dev),
      ip(host.name, 'link', 'set', 'dev', dev, 'up'),
      ip(host.name, 'route', 'replace', ...defaultRoute(host)),
      sysctl(host.name, 'net/ipv4/ip_forward', 1),
      ...uplink6(topology, host, uplinkMac),
    ],
  };
}

// eslint-disable-next-line max-lines-per-function -- the seed's workload recipe as one list of operations and its comment, as `testbed plan` prints it
function workloadSection(w: Workload, mtu: number | undefined, mtuSource: string): Section {
  const veth = w.hostInterface;
  const mac = w.hostMac === 'kernel' ? [] : ['address', w.hostMac];
  const linkMtu = mtu === undefined ? [] : ['mtu', String(mtu)];
  const v4 = w.address;
  const v6 = w.address6;
  const hostSide = workloadHostSide(w);
  return {
    comment:
      `Workload ${w.name} (${workloadAddresses(w).join(', ')}): a namespace wired to the host by a veth pair.\n` +
      (v4
        ? `Inside, ${WORKLOAD_GATEWAY} is the gateway although no interface has it; ${veth} answers\n` +
          `its ARP by proxy${w.hostMac === 'kernel' ? '' : ` with MAC ${w.hostMac}`}.`
        : 'IPv6 only: no IPv4 address, gateway or proxy ARP.') +
      (v6
        ? `\nIPv6: ${v6}/128 inside, and no proxy: the gateway is ${w.gateway6}, the link-local address\n` +
          `that MAC gives ${veth} (EUI-64), set by hand with nodad (and none generated on either end) so it works at once.`
        : '') +
      (mtu === undefined ? '' : `\nBoth ends take ${mtuSource}, ${mtu}, so no packet is too big for the way out.`),
    ops: [
      netns(w.name),
      ip(
        w.host,
        'link',
        'add',
        'name',
        veth,
        ...linkMtu,
        ...mac,
        'type',
        'veth',
        'peer',
        'name',
        w.interface,
        ...linkMtu,
        'netns',
        { netns: w.name },
      ),
      ...(v6 ? [ip(w.host, 'link', 'set', 'dev', veth, 'addrgenmode', 'none')] : []),
      ip(w.host, 'link', 'set', 'dev', veth, 'up'),
      ...(v4 ? [ip(w.host, 'route', 'add', ...hostSide.routes[0]!)] : []),
      ...(v6
        ? [ip(w.host, 'addr', 'add', ...hostSide.address6!), ip(w.host, 'route', 'add', ...hostSide.routes.at(-1)!)]
        : []),
      ip(w.name, 'link', 'set', 'dev', 'lo', 'up'),
      ...(v4 ? [ip(w.name, 'addr', 'add', formatCidr(v4), 'dev', w.interface)] : []),
      ...(v6 ? [ip(w.name, 'link', 'set', 'dev', w.interface, 'addrgenmode', 'none')] : []),
      ip(w.name, 'link', 'set', 'dev', w.interface, 'up'),
      ...(v4
        ? [
            ip(w.name, 'route', 'add', WORKLOAD_GATEWAY, 'dev', w.interface, 'scope', 'link'),
            ip(w.name, 'route', 'add', 'default', 'via', WORKLOAD_GATEWAY, 'dev', w.interface),
          ]
        : []),
      ...(v6
        ? [
            ip(w.name, 'addr', 'add', `${v6}/128`, 'dev', w.interface, 'nodad'),
            ip(w.name, 'route', 'add', 'default', 'via', w.gateway6!, 'dev', w.interface),
          ]
        : []),
      ...(v4
        ? [
            sysctl(w.host, `net/ipv4/conf/${veth}/forwarding`, 1),
            sysctl(w.host, `net/ipv4/conf/${veth}/proxy_arp`, 1),
            ...(w.proxyDelay === 'kernel' ? [] : [sysctl(w.host, `net/ipv4/neigh/${veth}/proxy_delay`, w.proxyDelay)]),
          ]
        : []),
    ],
  };
}

/** Static routing: the routes through the uplink to the workloads of other hosts (the kernel drops them with the link). */
export function staticRoutes(topology: Topology, host: Host): string[][] {
  if (topology.routing !== 'static') return [];
  return peerRoutes(topology, host).flatMap((r) => (r.tunnel ? [] : [r.route]));
}

function staticRoutesSection(topology: Topology, host: Host): Section {
  const routes = peerRoutes(topology, host);
  const through = [...new Set(routes.flatMap((r) => (r.tunnel ? [TUNNELS[r.tunnel].device] : [])))];
  return {
    comment:
      'Routes to the workloads of the other hosts (static routing; BGP would learn these)' +
      (through.length === 0
        ? '.'
        : `,
through ${through.join(' and ')} where encapsulated (onlink: the next hop is on no subnet of the device).`),
    ops: [...vtepEntries(topology, host), ...routes.map((r) => ip(host.name, 'route', 'add', ...r.route))],
  };
}
