import { formatCidr } from '../net/ipv4.js';
import { segmentPeers, type Host, type Topology } from '../topology/topology.js';

/** Where a host's BIRD keeps its files; each backend has its own layout. */
export interface BirdPaths {
  config: string;
  socket: string;
  pid: string;
  log: string;
}

/** BIRD symbols are identifiers; host names may hold "-". */
export const birdPeerName = (host: string) => `peer_${host.replace(/[^A-Za-z0-9_]/g, '_')}`;
/** The IPv6 session with a host (dual stack peers over IPv6 as well, as Calico's bird6 does). */
export const birdPeer6Name = (host: string) => `peer6_${host.replace(/[^A-Za-z0-9_]/g, '_')}`;

/** The hosts a host holds BGP sessions with: everyone (full mesh), or reflectors and their clients. */
export function bgpPeers(topology: Topology, host: Host): { peer: Host; rrClient: boolean }[] {
  const { reflectors } = topology.bgp;
  const others = segmentPeers(topology, host);
  if (reflectors.length === 0) return others.map((peer) => ({ peer, rrClient: false }));
  if (reflectors.includes(host.name)) {
    return others.map((peer) => ({ peer, rrClient: !reflectors.includes(peer.name) }));
  }
  return others.filter((peer) => reflectors.includes(peer.name)).map((peer) => ({ peer, rrClient: false }));
}

/** What a host announces: its workloads as /32s, or its block (Calico's IPAM block) as a blackhole. */
export function announcedRoutes(host: Host): string[] {
  if (host.block) return [`route ${formatCidr(host.block)} blackhole;`];
  return host.workloads.flatMap((w) => (w.address ? [`route ${w.address.address}/32 via "${w.hostInterface}";`] : []));
}

/** What a dual-stack host announces over IPv6: its workloads' /128s. */
export function announcedRoutes6(host: Host): string[] {
  return host.workloads.flatMap((w) => (w.address6 ? [`route ${w.address6}/128 via "${w.hostInterface}";`] : []));
}

/** Pure: the peers a host also holds an IPv6 session with: those of its BGP peers that have IPv6, when it has. */
export function bgpPeers6(topology: Topology, host: Host): { peer: Host; rrClient: boolean }[] {
  return host.address6 ? bgpPeers(topology, host).filter(({ peer }) => peer.address6 !== undefined) : [];
}

/** Peers on the segment, and timers short enough that a lab converges in about a second. */
const SESSION_TIMING = [
  '  direct;',
  '  connect delay time 1;',
  '  connect retry time 2;',
  '  error wait time 1, 10;',
  '  hold time 9;',
  '  keepalive time 3;',
];

/** The IPv6 half of a dual-stack host's bird.conf: its /128s, their kernel table, sessions over IPv6. */
function birdConfig6(
  host: Host,
  asn: number,
  reflector: boolean,
  peers: { peer: Host; rrClient: boolean }[],
): string[] {
  return [
    '',
    "# IPv6 (dual stack): the workloads' /128s, learned over sessions between the hosts' IPv6",
    "# addresses, so that the next hop of a learned route is the peer's IPv6 address.",
    'protocol static workloads6 {',
    '  ipv6;',
    ...announcedRoutes6(host).map((r) => `  ${r}`),
    '}',
    '',
    'protocol kernel kernel6 {',
    '  ipv6 {',
    '    import none;',
    '    export where source = RTS_BGP;',
    '  };',
    '}',
    '',
    'template bgp peers6 {',
    `  local ${host.address6!} as ${asn};`,
    ...SESSION_TIMING,
    '  ipv6 {',
    '    import all;',
    reflector ? '    export where proto = "workloads6" || source = RTS_BGP;' : '    export where proto = "workloads6";',
    '  };',
    '}',
    '',
    ...peers.map(
      ({ peer, rrClient }) =>
        `protocol bgp ${birdPeer6Name(peer.name)} from peers6 { neighbor ${peer.address6!} as ${asn};${rrClient ? ' rr client;' : ''} }`,
    ),
  ];
}

/**
 * Pure: bird.conf for one host. Learned BGP routes (and the host's own blackhole block) go to the
 * kernel, where `ip route` shows them as `proto bird`; timers are short so a lab converges in
 * about a second, a stopped BIRD is noticed at once and a vanished host within the 9 s hold time.
 */
export function birdConfig(topology: Topology, host: Host, paths: BirdPaths): string {
  const { asn, reflectors, extraConfig } = topology.bgp;
  const reflector = reflectors.includes(host.name);
  const lines = [
    `# bird.conf of ${host.name} in lab ${topology.lab}, written by testbed`,
    `log "${paths.log}" all;`,
    `router id ${host.address};`,
    '',
    'protocol device {',
    '  scan time 10;',
    '}',
    '',
    '# What this host announces.',
    'protocol static workloads {',
    '  ipv4;',
    ...announcedRoutes(host).map((r) => `  ${r}`),
    '}',
    '',
    '# Routes learned by BGP go to the kernel (proto bird), and so does our own blackhole block.',
    'protocol kernel {',
    '  ipv4 {',
    '    import none;',
    '    export filter {',
    '      if source = RTS_BGP then accept;',
    '      if proto = "workloads" && dest = RTD_BLACKHOLE then accept;',
    '      reject;',
    '    };',
    '  };',
    '}',
    '',
    'template bgp peers {',
    `  local ${host.address} as ${asn};`,
    ...SESSION_TIMING,
    '  ipv4 {',
    '    import all;',
    reflector ? '    export where proto = "workloads" || source = RTS_BGP;' : '    export where proto = "workloads";',
    '  };',
    '}',
    '',
    ...bgpPeers(topology, host).map(
      ({ peer, rrClient }) =>
        `protocol bgp ${birdPeerName(peer.name)} from peers { neighbor ${peer.address} as ${asn};${rrClient ? ' rr client;' : ''} }`,
    ),
  ];
  if (host.address6) lines.push(...birdConfig6(host, asn, reflector, bgpPeers6(topology, host)));
  if (extraConfig) lines.push('', '# extraConfig from the scenario', extraConfig.trimEnd());
  return lines.join('\n') + '\n';
}
