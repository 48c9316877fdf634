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
import {
  canonical6,
  contains6,
  firstHostAddress6,
  formatCidr6,
  networkAddress6,
  notUnicast6,
  notUnicastSubnet6,
  parseCidr6,
  type Cidr6,
} from '../net/ipv6.js';
import {
  LINK_LOCAL,
  notUnicast,
  notUnicastMac,
  notUnicastSubnet,
  overlaps,
  RESERVED_INTERFACE_NAMES,
} from '../net/special.js';
import {
  addressWithOptionalPrefix,
  cidr,
  cidr6,
  interfaceName,
  ipv4,
  ipv6,
  labName,
  mac,
  nodeName,
  text,
  withoutNul,
} from './fields.js';

const segmentSchema = z.strictObject({
  /** The host-side interface name of this segment, e.g. "ens192". */
  name: interfaceName,
  subnet: cidr,
  /** Default route of every host on the segment; proxy ARP needs it. Default: the subnet's first address. */
  gateway: ipv4.optional(),
  /** The segment's IPv6 network, for hosts with an address6 (dual stack). */
  subnet6: cidr6.optional(),
  /** IPv6 default route of its hosts. Default: the first address of subnet6. */
  gateway6: ipv6.optional(),
});

const workloadSchema = z.strictObject({
  name: nodeName,
  /** "10.20.1.2" (a /32, as Calico assigns) or "10.20.1.2/24" (the seed's lab variant); may be left out for an IPv6-only workload. */
  address: addressWithOptionalPrefix.optional(),
  /** The interface inside the workload. */
  interface: interfaceName.default('eth0'),
  /** The host end of the veth. Default: "cali" + 11 hex chars derived from lab, host and workload. */
  hostInterface: interfaceName.optional(),
  /** MAC of the host end; "kernel" keeps the random one the kernel assigns. */
  hostMac: z.union([mac, z.literal('kernel')]).default('ee:ee:ee:ee:ee:ee'),
  /** neigh/<if>/proxy_delay in 1/100 s; "kernel" leaves the kernel default (80: up to 0.8 s). */
  proxyDelay: z.union([z.number().int().min(0), z.literal('kernel')]).default(0),
  /** The workload's IPv6 address (a /128), beside its IPv4 one or instead of it. */
  address6: ipv6.optional(),
});

const hostSchema = z.strictObject({
  name: nodeName,
  /** Segment name; may be left out when the scenario has one segment. */
  segment: z.string().optional(),
  /** The host's address on its segment, without prefix (the segment's prefix applies). */
  address: ipv4,
  /**
   * With an encapsulation: the host's own address on its tunnel device (IPIP's tunl0, the VXLAN
   * VTEP). Default: the first address of the host's block (bgp.block), as Calico's IPAM gives it.
   */
  tunnelAddress: ipv4.optional(),
  /** The host's IPv6 address on its segment (the segment's subnet6 prefix applies). */
  address6: ipv6.optional(),
  workloads: z.array(workloadSchema).default([]),
});

const bgpSchema = z.strictObject({
  asn: z.number().int().min(1).max(4_294_967_295).default(64512),
  /** Route reflectors (hosts); none means a node-to-node full mesh, as Calico does by default. */
  reflectors: z.array(nodeName).default([]),
  /** Export one block of this prefix length per host (with a blackhole route, as Calico's IPAM blocks) instead of /32s. */
  block: z.number().int().min(8).max(32).optional(),
  /** Appended to every host's bird.conf verbatim. */
  extraConfig: withoutNul.optional(),
});

const encapsulationMode = z.enum(['direct', 'ipip', 'vxlan']);

/** An IP pool, as Calico's: how workloads with an address in it are reached from other hosts. */
const poolSchema = z.strictObject({
  /** The workload addresses of the pool, e.g. "10.20.2.0/24". */
  cidr,
  encapsulation: encapsulationMode,
  crossSubnet: z.boolean().default(false),
});

