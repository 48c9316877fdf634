import { contains, firstHostAddress, formatCidr, networkAddress, parseCidr, type Cidr } from '../net/ipv4.js';
import { canonical6, firstHostAddress6, linkLocalFromMac, parseCidr6, type Cidr6 } from '../net/ipv6.js';
import { tunnelAddressOf, type LabDefinition } from './definition.js';
import { caliName } from './names.js';

/** The resolved lab: every default applied, every name derived. What planners and steps work from. */
export interface Topology {
  lab: string;
  /** The scenario's name (the lab's default name) and description. */
  name: string;
  description?: string;
  routing: LabDefinition['routing'];
  /** The lab's tunnel: the one kind the scenario or any of its pools encapsulates with, else "direct". */
  encapsulation: LabDefinition['encapsulation'];
  bgp: LabDefinition['bgp'];
  segments: Segment[];
  hosts: Host[];
  workloads: Workload[];
}

export interface Segment {
  name: string;
  subnet: Cidr;
  gateway: string;
  /** Dual stack: the segment's IPv6 network and its hosts' IPv6 default route. */
  subnet6?: Cidr6;
  gateway6?: string;
}

export interface Host {
  name: string;
  segment: Segment;
  address: string;
  workloads: Workload[];
  /** With BGP blocks: the block this host's IPv4 workloads come from, which it announces. */
  block?: Cidr;
  /** With an encapsulation: the address of its tunnel device. */
  tunnelAddress?: string;
  /** Dual stack: its IPv6 address on the segment (canonical form). */
  address6?: string;
}

export interface Workload {
  name: string;
  host: string;
  /** Its IPv4 address; absent on an IPv6-only workload (which has address6). */
  address?: Cidr;
  interface: string;
  hostInterface: string;
  /** A MAC, or `kernel`: the one the kernel gives the veth. */
  hostMac: string;
  proxyDelay: number | 'kernel';
  /** How other hosts reach it: as its pool says, else as the scenario does. */
  encapsulation: LabDefinition['encapsulation'];
  /** Encapsulated only from hosts of other segments. */
  crossSubnet: boolean;
  /** Dual stack: its IPv6 address (a /128, canonical form), and its IPv6 gateway: the link-local address of its host end. */
  address6?: string;
  gateway6?: string;
}

export type Node = { kind: 'host'; host: Host } | { kind: 'workload'; workload: Workload; host: Host };

/** Resolves a validated scenario's lab into the lab `lab`. */
// eslint-disable-next-line max-lines-per-function -- resolves hosts and workloads together: each workload needs its host's resolved segment
export function resolveTopology(scenario: LabDefinition, lab: string = scenario.name): Topology {
  const segments = scenario.segments.map((s): Segment => {
    const subnet = parseCidr(s.subnet)!;
    const subnet6 = s.subnet6 === undefined ? undefined : parseCidr6(s.subnet6)!;
    const v6 = subnet6 ? { subnet6, gateway6: canonical6(s.gateway6 ?? firstHostAddress6(subnet6)) } : {};
    return { name: s.name, subnet, gateway: s.gateway ?? firstHostAddress(subnet), ...v6 };
  });
  const encapsulation =
    [scenario.encapsulation, ...scenario.pools.map((p) => p.encapsulation)].find((m) => m !== 'direct') ?? 'direct';
  const pools = scenario.pools.map((p) => ({
    cidr: parseCidr(p.cidr)!,
    encapsulation: p.encapsulation,
    crossSubnet: p.crossSubnet,
  }));
  const poolOf = (address: string | undefined): Pick<Workload, 'encapsulation' | 'crossSubnet'> => {
    const pool = address === undefined ? undefined : pools.find((p) => contains(p.cidr, parseCidr(address)!.address));
    return pool
      ? { encapsulation: pool.encapsulation, crossSubnet: pool.crossSubnet }
      : { encapsulation: scenario.encapsulation, crossSubnet: scenario.crossSubnet };
  };
  const blockOf = (h: LabDefinition['hosts'][number]): Cidr | undefined => {
    const first = h.workloads.find((w) => w.address !== undefined);
    if (scenario.bgp.block === undefined || !first) return undefined;
    const prefix = scenario.bgp.block;
    return { address: networkAddress({ address: parseCidr(first.address!)!.address, prefix }), prefix };
  };
  const hosts = scenario.hosts.map((h): Host => {
    const segmentName = h.segment ?? segments[0]!.name;
    const block = blockOf(h);
    const tunnelAddress = encapsulation === 'direct' ? undefined : tunnelAddressOf(h, scenario.bgp.block);
    return {
      ...(block ? { block } : {}),
      ...(tunnelAddress ? { tunnelAddress } : {}),
      ...(h.address6 ? { address6: canonical6(h.address6) } : {}),
      name: h.name,
      segment: segments.find((s) => s.name === segmentName)!,
      address: h.address,
      workloads: h.workloads.map((w) => ({
        name: w.name,
        host: h.name,
        ...(w.address === undefined ? {} : { address: parseCidr(w.address)! }),
        interface: w.interface,
        hostInterface: w.hostInterface ?? caliName(lab, h.name, w.name),
        hostMac: w.hostMac,
        proxyDelay: w.proxyDelay,
        ...poolOf(w.address),
        ...(w.address6 && w.hostMac !== 'kernel'
          ? { address6: canonical6(w.address6), gateway6: linkLocalFromMac(w.hostMac) }
          : {}),
      })),
    };
  });
  return {
    lab,
    name: scenario.name,
    ...(scenario.description ? { description: scenario.description } : {}),
    routing: scenario.routing,
    encapsulation,
    bgp: scenario.bgp,
    segments,
    hosts,
    workloads: hosts.flatMap((h) => h.workloads),
  };
}

/** The other hosts on a host's segment: its static routes, BGP peers and expected BGP routes. */
export function segmentPeers(topology: Topology, host: Host): Host[] {
  return topology.hosts.filter((h) => h !== host && h.segment === host.segment);
}

export function findNode(topology: Topology, name: string): Node | undefined {
  for (const host of topology.hosts) {
    if (host.name === name) return { kind: 'host', host };
    const workload = host.workloads.find((w) => w.name === name);
    if (workload) return { kind: 'workload', workload, host };
  }
  return undefined;
}

/** A workload's addresses as written in a lab's pictures: its IPv4 CIDR and IPv6 /128, whichever it has. */
export function workloadAddresses(w: Workload): string[] {
  return [...(w.address ? [formatCidr(w.address)] : []), ...(w.address6 ? [`${w.address6}/128`] : [])];
}

/** The address a node is reached at: a host's segment address, a workload's own address (with family 6 their IPv6 ones, which references checked). */
export function nodeAddress(node: Node, family: 4 | 6 = 4): string {
  return addressOf(node, family)!;
}

/** A node's address of the family, if it has one (an IPv6-only workload has no IPv4 address, not every node an IPv6 one). */
export function addressOf(node: Node, family: 4 | 6): string | undefined {
  if (family === 6) return node.kind === 'host' ? node.host.address6 : node.workload.address6;
  return node.kind === 'host' ? node.host.address : node.workload.address?.address;
}
