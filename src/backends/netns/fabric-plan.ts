import { fitInterfaceName } from '../../topology/names.js';
import type { Topology } from '../../topology/topology.js';
import { FABRIC, ip, sysctl, type Section } from '../../dataplane/ops.js';
import { segmentRouting } from '../../dataplane/segment-routing.js';

export const bridgeName = (segment: string) => fitInterfaceName(`br-${segment}`, 'br-');
export const fabricPortName = (host: string) => fitInterfaceName(`to-${host}`, 'to-');

/**
 * Pure: the lab fabric of the netns backend. Each segment is a bridge in the lab's own namespace
 * holding the segment gateway; each host is plugged in by a veth whose far end, inside the host,
 * carries the segment's name. With several segments and routing on, the fabric routes between
 * them (segmentRouting).
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
        ...(segment.subnet6
          ? [ip(FABRIC, 'addr', 'add', `${segment.gateway6!}/${segment.subnet6.prefix}`, 'dev', bridge, 'nodad')]
          : []),
        ip(FABRIC, 'link', 'set', 'dev', bridge, 'up'),
        ...hosts.flatMap((h) => {
          const port = fabricPortName(h.name);
          return [
            ip(FABRIC, 'link', 'add', 'name', port, 'type', 'veth', 'peer', 'name', segment.name, 'netns', {
              netns: h.name,
            }),
            ip(FABRIC, 'link', 'set', 'dev', port, 'master', bridge, 'up'),
          ];
        }),
      ],
    };
  });
  // A router forwards no IPv6 on a link until its link-local address there has passed DAD (about 2 s).
  const noDad = topology.segments.some((s) => s.subnet6)
    ? [sysctl(FABRIC, 'net/ipv6/conf/default/accept_dad', 0, { early: true })]
    : [];
  return [
    { comment: 'The lab fabric.', ops: [...noDad, ip(FABRIC, 'link', 'set', 'dev', 'lo', 'up')] },
    ...segments,
    ...segmentRouting(topology),
  ];
}
