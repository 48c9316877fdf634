import { isIpv4 } from '../net/ipv4.js';
import { contains6, isIpv6 } from '../net/ipv6.js';
import { vethToken } from './fields.js';
import type { Fail, Path } from './lab-schema.js';

/** The checks a step's references need: that the nodes, hosts and workloads it names exist. */
export interface References {
  /** A host or a workload. */
  node(path: Path, name: string): void;
  host(path: Path, name: string): void;
  /** A node name, or an IPv4 or (global) IPv6 address of anything. */
  nodeOrAddress(path: Path, text: string): void;
  /**
   * Where `from` sends to: a node with an address of the family, or an address literal; an IPv6
   * one from a node without address6 can never be reached. (An IPv4 one from an IPv6-only node
   * needs family 4, which that node cannot send with: `from` is refused already.)
   */
  target(path: Path, from: string, to: string, family: 4 | 6): void;
  /**
   * A route to `to` that `expect`s it present in `node`'s table: a global IPv6 destination needs a
   * node with address6 (without one, only the kernel's link-local and multicast routes are there).
   */
  routeFamily(path: Path, node: string, to: string, expect: 'present' | 'absent'): void;
  /**
   * A node with an address of the family, which its name stands for: IPv4 (every host, and
   * every workload but an IPv6-only one) or IPv6 (`address6`).
   */
  nodeWith(family: 4 | 6): (path: Path, name: string) => void;
  /** At least two workloads have an address of the family (a matrix of every such workload needs a pair). */
  workloadPairOf(path: Path, family: 4 | 6): void;
  /** Every `{veth:WORKLOAD}` in `text` names a workload. */
  veths(path: Path, text: string | undefined): void;
  /** The scenario routes with BGP. */
  bgp(path: Path): void;
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const names = (items: unknown[]): string[] =>
  items.flatMap((i) => (typeof record(i).name === 'string' ? [record(i).name as string] : []));

/**
 * References checked against the scenario as written, even where other parts of it are invalid,
 * so that every problem is reported in one pass.
 */
// eslint-disable-next-line max-lines-per-function -- one table of every name a step may refer to, built in one pass
export function collectReferences(raw: unknown, fail: Fail): References {
  const scenario = record(raw);
  const hostItems = list(scenario.hosts);
  const hosts = names(hostItems);
  const workloadItems = hostItems.flatMap((h) => list(record(h).workloads));
  const workloads = names(workloadItems);
  const nodes = new Set(hostItems.flatMap((h) => names([h, ...list(record(h).workloads)])));
  const withAddress6 = new Set(
    hostItems.flatMap((h) => names([h, ...list(record(h).workloads)].filter((n) => record(n).address6 !== undefined))),
  );
  const ipv6Only = new Set(
    hostItems.flatMap((h) => names(list(record(h).workloads).filter((w) => record(w).address === undefined))),
  );
  // On a step that did not parse, fields may be anything: only strings are names to check.
  const node = (path: Path, name: unknown) => {
    if (typeof name === 'string' && !nodes.has(name))
      fail(path, `unknown node "${name}" (nodes: ${[...nodes].join(', ')})`);
  };
  const nodeWith = (family: 4 | 6) => (path: Path, name: string) => {
    if (typeof name !== 'string' || !nodes.has(name)) return node(path, name);
    if (family === 6 && !withAddress6.has(name)) fail(path, `${name} has no address6, which family 6 needs`);
    if (family === 4 && ipv6Only.has(name)) fail(path, `${name} has only an IPv6 address: give family: 6`);
  };
  const self: References = {
    node,
    host(path, name) {
      if (typeof name === 'string' && !hosts.includes(name))
        fail(path, `"${name}" is not a host (hosts: ${hosts.join(', ')})`);
    },
    nodeOrAddress(path, text) {
      if (typeof text !== 'string') return;
      if (text.includes(':')) {
        if (!isIpv6(text)) fail(path, `"${text}" is not an IPv6 address`);
        else if (contains6({ address: 'fe80::', prefix: 10 }, text))
          fail(path, `"${text}" is link-local: which link cannot be said here; ping a global address`);
      } else if (!/^[\d.]+$/.test(text)) node(path, text);
      else if (!isIpv4(text)) fail(path, `"${text}" is not an IPv4 address`);
    },
    nodeWith,
    target(path, from, to, family) {
      if (typeof to !== 'string' || (!to.includes(':') && !/^[\d.]+$/.test(to))) return nodeWith(family)(path, to);
      self.nodeOrAddress(path, to);
      if (typeof from !== 'string' || !nodes.has(from)) return;
      if (to.includes(':') && !withAddress6.has(from))
        fail(path, `${to} is an IPv6 address, and ${from} has none (no address6): it can never be reached from there`);
    },
    routeFamily(path, name, to, expect) {
      if (
        expect !== 'present' ||
        typeof to !== 'string' ||
        !to.includes(':') ||
        typeof name !== 'string' ||
        !nodes.has(name)
      )
        return;
      // The kernel routes link-local and multicast IPv6 on any link by itself.
      const address = to.split('/')[0]!;
      if (
        isIpv6(address) &&
        (contains6({ address: 'fe80::', prefix: 10 }, address) || contains6({ address: 'ff00::', prefix: 8 }, address))
      )
        return;
      if (!withAddress6.has(name))
        fail(path, `${to} is IPv6, and ${name} has no address6: its IPv6 table holds no such route`);
    },
    workloadPairOf(path, family) {
      const count = workloadItems.filter((w) =>
        family === 6 ? record(w).address6 !== undefined : record(w).address !== undefined,
      ).length;
      if (count < 2)
        fail(
          path,
          `needs two workloads with ${family === 6 ? 'an address6' : 'an IPv4 address'} or more (the lab has ${count}): or name the nodes in among`,
        );
    },
    veths(path, text) {
      if (typeof text !== 'string') return;
      for (const m of text.matchAll(vethToken)) {
        if (!workloads.includes(m[1]!)) fail(path, `{veth:${m[1]}} names no workload`);
      }
    },
    bgp(path) {
      if ((scenario.routing ?? 'static') !== 'bgp') fail(path, 'needs routing: "bgp"');
    },
  };
  return self;
}