/** The lab a scenario describes: everything but its steps. */
export const labShape = {
  name: labName,
  description: text.optional(),
  segments: z.array(segmentSchema).min(1, 'needs at least one segment'),
  hosts: z.array(hostSchema).min(1, 'needs at least one host'),
  routing: z.enum(['static', 'bgp', 'none']).default('static'),
  /**
   * How workload traffic crosses between hosts, as Calico's IP pools say: "direct" (routed as it
   * is), "ipip" (in IP-in-IP through tunl0) or "vxlan" (in VXLAN through vxlan.calico).
   */
  encapsulation: encapsulationMode.default('direct'),
  /** With "ipip" or "vxlan": encapsulate only between hosts of different segments, route directly within one (CrossSubnet). */
  crossSubnet: z.boolean().default(false),
  /**
   * IP pools, as Calico's: a workload whose address is in a pool is reached as the pool says;
   * the others as `encapsulation` and `crossSubnet` say.
   */
  pools: z.array(poolSchema).default([]),
  /** With routing "bgp": how BIRD is set up. */
  bgp: bgpSchema.default({ asn: 64512, reflectors: [] }),
  /** Settings of a backend, under its name (e.g. `docker: { privileged: ['host0'] }`); each backend checks its own. */
  backendOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
};

export type LabDefinition = z.output<z.ZodObject<typeof labShape>>;
type SegmentDef = z.output<typeof segmentSchema>;
type WorkloadDef = z.output<typeof workloadSchema>;
type HostDef = Omit<z.output<typeof hostSchema>, 'workloads'> & { workloads: (WorkloadDef | undefined)[] };

export type Path = (string | number)[];
export type Fail = (path: Path, message: string) => void;
/** Reports zod's issues under a path prefix. */
export type ZodFail = (error: z.ZodError, prefix: Path) => void;

/**
 * The lab as far as it is valid: every element parsed on its own, so that one bad field hides
 * nothing else. `undefined` marks an element that did not parse (its problems are reported).
 */
