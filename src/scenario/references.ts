import { familyChecks, type FamilyChecks } from './families.js';
import { vethToken } from './fields.js';
import type { Fail, Path } from './problems.js';

/**
 * The checks a step's references need: that the nodes, hosts and workloads it names exist, and
 * (FamilyChecks) that each address it names or stands for is of a family the lab and the node have.
 */
export interface References extends FamilyChecks {
  /** A host or a workload. */
  node(path: Path, name: string): void;
  host(path: Path, name: string): void;
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
  return {
    ...familyChecks({ nodes, workloads, withAddress6, ipv6Only }, fail, node),
    node,
    host(path, name) {
      if (typeof name === 'string' && !hosts.includes(name))
        fail(path, `"${name}" is not a host (hosts: ${hosts.join(', ')})`);
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
}
