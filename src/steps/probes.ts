import { findNode, nodeAddress, type Topology } from '../topology/topology.js';

/**
 * What explains a failed exchange from `from` to `to` first: how each end routes to the other,
 * and the neighbour entries the first hop needs.
 */
export function pathProbes(topology: Topology, from: string, to: string): { node: string; argv: string[] }[] {
  const address = (name: string) => {
    const node = findNode(topology, name);
    return node ? nodeAddress(node) : name;
  };
  const sender = findNode(topology, from);
  return [
    { node: from, argv: ['ip', 'route', 'get', address(to)] },
    { node: from, argv: ['ip', 'neigh', 'show'] },
    ...(sender?.kind === 'workload' ? [{ node: sender.host.name, argv: ['ip', 'route', 'get', address(to)] }] : []),
    ...(findNode(topology, to) ? [{ node: to, argv: ['ip', 'route', 'get', address(from)] }] : []),
  ];
}