interface Draft {
  segments: (SegmentDef | undefined)[];
  hosts: (HostDef | undefined)[];
  routing?: LabDefinition['routing'];
  encapsulation?: LabDefinition['encapsulation'];
  crossSubnet?: boolean;
  pools: (LabDefinition['pools'][number] | undefined)[];
  bgp?: LabDefinition['bgp'];
  /** Node and segment names as written, also of elements that did not parse. */
  raw: { segments: unknown[]; hosts: unknown[] };
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
const rawList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rawName = (v: unknown): string | undefined =>
  typeof record(v).name === 'string' ? (record(v).name as string) : undefined;

const labTop = z.strictObject({
  ...labShape,
  segments: z.array(z.unknown()).min(1, 'needs at least one segment'),
  hosts: z.array(z.unknown()).min(1, 'needs at least one host'),
  pools: z.array(z.unknown()).default([]),
  steps: z.array(z.unknown()).default([]),
});
const hostHead = hostSchema.extend({ workloads: z.array(z.unknown()).default([]) });

/**
 * Validates the lab part of a scenario in one pass: each field, segment, host and workload on its
 * own, then the cross-field rules over everything that parsed. Returns the lab when all is valid.
 */
export function validateLab(raw: unknown, fail: Fail, zodFail: ZodFail, options: object): LabDefinition | undefined {
  let valid = true;
  const parse = <T>(schema: z.ZodType<T>, value: unknown, path: Path): T | undefined => {
    const result = schema.safeParse(value, options);
    if (result.success) return result.data;
    valid = false;
    zodFail(result.error, path);
    return undefined;
  };
  const top = labTop.safeParse(raw, options);
  if (!top.success) {
    valid = false;
    zodFail(top.error, []);
  }
  const scenario = record(raw);
  const field = <K extends keyof typeof labShape>(key: K) =>
    top.success
      ? top.data[key]
      : (labShape[key].safeParse(scenario[key], options).data as z.output<(typeof labShape)[K]> | undefined);
  const draft: Draft = {
    segments: rawList(scenario.segments).map((seg, i) => parse(segmentSchema, seg, ['segments', i])),
    hosts: rawList(scenario.hosts).map((host, h) => {
      const head = parse(hostHead, host, ['hosts', h]);
      const workloads = rawList(record(host).workloads).map((w, i) =>
        parse(workloadSchema, w, ['hosts', h, 'workloads', i]),
      );
      return head ? { ...head, workloads } : undefined;
    }),
    routing: field('routing'),
    encapsulation: field('encapsulation'),
    crossSubnet: field('crossSubnet'),
    pools: rawList(scenario.pools).map((pool, i) => parse(poolSchema, pool, ['pools', i])),
    bgp: field('bgp'),
    raw: { segments: rawList(scenario.segments), hosts: rawList(scenario.hosts) },
  };
  const before = valid;
  checkLab(draft, (path, message) => {
    valid = false;
    fail(path, message);
  });
  if (!before || !valid || !top.success) return undefined;
  const { steps: _, ...definition } = top.data;
  return {
    ...definition,
    segments: draft.segments as SegmentDef[],
    hosts: draft.hosts.map((h) => ({ ...h!, workloads: h!.workloads as WorkloadDef[] })),
    pools: draft.pools as LabDefinition['pools'],
  };
}

/** Records who uses each address (by `key`, its one spelling), failing at the second user. */
function claimer(owners: Map<string, string>, fail: Fail, key: (address: string) => string = (a) => a) {
  return (address: string, owner: string, path: Path): void => {
    const previous = owners.get(key(address));
    if (previous) fail(path, `duplicate address ${address} (already used by ${previous})`);
    else owners.set(key(address), owner);
  };
}

/** Cross-field rules of the lab zod cannot express field by field: uniqueness, containment, addresses. */
// eslint-disable-next-line max-lines-per-function -- one pass whose maps (segments, owners) the later rules need; splitting the schema by concept is the next step of issue 20
function checkLab(s: Draft, fail: Fail): void {
  const segmentNames = s.raw.segments.map(rawName);
  const segments = new Map<string, { subnet: Cidr; gateway: string }>();
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

  // Node names as written: a duplicate is found even where its element is otherwise broken.
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

  const owners = new Map<string, string>();
  const claim = claimer(owners, fail);
  for (const [name, { gateway }] of segments) owners.set(gateway, `the gateway of segment ${name}`);

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

    const hostInterfaces = new Set<string>(segmentName ? [segmentName] : []);
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
  });
  if (s.bgp) checkBgp(s.bgp, s, fail);
  checkEncapsulation(s, owners, segments, fail);
  checkIpv6(s, fail);
}

/**
 * Dual stack: a segment's subnet6 holds its hosts' address6; a workload's address6 is routed via
 * its host's, and its gateway is the link-local address its host end's MAC gives. Static routing,
 * no encapsulation (the rest is IPv4 only so far).
 */
