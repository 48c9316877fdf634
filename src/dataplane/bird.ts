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
  return host.workloads.map((w) => `route ${w.address.address}/32 via "${w.hostInterface}";`);
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
    '  direct;',
    '  connect delay time 1;',
    '  connect retry time 2;',
    '  error wait time 1, 10;',
    '  hold time 9;',
    '  keepalive time 3;',
    '  ipv4 {',
    '    import all;',
    reflector
      ? '    export where proto = "workloads" || source = RTS_BGP;'
      : '    export where proto = "workloads";',
    '  };',
    '}',
    '',
    ...bgpPeers(topology, host).map(
      ({ peer, rrClient }) =>
        `protocol bgp ${birdPeerName(peer.name)} from peers { neighbor ${peer.address} as ${asn};${rrClient ? ' rr client;' : ''} }`,
    ),
  ];
  if (extraConfig) lines.push('', '# extraConfig from the scenario', extraConfig.trimEnd());
  return lines.join('\n') + '\n';
}
