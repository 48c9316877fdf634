import { findNode, type Host, type Topology } from '../topology/topology.js';
import { defaultRoute, staticRoutes, uplink6Parts, workloadHostSide, type UplinkMac } from './host-plan.js';
import { ip, type Op } from './ops.js';

/** The link a fault acts on: a host's uplink, or the host end of a workload's veth; and the host it is on. */
export function faultLink(topology: Topology, node: string): { host: Host; dev: string } {
  const found = findNode(topology, node)!;
  return { host: found.host, dev: found.kind === 'host' ? found.host.segment.name : found.workload.hostInterface };
}

/** Sets a link down: the kernel drops every route through it, and its IPv6 addresses. */
export function linkDownOps(topology: Topology, node: string): Op[] {
  const { host, dev } = faultLink(topology, node);
  return [ip(host.name, 'link', 'set', 'dev', dev, 'down')];
}

/**
 * Brings a link back up and gives back what the kernel dropped with it, as the host's plan made
 * it: an uplink's IPv6 address, default routes, static routes and static IPv6 neighbours (where
 * the backend's segments need them: `uplinkMac`); a veth's routes to its workload and its IPv6
 * gateway address. `replace`, so what survived is no error.
 */
export function linkUpOps(topology: Topology, node: string, uplinkMac?: UplinkMac): Op[] {
  const found = findNode(topology, node)!;
  const { host, dev } = faultLink(topology, node);
  let addresses: string[][];
  let routes: string[][];
  let neighbours: string[][] = [];
  if (found.kind === 'host') {
    const v6 = uplink6Parts(topology, host, uplinkMac);
    addresses = v6 ? [v6.address] : [];
    routes = [defaultRoute(host), ...(v6 ? [v6.route] : []), ...staticRoutes(topology, host)];
    neighbours = v6?.neighbours ?? [];
  } else {
    const side = workloadHostSide(found.workload);
    addresses = side.address6 ? [side.address6] : [];
    routes = side.routes;
  }
  return [
    ip(host.name, 'link', 'set', 'dev', dev, 'up'),
    ...addresses.map((a) => ip(host.name, 'addr', 'replace', ...a)),
    ...routes.map((r) => ip(host.name, 'route', 'replace', ...r)),
    ...neighbours.map((n) => ip(host.name, 'neigh', 'replace', ...n)),
  ];
}