// eslint-disable-next-line max-lines-per-function -- the IPv6 rules share the subnet maps built at their top; to be split with the schema
function checkIpv6(s: Draft, fail: Fail): void {
  const subnets = new Map<string, Cidr6>();
  s.segments.forEach((seg, i) => {
    if (!seg?.subnet6) {
      if (seg?.gateway6 !== undefined) fail(['segments', i, 'gateway6'], 'needs subnet6');
      return;
    }
    const subnet = parseCidr6(seg.subnet6)!;
    const network = networkAddress6(subnet);
    if (network !== subnet.address)
      return fail(
        ['segments', i, 'subnet6'],
        `${seg.subnet6} has host bits set; the network is ${network}/${subnet.prefix}`,
      );
    if (subnet.prefix > 126)
      return fail(['segments', i, 'subnet6'], `/${subnet.prefix} leaves no room for a gateway and hosts`);
    const special = notUnicastSubnet6(subnet);
    if (special) return fail(['segments', i, 'subnet6'], `${seg.subnet6} ${special}`);
    for (const [other, taken] of subnets) {
      if (contains6(taken, network) || contains6(subnet, taken.address))
        return fail(['segments', i, 'subnet6'], `${seg.subnet6} overlaps segment ${other} (${formatCidr6(taken)})`);
    }
    if (seg.gateway6 !== undefined && !contains6(subnet, seg.gateway6))
      fail(['segments', i, 'gateway6'], `${seg.gateway6} is outside ${seg.subnet6}`);
    else if (seg.gateway6 !== undefined && canonical6(seg.gateway6) === network) {
      fail(
        ['segments', i, 'gateway6'],
        `${seg.gateway6} is the network address of ${seg.subnet6} (the subnet-router anycast address every router answers)`,
      );
    }
    subnets.set(seg.name, subnet);
  });
  const owners = new Map<string, string>();
  const claim = claimer(owners, fail, canonical6);
  s.segments.forEach((seg) => {
    const subnet = seg && subnets.get(seg.name);
    if (subnet) owners.set(canonical6(seg.gateway6 ?? firstHostAddress6(subnet)), `the gateway of segment ${seg.name}`);
  });
  let dualStack = false;
  s.hosts.forEach((h, i) => {
    if (!h) return;
    const segmentName = h.segment ?? rawName(s.raw.segments[0]);
    const subnet = segmentName === undefined ? undefined : subnets.get(segmentName);
    if (h.address6 !== undefined) {
      dualStack = true;
      const path: Path = ['hosts', i, 'address6'];
      if (!subnet) fail(path, `needs subnet6 on segment ${segmentName ?? '?'}`);
      else if (!contains6(subnet, h.address6))
        fail(path, `${h.address6} is outside segment ${segmentName} (${formatCidr6(subnet)})`);
      else if (canonical6(h.address6) === networkAddress6(subnet))
        fail(path, `${h.address6} is the network address of ${formatCidr6(subnet)}`);
      else claim(h.address6, `host ${h.name}`, path);
    }
    h.workloads.forEach((w, j) => {
      if (w?.address6 === undefined) return;
      dualStack = true;
      const path: Path = ['hosts', i, 'workloads', j, 'address6'];
      if (h.address6 === undefined)
        return fail(path, `needs an address6 on host ${h.name}: it is the next hop of routes to this workload`);
      if (w.hostMac === 'kernel')
        return fail(
          ['hosts', i, 'workloads', j, 'hostMac'],
          "must be a fixed MAC with an address6: the link-local address it gives is the workload's IPv6 gateway",
        );
      const special = notUnicast6(w.address6);
      if (special) return fail(path, `${w.address6} is ${special}`);
      for (const [name, subnet] of subnets) {
        if (contains6(subnet, w.address6))
          return fail(
            path,
            `${w.address6} is inside segment ${name} (${formatCidr6(subnet)}); workloads are routed, not bridged`,
          );
      }
      claim(w.address6, `workload ${w.name}`, path);
    });
  });
  if (!dualStack) return;
  const tunnelledPool = s.pools.findIndex((pool) => pool !== undefined && pool.encapsulation !== 'direct');
  if (s.encapsulation !== undefined && s.encapsulation !== 'direct')
    fail(['encapsulation'], 'IPv6 addresses go with encapsulation "direct" so far');
  else if (tunnelledPool >= 0)
    fail(['pools', tunnelledPool, 'encapsulation'], 'IPv6 addresses go with encapsulation "direct" so far');
  // Clients' /128s reach each other only through a reflector that peers over IPv6 too.
  if (s.routing === 'bgp') {
    const v6Hosts = s.hosts.flatMap((h) => (h?.address6 !== undefined ? [h.name] : []));
    (s.bgp?.reflectors ?? []).forEach((r, i) => {
      const reflector = s.hosts.find((h) => h?.name === r);
      if (reflector && reflector.address6 === undefined && v6Hosts.length > 0) {
        fail(['bgp', 'reflectors', i], `${r} needs an address6: ${v6Hosts.join(', ')} announce IPv6 through it`);
      }
    });
  }
}

/**
 * Encapsulation goes with static routes (Felix programs them in Calico; BIRD 2 cannot send routes
 * into a tunnel without Calico's patch), and every host needs a tunnel address of its own.
 */
