import type { Family } from '../scenario/fields.js';
import { findNode, nodeAddress, type Topology } from '../topology/topology.js';

/**
 * What explains a failed exchange from `from` to `to` first: how each end routes to the other,
 * and the neighbour entries the first hop needs.
 */
export function pathProbes(topology: Topology, from: string, to: string, family: Family = 4): { node: string; argv: string[] }[] {
  const address = (name: string) => {
    const node = findNode(topology, name);
    return node ? nodeAddress(node, family) : name;
  };
  const v6 = family === 6 || to.includes(':');
  const sender = findNode(topology, from);
  return [
    { node: from, argv: ['ip', 'route', 'get', address(to)] },
    { node: from, argv: ['ip', ...(v6 ? ['-6'] : []), 'neigh', 'show'] },
    ...(sender?.kind === 'workload' ? [{ node: sender.host.name, argv: ['ip', 'route', 'get', address(to)] }] : []),
    ...(findNode(topology, to) ? [{ node: to, argv: ['ip', 'route', 'get', address(from)] }] : []),
  ];
}
