import { isIpv4, parseCidr } from '../net/ipv4.js';
import { contains6, isIpv6, parseCidr6 } from '../net/ipv6.js';
import type { Family } from './fields.js';
import type { Fail, Path } from './problems.js';

/** Which address families the nodes of a lab, as written, have. */
export interface Stack {
  nodes: Set<string>;
  workloads: string[];
  /** Hosts and workloads with an address6. */
  withAddress6: Set<string>;
  /** Workloads without an IPv4 address. */
  ipv6Only: Set<string>;
}

/** A table step's lookup (route, neighbour): `text`, at `path`, is what tells the table's family. */
export interface Lookup {
  path: Path;
  node: string;
  text: string;
  /** What the entry leads to: the kernel keeps IPv6 link-local and multicast ones on any link. */
  destination: string;
  expect: 'present' | 'absent';
  /** The entry as the reason names it, e.g. "table holds no such route". */
  table: string;
}

/**
 * The judgements of address families: every field that names a node or an address, against the
 * lab it will run in, so that a step which can never pass is refused before anything is built.
 */
export interface FamilyChecks {
  /**
   * A step that sends from `from` to `to` (ping, mtu, trace, iperf3). A name stands for the
   * node's address of `family`, which both ends must have; an address is of its own family, which
   * the lab and the sender must have.
   */
  sends(path: Path, step: { from: string; to: string; family?: Family }): void;
  /** A matrix's nodes, each sender and target in `family`; none named: every workload of the family, two at least. */
  among(path: Path, names: string[] | undefined, family: Family): void;
  /** An entry expected present in the node's table of the family of the text. */
  holds(lookup: Lookup): void;
}

const IP = { 4: 'IPv4', 6: 'IPv6' } as const;
const LACKING = { 4: 'has only an IPv6 address', 6: 'has no address6' } as const;
const LINK_LOCAL = { address: 'fe80::', prefix: 10 };
const MULTICAST = { address: 'ff00::', prefix: 8 };

/** The family of a valid address or prefix ("10.20.1.0/24", "fd00::3"); undefined for anything else. */
function familyOfLiteral(text: string): Family | undefined {
  if (isIpv6(text) || parseCidr6(text) !== undefined) return 6;
  return parseCidr(text) !== undefined ? 4 : undefined;
}

/** What a literal is, to start a reason: "fd00::/64 is an IPv6 prefix". */
function written(text: string, family: Family): string {
  if (text === 'default') return "default is IPv4's default route (IPv6's is ::/0)";
  return `${text} is an ${IP[family]} ${text.includes('/') ? 'prefix' : 'address'}`;
}

const noneInLab = (family: Family) =>
  `no node of this lab has ${IP[family]} (give hosts and workloads ${family === 6 ? 'address6' : 'address'})`;

/** Why an address a step sends to is not one, if it is not. */
function addressProblem(text: string): string | undefined {
  if (!text.includes(':')) return isIpv4(text) ? undefined : `"${text}" is not an IPv4 address`;
  if (!isIpv6(text)) return `"${text}" is not an IPv6 address`;
  if (contains6(LINK_LOCAL, text))
    return `"${text}" is link-local: which link cannot be said here; ping a global address`;
  return undefined;
}

/** The kernel routes link-local and multicast IPv6 on every link with IPv6 on, address6 or not. */
function kernelOwn(destination: string): boolean {
  const address = destination.split('/')[0]!;
  return isIpv6(address) && (contains6(LINK_LOCAL, address) || contains6(MULTICAST, address));
}

/** The judges the checks share, over one lab. */
interface Judges {
  fail: Fail;
  node: (path: Path, name: unknown) => void;
  /** A step's `family`: refused when no node of the lab has it; the family names are judged in, if any. */
  familyField(path: Path, family: unknown): Family | undefined;
  /** A name that must stand for an address of the family (none given: only that the node exists). */
  nodeWith(family: Family | undefined): (path: Path, name: unknown) => void;
  /** A literal of `family` at `path`, sent from or looked up in the node `name`. */
  literal(path: Path, name: unknown, text: string, family: Family, consequence: string): void;
  workloadsWith(family: Family): number;
}

