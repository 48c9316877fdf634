import { fitInterfaceName } from '../../topology/names.js';
import type { Topology } from '../../topology/topology.js';
import { FABRIC, ip, sysctl, type Section } from '../../dataplane/ops.js';

export const bridgeName = (segment: string) => fitInterfaceName(`br-${segment}`, 'br-');
export const fabricPortName = (host: string) => fitInterfaceName(`to-${host}`, 'to-');

/**
 * Pure: the lab fabric of the netns backend. Each segment is a bridge in the lab's own namespace
 * holding the segment gateway; each host is plugged in by a veth whose far end, inside the host,
 * carries the segment's name. With several segments and routing on, the fabric routes between
 * them: each workload to its host, as a data-centre fabric that learned the routes would, or,
 * with an encapsulation, only the hosts' own addresses.
 */
export function planFabric(topology: Topology): Section[] {
  const segments = topology.segments.map((segment): Section => {
    const bridge = bridgeName(segment.name);
    const hosts = topology.hosts.filter((h) => h.segment === segment);
    return {
      comment: `Segment ${segment.name}: a bridge stands in for the switch, gateway ${segment.gateway}.`,
      ops: [
        ip(FABRIC, 'link', 'add', 'name', bridge, 'type', 'bridge'),
        ip(FABRIC, 'addr', 'add', `${segment.gateway}/${segment.subnet.prefix}`, 'dev', bridge),
        ...(segment.subnet6 ? [ip(FABRIC, 'addr', 'add', `${segment.gateway6!}/${segment.subnet6.prefix}`, 'dev', bridge, 'nodad')] : []),
        ip(FABRIC, 'link', 'set', 'dev', bridge, 'up'),
        ...hosts.flatMap((h) => {
          const port = fabricPortName(h.name);
          return [
            ip(FABRIC, 'link', 'add', 'name', port, 'type', 'veth', 'peer', 'name', segment.name, 'netns', { netns: h.name }),
            ip(FABRIC, 'link', 'set', 'dev', port, 'master', bridge, 'up'),
          ];
        }),
      ],
    };
  });
  // Through a tunnel the fabric sees only the hosts' own addresses, as a real one would.
  const direct = topology.encapsulation === 'direct';
  const routing: Section[] =
    topology.segments.length > 1 && topology.routing !== 'none'
      ? [
          {
            comment: direct
              ? 'Several segments: the fabric routes between them, to each workload via its host.'
              : 'Several segments: the fabric routes between them; workload traffic crosses it inside the tunnel.',
            ops: [
              sysctl(FABRIC, 'net/ipv4/ip_forward', 1),
              ...(direct ? topology.hosts.flatMap((h) => h.workloads.flatMap((w) => (w.address ? [ip(FABRIC, 'route', 'add', w.address.address, 'via', h.address)] : []))) : []),
              ...(topology.segments.some((s) => s.subnet6) ? [sysctl(FABRIC, 'net/ipv6/conf/all/forwarding', 1)] : []),
              ...topology.hosts.flatMap((h) =>
                h.workloads.flatMap((w) => (direct && w.address6 && h.address6 ? [ip(FABRIC, 'route', 'add', w.address6, 'via', h.address6)] : [])),
              ),
            ],
          },
        ]
      : [];
  return [{ comment: 'The lab fabric.', ops: [ip(FABRIC, 'link', 'set', 'dev', 'lo', 'up')] }, ...segments, ...routing];
}
