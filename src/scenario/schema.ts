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

/** Linux IFNAMSIZ is 16 including the terminating NUL. */
export const IFNAME_MAX = 15;

const interfaceName = z
  .string()
  .min(1)
  .max(IFNAME_MAX, `is longer than ${IFNAME_MAX} characters, the limit for a Linux interface name`)
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"')
  .refine((n) => n !== '.' && n !== '..', 'is not a valid interface name');

export const nodeName = z
  .string()
  .max(32, 'is longer than 32 characters')
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and contain only letters, digits, "_" and "-"');

export const labName = z
  .string()
  .max(32, 'is longer than 32 characters')
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-", starting with a letter or digit');

const ipv4 = z.string().refine(isIpv4, { message: 'is not an IPv4 address' });

const cidr = z.string().refine((t) => t.includes('/') && parseCidr(t) !== undefined, {
  message: 'is not an IPv4 CIDR such as 192.168.1.0/24',
});

const addressWithOptionalPrefix = z.string().refine((t) => parseCidr(t) !== undefined, {
  message: 'is not an IPv4 address (optionally with /prefix)',
});

const mac = z
  .string()
  .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'is not a lower-case MAC address such as ee:ee:ee:ee:ee:ee');

const seconds = z.number().positive();

const segmentSchema = z.strictObject({
  /** The host-side interface name of this segment, e.g. "ens192". */
  name: interfaceName,
  subnet: cidr,
  /** Default route of every host on the segment; proxy ARP needs it. Default: the subnet's first address. */
  gateway: ipv4.optional(),
});

const workloadSchema = z.strictObject({
  name: nodeName,
  /** "10.20.1.2" (a /32, as Calico assigns) or "10.20.1.2/24" (the seed's lab variant). */
  address: addressWithOptionalPrefix,
  /** The interface inside the workload. */
  interface: interfaceName.default('eth0'),
  /** The host end of the veth. Default: "cali" + 11 hex chars derived from lab, host and workload. */
  hostInterface: interfaceName.optional(),
  /** MAC of the host end; "kernel" keeps the random one the kernel assigns. */
  hostMac: z.union([mac, z.literal('kernel')]).default('ee:ee:ee:ee:ee:ee'),
  /** neigh/<if>/proxy_delay in 1/100 s; "kernel" leaves the kernel default (80: up to 0.8 s). */
  proxyDelay: z.union([z.number().int().min(0), z.literal('kernel')]).default(0),
});

const hostSchema = z.strictObject({
  name: nodeName,
  /** Segment name; may be left out when the scenario has one segment. */
  segment: z.string().optional(),
  /** The host's address on its segment, without prefix (the segment's prefix applies). */
  address: ipv4,
  workloads: z.array(workloadSchema).default([]),
  /** Docker backend: run this host's container privileged instead of with least privilege. */
  privileged: z.boolean().default(false),
});

const stepCommon = {
  /** Shown in reports. Default: derived from the step. */
  name: z.string().min(1).optional(),
  /** Retry the step until it passes or this many seconds have passed. */
  within: seconds.optional(),
};

const pingStep = z.strictObject({
  ...stepCommon,
  ping: z.strictObject({
    from: nodeName,
    /** A node name or an IPv4 address. */
    to: z.string().min(1),
    count: z.number().int().min(1).max(10_000).default(3),
    /** Seconds between echo requests. */
    interval: z.number().min(0.002).default(0.2),
    /** ICMP payload bytes. */
    size: z.number().int().min(0).max(65_507).default(56),
    /** Seconds to wait for the last reply. */
    timeout: seconds.default(1),
  }),
  expect: z
    .strictObject({
      reachable: z.boolean().default(true),
      ttl: z.number().int().min(1).max(255).optional(),
      /** Maximum packet loss in percent. */
      maxLoss: z.number().min(0).max(100).optional(),
      /** Milliseconds. */
      maxAvgRtt: z.number().positive().optional(),
      /** Milliseconds: proves an injected delay. */
      minAvgRtt: z.number().positive().optional(),
      /** Milliseconds. */
      maxRtt: z.number().positive().optional(),
    })
    .default({ reachable: true }),
});

const presence = z.enum(['present', 'absent']).default('present');

