import type { Node } from '../../topology/topology.js';

/**
 * Pure: about how many entries probing every pair of `nodes` makes: in each workload one for its
 * gateway, in each host one per local workload, and one per other host of its segment that holds
 * nodes (or one for its router when the others sit on other segments).
 */
export function neighbourEntriesOfMatrix(nodes: Node[]): number {
  const workloads = nodes.filter((n) => n.kind === 'workload').length;
  const hosts = new Map(nodes.map((n) => [n.host.name, n.host.segment.name]));
  let hostEntries = 0;
  for (const [, segment] of hosts) {
    const peers = [...hosts.values()].filter((s) => s === segment).length - 1;
    hostEntries += peers + (peers < hosts.size - 1 ? 1 : 0);
  }
  return 2 * workloads + hostEntries;
}

/** The sysctl that makes room for `entries` (gc_thresh2 is where the kernel starts reclaiming eagerly). */
export function neighbourLimitFix(entries: number): string {
  const limit = 2 ** Math.ceil(Math.log2(Math.max(2048, entries * 2)));
  return `sysctl -w net.ipv4.neigh.default.gc_thresh3=${limit} net.ipv4.neigh.default.gc_thresh2=${limit / 2}`;
}
