import { RESERVED_INTERFACE_NAMES } from '../net/special.js';
import type {
  HostDefinition,
  LabDefinition,
  PoolDefinition,
  SegmentDefinition,
  WorkloadDefinition,
} from '../topology/definition.js';
import type { Fail, Path } from './problems.js';

/**
 * The lab as far as it is valid: every element parsed on its own, so that one bad field hides
 * nothing else. `undefined` marks an element that did not parse (its problems are reported).
 */
export interface Draft {
  segments: (SegmentDefinition | undefined)[];
  hosts: (DraftHost | undefined)[];
  routing?: LabDefinition['routing'];
  encapsulation?: LabDefinition['encapsulation'];
  crossSubnet?: boolean;
  pools: (PoolDefinition | undefined)[];
  bgp?: LabDefinition['bgp'];
  /** Node and segment names as written, also of elements that did not parse. */
  raw: { segments: unknown[]; hosts: unknown[] };
}

export type DraftHost = Omit<HostDefinition, 'workloads'> & { workloads: (WorkloadDefinition | undefined)[] };

export const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
export const rawList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const rawName = (v: unknown): string | undefined =>
  typeof record(v).name === 'string' ? (record(v).name as string) : undefined;

/** The segment a host is on: its own, or the scenario's first (validation says when that is ambiguous). */
export const segmentNameOf = (s: Draft, host: DraftHost): string | undefined =>
  host.segment ?? rawName(s.raw.segments[0]);

/** Records who uses each address (by `key`, its one spelling), failing at the second user. */
export function claimer(owners: Map<string, string>, fail: Fail, key: (address: string) => string = (a) => a) {
  return (address: string, owner: string, path: Path): void => {
    const previous = owners.get(key(address));
    if (previous) fail(path, `duplicate address ${address} (already used by ${previous})`);
    else owners.set(key(address), owner);
  };
}

export const reservedName = (name: string) =>
  `"${name}" is taken: the kernel or testbed names an interface so (${RESERVED_INTERFACE_NAMES.join(', ')})`;
