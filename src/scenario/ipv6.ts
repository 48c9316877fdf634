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
import type { WorkloadDefinition } from '../topology/definition.js';
import { claimer, segmentNameOf, type Draft, type DraftHost } from './draft.js';
import type { Fail, Path } from './problems.js';

type Subnets6 = Map<string, Cidr6>;
type Claim = (address: string, owner: string, path: Path) => void;

/**
 * Dual stack: a segment's subnet6 holds its hosts' address6; a workload's address6 is routed via
 * its host's, and its gateway is the link-local address its host end's MAC gives. Static routing,
 * no encapsulation (the rest is IPv4 only so far).
 */
export function checkIpv6(s: Draft, fail: Fail): void {
  const subnets = checkSubnets6(s, fail);
  const owners = new Map<string, string>();
  s.segments.forEach((seg) => {
    const subnet = seg && subnets.get(seg.name);
    if (subnet) owners.set(canonical6(seg.gateway6 ?? firstHostAddress6(subnet)), `the gateway of segment ${seg.name}`);
  });
  const claim = claimer(owners, fail, canonical6);
  let dualStack = false;
  s.hosts.forEach((h, i) => {
    if (!h) return;
    if (h.address6 !== undefined) {
      dualStack = true;
      checkHostAddress6(s, h, i, { subnets, claim, fail });
    }
    h.workloads.forEach((w, j) => {
      if (w?.address6 === undefined) return;
      dualStack = true;
      checkWorkloadAddress6(h, w, ['hosts', i, 'workloads', j], { subnets, claim, fail });
    });
  });
  if (dualStack) checkDualStackLimits(s, fail);
}

/** Each subnet6 is a unicast network with room, overlapping no other; its gateway6 inside and not its anycast. */
function checkSubnets6(s: Draft, fail: Fail): Subnets6 {
  const subnets: Subnets6 = new Map();
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
  return subnets;
}

interface Context6 {
  subnets: Subnets6;
  claim: Claim;
  fail: Fail;
}

/** A host's address6 lies in its segment's subnet6 and is not its network address. */
function checkHostAddress6(s: Draft, h: DraftHost, i: number, { subnets, claim, fail }: Context6): void {
  const address6 = h.address6!;
  const segmentName = segmentNameOf(s, h);
  const subnet = segmentName === undefined ? undefined : subnets.get(segmentName);
  const path: Path = ['hosts', i, 'address6'];
  if (!subnet) fail(path, `needs subnet6 on segment ${segmentName ?? '?'}`);
  else if (!contains6(subnet, address6))
    fail(path, `${address6} is outside segment ${segmentName} (${formatCidr6(subnet)})`);
  else if (canonical6(address6) === networkAddress6(subnet))
    fail(path, `${address6} is the network address of ${formatCidr6(subnet)}`);
  else claim(address6, `host ${h.name}`, path);
}

/** A workload's address6 is routed via its host's address6, with a gateway from a fixed host-end MAC. */
function checkWorkloadAddress6(
  h: DraftHost,
  w: WorkloadDefinition,
  workloadPath: Path,
  { subnets, claim, fail }: Context6,
): void {
  const address6 = w.address6!;
  const path: Path = [...workloadPath, 'address6'];
  if (h.address6 === undefined)
    return fail(path, `needs an address6 on host ${h.name}: it is the next hop of routes to this workload`);
  if (w.hostMac === 'kernel')
    return fail(
      [...workloadPath, 'hostMac'],
      "must be a fixed MAC with an address6: the link-local address it gives is the workload's IPv6 gateway",
    );
  const special = notUnicast6(address6);
  if (special) return fail(path, `${address6} is ${special}`);
  for (const [name, subnet] of subnets) {
    if (contains6(subnet, address6))
      return fail(
        path,
        `${address6} is inside segment ${name} (${formatCidr6(subnet)}); workloads are routed, not bridged`,
      );
  }
  claim(address6, `workload ${w.name}`, path);
}

/** What IPv6 does not do yet: encapsulation; and BGP needs reflectors that peer over IPv6 too. */
function checkDualStackLimits(s: Draft, fail: Fail): void {
  const tunnelledPool = s.pools.findIndex((pool) => pool !== undefined && pool.encapsulation !== 'direct');
  if (s.encapsulation !== undefined && s.encapsulation !== 'direct')
    fail(['encapsulation'], 'IPv6 addresses go with encapsulation "direct" so far');
  else if (tunnelledPool >= 0)
    fail(['pools', tunnelledPool, 'encapsulation'], 'IPv6 addresses go with encapsulation "direct" so far');
  // Clients' /128s reach each other only through a reflector that peers over IPv6 too.
  if (s.routing !== 'bgp') return;
  const v6Hosts = s.hosts.flatMap((h) => (h?.address6 !== undefined ? [h.name] : []));
  (s.bgp?.reflectors ?? []).forEach((r, i) => {
    const reflector = s.hosts.find((h) => h?.name === r);
    if (reflector && reflector.address6 === undefined && v6Hosts.length > 0) {
      fail(['bgp', 'reflectors', i], `${r} needs an address6: ${v6Hosts.join(', ')} announce IPv6 through it`);
    }
  });
}