const routeStep = z.strictObject({
  ...stepCommon,
  route: z.strictObject({
    node: nodeName,
    /** Destination as `ip route` prints it: "10.20.1.3", "10.20.1.0/24" or "default". */
    to: z.string().min(1),
    via: ipv4.optional(),
    /** Interface name, or "{veth:WORKLOAD}" for a workload's host-side veth. */
    dev: z.string().min(1).optional(),
    scope: z.enum(['link', 'global', 'host']).optional(),
    proto: z.string().min(1).optional(),
  }),
  expect: presence,
});

const neighbourStep = z.strictObject({
  ...stepCommon,
  neighbour: z.strictObject({
    node: nodeName,
    address: ipv4,
    lladdr: mac.optional(),
    dev: z.string().min(1).optional(),
  }),
  expect: presence,
});

const sysctlStep = z.strictObject({
  ...stepCommon,
  sysctl: z.strictObject({
    node: nodeName,
    /** e.g. "net.ipv4.conf.{veth:ns0}.proxy_arp". */
    key: z.string().regex(/^[A-Za-z0-9_.{}:-]+$/, 'is not a sysctl key such as net.ipv4.ip_forward'),
  }),
  expect: z.union([z.string(), z.number()]).transform(String),
});

const matrixStep = z.strictObject({
  ...stepCommon,
  matrix: z
    .strictObject({
      /** Workloads (or hosts) that must reach each other, every ordered pair. Default: every workload. */
      among: z.array(nodeName).min(2).optional(),
      count: z.number().int().min(1).max(100).default(1),
      /** Seconds to wait for each reply. */
      timeout: seconds.default(1),
    }),
  expect: z
    .strictObject({
      reachable: z.boolean().default(true),
      /** "topology": 63 on one host, 62 across hosts of a segment, 61 across segments. */
      ttl: z.union([z.literal('topology'), z.number().int().min(1).max(255)]).optional(),
    })
    .default({ reachable: true, ttl: 'topology' }),
});

const bgpStep = z.strictObject({
  ...stepCommon,
  bgp: z.strictObject({
    /** Hosts whose sessions must be Established. Default: every host. */
    hosts: z.array(nodeName).optional(),
    /** Also require every other host's workload routes (or blocks) in each host's kernel, proto bird. */
    routes: z.boolean().default(true),
  }),
});

const iperf3Step = z.strictObject({
  ...stepCommon,
  iperf3: z.strictObject({
    from: nodeName,
    /** The node that runs the server for the duration of the step. */
    to: nodeName,
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
    /** Seconds. */
    duration: z.number().min(0.1).max(600).default(2),
    parallel: z.number().int().min(1).max(128).default(1),
    /** Target bitrate, e.g. "100M" (iperf3 -b); UDP defaults to iperf3's 1 Mbit/s. */
    bitrate: z.string().regex(/^\d+(\.\d+)?[KMG]?$/, 'is not a bitrate such as 100M').optional(),
    port: z.number().int().min(1).max(65_535).default(5201),
  }),
  expect: z
    .strictObject({
      minBitsPerSecond: z.number().positive().optional(),
      /** UDP: percent of datagrams lost. */
      maxLoss: z.number().min(0).max(100).optional(),
      /** UDP: milliseconds. */
      maxJitterMs: z.number().min(0).optional(),
    })
    .default({}),
});

const waitStep = z.strictObject({
  ...stepCommon,
  wait: z.union([
    /** Pause. */
    z.strictObject({ seconds: z.number().min(0).max(3600) }),
    /** Until a command run in a node exits 0 (combine with `within`). */
    z.strictObject({ node: nodeName, command: z.array(z.string()).min(1) }),
  ]),
});

/** A host (its uplink) or a workload (the host end of its veth). */
const linkDownStep = z.strictObject({ ...stepCommon, linkDown: nodeName });
const linkUpStep = z.strictObject({ ...stepCommon, linkUp: nodeName });

