import type { Topology } from '../topology/topology.js';
import { FABRIC, ip, sysctl, type Section } from './ops.js';

/**
 * Pure: how the lab's router (the fabric: a namespace on netns, a container on docker) routes
 * between several segments: each workload via its host, as a data-centre fabric that learned the
 * routes would, or, with an encapsulation, only the hosts' own addresses (which it has on its
 * segments). Nothing with one segment or with routing "none".
 */
export function segmentRouting(topology: Topology): Section[] {
  if (topology.segments.length < 2 || topology.routing === 'none') return [];
  // Through a tunnel the fabric sees only the hosts' own addresses, as a real one would: it
  // routes the workloads that cross it as they are (encapsulation "direct", of the lab or their pool).
  const direct = (h: Topology['hosts'][number]) => h.workloads.filter((w) => w.encapsulation === 'direct');
  const every = topology.workloads.every((w) => w.encapsulation === 'direct');
  const none = topology.workloads.every((w) => w.encapsulation !== 'direct');
  return [
    {
      comment: every
        ? 'Several segments: the fabric routes between them, to each workload via its host.'
        : none
          ? 'Several segments: the fabric routes between them; workload traffic crosses it inside the tunnel.'
          : 'Several segments: the fabric routes between them, to each workload of a "direct" pool via its host\n(the others cross it inside the tunnel).',
      ops: [
        // It routes no workload that crosses it inside a tunnel, yet sees their packets to hosts (and
        // replies out of a tunnel) come from them: reverse-path filtering, which new namespaces take
        // from the machine (loose on Ubuntu), would drop those. Before its links exist, so they inherit it.
        sysctl(FABRIC, 'net/ipv4/conf/all/rp_filter', 0, { early: true }),
        sysctl(FABRIC, 'net/ipv4/conf/default/rp_filter', 0, { early: true }),
        sysctl(FABRIC, 'net/ipv4/ip_forward', 1),
        ...topology.hosts.flatMap((h) =>
          direct(h).flatMap((w) =>
            w.address ? [ip(FABRIC, 'route', 'add', w.address.address, 'via', h.address)] : [],
          ),
        ),
        ...(topology.segments.some((s) => s.subnet6) ? [sysctl(FABRIC, 'net/ipv6/conf/all/forwarding', 1)] : []),
        ...topology.hosts.flatMap((h) =>
          direct(h).flatMap((w) =>
            w.address6 && h.address6 ? [ip(FABRIC, 'route', 'add', w.address6, 'via', h.address6)] : [],
          ),
        ),
      ],
    },
  ];
}
