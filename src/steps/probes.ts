import type { Family } from '../scenario/fields.js';
import { addressOf, findNode, type Topology } from '../topology/topology.js';

/**
 * What explains a failed exchange from `from` to `to` first: how each end routes to the other,
 * and the neighbour entries the first hop needs.
 */
export function pathProbes(
  topology: Topology,
  from: string,
  to: string,
  family: Family = 4,
): { node: string; argv: string[] }[] {
  const address = (name: string) => {
    const node = findNode(topology, name);
    return node ? addressOf(node, family) : name;
  };
  const routeGet = (node: string, target: string | undefined) =>
    target === undefined ? [] : [{ node, argv: ['ip', 'route', 'get', target] }];
  const v6 = family === 6 || to.includes(':');
  const sender = findNode(topology, from);
  return [
    ...routeGet(from, address(to)),
    { node: from, argv: ['ip', ...(v6 ? ['-6'] : []), 'neigh', 'show'] },
    ...(sender?.kind === 'workload' ? routeGet(sender.host.name, address(to)) : []),
    ...(findNode(topology, to) ? routeGet(to, address(from)) : []),
  ];
}