const netemStep = z.strictObject({
  ...stepCommon,
  netem: z.strictObject({
    /** A host (shapes its uplink) or a workload (shapes its eth0). */
    node: nodeName,
    /** Milliseconds. */
    delay: z.number().min(0).optional(),
    /** Milliseconds, with delay. */
    jitter: z.number().min(0).optional(),
    /** Percent. */
    loss: z.number().min(0).max(100).optional(),
    /** e.g. "10mbit" (tc rate syntax). */
    rate: z.string().regex(/^\d+(\.\d+)?[kmg]?(bit|bps)$/, 'is not a tc rate such as 10mbit').optional(),
    /** Remove the shaping instead. */
    clear: z.boolean().default(false),
  }),
});

const stopBgpStep = z.strictObject({ ...stepCommon, stopBgp: nodeName });
const startBgpStep = z.strictObject({ ...stepCommon, startBgp: nodeName });
/** Where the backend can (docker): stop a host as if it lost power, and boot it again. */
const stopHostStep = z.strictObject({ ...stepCommon, stopHost: nodeName });
const startHostStep = z.strictObject({ ...stepCommon, startHost: nodeName });

/** The keys that say what a step is; a step has exactly one. */
export const STEP_KINDS = [
  'ping',
  'matrix',
  'route',
  'neighbour',
  'sysctl',
  'bgp',
  'iperf3',
  'wait',
  'linkDown',
  'linkUp',
  'netem',
  'stopBgp',
  'startBgp',
  'stopHost',
  'startHost',
] as const;

export const stepSchema = z.union([
  pingStep,
  matrixStep,
  routeStep,
  neighbourStep,
  sysctlStep,
  bgpStep,
  iperf3Step,
  waitStep,
  linkDownStep,
  linkUpStep,
  netemStep,
  stopBgpStep,
  startBgpStep,
  stopHostStep,
  startHostStep,
]);

const bgpSchema = z.strictObject({
  asn: z.number().int().min(1).max(4_294_967_295).default(64512),
  /** Route reflectors (hosts); none means a node-to-node full mesh, as Calico does by default. */
  reflectors: z.array(nodeName).default([]),
  /** Export one block of this prefix length per host (with a blackhole route, as Calico's IPAM blocks) instead of /32s. */
  block: z.number().int().min(8).max(32).optional(),
  /** Appended to every host's bird.conf verbatim. */
  extraConfig: z.string().optional(),
});

/** `{veth:ns0}` in a route's dev or a sysctl key stands for the host-side veth of workload ns0. */
export const vethToken = /\{veth:([^}]*)\}/g;

export const scenarioSchema = z
  .strictObject({
    name: labName,
    description: z.string().optional(),
    segments: z.array(segmentSchema).min(1, 'needs at least one segment'),
    hosts: z.array(hostSchema).min(1, 'needs at least one host'),
    routing: z.enum(['static', 'bgp', 'none']).default('static'),
    /** With routing "bgp": how BIRD is set up. */
    bgp: bgpSchema.default({ asn: 64512, reflectors: [] }),
    steps: z.array(stepSchema).default([]),
  })
  .superRefine(checkReferences);

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type Step = Scenario['steps'][number];
export type PingStep = z.output<typeof pingStep>;
export type RouteStep = z.output<typeof routeStep>;
export type NeighbourStep = z.output<typeof neighbourStep>;
export type SysctlStep = z.output<typeof sysctlStep>;
export type BgpStep = z.output<typeof bgpStep>;
export type MatrixStep = z.output<typeof matrixStep>;
export type Iperf3Step = z.output<typeof iperf3Step>;
export type WaitStep = z.output<typeof waitStep>;
export type NetemStep = z.output<typeof netemStep>;

type Path = (string | number)[];

