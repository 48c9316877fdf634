import { z } from 'zod';
import { contains, formatCidr, isIpv4, networkAddress, parseCidr } from '../net/ipv4.js';
import { LINK_LOCAL, notUnicast, notUnicastSubnet, overlaps } from '../net/special.js';
import { tunnelAddressOf, type Encapsulation } from '../topology/definition.js';
import { segmentNameOf, type Draft } from './draft.js';
import { cidr } from './fields.js';
import type { Fail, Path } from './problems.js';
import type { Segments } from './segments.js';

export const encapsulationMode = z.enum(['direct', 'ipip', 'vxlan']);

/** An IP pool, as Calico's: how workloads with an address in it are reached from other hosts. */
export const poolSchema = z
  .strictObject({
    cidr: cidr.describe('The workload addresses of the pool, e.g. "10.20.2.0/24".'),
    encapsulation: encapsulationMode.describe(
      'How workloads of the pool are reached from other hosts: "direct", "ipip" or "vxlan".',
    ),
    crossSubnet: z
      .boolean()
      .default(false)
      .describe("Encapsulate only between hosts of different segments (Calico's CrossSubnet)."),
  })
  .meta({ title: 'Pool' });

/**
 * Encapsulation goes with static routes (Felix programs them in Calico; BIRD 2 cannot send routes
 * into a tunnel without Calico's patch), and every host needs a tunnel address of its own.
 */
export function checkEncapsulation(s: Draft, owners: Map<string, string>, segments: Segments, fail: Fail): void {
  checkCrossSubnet(s, ['crossSubnet'], s.encapsulation, s.crossSubnet, fail);
  checkPools(s, segments, fail);
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
  const tunnel = tunnelled[0];
  if (!tunnel) {
    s.hosts.forEach((h, i) => {
      if (h?.tunnelAddress !== undefined) fail(['hosts', i, 'tunnelAddress'], 'needs encapsulation "ipip" or "vxlan"');
    });
    return;
  }
  checkTunnelRouting(s, tunnel, fail);
  checkTunnelAddresses(s, tunnel.mode, { owners, segments, fail });
}

/** crossSubnet says between which hosts to encapsulate: it needs a tunnel and hosts on several segments. */
function checkCrossSubnet(
  s: Draft,
  path: Path,
  encapsulation: Encapsulation | undefined,
  crossSubnet: boolean | undefined,
  fail: Fail,
): void {
  if (!crossSubnet) return;
  const segmentsInUse = new Set(s.hosts.flatMap((h) => (h ? [segmentNameOf(s, h)] : [])));
  if ((encapsulation ?? 'direct') === 'direct')
    fail(path, 'needs encapsulation "ipip" or "vxlan": it says between which hosts to encapsulate');
  else if (segmentsInUse.size === 1)
    fail(
      path,
      'every host is on one segment, so nothing would be encapsulated: use encapsulation "direct", or put hosts on several segments',
    );
}

/** A pool is a unicast network apart from the segments and the other pools, holding some workload. */
function checkPools(s: Draft, segments: Segments, fail: Fail): void {
  const workloadAddresses = s.hosts.flatMap(
    (h) => h?.workloads.flatMap((w) => (w?.address === undefined ? [] : [parseCidr(w.address)!.address])) ?? [],
  );
  s.pools.forEach((pool, i) => {
    if (!pool) return;
    const path: Path = ['pools', i, 'cidr'];
    checkCrossSubnet(s, ['pools', i, 'crossSubnet'], pool.encapsulation, pool.crossSubnet, fail);
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
}

/** Routes into a tunnel are static: testbed programs them as Felix does. */
function checkTunnelRouting(s: Draft, tunnel: { mode: Encapsulation; path: Path }, fail: Fail): void {
  const { mode, path } = tunnel;
  if (s.routing === 'none')
    fail(path, `"${mode}" needs routing "static": with routing "none" nothing is routed into the tunnel`);
  if (s.routing === 'bgp') {
    fail(
      ['routing'],
      mode === 'vxlan'
        ? 'Calico programs VXLAN routes itself, without BGP: use routing "static" with encapsulation "vxlan"'
        : 'BIRD 2 cannot route into tunl0 (Calico patches BIRD for that): use routing "static" with encapsulation "ipip"',
    );
  }
}

/** Every host has a tunnel address of its own: unicast, outside link-local space and the segments. */
function checkTunnelAddresses(
  s: Draft,
  mode: Encapsulation,
  { owners, segments, fail }: { owners: Map<string, string>; segments: Segments; fail: Fail },
): void {
  const fromBlocks = new Set<string>();
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
    const derived = h.tunnelAddress === undefined;
    // Two hosts whose tunnel addresses both come from one block share that block: checkBgp says so.
    if (previous && !(derived && fromBlocks.has(address)))
      fail(derived ? ['hosts', i] : path, `the tunnel address ${address} of ${h.name} is already used by ${previous}`);
    if (previous) return;
    owners.set(address, `the tunnel of ${h.name}`);
    if (derived) fromBlocks.add(address);
  });
}