// eslint-disable-next-line max-lines-per-function -- the pool and tunnel rules share the maps built at their top; to be split with the schema
function checkEncapsulation(
  s: Draft,
  owners: Map<string, string>,
  segments: Map<string, { subnet: Cidr }>,
  fail: Fail,
): void {
  const segmentsInUse = new Set(s.hosts.flatMap((h) => (h ? [h.segment ?? rawName(s.raw.segments[0])] : [])));
  const checkCrossSubnet = (path: Path, encapsulation: string | undefined, crossSubnet: boolean | undefined) => {
    if (!crossSubnet) return;
    if ((encapsulation ?? 'direct') === 'direct')
      fail(path, 'needs encapsulation "ipip" or "vxlan": it says between which hosts to encapsulate');
    else if (segmentsInUse.size === 1)
      fail(
        path,
        'every host is on one segment, so nothing would be encapsulated: use encapsulation "direct", or put hosts on several segments',
      );
  };
  checkCrossSubnet(['crossSubnet'], s.encapsulation, s.crossSubnet);
  const workloadAddresses = s.hosts.flatMap(
    (h) => h?.workloads.flatMap((w) => (w?.address === undefined ? [] : [parseCidr(w.address)!.address])) ?? [],
  );
  s.pools.forEach((pool, i) => {
    if (!pool) return;
    const path: Path = ['pools', i, 'cidr'];
    checkCrossSubnet(['pools', i, 'crossSubnet'], pool.encapsulation, pool.crossSubnet);
    const cidr = parseCidr(pool.cidr)!;
    if (networkAddress(cidr) !== cidr.address)
      return fail(path, `${pool.cidr} has host bits set; the network is ${networkAddress(cidr)}/${cidr.prefix}`);
    const special = notUnicastSubnet(cidr);
    if (special) return fail(path, `${pool.cidr} ${special}`);
    for (const [name, { subnet }] of segments) {
      if (overlaps(subnet, cidr))
        return fail(
          path,
          `${pool.cidr} overlaps segment ${name} (${formatCidr(subnet)}); a pool holds workload addresses, which are routed`,
        );
    }
    const earlier = s.pools.findIndex((p, j) => j < i && p !== undefined && overlaps(parseCidr(p.cidr)!, cidr));
    if (earlier >= 0)
      return fail(
        path,
        `${pool.cidr} overlaps pools[${earlier}] (${s.pools[earlier]!.cidr}): a workload belongs to one pool`,
      );
    if (!workloadAddresses.some((a) => contains(cidr, a)))
      fail(path, `${pool.cidr} holds no workload's address: a pool decides only how its workloads are reached`);
  });
  // What follows depends on the lab's tunnel, which a pool that did not parse leaves unknown.
  if (s.pools.some((p) => p === undefined)) return;
  const tunnelled = [
    ...(s.encapsulation !== undefined && s.encapsulation !== 'direct'
      ? [{ mode: s.encapsulation, path: ['encapsulation'] as Path }]
      : []),
    ...s.pools.flatMap((p, i) =>
      p!.encapsulation === 'direct' ? [] : [{ mode: p!.encapsulation, path: ['pools', i, 'encapsulation'] as Path }],
    ),
  ];
  if (new Set(tunnelled.map((t) => t.mode)).size > 1) {
    fail(
      ['pools'],
      'ipip and vxlan in one lab: each host has one tunnel address, so a lab encapsulates one way (or not at all)',
    );
  }
  const mode = tunnelled[0]?.mode ?? 'direct';
  if (mode === 'direct') {
    s.hosts.forEach((h, i) => {
      if (h?.tunnelAddress !== undefined) fail(['hosts', i, 'tunnelAddress'], 'needs encapsulation "ipip" or "vxlan"');
    });
    return;
  }
  if (s.routing === 'none')
    fail(tunnelled[0]!.path, `"${mode}" needs routing "static": with routing "none" nothing is routed into the tunnel`);
  if (s.routing === 'bgp') {
    fail(
      ['routing'],
      mode === 'vxlan'
        ? 'Calico programs VXLAN routes itself, without BGP: use routing "static" with encapsulation "vxlan"'
        : 'BIRD 2 cannot route into tunl0 (Calico patches BIRD for that): use routing "static" with encapsulation "ipip"',
    );
  }
  s.hosts.forEach((h, i) => {
    if (!h) return;
    const path: Path = ['hosts', i, 'tunnelAddress'];
    const address = tunnelAddressOf(h, s.bgp?.block);
    if (address === undefined) {
      const from =
        s.bgp?.block === undefined
          ? "or bgp.block so that it comes from the host's block"
          : 'as it has no workloads, it has no block to take one from';
      return fail(
        ['hosts', i],
        `encapsulation "${mode}" needs a tunnel address for ${h.name}: set tunnelAddress, ${from}`,
      );
    }
    if (!isIpv4(address)) return;
    const special = notUnicast(address);
    if (special) return fail(path, `${address} is ${special}`);
    if (contains(LINK_LOCAL, address))
      return fail(path, `${address} is link-local (169.254.0.0/16), where every workload's gateway lives`);
    for (const [name, { subnet }] of segments) {
      if (contains(subnet, address))
        return fail(
          path,
          `${address} is inside segment ${name} (${formatCidr(subnet)}); a tunnel address is routed, not bridged`,
        );
    }
    const previous = owners.get(address);
    if (previous)
      fail(
        h.tunnelAddress === undefined ? ['hosts', i] : path,
        `the tunnel address ${address} of ${h.name} is already used by ${previous}`,
      );
    else owners.set(address, `the tunnel of ${h.name}`);
  });
}