/** Cross-field rules zod cannot express field by field: uniqueness, containment, references. */
function checkReferences(s: Scenario, ctx: z.RefinementCtx): void {
  const fail = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

  const segments = new Map<string, { subnet: Cidr; gateway: string }>();
  s.segments.forEach((seg, i) => {
    if (segments.has(seg.name)) fail(['segments', i, 'name'], `duplicate segment name "${seg.name}"`);
    const subnet = parseCidr(seg.subnet);
    if (!subnet) return;
    const network = networkAddress(subnet);
    if (network !== subnet.address) {
      fail(['segments', i, 'subnet'], `${seg.subnet} has host bits set; the network is ${network}/${subnet.prefix}`);
    }
    if (subnet.prefix > 30) fail(['segments', i, 'subnet'], `/${subnet.prefix} leaves no room for a gateway and hosts`);
    if (seg.gateway !== undefined) checkUsable(subnet, seg.gateway, ['segments', i, 'gateway'], fail);
    segments.set(seg.name, { subnet, gateway: seg.gateway ?? firstHostAddress(subnet) });
  });

  const nodes = new Set<string>();
  const workloads = new Set<string>();
  const owners = new Map<string, string>();
  const claim = (address: string, owner: string, path: Path) => {
    const previous = owners.get(address);
    if (previous) fail(path, `duplicate address ${address} (already used by ${previous})`);
    else owners.set(address, owner);
  };
  for (const [name, { gateway }] of segments) owners.set(gateway, `the gateway of segment ${name}`);

  s.hosts.forEach((host, h) => {
    const hostPath: Path = ['hosts', h];
    if (nodes.has(host.name)) fail([...hostPath, 'name'], `duplicate node name "${host.name}"`);
    nodes.add(host.name);

    const segmentName = host.segment ?? (s.segments.length === 1 ? s.segments[0]!.name : undefined);
    const segment = segmentName === undefined ? undefined : segments.get(segmentName);
    if (segmentName === undefined) {
      fail([...hostPath, 'segment'], 'is required when the scenario has more than one segment');
    } else if (!segment) {
      if (!s.segments.some((x) => x.name === segmentName)) fail([...hostPath, 'segment'], `unknown segment "${segmentName}"`);
    } else {
      checkUsable(segment.subnet, host.address, [...hostPath, 'address'], fail, segmentName);
    }
    if (isIpv4(host.address)) claim(host.address, `host ${host.name}`, [...hostPath, 'address']);

    const hostInterfaces = new Set<string>(segmentName ? [segmentName] : []);
    host.workloads.forEach((w, i) => {
      const path: Path = [...hostPath, 'workloads', i];
      if (nodes.has(w.name)) fail([...path, 'name'], `duplicate node name "${w.name}"`);
      nodes.add(w.name);
      workloads.add(w.name);
      const address = parseCidr(w.address);
      if (address) {
        claim(address.address, `workload ${w.name}`, [...path, 'address']);
        checkWorkloadAddress(address.address, [...path, 'address'], segments, fail);
      }
      for (const field of ['interface', 'hostInterface'] as const) {
        if (w[field] === 'lo') fail([...path, field], '"lo" is the loopback interface');
      }
      if (w.hostInterface !== undefined) {
        if (hostInterfaces.has(w.hostInterface)) {
          fail([...path, 'hostInterface'], `interface "${w.hostInterface}" already exists on host ${host.name}`);
        }
        hostInterfaces.add(w.hostInterface);
      }
    });
  });

  const node = (path: Path, name: string) => {
    if (!nodes.has(name)) fail(path, `unknown node "${name}" (nodes: ${[...nodes].join(', ')})`);
  };
  const host = (path: Path, name: string) => {
    if (!s.hosts.some((h) => h.name === name)) fail(path, `"${name}" is not a host (hosts: ${s.hosts.map((h) => h.name).join(', ')})`);
  };
  const needsBgp = (path: Path) => {
    if (s.routing !== 'bgp') fail(path, 'needs routing: "bgp"');
  };
  const vethRefs = (path: Path, text: string | undefined) => {
    for (const m of text?.matchAll(vethToken) ?? []) {
      if (!workloads.has(m[1]!)) fail(path, `{veth:${m[1]}} names no workload`);
    }
  };
  s.steps.forEach((step, i) => {
    const path: Path = ['steps', i];
    if ('ping' in step) {
      node([...path, 'ping', 'from'], step.ping.from);
      if (!isIpv4(step.ping.to)) node([...path, 'ping', 'to'], step.ping.to);
    } else if ('route' in step) {
      node([...path, 'route', 'node'], step.route.node);
      if (step.route.to !== 'default' && parseCidr(step.route.to) === undefined) {
        fail([...path, 'route', 'to'], `"${step.route.to}" is neither an IPv4 destination nor "default"`);
      }
      vethRefs([...path, 'route', 'dev'], step.route.dev);
    } else if ('neighbour' in step) {
      node([...path, 'neighbour', 'node'], step.neighbour.node);
      vethRefs([...path, 'neighbour', 'dev'], step.neighbour.dev);
    } else if ('sysctl' in step) {
      node([...path, 'sysctl', 'node'], step.sysctl.node);
      vethRefs([...path, 'sysctl', 'key'], step.sysctl.key);
    } else if ('matrix' in step) {
      step.matrix.among?.forEach((n, j) => node([...path, 'matrix', 'among', j], n));
    } else if ('bgp' in step) {
      needsBgp([...path, 'bgp']);
      step.bgp.hosts?.forEach((h, j) => host([...path, 'bgp', 'hosts', j], h));
    } else if ('iperf3' in step) {
      node([...path, 'iperf3', 'from'], step.iperf3.from);
      node([...path, 'iperf3', 'to'], step.iperf3.to);
    } else if ('wait' in step) {
      if ('node' in step.wait) node([...path, 'wait', 'node'], step.wait.node);
    } else if ('netem' in step) {
      node([...path, 'netem', 'node'], step.netem.node);
    } else if ('linkDown' in step) {
      node([...path, 'linkDown'], step.linkDown);
    } else if ('linkUp' in step) {
      node([...path, 'linkUp'], step.linkUp);
    } else if ('stopBgp' in step) {
      needsBgp([...path, 'stopBgp']);
      host([...path, 'stopBgp'], step.stopBgp);
    } else if ('startBgp' in step) {
      needsBgp([...path, 'startBgp']);
      host([...path, 'startBgp'], step.startBgp);
    } else if ('stopHost' in step) {
      host([...path, 'stopHost'], step.stopHost);
    } else {
      host([...path, 'startHost'], step.startHost);
    }
  });
  checkBgp(s, fail);
}