// On a step that did not parse, fields may be anything: only strings are names or addresses to judge.
function judges(stack: Stack, fail: Fail, node: Judges['node']): Judges {
  /** The one rule: a node has an address of the family (IPv4: every host, and every workload with `address`). */
  const has = (name: string, family: Family) =>
    family === 6 ? stack.withAddress6.has(name) : !stack.ipv6Only.has(name);
  // A lab whose nodes did not even parse has its own issues; nothing to judge a family against.
  const labHas = (family: Family) => stack.nodes.size === 0 || [...stack.nodes].some((n) => has(n, family));
  return {
    fail,
    node,
    familyField(path, family) {
      if (family !== 4 && family !== 6) return undefined;
      if (labHas(family)) return family;
      fail(path, `is ${family}, and ${noneInLab(family)}`);
      return undefined;
    },
    nodeWith: (family) => (path, name) => {
      if (typeof name !== 'string' || !stack.nodes.has(name) || family === undefined || has(name, family))
        return node(path, name);
      fail(
        path,
        family === 6 ? `${name} has no address6, which family 6 needs` : `${name} ${LACKING[4]}: give family: 6`,
      );
    },
    literal(path, name, text, family, consequence) {
      if (!labHas(family)) return fail(path, `${written(text, family)}, and ${noneInLab(family)}`);
      if (typeof name === 'string' && stack.nodes.has(name) && !has(name, family))
        fail(path, `${written(text, family)}, and ${name} ${LACKING[family]}: ${consequence}`);
    },
    workloadsWith: (family) => stack.workloads.filter((w) => has(w, family)).length,
  };
}

function sends(j: Judges, path: Path, { from, to, family }: { from: string; to: string; family?: Family }): void {
  if (typeof to !== 'string' || (!to.includes(':') && !/^[\d.]+$/.test(to))) {
    const judged = j.familyField([...path, 'family'], family);
    j.nodeWith(judged)([...path, 'from'], from);
    return j.nodeWith(judged)([...path, 'to'], to);
  }
  j.node([...path, 'from'], from);
  const at = [...path, 'to'];
  const problem = addressProblem(to);
  if (problem) return j.fail(at, problem);
  if (family === 6 && !to.includes(':')) return j.fail(at, 'is an IPv4 address, and family 6 names IPv6 ones');
  j.literal(at, from, to, to.includes(':') ? 6 : 4, 'it can never be reached from there');
}

function among(j: Judges, path: Path, names: string[] | undefined, family: Family): void {
  const judged = j.familyField([...path, 'family'], family);
  if (names !== undefined)
    return (Array.isArray(names) ? names : []).forEach((n, i) => j.nodeWith(judged)([...path, 'among', i], n));
  if (judged === undefined) return;
  const count = j.workloadsWith(judged);
  if (count < 2)
    j.fail(
      path,
      `needs two workloads with ${judged === 6 ? 'an address6' : 'an IPv4 address'} or more (the lab has ${count}): or name the nodes in among`,
    );
}

function holds(j: Judges, { path, node, text, destination, expect, table }: Lookup): void {
  if (expect === 'absent' || typeof text !== 'string' || typeof destination !== 'string') return;
  const family = text === 'default' ? 4 : familyOfLiteral(text);
  if (family === undefined || kernelOwn(destination)) return;
  j.literal(path, node, text, family, `its ${IP[family]} ${table}`);
}

export function familyChecks(stack: Stack, fail: Fail, node: Judges['node']): FamilyChecks {
  const j = judges(stack, fail, node);
  return {
    sends: (path, step) => sends(j, path, step),
    among: (path, names, family) => among(j, path, names, family),
    holds: (lookup) => holds(j, lookup),
  };
}