/** A host's tunnel address: its own, or the first address of its block (the block's network address, as Calico hands out). */
export function tunnelAddressOf(
  host: { tunnelAddress?: string | undefined; workloads: ({ address?: string | undefined } | undefined)[] },
  block: number | undefined,
): string | undefined {
  if (host.tunnelAddress !== undefined) return host.tunnelAddress;
  const first = host.workloads.find((w) => w?.address !== undefined);
  const address = first?.address === undefined ? undefined : parseCidr(first.address);
  return block !== undefined && address ? networkAddress({ address: address.address, prefix: block }) : undefined;
}

/** Reflectors are hosts; with blocks, each host's workloads fit one block and no two hosts share one. */
function checkBgp(bgp: LabDefinition['bgp'], s: Draft, fail: Fail): void {
  const hostNames = new Set(s.raw.hosts.map(rawName));
  bgp.reflectors.forEach((r, i) => {
    if (!hostNames.has(r)) fail(['bgp', 'reflectors', i], `"${r}" is not a host`);
  });
  const { block } = bgp;
  if (block === undefined) return;
  const owners = new Map<string, string>();
  s.hosts.forEach((h, i) => {
    if (!h) return;
    const blocks = new Set(
      h.workloads.flatMap((w) => {
        const address = w?.address === undefined ? undefined : parseCidr(w.address);
        return address ? [networkAddress({ address: address.address, prefix: block })] : [];
      }),
    );
    if (blocks.size > 1) {
      fail(
        ['hosts', i, 'workloads'],
        `workloads of ${h.name} span several /${block} blocks (${[...blocks].join(', ')})`,
      );
    }
    for (const b of blocks) {
      const other = owners.get(b);
      if (other) fail(['hosts', i, 'workloads'], `block ${b}/${block} is also used by ${other}`);
      owners.set(b, h.name);
    }
  });
}

const reservedName = (name: string) =>
  `"${name}" is taken: the kernel or testbed names an interface so (${RESERVED_INTERFACE_NAMES.join(', ')})`;

/**
 * Workloads are reached by routing: their address is a unicast host address, and the on-link
 * prefix it comes with (the seed's /24) may not reach a segment, link-local space (the gateway
 * 169.254.1.1 must stay behind the default route) or special ranges.
 */
function checkWorkloadAddress(cidr: Cidr, path: Path, segments: Map<string, { subnet: Cidr }>, fail: Fail): void {
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

function checkUsable(subnet: Cidr, address: string, path: Path, fail: Fail, segmentName?: string): void {
  if (!isIpv4(address)) return;
  const where = segmentName ? `segment ${segmentName} (${formatCidr(subnet)})` : formatCidr(subnet);
  if (!contains(subnet, address)) fail(path, `${address} is outside ${where}`);
  else if (address === networkAddress(subnet)) fail(path, `${address} is the network address of ${where}`);
  else if (address === broadcastAddress(subnet)) fail(path, `${address} is the broadcast address of ${where}`);
}