/** Reflectors are hosts; with blocks, each host's workloads fit one block and no two hosts share one. */
function checkBgp(s: Scenario, fail: (path: Path, message: string) => void): void {
  const hostNames = new Set(s.hosts.map((h) => h.name));
  s.bgp.reflectors.forEach((r, i) => {
    if (!hostNames.has(r)) fail(['bgp', 'reflectors', i], `"${r}" is not a host`);
  });
  if (s.bgp.block === undefined) return;
  const owners = new Map<string, string>();
  s.hosts.forEach((h, i) => {
    const blocks = new Set(
      h.workloads.flatMap((w) => {
        const address = parseCidr(w.address);
        return address ? [networkAddress({ address: address.address, prefix: s.bgp.block! })] : [];
      }),
    );
    if (blocks.size > 1) {
      fail(['hosts', i, 'workloads'], `workloads of ${h.name} span several /${s.bgp.block} blocks (${[...blocks].join(', ')})`);
    }
    for (const block of blocks) {
      const other = owners.get(block);
      if (other) fail(['hosts', i, 'workloads'], `block ${block}/${s.bgp.block} is also used by ${other}`);
      owners.set(block, h.name);
    }
  });
}

const LINK_LOCAL = parseCidr('169.254.0.0/16')!;

/** Workloads are reached by routing: their addresses may not sit on a segment or in link-local space. */
function checkWorkloadAddress(
  address: string,
  path: Path,
  segments: Map<string, { subnet: Cidr }>,
  fail: (path: Path, message: string) => void,
): void {
  if (contains(LINK_LOCAL, address)) {
    fail(path, `${address} is link-local (169.254.0.0/16), where every workload's gateway 169.254.1.1 lives`);
  }
  for (const [name, { subnet }] of segments) {
    if (contains(subnet, address)) fail(path, `${address} is inside segment ${name} (${formatCidr(subnet)}); workloads are routed, not bridged`);
  }
}

function checkUsable(
  subnet: Cidr,
  address: string,
  path: Path,
  fail: (path: Path, message: string) => void,
  segmentName?: string,
): void {
  if (!isIpv4(address)) return;
  const where = segmentName ? `segment ${segmentName} (${formatCidr(subnet)})` : formatCidr(subnet);
  if (!contains(subnet, address)) fail(path, `${address} is outside ${where}`);
  else if (address === networkAddress(subnet)) fail(path, `${address} is the network address of ${where}`);
  else if (address === broadcastAddress(subnet)) fail(path, `${address} is the broadcast address of ${where}`);
}
